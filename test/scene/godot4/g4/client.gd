# A Godot 4 client of ws://127.0.0.1:$GP_PORT with /root/Main and /root/Main/Child.
extends SceneTree

func _initialize():
	var main := Node.new()
	main.name = "Main"
	main.set_script(load("res://main.gd"))
	var child := Node.new()
	child.name = "Child"
	child.set_script(load("res://child.gd"))
	main.add_child(child)
	root.add_child(main)
	var node := Node.new()
	node.set_script(load("res://client_node.gd"))
	root.add_child(node)
