/** What both dialects' multiplayer APIs share: errors, node paths, counters. */
export { RpcError, type RpcErrorReason, type SceneDropReason, ScenePacketError } from "./errors.js";
export {
  DEFAULT_MAX_PATH_CACHE_UNITS,
  MultiplayerAPI,
  type MultiplayerAPIEvents,
  type RefusedSend,
  type TraceRecord,
} from "./godot3/multiplayer-api.js";
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
} from "./godot3/network-command.js";
export { canCallMode, RPC_MODE_SLAVE, RPC_MODE_SYNC, RpcMode, shouldCallLocal } from "./godot3/rpc-mode.js";
export {
  type ArgumentCount,
  type RemoteFunction,
  type RemoteHandler,
  type RemoteProperty,
  type RemoteSetter,
  SceneNode,
} from "./godot3/scene-node.js";
/** MultiplayerAPI (Godot 3): rpc, rset, raw packets, the node-path cache, rpc modes. */
/** SceneMultiplayer (Godot 4): RPCs by method id, the path cache with checksums, auth, relay. */
export * from "./godot4/index.js";
export { normalizeNodePath } from "./node-path.js";
export type { DroppedPacket, MethodStats, MultiplayerStats, PeerStats, ScriptErrorSite } from "./stats.js";
