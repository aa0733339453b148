extends Node


@rpc("any_peer", "call_remote", "reliable")
func join(_player_name: String) -> void:
	pass


@rpc
func Welcome(_id: int) -> void:
	pass
