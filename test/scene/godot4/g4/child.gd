# /root/Main/Child
extends Node

@rpc("any_peer")
func child_rpc(a, b): print("CALL child_rpc(", a, ", ", b, ")")
