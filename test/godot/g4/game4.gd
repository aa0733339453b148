# /root/Main of the Godot 4 example game (game4.tscn), server or client by its command line.
#
#   /root/Main                  this script: join, chat, ping, echo, kick_me (any_peer, to the server);
#                               welcome, player_joined, player_left, chat_message, pong, echoed
#                               (authority: the server calls them on clients)
#   /root/Main/World/Arena      game4_arena.gd: every rpc mode, call side, transfer mode, channel
#   /root/Main/World/Arena/Outpost   game4_arena_base.gd: Base_auth, base_any
#   /root/Main/World/Players/<id>    game4_player.gd: update_position (authority = peer <id>)
#   /root/Main/Control          game4_control.gd: call_peer, send_raw, kick
#   /root/Main/Variants         game4_variants.gd: variant_in/back, variant_one/back
#
# Server: raw packets are printed and echoed to their sender reversed. With auth=1 a peer must send
# a token "good-<anything>"; any other token gets it kicked at once, silence gets it timed out.
extends Node

const Log = preload("res://game4_log.gd")
const Player = preload("res://game4_player.gd")

var opts := {}
var players := {}
var others := {}      # client side: other clients seen (server_relay)
var started := false
var pongs := {}
var byes := {}

func _ready():
	for a in OS.get_cmdline_user_args():
		var kv := a.split("=", true, 1)
		opts[kv[0]] = kv[1] if kv.size() > 1 else "1"
	multiplayer.peer_connected.connect(_on_peer_connected)
	multiplayer.peer_disconnected.connect(_on_peer_disconnected)
	multiplayer.peer_packet.connect(_on_packet)
	multiplayer.peer_authenticating.connect(_on_authenticating)
	multiplayer.peer_authentication_failed.connect(
		func(id): Log.evt("peer_authentication_failed", {"id": id}))
	if opts.get("mode", "server") == "server":
		_serve()
	else:
		_join()

func _opt_int(key: String, default: int) -> int:
	return int(opts[key]) if opts.has(key) else default

func _peers() -> Array:
	var p := Array(multiplayer.get_peers())
	p.sort()
	return p

# --- server ---

func _serve():
	var port := _opt_int("port", int(OS.get_environment("GP_PORT")))
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_server(port, "127.0.0.1")
	if err != OK:
		print("LISTEN_FAILED ", err)
		get_tree().quit(3)
		return
	multiplayer.server_relay = opts.get("relay", "1") != "0"
	if opts.get("auth", "0") != "0":
		multiplayer.auth_callback = _server_auth
		multiplayer.auth_timeout = float(opts.get("auth_timeout", "3"))
	multiplayer.multiplayer_peer = peer
	Log.evt("listening", {"port": port, "relay": multiplayer.server_relay,
		"auth": multiplayer.auth_callback.is_valid()})
	print("READY ", port)

func _server_auth(id: int, data: PackedByteArray):
	var token := data.get_string_from_utf8()
	var ok := token.begins_with("good-")
	Log.evt("auth", {"id": id, "token": token, "ok": ok})
	if ok:
		multiplayer.complete_auth(id)
	else:
		multiplayer.multiplayer_peer.disconnect_peer(id)

@rpc("any_peer", "call_remote", "reliable", 0)
func join(player_name: String):
	var id := multiplayer.get_remote_sender_id()
	players[id] = player_name
	_add_player(id)
	Log.evt("join", {"id": id, "name": player_name})
	welcome.rpc_id(id, id, players)
	player_joined.rpc(id, player_name)

@rpc("any_peer", "call_remote", "reliable", 0)
func chat(text: String):
	var id := multiplayer.get_remote_sender_id()
	Log.evt("chat", {"id": id, "text": text})
	chat_message.rpc(id, text)

@rpc("any_peer", "call_remote", "reliable", 0)
func ping(seq: int):
	var id := multiplayer.get_remote_sender_id()
	Log.evt("ping", {"id": id, "seq": seq})
	pong.rpc_id(id, seq)

@rpc("any_peer", "call_remote", "reliable", 0)
func echo(a = null, b = null, c = null, d = null, e = null, f = null, g = null, h = null):
	var args := [a, b, c, d, e, f, g, h]
	while args.size() > 0 and args[args.size() - 1] == null:
		args.pop_back()
	var id := multiplayer.get_remote_sender_id()
	Log.evt("echo", {"id": id, "args": Log.show(args)})
	callv("rpc_id", [id, "echoed"] + args)

