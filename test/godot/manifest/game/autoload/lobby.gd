extends Node


@rpc("any_peer", "call_remote", "reliable")
func join(_player_name: String) -> void:
	pass


@rpc
func Welcome(_id: int) -> void:
	pass


@rpc("any_peer")

# A blank line and a comment between the annotation and its function.
func blank_after() -> void:
	pass


@rpc("authority", "call_local")
@warning_ignore("unused_parameter")
func before_other_annotation(x: int) -> void:
	pass


var _r := r"@rpc \" func in_raw_string(): pass"


class InnerLobby extends Node:
	@rpc
	func inner_lobby() -> void:
		pass
