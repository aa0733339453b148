extends BaseActor
# Derived by class_name. base_hit is overridden without @rpc.


func base_hit(_damage: int) -> void:
	pass


@rpc
func e_roar() -> void:
	pass
