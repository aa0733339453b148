/**
 * What tests know of the Godot 4 example game (test/godot/g4/game4*.gd): its RPC manifest
 * (fixtures/game4-manifest.json, the shape of src/scene/godot4/rpc-manifest.ts), and the
 * method ids and path MD5s the engine derives from it, computed here from the names alone.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";

export interface Game4RpcConfig {
  readonly rpc_mode: "disabled" | "any_peer" | "authority";
  readonly call_local: boolean;
  readonly transfer_mode: "unreliable" | "unreliable_ordered" | "reliable";
  readonly channel: number;
}

export interface Game4Node {
  readonly script?: string;
  readonly rpcs: Readonly<Record<string, Game4RpcConfig>>;
  readonly node_rpcs?: Readonly<Record<string, Game4RpcConfig>>;
}

export const GAME4_MANIFEST: {
  readonly nodes: Readonly<Record<string, Game4Node>>;
} = JSON.parse(readFileSync(new URL("./fixtures/game4-manifest.json", import.meta.url), "utf8"));

/** The manifest entry of a node path (relative to /root); `*` matches one path element. */
export function game4Node(path: string): Game4Node {
  const exact = GAME4_MANIFEST.nodes[path];
  if (exact) return exact;
  const parts = path.split("/");
  for (const [pattern, node] of Object.entries(GAME4_MANIFEST.nodes)) {
    const p = pattern.split("/");
    if (p.length === parts.length && p.every((s, i) => s === "*" || s === parts[i])) return node;
  }
  throw new Error(`no node ${path} in the game4 manifest`);
}

/** Godot sorts Strings by code point (not UTF-16 unit, not locale). */
export function codePointSort(names: Iterable<string>): string[] {
  const key = (s: string) => Array.from(s, (c) => c.codePointAt(0) ?? 0);
  return [...names].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++)
      if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
    return x.length - y.length;
  });
}

/** The wire id of `method` on `path`: script RPCs 0…n−1, node-level (rpc_config) 0x8000 | i. */
export function methodId(path: string, method: string): number {
  const node = game4Node(path);
  const script = codePointSort(Object.keys(node.rpcs)).indexOf(method);
  if (script >= 0) return script;
  const level = codePointSort(Object.keys(node.node_rpcs ?? {})).indexOf(method);
  if (level >= 0) return 0x8000 | level;
  throw new Error(`${path} has no RPC ${method}`);
}

/** The name of wire id `id` on `path`. */
export function methodName(path: string, id: number): string {
  const node = game4Node(path);
  const names =
    id & 0x8000 ? codePointSort(Object.keys(node.node_rpcs ?? {})) : codePointSort(Object.keys(node.rpcs));
  const name = names[id & 0x7fff];
  if (name === undefined) throw new Error(`${path} has no RPC id ${id}`);
  return name;
}

/** The MD5 SIMPLIFY_PATH carries: node-level names sorted, then script names sorted, no separators. */
export function pathMd5(path: string): string {
  const node = game4Node(path);
  const text =
    codePointSort(Object.keys(node.node_rpcs ?? {})).join("") +
    codePointSort(Object.keys(node.rpcs)).join("");
  return createHash("md5").update(text, "utf8").digest("hex");
}
