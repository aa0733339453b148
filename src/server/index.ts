/** A Node process that plays Godot 3's server (WebSocketServer with or without gd_mp_api). */

export { ExampleGame, type ExampleGameOptions, godotPrint, godotVar2Str } from "./example-game.js";
export type { OutputRefusalReason } from "./output.js";
export {
  type BadInput,
  GODOT3_HANDSHAKE_TIMEOUT,
  GODOT3_SERVER_BUFFERS,
  ListenError,
  type RefusedOutput,
  type ServerDropReason,
  WebSocketServer,
  type WebSocketServerEvents,
  type WebSocketServerOptions,
} from "./websocket-server.js";
