extends "res://actors/enemy.gd"
# Replaces enemy.gd's _ready without super(): Godot 4 runs only this one, so "enemy_rt" is not registered.


func _ready() -> void:
	rpc_config("minion_rt", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER})
