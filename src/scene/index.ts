/** MultiplayerAPI (Godot 3): rpc, rset, raw packets, the node-path cache, rpc modes. */
export { type SceneDropReason, ScenePacketError } from "./errors.js";
export {
  DEFAULT_MAX_PATH_CACHE_UNITS,
  type DroppedPacket,
  type MethodStats,
  MultiplayerAPI,
  type MultiplayerAPIEvents,
  type MultiplayerStats,
  type PeerStats,
  type RefusedSend,
  RpcError,
  type RpcErrorReason,
  type ScriptErrorSite,
  type TraceRecord,
} from "./multiplayer-api.js";
export {
  cstringCacheBytes,
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
  type ArgumentCount,
  normalizeNodePath,
  type RemoteFunction,
  type RemoteHandler,
  type RemoteProperty,
  type RemoteSetter,
  SceneNode,
} from "./scene-node.js";
