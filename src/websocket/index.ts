/** Godot 3's WebSocketClient and WebSocketPeer, over our own RFC 6455 client connection. */
// Godot's global vocabulary lives in core/; re-exported here, where it first lived.
export { ConnectionStatus, errorName, GodotError } from "../core/index.js";
export {
  type BufferLimits,
  type BufferSizes,
  bufferLimits,
  GODOT3_CLIENT_BUFFERS,
  nearestShift,
} from "./buffers.js";
export { CloseCode, isSendableCloseCode, MAX_CLOSE_REASON_BYTES } from "./close-codes.js";
export {
  ConnectError,
  type ConnectFailure,
  HandshakeError,
  ProtocolError,
  type TlsFailure,
  WebSocketArgumentError,
  WebSocketError,
} from "./errors.js";
export {
  type DirectionShape,
  drawDelayMs,
  type JitterDistribution,
  type LinkClock,
  type LinkConditions,
  LinkDirection,
  type LinkDuration,
  type LinkRate,
  type LinkShape,
  type LinkSink,
  linkShape,
  type PerDirection,
  SLICE_BYTES,
} from "./link-conditions.js";
export type { MultiplayerSink } from "./multiplayer-sink.js";
export type {
  CloseInfo,
  CloseInitiator,
  DropReason,
  WebSocketClientEvents,
  WebSocketClientSignal,
} from "./signals.js";
export { PIN_MISMATCH } from "./tls.js";
export { parseWebSocketUrl, type WebSocketUrl } from "./url.js";
export { WebSocketClient, type WebSocketClientOptions } from "./websocket-client.js";
export { type Traffic, WebSocketPeer, WriteMode } from "./websocket-peer.js";
