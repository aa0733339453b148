# /root/Main/World/Players/<id>: a mover, whose authority is peer <id>; it moves itself and everyone
# else (server and, with server_relay, the other clients) sees the moves.
extends Node

const Log = preload("res://game4_log.gd")

var position := Vector2()

@rpc("authority", "call_remote", "unreliable_ordered", 1)
func update_position(p):
	position = p
	Log.evt("position", {"node": str(name), "from": multiplayer.get_remote_sender_id(), "value": Log.show(p)})
