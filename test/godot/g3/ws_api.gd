# Prints the scripting API of the classes named in $GP_CLASSES (comma-separated; default: those
# godot-peer's WebSocketClient answers to), as Godot 3 registers it:
# "METHOD class name", "SIGNAL class name", "PROPERTY class name", "CONSTANT class name value".
extends SceneTree

func _init():
	var classes = ["WebSocketClient", "WebSocketMultiplayerPeer", "WebSocketPeer", "NetworkedMultiplayerPeer", "PacketPeer"]
	if OS.get_environment("GP_CLASSES") != "":
		classes = OS.get_environment("GP_CLASSES").split(",")
	for c in classes:
		for m in ClassDB.class_get_method_list(c, true):
			print("METHOD ", c, " ", m.name)
		for s in ClassDB.class_get_signal_list(c, true):
			print("SIGNAL ", c, " ", s.name)
		for p in ClassDB.class_get_property_list(c, true):
			if p.usage & PROPERTY_USAGE_CATEGORY == 0:
				print("PROPERTY ", c, " ", p.name)
		for k in ClassDB.class_get_integer_constant_list(c, true):
			print("CONSTANT ", c, " ", k, " ", ClassDB.class_get_integer_constant(c, k))
	quit(0)
