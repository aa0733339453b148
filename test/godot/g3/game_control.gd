# /root/Control: lets a test drive the server (call back, rset, kick, refuse, quit).
# A test double's remote control, not part of the game.
extends Node

remote func call_peer(target, path, method, args):
	print("CONTROL call_peer ", target, " ", path, " ", method)
	get_node("/root/" + path).callv("rpc_id" if target != 0 else "rpc", ([target] if target != 0 else []) + [method] + args)

remote func call_unreliable(target, path, method, args):
	get_node("/root/" + path).callv("rpc_unreliable_id", [target, method] + args)

remote func set_peer(target, path, property, value):
	print("CONTROL set_peer ", target, " ", path, " ", property)
	if target == 0:
		get_node("/root/" + path).rset(property, value)
	else:
		get_node("/root/" + path).rset_id(target, property, value)

remote func send_raw(target, bytes):
	get_multiplayer().send_bytes(bytes, target)

remote func kick(id):
	print("CONTROL kick ", id)
	get_tree().network_peer.disconnect_peer(id)

remote func refuse(yes):
	get_tree().refuse_new_network_connections = yes

remote func set_master(path, id):
	get_node("/root/" + path).set_network_master(id)

remote func quit(code):
	get_tree().quit(code)
