extends Node


@rpc("authority", "unreliable")
func hb_flash() -> void:
	pass


func _enter_tree() -> void:
	rpc_config("hb_runtime", {"rpc_mode": MultiplayerAPI.RPC_MODE_AUTHORITY})
