# A real Godot 3 client of the example game (WebSocketClient, gd_mp_api = true), connecting to
# $GP_SERVER_URL. It plays a fixed script so its bytes can be captured and compared with ours:
# join, chat, ping, echo, rset, update_position, send_bytes, then waits ($GP_STAY=1) or leaves.
extends SceneTree

var client := WebSocketClient.new()
var step := 0

func _init():
	var game = load("res://game.gd").new()
	game.name = "Game"
	root.add_child(game)
	var err := client.connect_to_url(OS.get_environment("GP_SERVER_URL"), PoolStringArray(), true)
	if err != OK:
		print("CONNECT_FAILED ", err)
		quit(4)
		return
	network_peer = client
	connect("connected_to_server", self, "_on_connected")
	connect("connection_failed", self, "_on_failed")
	connect("server_disconnected", self, "_on_server_disconnected")
	connect("network_peer_connected", self, "_on_peer_connected")
	connect("network_peer_disconnected", self, "_on_peer_disconnected")
	multiplayer.connect("network_peer_packet", self, "_on_packet")

func _on_connected():
	var id = get_network_unique_id()
	print("CONNECTED ", id)
	var me = load("res://game_player.gd").new()
	me.name = str(id)
	me.set_network_master(id)
	root.get_node("Game/Players").add_child(me)
	var game = root.get_node("Game")
	if OS.get_environment("GP_SCRIPT") == "idle":
		return
	game.rpc_id(1, "join", "godot-client")
	game.rpc_id(1, "chat", "hello from godot")
	game.rpc_id(1, "ping", 7)
	game.rpc_id(1, "echo", 1, 2.5, "three", Vector2(4, 5))
	game.rpc_id(1, "chat", "second call uses the cached path")
	root.get_node("Game/Modes").rset_id(1, "v_remote", 42)
	root.get_node("Game/Modes/Nested/Deeper").rpc_id(1, "f_remote", "deep")
	me.rpc("update_position", Vector2(1.5, -2))
	get_multiplayer().send_bytes(PoolByteArray([1, 2, 3]), 1)
	print("SCRIPT_DONE")

func _on_failed():
	print("CONNECTION_FAILED")
	quit(5)

func _on_server_disconnected():
	print("SERVER_DISCONNECTED")
	quit(0)

func _on_peer_connected(id):
	print("PEER_CONNECTED ", id)
	# Other players' nodes, mastered by them, so their position updates are accepted here.
	if id != 1 and not root.has_node("Game/Players/" + str(id)):
		var other = load("res://game_player.gd").new()
		other.name = str(id)
		other.set_network_master(id)
		root.get_node("Game/Players").add_child(other)

func _on_peer_disconnected(id):
	print("PEER_DISCONNECTED ", id)

func _on_packet(id, bytes):
	print("RAW ", id, " ", Array(bytes))
