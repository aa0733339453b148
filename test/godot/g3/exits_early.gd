# Quits before it is ready: startGodot must reject and show this output.
extends SceneTree

func _init():
	print("fixture giving up on purpose")
	quit(7)
