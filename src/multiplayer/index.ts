/** WebSocketMultiplayerPeer (Godot 3): the 9-byte framing, peer ids, the server's relay rules. */

export { MultiplayerPeerBase } from "./godot3/multiplayer-peer-base.js";
export type { PeerSignalHandlers } from "./godot3/networked-multiplayer-peer.js";
export {
  type NetworkedMultiplayerPeer,
  type NetworkedMultiplayerPeerEvents,
  TransferMode,
} from "./godot3/networked-multiplayer-peer.js";
export {
  type FrameDropReason,
  FrameError,
  type FrameHeader,
  makeFrame,
  makeSysFrame,
  PROTO_SIZE,
  readHeader,
  readSysPeerId,
  SysType,
  TARGET_PEER_BROADCAST,
  TARGET_PEER_SERVER,
} from "./godot3/protocol.js";
export { type RelayDecision, relayDecision } from "./godot3/relay.js";
export {
  GODOT3_SERVER_MAX_FRAME,
  WebSocketMultiplayerPeer,
  type WebSocketMultiplayerPeerOptions,
} from "./godot3/websocket-multiplayer-peer.js";
export {
  MultiplayerPeer4Error,
  type MultiplayerPeer4ErrorReason,
  type Peer4DropReason,
} from "./godot4/errors.js";
/** Godot 4's MultiplayerPeer contract and WebSocketMultiplayerPeer (client side). */
export {
  type MultiplayerPeer,
  type MultiplayerPeerHandlers,
  TARGET_PEER_BROADCAST4,
  TARGET_PEER_SERVER4,
  TransferMode4,
} from "./godot4/multiplayer-peer.js";
export { MultiplayerPeer4Base } from "./godot4/multiplayer-peer-base.js";
export { TLSOptions } from "./godot4/tls-options.js";
export {
  GODOT4_BUFFER_SIZE,
  GODOT4_HANDSHAKE_TIMEOUT,
  GODOT4_MAX_QUEUED_PACKETS,
  type LastClose4,
  type Timings4,
  WebSocketMultiplayerPeer4,
  type WebSocketMultiplayerPeer4Options,
} from "./godot4/websocket-multiplayer-peer.js";
/** What both dialects share. */
export { PeerIdSet, searchSortedIds } from "./peer-id-set.js";
