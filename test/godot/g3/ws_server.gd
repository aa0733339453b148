# A Godot 3 WebSocketServer in plain (non-multiplayer) mode on $GP_PORT, driven by the test.
# $GP_PROTOCOLS: comma-separated subprotocols to listen with; $GP_TLS_KEY / $GP_TLS_CERT: PEM paths.
# Text packets starting with "!" are commands; other packets are echoed in the mode they came.
extends SceneTree

var server := WebSocketServer.new()
var var_mode := {}

func _init():
	var port := int(OS.get_environment("GP_PORT"))
	var protocols := PoolStringArray()
	var p := OS.get_environment("GP_PROTOCOLS")
	if p != "":
		protocols = PoolStringArray(p.split(","))
	var key_path := OS.get_environment("GP_TLS_KEY")
	if key_path != "":
		var key := CryptoKey.new()
		var cert := X509Certificate.new()
		if key.load(key_path) != OK or cert.load(OS.get_environment("GP_TLS_CERT")) != OK:
			print("TLS_LOAD_FAILED")
			quit(4)
			return
		server.private_key = key
		server.ssl_certificate = cert
	server.connect("client_connected", self, "_on_connected")
	server.connect("client_disconnected", self, "_on_disconnected")
	server.connect("client_close_request", self, "_on_close_request")
	server.connect("data_received", self, "_on_data")
	var err := server.listen(port, protocols, false)
	if err != OK:
		print("LISTEN_FAILED ", err)
		quit(3)
		return
	print("READY ", port)

func _idle(_delta):
	server.poll()
	return false

func _on_connected(id, protocol):
	print("CONNECTED ", id, " [", protocol, "] ", server.get_peer_address(id), " ", server.get_peer_port(id))

func _on_disconnected(id, was_clean):
	print("DISCONNECTED ", id, " ", was_clean)

func _on_close_request(id, code, reason):
	print("CLOSE_REQUEST ", id, " ", code, " [", reason, "] ", reason.length())

func _send_text(peer, s):
	peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
	peer.put_packet(s.to_utf8())

func _on_data(id):
	var peer = server.get_peer(id)
	while peer.get_available_packet_count() > 0:
		var pkt = peer.get_packet()
		var is_string = peer.was_string_packet()
		if is_string and pkt.size() > 0 and pkt[0] == 33: # "!"
			_command(id, peer, pkt.get_string_from_utf8())
		elif var_mode.get(id, false) and not is_string:
			var v = bytes2var(pkt, false)
			print("VAR ", typeof(v), " ", var2str(v).replace("\n", " "))
			peer.set_write_mode(WebSocketPeer.WRITE_MODE_BINARY)
			peer.put_var(v)
		else:
			print("PACKET ", id, " ", "text" if is_string else "binary", " ", pkt.size())
			peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT if is_string else WebSocketPeer.WRITE_MODE_BINARY)
			peer.put_packet(pkt)

func _command(id, peer, cmd):
	print("COMMAND ", id, " ", cmd)
	var parts = cmd.split(" ", true, 2)
	match parts[0]:
		"!var":
			var_mode[id] = true
			_send_text(peer, "!ok")
		"!echo":
			var_mode[id] = false
			_send_text(peer, "!ok")
		"!close":
			var reason = parts[2] if parts.size() > 2 else ""
			server.disconnect_peer(id, int(parts[1]), reason)
		"!flood":
			# n packets of size bytes each, binary, byte i = packet index % 256.
			peer.set_write_mode(WebSocketPeer.WRITE_MODE_BINARY)
			var n = int(parts[1])
			var size = int(parts[2])
			var sent = 0
			for i in range(n):
				var b = PoolByteArray()
				b.resize(size)
				for j in range(size):
					b[j] = i % 256
				if peer.put_packet(b) == OK:
					sent += 1
			print("FLOODED ", sent)
			_send_text(peer, "!flooded " + str(sent))
		"!info":
			_send_text(peer, "!info " + server.get_peer_address(id) + " " + str(server.get_peer_port(id)))
		_:
			_send_text(peer, "!unknown")
