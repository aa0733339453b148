/** SceneMultiplayer (Godot 4), as the scene layer's index exports it (names that Godot 3 also has end in 4). */
export {
  type DroppedPacket4,
  ManifestError,
  type ManifestErrorReason,
  type PacketError4,
  RpcError4,
  type RpcError4Reason,
  type SceneDropReason4,
  type ScenePacketErrorReason4,
} from "./errors.js";
export { ManifestIndex, type NodeDeclaration } from "./manifest-index.js";
export {
  BYTE_ONLY_OR_NO_ARGS_FLAG,
  FULL_PATH_FLAG as FULL_PATH_FLAG4,
  NetworkCommand as NetworkCommand4,
  NODE_RPC_FLAG,
  SysCommand,
} from "./network-commands.js";
export {
  CUSTOM_SPAWN,
  ReplicationConfig,
  ReplicationMode,
  STATIC_SYNC_ID,
} from "./replication-config.js";
export {
  compareCodePoints,
  type MethodStats as MethodStats4,
  NO_RPCS,
  type RpcDeclaration,
  type RpcDeclarations,
  type RpcMethod,
  RpcMode4,
  RpcNodeConfig,
} from "./rpc-config.js";
export {
  DEFAULT_RPC_CONFIG,
  type ManifestNode,
  type ManifestReplicatedProperty,
  type ManifestScript,
  type ManifestSpawner,
  type ManifestSynchronizer,
  type ReplicationManifest,
  type RpcConfig,
  type RpcManifest,
} from "./rpc-manifest.js";
export { type RpcHandler, RpcNode } from "./rpc-node.js";
export type { CachedPath, CacheLimits } from "./scene-cache-interface.js";
export {
  type PeerStats4,
  SceneMultiplayer,
  type SceneMultiplayerEvents,
  type SceneMultiplayerObserver,
  type SceneMultiplayerOptions,
  type SceneMultiplayerStats,
} from "./scene-multiplayer.js";
export {
  DEFAULT_DELTA_MTU,
  DEFAULT_SYNC_MTU,
  ReplicatedNode,
  type ReplicationStats,
  type SceneReplicationEvents,
  SceneReplicationInterface,
  type SpawnOptions,
  Synchronizer,
  type SynchronizerAuthority,
  type SynchronizerStats,
} from "./scene-replication-interface.js";
export {
  decodeRemoteCall,
  encodeRemoteCall,
  type RemoteCall,
  type RemoteCallTarget,
} from "./scene-rpc-interface.js";
export { decodeAndDecompressVariant, encodeAndCompressVariant } from "./variant-compression.js";
