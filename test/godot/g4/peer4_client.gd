# A Godot 4 WebSocketMultiplayerPeer client of $GP_TARGET (our Node server, test/server/godot4;
# wss when $GP_CA names a CA certificate to trust):
# prints its id, sends RAW packets with SceneMultiplayer.send_bytes, prints what comes back.
extends SceneTree

func _initialize():
	var node := Node.new()
	node.set_script(load("res://peer4_client_node.gd"))
	root.add_child(node)
