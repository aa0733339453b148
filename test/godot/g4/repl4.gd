# The replication game's scene script (repl4.tscn). The server spawns a player per peer (the
# peer owns its Sync: position ALWAYS, hp ON_CHANGE), a server-owned Crate it moves when asked
# (move_crate), a custom spawn (ItemSpawner.spawn_function) "gem7", and per peer a Secret<id>
# visible to that peer only (set_visibility_for). A real client moves its own player to
# (100 + id, 7) with hp 50.
# EVT lines: listening {port} · connected {id} · spawned {path} · despawned {name} ·
#   state {path, x, y, hp} (printed by both ends whenever what they hold of a node changes) ·
#   item {path, arg}
extends Node

const Log = preload("res://game4_log.gd")
const PLAYER := preload("res://repl4_player.tscn")
const OBJECT := preload("res://repl4_object.tscn")

var opts := {}
var last := {}

func _ready():
	for a in OS.get_cmdline_user_args():
		var kv := a.split("=", true, 1)
		opts[kv[0]] = kv[1] if kv.size() > 1 else "1"
	$ItemSpawner.spawn_function = _spawn_item
	for s in [$PlayerSpawner, $ObjectSpawner, $ItemSpawner]:
		s.spawned.connect(func(n): Log.evt("spawned", {"path": str(n.get_path())}))
		s.despawned.connect(func(n): Log.evt("despawned", {"name": str(n.name)}))
	if opts.get("mode", "server") == "server":
		_serve()
	else:
		_join()

func _spawn_item(data: Variant) -> Node:
	var n := Node2D.new()
	n.name = str(data["kind"]) + str(data["id"])
	n.position = Vector2(data["id"], 3)
	Log.evt("item", {"path": "Main/World/Items/" + str(n.name), "arg": Log.show(data)})
	return n

func _serve():
	var port := int(OS.get_environment("GP_PORT"))
	var peer := WebSocketMultiplayerPeer.new()
	if peer.create_server(port, "127.0.0.1") != OK:
		print("LISTEN_FAILED")
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.peer_connected.connect(_on_peer_connected)
	multiplayer.peer_disconnected.connect(_on_peer_disconnected)
	var crate := OBJECT.instantiate()
	crate.name = "Crate"
	crate.position = Vector2(1, 1)
	$World/Objects.add_child(crate, true)
	$ItemSpawner.spawn({"id": 7, "kind": "gem"})
	Log.evt("listening", {"port": port})
	print("READY ", port)

func _on_peer_connected(id: int):
	var p := PLAYER.instantiate()
	p.name = str(id)
	$World/Players.add_child(p, true)
	var s := OBJECT.instantiate()
	s.name = "Secret" + str(id)
	s.position = Vector2(id % 1000, 1)
	var sync: MultiplayerSynchronizer = s.get_node("ServerSync")
	sync.public_visibility = false
	sync.set_visibility_for(id, true)
	$World/Objects.add_child(s, true)

func _on_peer_disconnected(id: int):
	for n in [$World/Players.get_node_or_null(str(id)), $World/Objects.get_node_or_null("Secret" + str(id))]:
		if n:
			n.queue_free()

@rpc("any_peer", "call_remote", "reliable", 0)
func move_crate(x: float, y: float):
	$World/Objects/Crate.position = Vector2(x, y)

func _join():
	var peer := WebSocketMultiplayerPeer.new()
	if peer.create_client(opts["url"]) != OK:
		print("CONNECT_FAILED")
		get_tree().quit(3)
		return
	multiplayer.multiplayer_peer = peer
	multiplayer.connected_to_server.connect(func(): Log.evt("connected", {"id": multiplayer.get_unique_id()}))
	$PlayerSpawner.spawned.connect(_on_player_spawned)
	print("READY client")

func _on_player_spawned(n: Node):
	if str(n.name) != str(multiplayer.get_unique_id()):
		return
	var id := multiplayer.get_unique_id()
	n.position = Vector2(100 + id % 1000, 7)
	n.hp = 50

func _process(_delta):
	for group in [$World/Players, $World/Objects, $World/Items]:
		for n in group.get_children():
			var path := str(n.get_path()).trim_prefix("/root/")
			var hp = n.get("hp")
			var st := {"path": path, "x": n.position.x, "y": n.position.y, "hp": hp if hp != null else -1}
			if last.get(path) != st:
				last[path] = st
				Log.evt("state", st)
