/** The manifest's JSON: keys in a fixed order, names and paths in code-point order, two-space indent. */
import type {
  ManifestNode,
  ManifestScript,
  ManifestSpawner,
  ManifestSynchronizer,
  RpcConfig,
  RpcManifest,
} from "../scene/index.js";
import { compareCodePoints } from "./rpc-config.js";

const q = JSON.stringify;

function configJson(c: RpcConfig): string {
  return `{ "rpc_mode": ${q(c.rpc_mode)}, "call_local": ${c.call_local}, "transfer_mode": ${q(c.transfer_mode)}, "channel": ${c.channel} }`;
}

function rpcsJson(rpcs: Readonly<Record<string, RpcConfig>>, indent: string): string {
  const names = Object.keys(rpcs).sort(compareCodePoints);
  if (names.length === 0) return "{}";
  return `{\n${names.map((n) => `${indent}  ${q(n)}: ${configJson(rpcs[n]!)}`).join(",\n")}\n${indent}}`;
}

function scriptJson(s: ManifestScript, indent: string): string {
  const parts: string[] = [];
  if (s.extends !== undefined) parts.push(`${indent}  "extends": ${q(s.extends)}`);
  if (s.class_name !== undefined) parts.push(`${indent}  "class_name": ${q(s.class_name)}`);
  parts.push(`${indent}  "rpcs": ${rpcsJson(s.rpcs, `${indent}  `)}`);
  return `{\n${parts.join(",\n")}\n${indent}}`;
}

function nodeJson(n: ManifestNode, indent: string): string {
  const parts: string[] = [];
  if (n.script !== undefined) parts.push(`${indent}  "script": ${q(n.script)}`);
  parts.push(`${indent}  "rpcs": ${rpcsJson(n.rpcs, `${indent}  `)}`);
  if (n.node_rpcs !== undefined)
    parts.push(`${indent}  "node_rpcs": ${rpcsJson(n.node_rpcs, `${indent}  `)}`);
  if (n.scene !== undefined) parts.push(`${indent}  "scene": ${q(n.scene)}`);
  return `{\n${parts.join(",\n")}\n${indent}}`;
}

function mapJson<T>(record: Readonly<Record<string, T>>, each: (v: T, indent: string) => string): string {
  const keys = Object.keys(record).sort(compareCodePoints);
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `    ${q(k)}: ${each(record[k]!, "    ")}`).join(",\n")}\n  }`;
}

function spawnerJson(s: ManifestSpawner, indent: string): string {
  const parts = [
    `${indent}  "spawn_path": ${q(s.spawn_path)}`,
    `${indent}  "spawnable_scenes": ${q(s.spawnable_scenes)}`,
    `${indent}  "spawn_limit": ${s.spawn_limit}`,
  ];
  if (s.spawn_function !== undefined) parts.push(`${indent}  "spawn_function": ${q(s.spawn_function)}`);
  return `{\n${parts.join(",\n")}\n${indent}}`;
}

function synchronizerJson(s: ManifestSynchronizer, indent: string): string {
  const props = s.properties.map(
    (p) =>
      `${indent}    { "path": ${q(p.path)}, "spawn": ${p.spawn}, "replication_mode": ${p.replication_mode} }`,
  );
  const parts = [
    `${indent}  "root_path": ${q(s.root_path)}`,
    `${indent}  "replication_interval": ${s.replication_interval}`,
    `${indent}  "delta_interval": ${s.delta_interval}`,
    `${indent}  "public_visibility": ${s.public_visibility}`,
    `${indent}  "properties": ${props.length ? `[\n${props.join(",\n")}\n${indent}  ]` : "[]"}`,
  ];
  if (s.scene !== undefined) parts.push(`${indent}  "scene": ${q(s.scene)}`);
  return `{\n${parts.join(",\n")}\n${indent}}`;
}

/** Synchronizers keep their order (tree order: a SPAWN's synchronizer net ids follow it). */
function orderedJson<T>(record: Readonly<Record<string, T>>, each: (v: T, indent: string) => string): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `    ${q(k)}: ${each(record[k]!, "    ")}`).join(",\n")}\n  }`;
}

/** The manifest as the JSON `godot-peer manifest` writes: the same manifest gives the same bytes. */
export function stringifyManifest(m: RpcManifest): string {
  const parts = [`  "format": ${q(m.format)}`, `  "version": ${m.version}`];
  if (m.godot !== undefined) parts.push(`  "godot": ${q(m.godot)}`);
  if (m.root !== undefined) parts.push(`  "root": ${q(m.root)}`);
  parts.push(`  "scripts": ${mapJson(m.scripts, scriptJson)}`);
  parts.push(`  "nodes": ${mapJson(m.nodes, nodeJson)}`);
  if (m.spawners !== undefined) parts.push(`  "spawners": ${mapJson(m.spawners, spawnerJson)}`);
  if (m.synchronizers !== undefined)
    parts.push(`  "synchronizers": ${orderedJson(m.synchronizers, synchronizerJson)}`);
  return `{\n${parts.join(",\n")}\n}\n`;
}
