# A player: its synchronizer belongs to the peer it is named after (each client owns its player).
extends Node2D

var hp := 100

func _enter_tree():
	$Sync.set_multiplayer_authority(str(name).to_int())
