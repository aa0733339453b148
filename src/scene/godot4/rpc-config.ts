/**
 * A node's RPC table, as SceneRPCInterface::_parse_rpc_config builds it on first use: node-level
 * `rpc_config()` names sorted, ids 0x8000 | i; script `@rpc` names (inherited included) sorted,
 * ids i. Names sort by Unicode code point (Godot's String `<`), not by JS UTF-16 units. The MD5
 * that SIMPLIFY_PATH carries is md5_text of the node-level names then the script names, in id
 * order, with no separator.
 */
import { createHash } from "node:crypto";
import { NODE_RPC_FLAG } from "./network-commands.js";
import { DEFAULT_RPC_CONFIG, type ManifestNode, type RpcConfig } from "./rpc-manifest.js";

/** MultiplayerAPI.RPCMode (Godot 4). */
export const RpcMode4 = {
  DISABLED: 0,
  ANY_PEER: 1,
  AUTHORITY: 2,
} as const;
export type RpcMode4 = (typeof RpcMode4)[keyof typeof RpcMode4];

const MODE_OF: Readonly<Record<RpcConfig["rpc_mode"], RpcMode4>> = {
  disabled: RpcMode4.DISABLED,
  any_peer: RpcMode4.ANY_PEER,
  authority: RpcMode4.AUTHORITY,
};

export interface MethodStats {
  callsIn: number;
  callsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/** One entry of a node's table. */
export interface RpcMethod {
  readonly name: string;
  /** Wire id: i for script RPCs, 0x8000 | i for node-level ones. */
  readonly id: number;
  readonly config: RpcConfig;
  readonly mode: RpcMode4;
}

/** What a declaration in code may leave out: a name list, or configs with defaults filled in. */
export type RpcDeclarations = readonly string[] | Readonly<Record<string, Partial<RpcConfig>>>;

export interface RpcDeclaration {
  /** Script `@rpc` methods, inherited ones included. */
  readonly rpcs?: RpcDeclarations;
  /** Names given to `Node.rpc_config()`. */
  readonly node_rpcs?: RpcDeclarations;
}

/**
 * Godot's String `<`: code point by code point. UTF-16 units order like code points except that
 * surrogates (U+D800–DFFF, astral code points) must sort after U+E000–FFFF.
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800) x = x < 0xe000 ? x + 0x2000 : x - 0x800;
    if (y >= 0xd800) y = y < 0xe000 ? y + 0x2000 : y - 0x800;
    return x - y;
  }
  return a.length - b.length;
}

export function md5Hex(text: string): string {
  return createHash("md5").update(text, "utf8").digest("hex");
}

function fullConfig(c: Partial<RpcConfig>): RpcConfig {
  return {
    rpc_mode: c.rpc_mode ?? DEFAULT_RPC_CONFIG.rpc_mode,
    call_local: c.call_local ?? DEFAULT_RPC_CONFIG.call_local,
    transfer_mode: c.transfer_mode ?? DEFAULT_RPC_CONFIG.transfer_mode,
    channel: c.channel ?? DEFAULT_RPC_CONFIG.channel,
    ...(c.arg_count !== undefined ? { arg_count: c.arg_count } : {}),
    ...(c.default_arg_count !== undefined ? { default_arg_count: c.default_arg_count } : {}),
  };
}

function entries(decl: RpcDeclarations | undefined): [string, RpcConfig][] {
  if (!decl) return [];
  if (Array.isArray(decl)) return (decl as readonly string[]).map((n) => [n, DEFAULT_RPC_CONFIG]);
  return Object.entries(decl as Readonly<Record<string, Partial<RpcConfig>>>).map(([n, c]) => {
    if (!(c.rpc_mode === undefined || c.rpc_mode in MODE_OF)) {
      throw new RangeError(
        `rpc "${n}": rpc_mode must be disabled, any_peer or authority, not ${String(c.rpc_mode)}`,
      );
    }
    return [n, fullConfig(c)];
  });
}

export class RpcNodeConfig {
  /** Script RPCs by id. */
  readonly script: readonly RpcMethod[];
  /** Node-level RPCs by id & 0x7FFF. */
  readonly node: readonly RpcMethod[];
  /** name → entry; a name in both tables resolves to the script one, as in Godot (parsed last). */
  readonly #ids = new Map<string, RpcMethod>();
  /** Every name, node-level first: what the MD5 is computed over. */
  readonly names: readonly string[];
  readonly md5: string;

  constructor(decl: RpcDeclaration | ManifestNode) {
    const node = entries(decl.node_rpcs).sort((a, b) => compareCodePoints(a[0], b[0]));
    const script = entries(decl.rpcs).sort((a, b) => compareCodePoints(a[0], b[0]));
    if (node.length > NODE_RPC_FLAG || script.length > NODE_RPC_FLAG) {
      throw new RangeError(`a node may declare at most ${NODE_RPC_FLAG} RPCs of each kind`);
    }
    const make = ([name, config]: [string, RpcConfig], id: number): RpcMethod => ({
      name,
      id,
      config,
      mode: MODE_OF[config.rpc_mode],
    });
    this.node = node.map((e, i) => make(e, NODE_RPC_FLAG | i));
    this.script = script.map((e, i) => make(e, i));
    for (const m of this.node) this.#ids.set(m.name, m);
    for (const m of this.script) this.#ids.set(m.name, m);
    this.names = [...this.node.map((m) => m.name), ...this.script.map((m) => m.name)];
    this.md5 = md5Hex(this.names.join(""));
  }

  byName(name: string): RpcMethod | undefined {
    return this.#ids.get(name);
  }

  byId(id: number): RpcMethod | undefined {
    return id & NODE_RPC_FLAG ? this.node[id & 0x7fff] : this.script[id];
  }
}

/** The empty table: a node with no RPCs (MD5 of "", d41d8cd9…). */
export const NO_RPCS = new RpcNodeConfig({});