@rpc("any_peer", "call_remote", "reliable", 0)
func kick_me():
	var id := multiplayer.get_remote_sender_id()
	Log.evt("kick", {"id": id})
	multiplayer.multiplayer_peer.disconnect_peer(id)

func _forget(id: int):
	if not players.has(id):
		return
	players.erase(id)
	var p := get_node_or_null("World/Players/" + str(id))
	if p:
		p.queue_free()
	if not _peers().is_empty():
		player_left.rpc(id)

# --- called by the server on clients ---

@rpc("authority", "call_remote", "reliable", 0)
func welcome(id: int, all_players: Dictionary):
	Log.evt("welcome", {"id": id, "players": all_players.size()})

@rpc("authority", "call_remote", "reliable", 0)
func player_joined(id: int, player_name: String):
	Log.evt("player_joined", {"id": id, "name": player_name})

@rpc("authority", "call_remote", "reliable", 0)
func player_left(id: int):
	Log.evt("player_left", {"id": id})

@rpc("authority", "call_remote", "reliable", 0)
func chat_message(from_id: int, text: String):
	Log.evt("chat_message", {"from": from_id, "text": text})
	if text == "bye":
		byes[from_id] = true

@rpc("authority", "call_remote", "reliable", 0)
func pong(seq: int):
	Log.evt("pong", {"seq": seq})
	pongs[seq] = true

@rpc("authority", "call_remote", "reliable", 0)
func echoed(a = null, b = null, c = null, d = null, e = null, f = null, g = null, h = null):
	var args := [a, b, c, d, e, f, g, h]
	while args.size() > 0 and args[args.size() - 1] == null:
		args.pop_back()
	Log.evt("echoed", {"args": Log.show(args)})

# --- both sides ---

func _add_player(id: int):
	if has_node("World/Players/" + str(id)):
		return
	var p := Player.new()
	p.name = str(id)
	p.set_multiplayer_authority(id)
	get_node("World/Players").add_child(p)

func _on_peer_connected(id: int):
	Log.evt("peer_connected", {"id": id})
	if multiplayer.is_server():
		return
	if id != 1:
		others[id] = true
		_add_player(id)
	_maybe_start()

func _on_peer_disconnected(id: int):
	Log.evt("peer_disconnected", {"id": id})
	if multiplayer.is_server():
		_forget.call_deferred(id)
	else:
		others.erase(id)

func _on_packet(id: int, bytes: PackedByteArray):
	Log.evt("raw", {"from": id, "bytes": Array(bytes)})
	if multiplayer.is_server():
		var reply := bytes.duplicate()
		reply.reverse()
		multiplayer.send_bytes(reply, id)

func _on_authenticating(id: int):
	Log.evt("peer_authenticating", {"id": id})
	if not multiplayer.is_server() and id == 1:
		multiplayer.send_auth(1, opts.get("token", "").to_utf8_buffer())
		multiplayer.complete_auth(1)

# --- client ---

func _join():
	var peer := WebSocketMultiplayerPeer.new()
	var err := peer.create_client(opts.get("url", "ws://127.0.0.1:%d" % _opt_int("port", 0)))
	if err != OK:
		Log.evt("connect_failed", {"err": err})
		get_tree().quit(4)
		return
	if opts.has("token"):
		# A callback puts the server in the pending state, so our token goes before anything else.
		multiplayer.auth_callback = func(_id, data): Log.evt("auth_data", {"bytes": Array(data)})
	multiplayer.connected_to_server.connect(_on_connected)
	multiplayer.connection_failed.connect(func():
		Log.evt("connection_failed")
		get_tree().quit(5))
	multiplayer.server_disconnected.connect(func():
		Log.evt("server_disconnected")
		get_tree().quit(0))
	multiplayer.multiplayer_peer = peer
	print("READY client")

func _on_connected():
	var id := multiplayer.get_unique_id()
	Log.evt("connected", {"id": id})
	_add_player(id)
	_maybe_start()

