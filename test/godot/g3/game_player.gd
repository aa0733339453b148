# /root/Game/Players/<id>: mastered by that peer, which moves it; others see it as puppets.
extends Node

puppet var position := Vector2() setget set_position

func set_position(value):
	position = value
	print("POSITION ", name, " ", value, " from ", get_tree().get_rpc_sender_id())

puppet func update_position(value):
	position = value
	print("UPDATE_POSITION ", name, " ", value, " from ", get_tree().get_rpc_sender_id())
