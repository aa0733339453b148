extends Node

func _ready():
	var port := int(OS.get_environment("GP_PORT"))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_server(port)
	if err != OK:
		print("LISTEN_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(func(id): print("PEER_CONNECTED ", id))
	multiplayer.peer_disconnected.connect(func(id): print("PEER_DISCONNECTED ", id))
	print("READY ", port)
