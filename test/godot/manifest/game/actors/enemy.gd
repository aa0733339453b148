extends BaseActor
# Derived by class_name. base_hit is overridden without @rpc.


func base_hit(_damage: int) -> void:
	pass


@rpc
func e_roar() -> void:
	pass


func _ready() -> void:
	rpc_config("enemy_rt", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER, "channel": 1})
