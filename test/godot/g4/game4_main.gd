# The Godot 4 example game, one project for both ends (issue #12 point 8):
#   godot --headless --path test/godot/g4 -s game4_main.gd -- mode=server [auth=1] [relay=0]
#   godot --headless --path test/godot/g4 -s game4_main.gd -- mode=client url=ws://… name=… [token=…]
#         [session=play|idle|kick|variants] [peers=N]
# The port comes from $GP_PORT (or port=…). Everything worth asserting is printed as `EVT {json}`.
# The scene (game4.tscn) and every RPC it declares are listed in game4.gd.
extends SceneTree

func _initialize():
	root.add_child(load("res://game4.tscn").instantiate())
