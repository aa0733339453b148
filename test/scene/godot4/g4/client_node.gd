# Connects, then calls the server; with GP_ROLE=broadcaster, rpc()s Main.c_hello to everyone once
# another client is announced.
extends Node

func _ready():
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client("ws://127.0.0.1:%d" % int(OS.get_environment("GP_PORT")))
	if err != OK:
		print("CONNECT_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.peer_connected.connect(_on_peer)
	multiplayer.server_disconnected.connect(func(): print("SERVER_DISCONNECTED"))
	print("STARTED")

func _on_connected():
	print("CONNECTED ", multiplayer.get_unique_id())
	var main = get_node("/root/Main")
	main.rpc_id(1, "c_hello", "from godot")
	main.rpc_id(1, "cfg_rpc", 5)
	main.rpc_id(1, "Zed")

func _on_peer(id):
	print("PEER_CONNECTED ", id)
	if id != 1 and OS.get_environment("GP_ROLE") == "broadcaster":
		get_node("/root/Main").rpc("c_hello", "to all")
