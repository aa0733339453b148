# /root/Game: players join, chat, ping; the server answers and broadcasts.
# Functions marked puppet run on clients, called by the server (the master of /root/Game).
extends Node

var players := {}

func _init():
	var players_node := Node.new()
	players_node.name = "Players"
	add_child(players_node)
	var modes = load("res://game_modes.gd").new()
	modes.name = "Modes"
	add_child(modes)
	var nested := Node.new()
	nested.name = "Nested"
	modes.add_child(nested)
	var deeper = load("res://game_modes.gd").new()
	deeper.name = "Deeper"
	nested.add_child(deeper)

# --- called by clients on the server ---

remote func join(player_name):
	var id = get_tree().get_rpc_sender_id()
	players[id] = player_name
	var player = load("res://game_player.gd").new()
	player.name = str(id)
	player.set_network_master(id)
	get_node("Players").add_child(player)
	print("JOIN ", id, " ", player_name)
	rpc_id(id, "welcome", id, players)
	rpc("player_joined", id, player_name)

remote func chat(text):
	var id = get_tree().get_rpc_sender_id()
	print("CHAT ", id, " ", text)
	rpc("chat_message", id, text)

remote func ping(seq):
	rpc_id(get_tree().get_rpc_sender_id(), "pong", seq)

remote func echo(a = null, b = null, c = null, d = null, e = null, f = null, g = null, h = null):
	var args = [a, b, c, d, e, f, g, h]
	while args.size() > 0 and args[args.size() - 1] == null:
		args.pop_back()
	print("ECHO ", get_tree().get_rpc_sender_id(), " ", var2str(args).replace("\n", " "))
	callv("rpc_id", [get_tree().get_rpc_sender_id(), "echoed"] + args)

func forget(id):
	if players.has(id):
		players.erase(id)
		var player = get_node("Players").get_node_or_null(str(id))
		if player:
			player.queue_free()
		rpc("player_left", id)

# --- called by the server on clients (declared so a Godot client accepts them) ---

puppet func welcome(id, all_players):
	print("WELCOME ", id, " ", all_players.size())

puppet func player_joined(id, player_name):
	print("PLAYER_JOINED ", id, " ", player_name)

puppet func player_left(id):
	print("PLAYER_LEFT ", id)

puppet func chat_message(from_id, text):
	print("CHAT_MESSAGE ", from_id, " ", text)

puppet func pong(seq):
	print("PONG ", seq)

puppet func echoed(a = null, b = null, c = null, d = null, e = null, f = null, g = null, h = null):
	print("ECHOED ", var2str([a, b, c, d, e, f, g, h]).replace("\n", " "))
