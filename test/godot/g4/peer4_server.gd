# Godot 4 WebSocketMultiplayerPeer server on $GP_PORT for the transport tests (test/multiplayer/godot4):
# prints what peers send with SceneMultiplayer.send_bytes (RAW, cmd 3) and echoes it back.
extends SceneTree

func _initialize():
	var node := Node.new()
	node.set_script(load("res://peer4_server_node.gd"))
	root.add_child(node)
