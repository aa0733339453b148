# The peer is assigned from a node's _ready (SceneTree._initialize is too early in Godot 4).
# Each new peer gets the calls of the reference captures, then a raw packet.
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
