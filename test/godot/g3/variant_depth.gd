# Decodes each "name base64" line of $GP_IN with bytes2var and prints "DECODED name <type id>".
# One line per frame: in 3.x a failing bytes2var raises a script error that aborts the calling
# function, so a refused value prints nothing and the next frame goes on with the next line.
extends SceneTree

var pending := []

func _init():
	var inp := File.new()
	if inp.open(OS.get_environment("GP_IN"), File.READ) != OK:
		print("CANNOT_READ_IN")
		quit(2)
		return
	while not inp.eof_reached():
		var parts := inp.get_line().split(" ")
		if parts.size() == 2:
			pending.append(parts)
	inp.close()

func _idle(_delta):
	if pending.empty():
		quit(0)
		return
	var parts = pending.pop_front()
	print("DECODED ", parts[0], " ", typeof(bytes2var(Marshalls.base64_to_raw(parts[1]))))
