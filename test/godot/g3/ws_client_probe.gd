# A Godot 3 WebSocketClient (non-multiplayer) used as a reference: connects to $GP_URL with
# $GP_PROTOCOLS, runs the steps in $GP_STEPS (comma-separated) and prints every signal.
# Steps: "send:<text>", "bin:<n>", "close:<code>:<reason>", "wait:<frames>", "read", "pp", "quit".
# $GP_BUFFERS: "in_kb,in_packets,out_kb,out_packets" for set_buffers; $GP_NOREAD=1: data_received
# only counts (packets stay in the peer until a "read" step).
extends SceneTree

var client := WebSocketClient.new()
var steps := []
var frames := 0
var connected := false

func _init():
	for s in ["connection_established", "connection_error", "connection_closed", "data_received", "server_close_request"]:
		client.connect(s, self, "_on_" + s)
	var protocols := PoolStringArray()
	var p := OS.get_environment("GP_PROTOCOLS")
	if p != "":
		protocols = PoolStringArray(p.split(","))
	var headers := PoolStringArray()
	var h := OS.get_environment("GP_HEADERS")
	if h != "":
		headers = PoolStringArray(h.split("|"))
	steps = OS.get_environment("GP_STEPS").split(",", false)
	var b := OS.get_environment("GP_BUFFERS")
	if b != "":
		var n = b.split(",")
		print("SET_BUFFERS ", client.set_buffers(int(n[0]), int(n[1]), int(n[2]), int(n[3])))
	print("CONNECT ", client.connect_to_url(OS.get_environment("GP_URL"), protocols, false, headers))

func _idle(_delta):
	client.poll()
	frames += 1
	if frames > 3000:
		print("TIMEOUT")
		quit(2)
		return false
	if connected and steps.size() > 0:
		var step: String = steps[0]
		if step.begins_with("wait:"):
			var n = int(step.substr(5))
			if n > 0:
				steps[0] = "wait:" + str(n - 1)
				return false
		steps.remove(0)
		_run(step)
	OS.delay_msec(2)
	return false

func _run(step: String):
	print("STEP ", step)
	var peer = client.get_peer(1)
	if step.begins_with("send:"):
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_TEXT)
		print("PUT ", peer.put_packet(step.substr(5).to_utf8()))
	elif step.begins_with("bin:"):
		peer.set_write_mode(WebSocketPeer.WRITE_MODE_BINARY)
		var b = PoolByteArray()
		b.resize(int(step.substr(4)))
		print("PUT ", peer.put_packet(b))
	elif step.begins_with("close:"):
		var parts = step.split(":")
		client.disconnect_from_host(int(parts[1]), parts[2] if parts.size() > 2 else "")
	elif step == "read":
		var n = 0
		while peer.get_available_packet_count() > 0:
			var pkt = peer.get_packet()
			print("READ ", pkt.size(), " ", pkt[0] if pkt.size() > 0 else -1)
			n += 1
		print("READ_COUNT ", n)
	elif step == "quit":
		quit(0)
	elif step == "pp":
		print("PP ", client.put_packet(PoolByteArray([1])), " ", client.get_available_packet_count())

func _on_connection_established(protocol):
	connected = true
	print("ESTABLISHED [", protocol, "] ", client.get_connected_host(), " ", client.get_connected_port())

func _on_connection_error():
	print("ERROR_SIGNAL")
	quit(0)

func _on_connection_closed(was_clean):
	print("CLOSED ", was_clean)
	quit(0)

func _on_data_received():
	if OS.get_environment("GP_NOREAD") == "1":
		print("DATA_SIGNAL")
		return
	var peer = client.get_peer(1)
	while peer.get_available_packet_count() > 0:
		var pkt = peer.get_packet()
		print("DATA ", "text" if peer.was_string_packet() else "binary", " ", pkt.size(), " ", pkt.get_string_from_utf8() if peer.was_string_packet() else "")

func _on_server_close_request(code, reason):
	print("SERVER_CLOSE_REQUEST ", code, " [", reason, "] ", reason.length())
