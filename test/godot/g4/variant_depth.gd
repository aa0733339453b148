# Decodes each "name base64" line of $GP_IN with bytes_to_var and prints "DECODED name <type id>"
# (TYPE_NIL when Godot refused the bytes). Used to find the engine's nesting limit.
extends SceneTree

func _initialize():
	var inp := FileAccess.open(OS.get_environment("GP_IN"), FileAccess.READ)
	if inp == null:
		print("CANNOT_READ_IN")
		quit(2)
		return
	while not inp.eof_reached():
		var parts := inp.get_line().split(" ")
		if parts.size() == 2:
			print("DECODED ", parts[0], " ", typeof(bytes_to_var(Marshalls.base64_to_raw(parts[1]))))
	quit(0)
