/**
 * The RPC manifest: what a Godot 4 bot must know in advance. Method ids on the wire are indices
 * into each node's code-point-sorted `@rpc` names (inherited ones included; runtime
 * `rpc_config()` names at 0x8000 | i), so the names travel only as numbers. `godot-peer manifest`
 * (src/manifest) writes this from a Godot 4 project; quick scripts may declare names in code.
 * The JSON form is exactly these types.
 */

/** Godot 4's rpc config of one method (the dictionary `get_rpc_config()` gives), in names. */
export interface RpcConfig {
  readonly rpc_mode: "disabled" | "any_peer" | "authority";
  readonly call_local: boolean;
  readonly transfer_mode: "unreliable" | "unreliable_ordered" | "reliable";
  readonly channel: number;
  /** The method's parameter count, when known: a call with a wrong count is refused ("RPC - Method expected …"). */
  readonly arg_count?: number;
  /** How many of those parameters have defaults (may be left out by a caller). */
  readonly default_arg_count?: number;
}

/** `@rpc` with no arguments: authority, call_remote, reliable, channel 0. */
export const DEFAULT_RPC_CONFIG: RpcConfig = {
  rpc_mode: "authority",
  call_local: false,
  transfer_mode: "reliable",
  channel: 0,
};

/** One script's own `@rpc` methods (C#: `[Rpc]`) and what it extends. */
export interface ManifestScript {
  /** `res://…` path of the base script, a `class_name`, or a native class (e.g. "Node2D"). */
  readonly extends?: string;
  readonly class_name?: string;
  readonly rpcs: Readonly<Record<string, RpcConfig>>;
}

/** What a node (by path relative to the multiplayer root) answers to, inheritance resolved. */
export interface ManifestNode {
  /** `res://…` path of its script, when it has one. */
  readonly script?: string;
  /** Script RPCs, inherited ones included: ids 0…n−1 in code-point order of the names. */
  readonly rpcs: Readonly<Record<string, RpcConfig>>;
  /** Names given to `Node.rpc_config()` at run time: ids 0x8000 | i in code-point order. */
  readonly node_rpcs?: Readonly<Record<string, RpcConfig>>;
  /** Scene file the node comes from (informational). */
  readonly scene?: string;
}

export interface RpcManifest {
  readonly format: "godot-peer-rpc-manifest";
  readonly version: 1;
  /** Godot's version the manifest was made for or read from (e.g. "4.6.3"), when known. */
  readonly godot?: string;
  /** SceneMultiplayer.root_path; default "/root". */
  readonly root?: string;
  /** Keyed by `res://` script path. */
  readonly scripts: Readonly<Record<string, ManifestScript>>;
  /**
   * Keyed by node path relative to the root ("Main/World/Player"); a `*` matches one path
   * element (spawned nodes have changing names: "Main/Players/*"). An exact path wins over a pattern.
   */
  readonly nodes: Readonly<Record<string, ManifestNode>>;
  /** MultiplayerSpawners by root-relative path (see ManifestSpawner). */
  readonly spawners?: Readonly<Record<string, ManifestSpawner>>;
  /** MultiplayerSynchronizers by root-relative path or pattern (see ManifestSynchronizer). */
  readonly synchronizers?: Readonly<Record<string, ManifestSynchronizer>>;
}

/**
 * A MultiplayerSpawner (keyed by its root-relative path in RpcManifest.spawners). A SPAWN names
 * the scene by its index in `spawnable_scenes`, or 0xFF for a custom spawn (`spawn_function`).
 */
export interface ManifestSpawner {
  /** MultiplayerSpawner.spawn_path, relative to the spawner as in the scene ("../Players"). */
  readonly spawn_path: string;
  /** `res://` paths in the spawner's order (`_spawnable_scenes`). */
  readonly spawnable_scenes: readonly string[];
  /** 0 = no limit. */
  readonly spawn_limit: number;
  /** Whether a spawn_function is set: only a script does that, so a static reader cannot know ("unknown"). */
  readonly spawn_function?: boolean | "unknown";
}

/** SceneReplicationConfig.ReplicationMode: 0 never (spawn only), 1 always (full SYNC), 2 on change (delta SYNC). */
export type ReplicationMode = 0 | 1 | 2;

/** One property of a SceneReplicationConfig, in config order (`properties/N/path`, `/spawn`, `/replication_mode`). */
export interface ManifestReplicatedProperty {
  /** NodePath relative to the synchronizer's root: ".:position", "Sprite:modulate". */
  readonly path: string;
  readonly spawn: boolean;
  readonly replication_mode: ReplicationMode;
}

/**
 * A MultiplayerSynchronizer (keyed by its root-relative path in RpcManifest.synchronizers; a `*`
 * matches one element, as for nodes: a spawned scene's synchronizer is "Main/Players/{star}/Sync" with {star} = `*`).
 */
export interface ManifestSynchronizer {
  /** MultiplayerSynchronizer.root_path, relative to the synchronizer (default ".."). */
  readonly root_path: string;
  /** Seconds; 0 = every network frame. */
  readonly replication_interval: number;
  readonly delta_interval: number;
  readonly public_visibility: boolean;
  readonly properties: readonly ManifestReplicatedProperty[];
  /** Scene file the synchronizer comes from (informational). */
  readonly scene?: string;
}

/** The replication part of a manifest (optional fields of RpcManifest). */
export interface ReplicationManifest {
  readonly spawners?: Readonly<Record<string, ManifestSpawner>>;
  readonly synchronizers?: Readonly<Record<string, ManifestSynchronizer>>;
}
