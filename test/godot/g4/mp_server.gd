# A Godot 4 high-level multiplayer server (WebSocketMultiplayerPeer) on $GP_PORT.
# The peer is assigned from a node's _ready: SceneTree._initialize is too early in Godot 4.
extends SceneTree

func _initialize():
	var node := Node.new()
	node.set_script(load("res://mp_server_node.gd"))
	root.add_child(node)