# The session starts once connected and once `peers` other clients are known.
func _maybe_start():
	if started or multiplayer.multiplayer_peer.get_connection_status() != MultiplayerPeer.CONNECTION_CONNECTED:
		return
	if multiplayer.get_unique_id() == 1 or others.size() < _opt_int("peers", 0):
		return
	if multiplayer.is_server():
		return
	started = true
	var session: String = opts.get("session", "play")
	if session == "play":
		_play()
	elif session == "kick":
		join.rpc_id(1, opts.get("name", "kicked"))
		kick_me.rpc_id(1)
	elif session == "kick_other":
		var victims := others.keys()
		victims.sort()
		get_node("Control").kick.rpc_id(1, victims[0])
	elif session == "variants":
		get_node("Variants").send_file(OS.get_environment("GP_IN"))
	# "idle": connect and stay.

func _wait_pong(seq: int) -> void:
	ping.rpc_id(1, seq)
	while not pongs.has(seq):
		await get_tree().process_frame

func _play():
	var me := multiplayer.get_unique_id()
	var arena := get_node("World/Arena")
	var control := get_node("Control")
	var my_player: Node = get_node("World/Players/" + str(me))
	var ids := others.keys()
	ids.sort()
	join.rpc_id(1, opts.get("name", "godot"))
	chat.rpc_id(1, "hello from " + opts.get("name", "godot"))
	echo.rpc_id(1, 1, 2.5, "three", Vector2(4, 5))
	await _wait_pong(1)
	# Accepted by the server: any_peer methods, each transfer mode and channel, call_local ones too.
	arena.move.rpc_id(1, Vector2(1, 2))
	arena.zz_ordered.rpc_id(1, 3)
	arena._any_under.rpc_id(1, "under")
	arena.Upper_any.rpc_id(1, "upper")
	arena.base_any.rpc_id(1, "inherited")
	arena.Local_any.rpc("local")           # runs here too, and (relay) on the other clients
	arena.alpha_local.rpc_id(1, "alpha")   # rpc_id to the server: call_local does not run it here
	arena.rpc_id(1, "cfg_any", "runtime")
	get_node("World/Arena/Outpost").base_any.rpc_id(1, "outpost")
	# Refused by the server (authority or disabled): the engine logs each one.
	arena._auth_only.rpc_id(1, "refused")
	arena.Base_auth.rpc_id(1, "refused")
	arena.default_rpc.rpc_id(1, "refused")
	arena.rpc_id(1, "cfg_auth", "refused")
	arena.rpc_id(1, "cfg_disabled", "refused")
	pong.rpc_id(1, -1)
	# The server calls the clients back, authority methods included.
	control.call_peer.rpc_id(1, me, "Main/World/Arena", "default_rpc", [me])
	control.call_peer.rpc_id(1, 0, "Main/World/Arena", "Auth_local", ["from server"])
	# Raw packets: to the server (echoed reversed), then the server sends to 0, -1, -me.
	multiplayer.send_bytes(PackedByteArray([1, 2, 3]), 1)
	control.send_raw.rpc_id(1, 0, PackedByteArray([10, me % 256]))
	control.send_raw.rpc_id(1, -1, PackedByteArray([11, me % 256]))
	control.send_raw.rpc_id(1, -me, PackedByteArray([12, me % 256]))
	# Relay to the other clients (server_relay): unicast, broadcast, all-but, raw.
	for other in ids:
		my_player.update_position.rpc_id(other, Vector2(other % 1000, 1))
		multiplayer.send_bytes(PackedByteArray([20, me % 256]), other)
		arena.move.rpc_id(other, Vector2(me % 1000, 7))
	my_player.update_position.rpc(Vector2(me % 1000, 2))
	multiplayer.send_bytes(PackedByteArray([21]), 0)
	multiplayer.send_bytes(PackedByteArray([22]), -1)
	if not ids.is_empty():
		multiplayer.send_bytes(PackedByteArray([23]), -int(ids[0]))
		my_player.update_position.rpc_id(-int(ids[0]), Vector2(me % 1000, 3))
	await _wait_pong(2)
	Log.evt("done", {"id": me, "others": ids})
	# Settled: every other client has said "bye" too. What the server sends (or relays) to us on
	# their behalf comes before their "bye" on our connection, so our log is complete after this.
	chat.rpc_id(1, "bye")
	while not byes.has(me) or ids.any(func(o): return not byes.has(o)):
		await get_tree().process_frame
	Log.evt("settled", {"id": me})
