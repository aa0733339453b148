# The example game's server, Godot 3 (WebSocketServer, gd_mp_api = true) on $GP_PORT.
# Nodes: /root/Game (game.gd), /root/Game/Players/<id> (game_player.gd),
# /root/Game/Modes and /root/Game/Modes/Nested/Deeper (game_modes.gd), /root/Control.
extends SceneTree

var server := WebSocketServer.new()

func _init():
	var game = load("res://game.gd").new()
	game.name = "Game"
	root.add_child(game)
	var control = load("res://game_control.gd").new()
	control.name = "Control"
	root.add_child(control)

	var port := int(OS.get_environment("GP_PORT"))
	var err := server.listen(port, PoolStringArray(), true)
	if err != OK:
		print("LISTEN_FAILED ", err)
		quit(3)
		return
	network_peer = server
	connect("network_peer_connected", self, "_on_connected")
	connect("network_peer_disconnected", self, "_on_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")
	print("READY ", port)

func _on_connected(id):
	print("PEER_CONNECTED ", id)

func _on_disconnected(id):
	print("PEER_DISCONNECTED ", id)
	# Deferred: in this signal the engine still has the leaving peer in its relay map, and an
	# rpc() to everyone now would print put_packet errors for it (an engine race, not the bots').
	root.get_node("Game").call_deferred("forget", id)

# Raw packets (send_bytes): logged, and echoed to the sender reversed, so a test sees both directions.
func _on_packet(id, bytes):
	print("RAW ", id, " ", Array(bytes))
	var reply := PoolByteArray()
	for i in range(bytes.size() - 1, -1, -1):
		reply.append(bytes[i])
	get_multiplayer().send_bytes(reply, id)
