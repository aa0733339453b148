# Prints "SHOW <name> <var_to_str on one line>" for each "name base64(var_to_bytes)" line of $GP_IN:
# how the Godot 4 game's Log.show() prints a value, for our server's var_to_str to match.
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
			var v = bytes_to_var(Marshalls.base64_to_raw(parts[1]))
			print("SHOW ", parts[0], " ", var_to_str(v).replace("\n", " "))
	quit(0)
