extends Node

func _ready():
	var url := "ws://127.0.0.1:%s" % OS.get_environment("GP_TARGET")
	var tls: TLSOptions = null
	if OS.get_environment("GP_CA") != "":
		# wss, trusting the test's CA ($GP_CA, PEM).
		var ca := X509Certificate.new()
		if ca.load(OS.get_environment("GP_CA")) != OK:
			print("TLS_LOAD_FAILED")
			get_tree().quit(4)
			return
		url = "wss://127.0.0.1:%s" % OS.get_environment("GP_TARGET")
		tls = TLSOptions.client(ca)
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client(url, tls)
	if err != OK:
		print("CONNECT_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(func(): print("CONNECTION_FAILED"))
	multiplayer.server_disconnected.connect(func(): print("SERVER_DISCONNECTED"))
	multiplayer.peer_packet.connect(_on_packet)
	print("READY")

func _on_connected():
	print("CONNECTED ", multiplayer.get_unique_id())
	var sm := multiplayer as SceneMultiplayer
	sm.send_bytes(PackedByteArray([0xde, 0xad, 0xbe, 0xef]), 1)

func _on_packet(id: int, packet: PackedByteArray):
	print("RAW ", id, " ", packet.hex_encode())
	if packet.size() > 0 and packet[0] == 0x01:
		get_tree().quit(0)
