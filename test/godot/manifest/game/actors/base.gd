class_name BaseActor extends Node2D
## Base of the actors: its @rpc methods are inherited by every derived script.

@rpc("any_peer", "call_local")
func base_hit(_damage: int) -> void:
	pass


@rpc
func Shared() -> void:
	pass
