# Prints the scripting API Godot 4 registers for what godot-peer's Godot 4 side answers to, then quits:
# "METHOD class name", "SIGNAL class name", "PROPERTY class name", "ENUM class name",
# "CONSTANT class name value" from ClassDB (the class's own members, not inherited ones), for every
# member of the classes in $GP_CLASSES and for the networking members of those in $GP_NETWORKING
# (names matching $GP_NETWORKING_RE); then "CONSTANT @GlobalScope name value" for each Error code.
extends SceneTree

func _env(name: String, default: String) -> String:
	var v := OS.get_environment(name)
	return default if v == "" else v

func _print_class(c: String, keep: RegEx) -> void:
	var seen := {}
	for m in ClassDB.class_get_method_list(c, true):
		_line("METHOD", c, m.name, keep, seen)
	for s in ClassDB.class_get_signal_list(c, true):
		_line("SIGNAL", c, s.name, keep, seen)
	for p in ClassDB.class_get_property_list(c, true):
		if p.usage & (PROPERTY_USAGE_CATEGORY | PROPERTY_USAGE_GROUP | PROPERTY_USAGE_SUBGROUP) == 0:
			_line("PROPERTY", c, p.name, keep, seen)
	for e in ClassDB.class_get_enum_list(c, true):
		_line("ENUM", c, e, keep, seen)
	for k in ClassDB.class_get_integer_constant_list(c, true):
		if keep == null or keep.search(k) != null:
			print("CONSTANT ", c, " ", k, " ", ClassDB.class_get_integer_constant(c, k))

func _line(kind: String, c: String, name: String, keep: RegEx, seen: Dictionary) -> void:
	if keep != null and keep.search(name) == null:
		return
	if seen.has(kind + name):
		return
	seen[kind + name] = true
	print(kind, " ", c, " ", name)

func _init() -> void:
	var whole := _env("GP_CLASSES", "WebSocketMultiplayerPeer,MultiplayerPeer,SceneMultiplayer,MultiplayerAPI,WebSocketPeer,PacketPeer,TLSOptions").split(",")
	var networking := _env("GP_NETWORKING", "Node,SceneTree").split(",")
	var keep := RegEx.create_from_string(_env("GP_NETWORKING_RE", "rpc|multiplayer|authority"))
	for c in whole:
		if not ClassDB.class_exists(c):
			print("NO_CLASS ", c)
			continue
		_print_class(c, null)
	for c in networking:
		_print_class(c, keep)
	# @GlobalScope is not in ClassDB and GDScript cannot list a global enum: each Error name is
	# written here, its value comes from the engine, and error_string() (which knows every code)
	# tells how many codes there are, so a missing name shows as a gap.
	var errors := {
		"OK": OK, "FAILED": FAILED, "ERR_UNAVAILABLE": ERR_UNAVAILABLE,
		"ERR_UNCONFIGURED": ERR_UNCONFIGURED, "ERR_UNAUTHORIZED": ERR_UNAUTHORIZED,
		"ERR_PARAMETER_RANGE_ERROR": ERR_PARAMETER_RANGE_ERROR, "ERR_OUT_OF_MEMORY": ERR_OUT_OF_MEMORY,
		"ERR_FILE_NOT_FOUND": ERR_FILE_NOT_FOUND, "ERR_FILE_BAD_DRIVE": ERR_FILE_BAD_DRIVE,
		"ERR_FILE_BAD_PATH": ERR_FILE_BAD_PATH, "ERR_FILE_NO_PERMISSION": ERR_FILE_NO_PERMISSION,
		"ERR_FILE_ALREADY_IN_USE": ERR_FILE_ALREADY_IN_USE, "ERR_FILE_CANT_OPEN": ERR_FILE_CANT_OPEN,
		"ERR_FILE_CANT_WRITE": ERR_FILE_CANT_WRITE, "ERR_FILE_CANT_READ": ERR_FILE_CANT_READ,
		"ERR_FILE_UNRECOGNIZED": ERR_FILE_UNRECOGNIZED, "ERR_FILE_CORRUPT": ERR_FILE_CORRUPT,
		"ERR_FILE_MISSING_DEPENDENCIES": ERR_FILE_MISSING_DEPENDENCIES, "ERR_FILE_EOF": ERR_FILE_EOF,
		"ERR_CANT_OPEN": ERR_CANT_OPEN, "ERR_CANT_CREATE": ERR_CANT_CREATE,
		"ERR_QUERY_FAILED": ERR_QUERY_FAILED, "ERR_ALREADY_IN_USE": ERR_ALREADY_IN_USE,
		"ERR_LOCKED": ERR_LOCKED, "ERR_TIMEOUT": ERR_TIMEOUT, "ERR_CANT_CONNECT": ERR_CANT_CONNECT,
		"ERR_CANT_RESOLVE": ERR_CANT_RESOLVE, "ERR_CONNECTION_ERROR": ERR_CONNECTION_ERROR,
		"ERR_CANT_ACQUIRE_RESOURCE": ERR_CANT_ACQUIRE_RESOURCE, "ERR_CANT_FORK": ERR_CANT_FORK,
		"ERR_INVALID_DATA": ERR_INVALID_DATA, "ERR_INVALID_PARAMETER": ERR_INVALID_PARAMETER,
		"ERR_ALREADY_EXISTS": ERR_ALREADY_EXISTS, "ERR_DOES_NOT_EXIST": ERR_DOES_NOT_EXIST,
		"ERR_DATABASE_CANT_READ": ERR_DATABASE_CANT_READ, "ERR_DATABASE_CANT_WRITE": ERR_DATABASE_CANT_WRITE,
		"ERR_COMPILATION_FAILED": ERR_COMPILATION_FAILED, "ERR_METHOD_NOT_FOUND": ERR_METHOD_NOT_FOUND,
		"ERR_LINK_FAILED": ERR_LINK_FAILED, "ERR_SCRIPT_FAILED": ERR_SCRIPT_FAILED,
		"ERR_CYCLIC_LINK": ERR_CYCLIC_LINK, "ERR_INVALID_DECLARATION": ERR_INVALID_DECLARATION,
		"ERR_DUPLICATE_SYMBOL": ERR_DUPLICATE_SYMBOL, "ERR_PARSE_ERROR": ERR_PARSE_ERROR,
		"ERR_BUSY": ERR_BUSY, "ERR_SKIP": ERR_SKIP, "ERR_HELP": ERR_HELP, "ERR_BUG": ERR_BUG,
		"ERR_PRINTER_ON_FIRE": ERR_PRINTER_ON_FIRE,
	}
	for k in errors:
		print("CONSTANT @GlobalScope ", k, " ", errors[k])
	var codes := 0
	while error_string(codes) != error_string(-1):
		codes += 1
	print("ERROR_CODES ", codes)
	quit(0)
