# Decodes each "name base64" line of $GP_IN with bytes_to_var and prints
# "REENCODED name <type id> <typed: 0/1> <size> <base64 of var_to_bytes of the value>",
# so a test sees what Godot reads from bytes and how it writes the value back.
extends SceneTree

func _initialize():
	var inp := FileAccess.open(OS.get_environment("GP_IN"), FileAccess.READ)
	if inp == null:
		print("CANNOT_READ_IN")
		quit(2)
		return
	while not inp.eof_reached():
		var parts := inp.get_line().split(" ")
		if parts.size() != 2:
			continue
		var v = bytes_to_var(Marshalls.base64_to_raw(parts[1]))
		var typed := 0
		var size := -1
		if typeof(v) == TYPE_ARRAY:
			typed = 1 if v.is_typed() else 0
			size = v.size()
		elif typeof(v) == TYPE_DICTIONARY:
			typed = 1 if (v.is_typed_key() or v.is_typed_value()) else 0
			size = v.size()
		print("REENCODED ", parts[0], " ", typeof(v), " ", typed, " ", size, " ", Marshalls.raw_to_base64(var_to_bytes(v)))
	quit(0)
