/** The manifest's JSON: keys in a fixed order, names and paths in code-point order, two-space indent. */
import type { ManifestNode, ManifestScript, RpcConfig, RpcManifest } from "../scene/index.js";
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

/** The manifest as the JSON `godot-peer manifest` writes: the same manifest gives the same bytes. */
export function stringifyManifest(m: RpcManifest): string {
  const parts = [`  "format": ${q(m.format)}`, `  "version": ${m.version}`];
  if (m.godot !== undefined) parts.push(`  "godot": ${q(m.godot)}`);
  if (m.root !== undefined) parts.push(`  "root": ${q(m.root)}`);
  parts.push(`  "scripts": ${mapJson(m.scripts, scriptJson)}`);
  parts.push(`  "nodes": ${mapJson(m.nodes, nodeJson)}`);
  return `{\n${parts.join(",\n")}\n}\n`;
}
