extends "enemy.gd"
# Derived by a path relative to this file, two levels above BaseActor.


@rpc("call_local", "reliable", "any_peer", 1)
func boss_rage() -> void:
	pass
