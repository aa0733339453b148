extends Node

func _ready():
	var port := int(OS.get_environment("GP_PORT"))
	var peer := WebSocketMultiplayerPeer.new()
	if OS.get_environment("GP_PROTOCOLS") != "":
		peer.supported_protocols = PackedStringArray(OS.get_environment("GP_PROTOCOLS").split(","))
	var err := peer.create_server(port)
	if err != OK:
		print("LISTEN_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(func(id): print("PEER_CONNECTED ", id))
	multiplayer.peer_disconnected.connect(func(id): print("PEER_DISCONNECTED ", id))
	multiplayer.peer_packet.connect(_on_packet)
	print("LIMITS ", peer.inbound_buffer_size, " ", peer.outbound_buffer_size, " ", peer.max_queued_packets, " ", peer.handshake_timeout)
	print("READY ", port)

func _on_packet(id: int, packet: PackedByteArray):
	# Small packets in full, large ones by size and first bytes.
	print("RAW ", id, " ", packet.size(), " ", packet.slice(0, 16).hex_encode())
	var sm := multiplayer as SceneMultiplayer
	sm.send_bytes(packet, id)
