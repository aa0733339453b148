extends "res://actors/base.gd"
# Derived by path: base_hit and Shared come from the base; Shared is given another config.


@rpc("any_peer", "unreliable_ordered", "call_remote", 3)
func Shared() -> void:
	pass


@rpc("any_peer")
func p_move(_to: Vector2) -> void:
	pass
