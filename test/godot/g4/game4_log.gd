# One machine-readable line per thing a test may assert: `EVT {"ev": …, …}`.
# Values go through var_to_str (as strings), so any Variant prints; byte arrays as int lists.
extends RefCounted

static func evt(ev: String, data := {}) -> void:
	var d := {"ev": ev}
	d.merge(data)
	print("EVT ", JSON.stringify(d))

static func show(v) -> String:
	return var_to_str(v).replace("\n", " ")

# Where an RPC landed and who sent it, for every @rpc method of the game's nodes.
static func call_evt(node: Node, method: String, args: Array) -> void:
	var shown := []
	for a in args:
		shown.append(show(a))
	evt("call", {"node": str(node.get_path()), "method": method,
		"from": node.multiplayer.get_remote_sender_id(), "me": node.multiplayer.get_unique_id(),
		"args": shown})
