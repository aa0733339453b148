export { Godot3Bot, godot3Engine } from "./bot.js";
export { Godot3Dialect, type Godot3Options, godot3Mode } from "./dialect.js";
