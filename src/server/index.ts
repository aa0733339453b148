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
/** The Node server in Godot 4: SceneMultiplayer's server side, the Godot 4 example game. */
export {
  ExampleGame4,
  type ExampleGame4Options,
  GAME4_NODES,
  game4Manifest,
} from "./godot4/example-game4.js";
export { GameOutput4, type GameOutput4Events } from "./godot4/game-output4.js";
export {
  ReplGame4,
  type ReplGame4Options,
  repl4Manifest,
  repl4SynchronizerAuthority,
} from "./godot4/repl-game4.js";
export { SceneServer4, type SceneServer4Options } from "./godot4/scene-server4.js";
export { ServerReplication4, type ServerReplication4Options } from "./godot4/server-replication4.js";
export { show4, TYPE_NAMES, typeOf4, varToStr4 } from "./godot4/var-to-str.js";
/** Godot 4's WebSocketMultiplayerPeer, server side: the transport a Node SceneMultiplayer server runs on. */
export {
  type RefusedOutput4,
  type Server4DropReason,
  WebSocketMultiplayerServer4,
  type WebSocketMultiplayerServer4Options,
} from "./godot4/websocket-multiplayer-server.js";
export type { OutputRefusalReason } from "./output.js";
