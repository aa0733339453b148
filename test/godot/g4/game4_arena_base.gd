# /root/Main/World/Arena/Outpost, and the base of /root/Main/World/Arena (game4_arena.gd):
# its two @rpc methods are inherited, so they count in Arena's method ids and MD5 too.
extends Node

const Log = preload("res://game4_log.gd")

@rpc("authority", "call_remote", "reliable", 0)
func Base_auth(x): Log.call_evt(self, "Base_auth", [x])

@rpc("any_peer", "call_remote", "unreliable", 1)
func base_any(x): Log.call_evt(self, "base_any", [x])
