extends Node

func _ready():
	var port := int(OS.get_environment("GP_PORT"))
	var key := CryptoKey.new()
	var cert := X509Certificate.new()
	if key.load(OS.get_environment("GP_KEY")) != OK or cert.load(OS.get_environment("GP_CERT")) != OK:
		print("TLS_LOAD_FAILED")
		get_tree().quit(4)
		return
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_server(port, "*", TLSOptions.server(key, cert))
	if err != OK:
		print("LISTEN_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(func(id): print("PEER_CONNECTED ", id))
	multiplayer.peer_packet.connect(func(id, packet): print("RAW ", id, " ", packet.hex_encode()); (multiplayer as SceneMultiplayer).send_bytes(packet, id))
	print("READY ", port)
