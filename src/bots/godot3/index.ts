export { Godot3Bot, godot3Engine } from "./bot.js";
export { Godot3Dialect, type Godot3Options, godot3Mode } from "./dialect.js";
export { type Godot3Calls, Godot3Node } from "./node.js";
