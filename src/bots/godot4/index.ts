export { Godot4Bot, godot4Engine } from "./bot.js";
export {
  type AuthExchange,
  type Godot4Auth,
  Godot4Dialect,
  type Godot4Options,
  godot4Config,
  loadManifest,
  type Mode4,
} from "./dialect.js";
export { type Godot4Calls, Godot4Node } from "./node.js";
