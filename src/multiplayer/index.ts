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
/** What both dialects share. */
export { PeerIdSet } from "./peer-id-set.js";
