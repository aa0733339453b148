/**
 * SceneReplicationConfig (modules/multiplayer/scene_replication_config.cpp) and the parts of
 * MultiplayerSpawner / MultiplayerSynchronizer a bot needs: which properties travel in a SPAWN
 * (`spawn`), in a full SYNC (`ALWAYS`) and in a delta SYNC (`ON_CHANGE`), each list in config order.
 */
import type {
  ManifestReplicatedProperty,
  ManifestSpawner,
  ManifestSynchronizer,
  ReplicationMode as ReplicationModeValue,
} from "./rpc-manifest.js";

/** SceneReplicationConfig.ReplicationMode. */
export const ReplicationMode = {
  REPLICATION_MODE_NEVER: 0,
  REPLICATION_MODE_ALWAYS: 1,
  REPLICATION_MODE_ON_CHANGE: 2,
} as const;
export type ReplicationMode = ReplicationModeValue;

/** MultiplayerSpawner's "no scene": the scene index of a custom spawn. */
export const CUSTOM_SPAWN = 0xff;
/** A synchronizer net id with this bit is `path cache id | bit` (a synchronizer that was not spawned). */
export const STATIC_SYNC_ID = 0x80000000;

/** The property lists SceneReplicationConfig keeps, built once per config. */
export class ReplicationConfig {
  readonly properties: readonly ManifestReplicatedProperty[];
  /** get_spawn_properties: in the SPAWN's state. */
  readonly spawnProperties: readonly string[];
  /** get_sync_properties: ALWAYS, in every full SYNC. */
  readonly syncProperties: readonly string[];
  /** get_watch_properties: ON_CHANGE, by bit index in a delta SYNC. */
  readonly watchProperties: readonly string[];

  constructor(properties: readonly ManifestReplicatedProperty[]) {
    const seen = new Set<string>();
    for (const p of properties) {
      if (seen.has(p.path)) throw new RangeError(`property ${p.path} is in the replication config twice`);
      seen.add(p.path);
      if (p.replication_mode !== 0 && p.replication_mode !== 1 && p.replication_mode !== 2) {
        throw new RangeError(
          `property ${p.path}: replication_mode ${String(p.replication_mode)} is not 0, 1 or 2`,
        );
      }
    }
    this.properties = properties;
    this.spawnProperties = properties.filter((p) => p.spawn).map((p) => p.path);
    this.syncProperties = properties.filter((p) => p.replication_mode === 1).map((p) => p.path);
    this.watchProperties = properties.filter((p) => p.replication_mode === 2).map((p) => p.path);
  }

  /** get_delta_properties: the ON_CHANGE properties whose bit is set (bits past the list are ignored). */
  deltaProperties(indexes: bigint): string[] {
    const out: string[] = [];
    const w = this.watchProperties;
    for (let i = 0; i < w.length && i < 64; i++) if ((indexes >> BigInt(i)) & 1n) out.push(w[i] as string);
    return out;
  }
}

/** A synchronizer as a bot knows it: the manifest entry, its config built. */
export interface SynchronizerConfig extends ManifestSynchronizer {
  readonly config: ReplicationConfig;
}

export function synchronizerConfig(
  s: Partial<ManifestSynchronizer> & Pick<ManifestSynchronizer, "properties">,
): SynchronizerConfig {
  return {
    root_path: s.root_path ?? "..",
    replication_interval: s.replication_interval ?? 0,
    delta_interval: s.delta_interval ?? 0,
    public_visibility: s.public_visibility ?? true,
    properties: s.properties,
    ...(s.scene ? { scene: s.scene } : {}),
    config: new ReplicationConfig(s.properties),
  };
}

export function spawnerConfig(
  s: Partial<ManifestSpawner> & Pick<ManifestSpawner, "spawn_path">,
): ManifestSpawner {
  return {
    spawn_path: s.spawn_path,
    spawnable_scenes: s.spawnable_scenes ?? [],
    spawn_limit: s.spawn_limit ?? 0,
    ...(s.spawn_function !== undefined ? { spawn_function: s.spawn_function } : {}),
  };
}

/** The property's key on a replicated node: ".:position" → "position"; "Sprite:modulate" stays. */
export function propertyKey(path: string): string {
  return path.startsWith(".:") ? path.slice(2) : path;
}

/** A NodePath relative to `from` (root-relative), resolved as get_node does: "..", ".", names. */
export function resolveRelative(from: string, rel: string): string | null {
  if (rel.startsWith("/")) return null;
  const parts = from === "" ? [] : from.split("/");
  for (const seg of rel.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join("/");
}

/** String::validate_node_name: these characters may not be in a node name ("@" is allowed for a spawned name). */
const INVALID_NAME_CHARS = /[.:/"%]/;
export function isValidNodeName(name: string): boolean {
  return !INVALID_NAME_CHARS.test(name);
}

/**
 * update_inbound_sync_time: the first sync is taken; later a time at or below the last one (u16,
 * less than half the range behind) is stale.
 */
export function isNewerSyncTime(started: boolean, last: number, time: number): boolean {
  if (!started) return true;
  return !(time <= last && last - time < 32767);
}
