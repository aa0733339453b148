# The peer is assigned from a node's _ready (SceneTree._initialize is too early in Godot 4).
# Each new peer gets the calls of the reference captures, then a raw packet. With GP_AUTH=1, peers
# authenticate first (auth_timeout = $GP_AUTH_TIMEOUT).
extends Node

func _ready():
	var port := int(OS.get_environment("GP_PORT"))
	if OS.get_environment("GP_AUTH") == "1":
		# The capture's handshake: a challenge on peer_authenticating, "secret" accepted.
		multiplayer.auth_timeout = float(OS.get_environment("GP_AUTH_TIMEOUT"))
		multiplayer.auth_callback = func(id, data):
			print("AUTH ", id, " ", data.get_string_from_utf8())
			if data.get_string_from_utf8() == "secret":
				multiplayer.complete_auth(id)
		multiplayer.peer_authenticating.connect(func(id): multiplayer.send_auth(id, "challenge".to_utf8_buffer()))
		multiplayer.peer_authentication_failed.connect(func(id): print("AUTH_FAILED ", id))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_server(port)
	if err != OK:
		print("LISTEN_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(_on_peer)
	multiplayer.peer_packet.connect(func(id, p): print("RAW ", id, " ", p))
	print("READY ", port)

func _on_peer(id):
	print("PEER_CONNECTED ", id)
	var main = get_node("/root/Main")
	main.rpc_id(id, "r_one", 42)
	main.rpc_id(id, "r_three", "hi", 3.5, Vector2(1, 2))
	main.rpc_id(id, "bytes_only", PackedByteArray([1, 2, 3]))
	main.rpc_id(id, "bytes_only", PackedByteArray())
	get_node("/root/Main/Child").rpc_id(id, "child_rpc", &"sn", ^"A/B:c")
	multiplayer.send_bytes(PackedByteArray([0xAA, 0xBB]), id)
