# /root/Game/Modes and /root/Game/Modes/Nested/Deeper: one function and one property per rpc mode.
# Every call or set that Godot lets through is printed; refused ones show as Godot's own ERROR.
extends Node

func _log(what, value):
	print("MODE ", get_path(), " ", what, " from ", get_tree().get_rpc_sender_id(), " ", var2str(value).replace("\n", " "))

remote func f_remote(x): _log("f_remote", x)
remotesync func f_remotesync(x): _log("f_remotesync", x)
master func f_master(x): _log("f_master", x)
puppet func f_puppet(x): _log("f_puppet", x)
mastersync func f_mastersync(x): _log("f_mastersync", x)
puppetsync func f_puppetsync(x): _log("f_puppetsync", x)
func f_disabled(x): _log("f_disabled", x)

remote var v_remote = 0 setget _set_v_remote
remotesync var v_remotesync = 0 setget _set_v_remotesync
master var v_master = 0 setget _set_v_master
puppet var v_puppet = 0 setget _set_v_puppet
var v_disabled = 0 setget _set_v_disabled

func _set_v_remote(v):
	v_remote = v
	_log("v_remote", v)

func _set_v_remotesync(v):
	v_remotesync = v
	_log("v_remotesync", v)

func _set_v_master(v):
	v_master = v
	_log("v_master", v)

func _set_v_puppet(v):
	v_puppet = v
	_log("v_puppet", v)

func _set_v_disabled(v):
	v_disabled = v
	_log("v_disabled", v)

