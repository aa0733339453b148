extends SceneTree
## godot-peer manifest --engine: asks the engine itself for every script's and node's rpc config.
## Run as `godot --headless --path <project copy> -s <this file>`. Prints lines
## "GODOT_PEER_MANIFEST <json>" (after the scenes' _ready, and three frames later); the last one
## is what src/manifest/engine.ts turns into an RpcManifest.
## Nothing is sent anywhere; the project copy is thrown away afterwards.

const MARK := "GODOT_PEER_MANIFEST "
const SELF_NAME := "__godot_peer_manifest_dump.gd"

var _frame := 0
var _main: Node = null
var _holder: Node = null
var _scenes: Dictionary = {}
var _errors: Array = []
var _scripts: Dictionary = {}


func _walk(dir: String, out: Array) -> void:
	var d := DirAccess.open(dir)
	if d == null:
		return
	if FileAccess.file_exists(dir.path_join(".gdignore")):
		return
	d.include_hidden = false
	for f in d.get_files():
		out.append(dir.path_join(f))
	for sub in d.get_directories():
		if sub.begins_with("."):
			continue
		_walk(dir.path_join(sub), out)


func _process(_delta: float) -> bool:
	_frame += 1
	if _frame == 1:
		_start()
		return false
	if _frame < 4:
		return false
	_dump()
	return true


func _start() -> void:
	var main_path: String = ProjectSettings.get_setting("application/run/main_scene", "")
	if main_path.begins_with("uid://"):
		main_path = ResourceUID.get_id_path(ResourceUID.text_to_id(main_path))
	var autoload_scenes := {}
	for p in ProjectSettings.get_property_list():
		var key: String = p.name
		if key.begins_with("autoload/"):
			autoload_scenes[String(ProjectSettings.get_setting(key)).trim_prefix("*")] = true
	if main_path != "":
		var packed := load(main_path) as PackedScene
		if packed == null:
			_errors.append("cannot load the main scene " + main_path)
		else:
			_main = packed.instantiate()
			root.add_child(_main)
	# Every other scene, once, under a holder: their _ready (and rpc_config calls) run too.
	_holder = Node.new()
	_holder.name = "__godot_peer_scenes"
	root.add_child(_holder)
	var files: Array = []
	_walk("res://", files)
	files.sort()
	for f in files:
		if not (f.ends_with(".tscn") or f.ends_with(".scn")):
			continue
		if f == main_path or autoload_scenes.has(f):
			continue
		var ps := load(f) as PackedScene
		if ps == null:
			_errors.append("cannot load scene " + f)
			continue
		var inst := ps.instantiate()
		if inst == null:
			_errors.append("cannot instantiate scene " + f)
			continue
		_scenes[inst.get_instance_id()] = f
		_holder.add_child(inst)
	# Once now, after every _ready (a game that quits in _ready still gets one), once more later.
	_dump()


func _script_entry(s: Script) -> Dictionary:
	var e := {}
	var base := s.get_base_script()
	e["base"] = base.resource_path if base != null else null
	e["native"] = s.get_instance_base_type()
	e["class_name"] = s.get_global_name()
	e["rpc"] = s.get_rpc_config()
	return e


func _node_entry(n: Node, path: String, scene: String) -> Dictionary:
	var e := {"path": path}
	var s := n.get_script() as Script
	e["script"] = s.resource_path if s != null else null
	if s != null and not _scripts.has(s.resource_path):
		# A built-in script (res://scene.tscn::id) is listed with the files' scripts.
		_scripts[s.resource_path] = _script_entry(s)
	e["rpc"] = s.get_rpc_config() if s != null else {}
	e["node_rpc"] = n.get_node_rpc_config()
	if n.scene_file_path != "":
		e["scene"] = n.scene_file_path
	elif n.owner != null and n.owner.scene_file_path != "":
		e["scene"] = n.owner.scene_file_path
	elif scene != "":
		e["scene"] = scene
	var sp := n as MultiplayerSpawner
	if sp != null:
		var scenes: Array = []
		for i in sp.get_spawnable_scene_count():
			var sc := sp.get_spawnable_scene(i)
			if sc.begins_with("uid://"):
				sc = ResourceUID.get_id_path(ResourceUID.text_to_id(sc))
			scenes.append(sc)
		e["spawner"] = {
			"spawn_path": String(sp.spawn_path),
			"spawnable_scenes": scenes,
			"spawn_limit": sp.spawn_limit,
			"spawn_function": sp.spawn_function.is_valid(),
		}
	var sy := n as MultiplayerSynchronizer
	if sy != null:
		var props: Array = []
		var cfg := sy.replication_config
		if cfg != null:
			for p in cfg.get_properties():
				props.append({
					"path": String(p),
					"spawn": cfg.property_get_spawn(p),
					"replication_mode": int(cfg.property_get_replication_mode(p)),
				})
		e["synchronizer"] = {
			"root_path": String(sy.root_path),
			"replication_interval": sy.replication_interval,
			"delta_interval": sy.delta_interval,
			"public_visibility": sy.public_visibility,
			"properties": props,
		}
	return e


func _collect(n: Node, path: String, scene: String, out: Array) -> void:
	out.append(_node_entry(n, path, scene))
	for c in n.get_children():
		_collect(c, path + "/" + String(c.name), scene, out)


func _tree_nodes() -> Array:
	var out: Array = []
	var stack: Array = []
	for c in root.get_children():
		if c != _holder:
			stack.append(c)
	while not stack.is_empty():
		var n: Node = stack.pop_back()
		out.append(n)
		stack.append_array(n.get_children())
	return out


func _dump() -> void:
	var files: Array = []
	_walk("res://", files)
	files.sort()
	var skipped: Array = []
	for f in files:
		if f.get_file() == SELF_NAME:
			continue
		if f.ends_with(".gd"):
			var s := load(f) as Script
			if s == null:
				_errors.append("cannot load script " + f)
				continue
			_scripts[f] = _script_entry(s)
		elif f.ends_with(".cs"):
			var cs = load(f) if ClassDB.class_exists("CSharpScript") else null
			if cs == null:
				skipped.append(f)
				continue
			_scripts[f] = _script_entry(cs)
	var nodes: Array = []
	for c in root.get_children():
		if c == _holder:
			continue
		_collect(c, String(c.name), "", nodes)
	# A MultiplayerSpawner of the tree puts its scenes under spawn_path, with changing names.
	var prefixes := {}
	for n in _tree_nodes():
		var sp := n as MultiplayerSpawner
		if sp == null or sp.spawn_path.is_empty():
			continue
		var target := sp.get_node_or_null(sp.spawn_path)
		if target == null:
			continue
		for i in sp.get_spawnable_scene_count():
			var sc := sp.get_spawnable_scene(i)
			if sc.begins_with("uid://"):
				sc = ResourceUID.get_id_path(ResourceUID.text_to_id(sc))
			var list: Array = prefixes.get(sc, [])
			var prefix := String(root.get_path_to(target)) + "/*"
			if not list.has(prefix):
				list.append(prefix)
			prefixes[sc] = list
	for inst in _holder.get_children():
		var scene: String = _scenes.get(inst.get_instance_id(), "")
		for prefix in prefixes.get(scene, ["<" + scene + ">"]):
			_collect(inst, prefix, scene, nodes)
	var out := {
		"godot": "%d.%d.%d" % [Engine.get_version_info().major, Engine.get_version_info().minor, Engine.get_version_info().patch],
		"scripts": _scripts,
		"nodes": nodes,
		"skipped": skipped,
		"errors": _errors,
	}
	print(MARK + JSON.stringify(out))
