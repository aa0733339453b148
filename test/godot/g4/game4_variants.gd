# /root/Main/Variants: every Variant a test gives is sent as a compressed RPC argument and sent back.
# Both ends print what they received as var_to_bytes in base64, so a test compares with its corpus.
#   variant_in(name, value)   client → server; the server answers variant_back(name, value)
#   variant_one(value)        one argument alone (a PackedByteArray goes byte-only); answered with
#                             variant_one_back(value). A lone empty PackedByteArray arrives as no
#                             argument at all, hence the defaults.
# An Object goes as its instance id: the receiver gets an EncodedObjectAsID ("object_id"), and
# sending that on sends the receiver's own instance ("instance_id") of it.
extends Node

const Log = preload("res://game4_log.gd")

var one_seq := 0
var back_seq := 0

func _b64(v) -> String:
	return Marshalls.raw_to_base64(var_to_bytes(v))

func _seen(side: String, fields: Dictionary, value) -> Dictionary:
	fields["side"] = side
	fields["type"] = typeof(value)
	fields["b64"] = _b64(value)
	if value is EncodedObjectAsID:
		fields["object_id"] = str(value.get_object_id())
		fields["instance_id"] = str(value.get_instance_id())
	return fields

@rpc("any_peer", "call_remote", "reliable", 0)
func variant_in(vname: String, value):
	Log.evt("variant", _seen("server", {"name": vname}, value))
	variant_back.rpc_id(multiplayer.get_remote_sender_id(), vname, value)

@rpc("authority", "call_remote", "reliable", 0)
func variant_back(vname: String, value):
	Log.evt("variant", _seen("client", {"name": vname}, value))
	backs += 1

@rpc("any_peer", "call_remote", "reliable", 0)
func variant_one(value = null):
	Log.evt("variant_one", _seen("server", {"seq": one_seq}, value))
	one_seq += 1
	variant_one_back.rpc_id(multiplayer.get_remote_sender_id(), value)

@rpc("authority", "call_remote", "reliable", 0)
func variant_one_back(value = null):
	Log.evt("variant_one", _seen("client", {"seq": back_seq}, value))
	back_seq += 1

var backs := 0

# Client session "variants": each "name base64(var_to_bytes)" line of `path`, sent both ways above.
func send_file(path: String) -> void:
	var f := FileAccess.open(path, FileAccess.READ)
	if f == null:
		Log.evt("variants_failed", {"path": path})
		return
	var sent := 0
	while not f.eof_reached():
		var parts := f.get_line().split(" ")
		if parts.size() != 2:
			continue
		var value = bytes_to_var(Marshalls.base64_to_raw(parts[1]))
		if value is Object:
			Log.evt("variant_sent", {"name": parts[0], "instance_id": str(value.get_instance_id())})
		variant_in.rpc_id(1, parts[0], value)
		variant_one.rpc_id(1, value)
		sent += 1
	while back_seq < sent or backs < sent:
		await get_tree().process_frame
	Log.evt("variants_done", {"sent": sent})
