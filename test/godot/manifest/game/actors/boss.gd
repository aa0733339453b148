extends "enemy.gd"
# Derived by a path relative to this file, two levels above BaseActor.


@rpc("call_local", "reliable", "any_peer", 1)
func boss_rage() -> void:
	pass


# Chains to enemy.gd's _ready: both runtime names register.
func _ready() -> void:
	super()
	rpc_config("boss_rt", {"rpc_mode": MultiplayerAPI.RPC_MODE_AUTHORITY, "call_local": true})
