/** MultiplayerAPI (Godot 3): rpc, rset, raw packets, the node-path cache, rpc modes. */
export { type SceneDropReason, ScenePacketError } from "./errors.js";
export {
  DEFAULT_RPC_CONFIG,
  type ManifestNode,
  type ManifestScript,
  type RpcConfig,
  type RpcManifest,
} from "./godot4/rpc-manifest.js";
export {
  type DroppedPacket,
  type MethodStats,
  MultiplayerAPI,
  type MultiplayerAPIEvents,
  type MultiplayerStats,
  type PeerStats,
  RpcError,
  type RpcErrorReason,
  type TraceRecord,
} from "./multiplayer-api.js";
export {
  decodeSceneCommand,
  encodeConfirmPath,
  encodeRaw,
  encodeRemote,
  encodeSimplifyPath,
  FULL_PATH_FLAG,
  MAX_RPC_ARGUMENTS,
  NetworkCommand,
  type NodeTarget,
  type SceneCommand,
} from "./network-command.js";
export { canCallMode, RPC_MODE_SLAVE, RPC_MODE_SYNC, RpcMode, shouldCallLocal } from "./rpc-mode.js";
export {
  normalizeNodePath,
  type RemoteFunction,
  type RemoteHandler,
  type RemoteProperty,
  SceneNode,
} from "./scene-node.js";
