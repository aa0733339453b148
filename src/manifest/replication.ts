/**
 * MultiplayerSpawner / MultiplayerSynchronizer settings as a .tscn or .tres stores them:
 * SceneReplicationConfig's `properties/N/path`, `properties/N/spawn`, `properties/N/replication_mode`
 * (scene_replication_config.cpp `_set`; 4.0's `/sync` and `/watch` map to ALWAYS and ON_CHANGE),
 * and the synchronizer's own `root_path`, `replication_interval`, `delta_interval`, `public_visibility`.
 */
import type { ManifestReplicatedProperty, ReplicationMode } from "../scene/index.js";
import { parseTextResource, stringOf, type TextValue } from "./text-resource.js";

type Props = ReadonlyMap<string, { readonly value: TextValue; readonly line: number }>;

const PROPERTY = /^properties\/(\d+)\/(path|spawn|replication_mode|sync|watch)$/;

/** The properties of a SceneReplicationConfig section, in index order (add_property defaults: spawn, ALWAYS). */
export function replicationProperties(props: Props): ManifestReplicatedProperty[] {
  const byIndex = new Map<
    number,
    { path?: string; spawn?: boolean; mode?: number; sync?: boolean; watch?: boolean }
  >();
  for (const [key, { value }] of props) {
    const m = PROPERTY.exec(key);
    if (!m) continue;
    const i = Number(m[1]);
    const e = byIndex.get(i) ?? {};
    byIndex.set(i, e);
    if (m[2] === "path") {
      const s = stringOf(value);
      if (s !== undefined) e.path = s;
    } else if (m[2] === "replication_mode" && value.kind === "number") e.mode = value.value;
    else if (value.kind === "bool") {
      if (m[2] === "spawn") e.spawn = value.value;
      else if (m[2] === "sync") e.sync = value.value;
      else e.watch = value.value;
    }
  }
  const out: ManifestReplicatedProperty[] = [];
  for (const i of [...byIndex.keys()].sort((a, b) => a - b)) {
    const e = byIndex.get(i)!;
    if (e.path === undefined) continue;
    const mode: ReplicationMode =
      e.mode === 0 || e.mode === 1 || e.mode === 2 ? e.mode : e.watch ? 2 : e.sync === false ? 0 : 1;
    out.push({ path: e.path, spawn: e.spawn ?? true, replication_mode: mode });
  }
  return out;
}

/** A `.tres` whose resource is a SceneReplicationConfig: its properties; undefined for another resource. */
export function parseReplicationConfigResource(text: string): ManifestReplicatedProperty[] | undefined {
  const res = parseTextResource(text);
  const head = res.sections.find((s) => s.tag === "gd_resource");
  if (stringOf(head?.header.get("type")) !== "SceneReplicationConfig") return undefined;
  const body = res.sections.find((s) => s.tag === "resource");
  return body ? replicationProperties(body.properties) : [];
}
