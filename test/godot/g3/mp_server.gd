# A Godot 3 high-level multiplayer server (WebSocketServer, gd_mp_api = true) on $GP_PORT.
extends SceneTree

var server := WebSocketServer.new()

func _init():
	var port := int(OS.get_environment("GP_PORT"))
	var err := server.listen(port, PoolStringArray(), true)
	if err != OK:
		print("LISTEN_FAILED ", err)
		quit(3)
		return
	network_peer = server
	server.connect("peer_connected", self, "_on_peer_connected")
	server.connect("peer_disconnected", self, "_on_peer_disconnected")
	print("READY ", port)

func _on_peer_connected(id):
	print("PEER_CONNECTED ", id)

func _on_peer_disconnected(id):
	print("PEER_DISCONNECTED ", id)
