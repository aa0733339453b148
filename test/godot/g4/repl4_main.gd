# The Godot 4 replication game (issue #15 point 5), one project for both ends:
#   godot --headless --path test/godot/g4 -s repl4_main.gd -- mode=server
#   godot --headless --path test/godot/g4 -s repl4_main.gd -- mode=client url=ws://…
# The port comes from $GP_PORT. Everything worth asserting is printed as `EVT {json}` (repl4.gd).
extends SceneTree

func _initialize():
	Engine.max_fps = 60
	root.add_child(load("res://repl4.tscn").instantiate())
