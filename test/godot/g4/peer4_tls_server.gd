# Godot 4 WebSocketMultiplayerPeer server over wss on $GP_PORT, with the key and certificate at
# $GP_KEY / $GP_CERT (PEM); echoes RAW packets like peer4_server.gd.
extends SceneTree

func _initialize():
	var node := Node.new()
	node.set_script(load("res://peer4_tls_server_node.gd"))
	root.add_child(node)
