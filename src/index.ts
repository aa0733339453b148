/**
 * godot-peer: Godot's high-level multiplayer peer in TypeScript. Layers mirror Godot's classes:
 * core (signals) → variant (marshalls) → websocket (WebSocketClient/Peer) → multiplayer (WebSocketMultiplayerPeer)
 * → scene (MultiplayerAPI) → bots; server/ sits beside the client and plays Godot's server.
 */
export * from "./bots/index.js";
export * from "./core/index.js";
export * from "./multiplayer/index.js";
export * from "./scene/index.js";
export * from "./server/index.js";
export * from "./variant/index.js";
export * from "./websocket/index.js";
