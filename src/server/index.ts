/** A Node process that plays Godot 3's server (WebSocketServer with or without gd_mp_api). */

export { ExampleGame, type ExampleGameOptions, godotPrint, godotVar2Str } from "./godot3/example-game.js";
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
} from "./godot3/websocket-server.js";
/** Godot 4's WebSocketMultiplayerPeer, server side: the transport a Node SceneMultiplayer server runs on. */
export {
  type RefusedOutput4,
  type Server4DropReason,
  WebSocketMultiplayerServer4,
  type WebSocketMultiplayerServer4Options,
} from "./godot4/websocket-multiplayer-server.js";
export type { OutputRefusalReason } from "./output.js";
