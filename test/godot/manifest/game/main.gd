extends Node
# The multiplayer root's main node. Names are declared out of code-point order on purpose:
# Godot sorts them by code point ("A-Z" < "_" < "a-z").
# A comment that says @rpc func not_an_rpc(): must not count.

const MODE := "any_peer"
const HELP := "@rpc(\"any_peer\") func fake_in_string(): is text, not code"
const MULTI := """
@rpc
func fake_in_multiline_string():
	pass
"""

@rpc("any_peer", "call_local", "unreliable", 2)
func r_zero() -> void:
	pass


@rpc
func Zed() -> void:
	pass


@rpc("unreliable_ordered", "call_remote", "authority", 1) func c_hello(_who: String) -> void:
	pass


@rpc(MODE)
# A comment between an annotation and its function.
func _under() -> void:
	pass


@rpc(
	"reliable",
	"any_peer",
)
func r_one(_n: int) -> void:
	pass


@rpc("call_local") func r_three(): pass


@warning_ignore("unused_parameter") @rpc("any_peer", "unreliable")
func bytes_only(data: PackedByteArray) -> void:
	pass


@rpc(&"authority", "call_remote", "unreliable", 0x3)
func Alpha() -> void:
	pass


@rpc
static func s_static() -> void:
	pass


func not_rpc() -> void:
	var s := "@rpc"
	print(s, HELP, MULTI)


func _ready() -> void:
	rpc_config("cfg_rpc", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER, "call_local": true, "transfer_mode": MultiplayerPeer.TRANSFER_MODE_UNRELIABLE, "channel": 2})
	self.rpc_config(&"Cfg_num", {
		"rpc_mode": 2,
		"transfer_mode": 1,
		"channel": 4,
	})


class Inner:
	extends Node

	@rpc("any_peer")
	func inner_rpc() -> void:
		pass
