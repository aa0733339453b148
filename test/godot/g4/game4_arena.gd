# /root/Main/World/Arena: one method per rpc mode / call side / transfer mode / channel, declared
# out of sorted order (upper case, "_", lower case), plus the two inherited from game4_arena_base.gd
# and three names configured at run time with rpc_config (node-level ids 0x8000…).
# The server is the authority of this node. Every call that runs prints an EVT "call" line; the ones
# the engine refuses show as its own ERROR "RPC '…' is not allowed on node …".
#
# Script method ids (code-point order): 0 Auth_local, 1 Base_auth, 2 Local_any, 3 Upper_any,
# 4 _any_under, 5 _auth_only, 6 alpha_local, 7 base_any, 8 default_rpc, 9 move, 10 zz_ordered.
# Node-level: 0x8000 cfg_any, 0x8001 cfg_auth, 0x8002 cfg_disabled.
extends "res://game4_arena_base.gd"

@rpc("any_peer", "call_remote", "unreliable_ordered", 2)
func zz_ordered(x): Log.call_evt(self, "zz_ordered", [x])

@rpc("any_peer", "call_local", "reliable", 0)
func Local_any(x): Log.call_evt(self, "Local_any", [x])

@rpc("authority", "call_remote", "reliable", 0)
func _auth_only(x): Log.call_evt(self, "_auth_only", [x])

@rpc("any_peer", "call_remote", "unreliable", 1)
func move(x): Log.call_evt(self, "move", [x])

@rpc("authority", "call_local", "unreliable", 2)
func Auth_local(x): Log.call_evt(self, "Auth_local", [x])

@rpc("any_peer", "call_remote", "reliable", 1)
func _any_under(x): Log.call_evt(self, "_any_under", [x])

@rpc("any_peer", "call_local", "unreliable_ordered", 1)
func alpha_local(x): Log.call_evt(self, "alpha_local", [x])

@rpc
func default_rpc(x): Log.call_evt(self, "default_rpc", [x])

@rpc("any_peer", "call_remote", "reliable", 2)
func Upper_any(x): Log.call_evt(self, "Upper_any", [x])

func cfg_any(x): Log.call_evt(self, "cfg_any", [x])
func cfg_auth(x): Log.call_evt(self, "cfg_auth", [x])
func cfg_disabled(x): Log.call_evt(self, "cfg_disabled", [x])

func _ready():
	rpc_config("cfg_disabled", {"rpc_mode": MultiplayerAPI.RPC_MODE_DISABLED})
	rpc_config("cfg_any", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER,
		"transfer_mode": MultiplayerPeer.TRANSFER_MODE_UNRELIABLE, "call_local": false, "channel": 1})
	rpc_config("cfg_auth", {"rpc_mode": MultiplayerAPI.RPC_MODE_AUTHORITY,
		"transfer_mode": MultiplayerPeer.TRANSFER_MODE_RELIABLE, "call_local": true, "channel": 2})
