/** WebSocketMultiplayerPeer (Godot 3): the 9-byte framing, peer ids, the server's relay rules. */
/** MultiplayerPeer (Godot 4): the transport contract SceneMultiplayer (scene/godot4) codes against. */
export {
  type MultiplayerPeer,
  type MultiplayerPeerHandlers,
  TARGET_PEER_BROADCAST4,
  TARGET_PEER_SERVER4,
  TransferMode4,
} from "./godot4/multiplayer-peer.js";
export {
  type NetworkedMultiplayerPeer,
  type NetworkedMultiplayerPeerEvents,
  TransferMode,
} from "./networked-multiplayer-peer.js";
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
} from "./protocol.js";
export { type RelayDecision, relayDecision } from "./relay.js";
export {
  GODOT3_SERVER_MAX_FRAME,
  WebSocketMultiplayerPeer,
  type WebSocketMultiplayerPeerOptions,
} from "./websocket-multiplayer-peer.js";
