# /root/Main: the test script of the reference captures (seven @rpc functions, one rpc_config name).
extends Node

func _ready():
	rpc_config("cfg_rpc", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER})

@rpc("any_peer", "call_remote", "unreliable", 2)
func Zed(): print("CALL Zed() from ", multiplayer.get_remote_sender_id())
@rpc("any_peer")
func _under(): print("CALL _under()")
@rpc("any_peer")
func bytes_only(b: PackedByteArray): print("CALL bytes_only(", b, ")")
@rpc("any_peer")
func c_hello(s): print("CALL c_hello(", s, ") from ", multiplayer.get_remote_sender_id())
@rpc("any_peer")
func r_one(x): print("CALL r_one(", x, ")")
@rpc("any_peer")
func r_three(a, b, c): print("CALL r_three(", type_string(typeof(a)), " ", a, ", ", type_string(typeof(b)), " ", b, ", ", c, ")")
@rpc
func r_zero(): print("CALL r_zero()")
func cfg_rpc(x): print("CALL cfg_rpc(", x, ")")
