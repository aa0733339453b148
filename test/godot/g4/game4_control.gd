# /root/Main/Control: lets a client (or a test's bot) drive the server: call a client back, send raw
# packets to any target (0, -1, -X, X), kick. A test double's remote control, as in the Godot 3 game.
extends Node

const Log = preload("res://game4_log.gd")

# rpc_id(target, …) on the node at Main-relative `path`; target 0 = rpc() to everyone.
@rpc("any_peer", "call_remote", "reliable", 0)
func call_peer(target: int, path: String, method: String, args: Array):
	Log.evt("control", {"what": "call_peer", "target": target, "path": path, "method": method})
	var node := get_node("/root/" + path)
	if target == 0:
		node.callv("rpc", [method] + args)
	else:
		node.callv("rpc_id", [target, method] + args)

@rpc("any_peer", "call_remote", "reliable", 0)
func send_raw(target: int, bytes: PackedByteArray):
	Log.evt("control", {"what": "send_raw", "target": target, "bytes": Array(bytes)})
	multiplayer.send_bytes(bytes, target)

@rpc("any_peer", "call_remote", "reliable", 0)
func kick(id: int):
	Log.evt("control", {"what": "kick", "target": id})
	multiplayer.multiplayer_peer.disconnect_peer(id)
