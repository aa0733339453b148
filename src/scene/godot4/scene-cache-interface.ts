/**
 * SceneCacheInterface (modules/multiplayer/scene_cache_interface.cpp): the node path cache.
 *
 *   SIMPLIFY_PATH  01 | md5 hex (32) 00 | u32 cache id | path 00      "id N means node P"
 *   CONFIRM_PATH   02 | u8 valid | u32 cache id                       exactly 6 bytes
 *
 * Each peer numbers the nodes it names from 1 (one counter for all receivers). Until a receiver
 * confirms, RPCs to it carry the full path. The receiver keeps (sender, id) → node, answers every
 * SIMPLIFY_PATH with a CONFIRM_PATH whose flag says whether the MD5 of the node's RPC names
 * matched, and caches the path either way (Godot only logs a mismatch; we raise a ManifestError
 * naming the names that differ where we can find them).
 */
import { GodotError } from "../../websocket/index.js";
import { ManifestError } from "./errors.js";
import { type MultiplayerHost, PACKET_START } from "./host.js";
import { CONFIRM_PATH_SIZE, NetworkCommand, SIMPLIFY_PATH_MIN_SIZE } from "./network-commands.js";
import { getU32 } from "./packet-writer.js";
import { compareCodePoints, md5Hex, type RpcNodeConfig } from "./rpc-config.js";
import type { RpcNode } from "./rpc-node.js";

export interface CacheLimits {
  /** Paths one peer may name to us. Default 262,144. */
  readonly maxEntriesPerPeer?: number;
  /** Bytes of path text one peer may make us keep. Default 16 MiB. */
  readonly maxPathBytesPerPeer?: number;
}

/** What one peer told us: its id for a path, and the node we resolved it to (null: not declared). */
export interface CachedPath {
  readonly path: string;
  readonly node: RpcNode | null;
}

interface PeerInfo {
  /** Made on its first SIMPLIFY_PATH: an empty Map per peer per bot is quadratic in a swarm. */
  recv: Map<number, CachedPath> | null;
  recvBytes: number;
  /** Nodes we sent this peer a SIMPLIFY_PATH for. */
  sent: Set<RpcNode> | null;
}

const utf8 = new TextDecoder();
const utf8Encoder = new TextEncoder();

/** Godot's parse_utf8 of [from, end): stops at the first NUL. Short ASCII without TextDecoder. */
export function readCString(p: Uint8Array, from: number, end: number): string {
  let stop = from;
  let ascii = true;
  while (stop < end && p[stop] !== 0) {
    if ((p[stop] as number) >= 0x80) ascii = false;
    stop++;
  }
  if (ascii && stop - from <= 64) {
    let s = "";
    for (let i = from; i < stop; i++) s += String.fromCharCode(p[i] as number);
    return s;
  }
  return utf8.decode(p.subarray(from, stop));
}

/** A node's path as UTF-8 + NUL, kept per path (read-only, bounded). */
const cstrings = new Map<string, Uint8Array>();
const CSTRING_CACHE_MAX = 4096;

export function cstring(s: string): Uint8Array {
  const known = cstrings.get(s);
  if (known) return known;
  const bytes = utf8Encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  if (cstrings.size >= CSTRING_CACHE_MAX) cstrings.clear();
  cstrings.set(s, out);
  return out;
}

const CHECKSUM_FAILED =
  "The rpc node checksum failed. Make sure to have the same methods on both nodes. Node path: ";
/** Candidate names tried when naming what a peer's checksum has that ours lacks. */
const MAX_DIAGNOSIS_CANDIDATES = 4096;

export class SceneCacheInterface {
  readonly #host: MultiplayerHost;
  /** Made on the first path one peer names or is told: an idle bot has none. */
  #peers: Map<number, PeerInfo> | null = null;
  #lastSendCacheId = 1;
  #assigned: Map<number, RpcNode> | null = null;
  readonly #maxEntries: number;
  readonly #maxBytes: number;

  constructor(host: MultiplayerHost, limits: CacheLimits = {}) {
    this.#host = host;
    this.#maxEntries = limits.maxEntriesPerPeer ?? 262_144;
    this.#maxBytes = limits.maxPathBytesPerPeer ?? 16 * 1024 * 1024;
  }

  #info(id: number): PeerInfo {
    this.#peers ??= new Map();
    let info = this.#peers.get(id);
    if (!info) {
      info = { recv: null, recvBytes: 0, sent: null };
      this.#peers.set(id, info);
    }
    return info;
  }

  /** A peer left: forget what it told us and what it confirmed. */
  onPeerGone(id: number): void {
    const info = this.#peers?.get(id);
    if (!info) return;
    if (info.sent) for (const node of info.sent) node.confirmed?.delete(id);
    this.#peers?.delete(id);
  }

  clear(): void {
    for (const info of this.#peers?.values() ?? []) {
      if (info.sent) for (const node of info.sent) node.confirmed = null;
    }
    if (this.#assigned) for (const node of this.#assigned.values()) node.cacheId = 0;
    this.#peers = null;
    this.#assigned = null;
    this.#lastSendCacheId = 1;
  }

  /** The node left the tree (Godot's _remove_node_cache): its ids, given and received, are gone. */
  forgetNode(node: RpcNode): void {
    if (node.cacheId !== 0) this.#assigned?.delete(node.cacheId);
    node.cacheId = 0;
    node.confirmed = null;
    for (const info of this.#peers?.values() ?? []) {
      info.sent?.delete(node);
      if (!info.recv) continue;
      for (const [id, entry] of info.recv) {
        if (entry.node === node) {
          info.recv.delete(id);
          info.recvBytes -= entry.path.length;
        }
      }
    }
  }

  /** How many paths `peer` has named to us. */
  cachedCount(peer: number): number {
    return this.#peers?.get(peer)?.recv?.size ?? 0;
  }

  getCached(from: number, id: number): CachedPath | undefined {
    return this.#peers?.get(from)?.recv?.get(id);
  }

  processSimplifyPath(from: number, p: Uint8Array): void {
    const host = this.#host;
    if (!host.connectedPeers.has(from)) {
      host.drop(from, "unknown-peer", 'Condition "!peers_info.has(p_from)" is true.');
      return;
    }
    if (p.length < SIMPLIFY_PATH_MIN_SIZE) {
      host.drop(from, "too-short", "Invalid packet received. Size too small.");
      return;
    }
    const md5 = readCString(p, 1, 33);
    const id = getU32(p, 34);
    const info = this.#info(from);
    if (info.recv?.has(id)) {
      host.drop(from, "duplicate-cache-id", `Duplicate remote cache ID ${id} for peer ${from}`);
      return;
    }
    const path = normalizePath(readCString(p, SIMPLIFY_PATH_MIN_SIZE, p.length), host.rootPath);
    if ((info.recv?.size ?? 0) >= this.#maxEntries || info.recvBytes + path.length > this.#maxBytes) {
      host.drop(
        from,
        "cache-full",
        `Peer ${from} named more paths than the cache holds (${this.#maxEntries} paths, ${this.#maxBytes} bytes)`,
        path,
      );
      return;
    }
    const node = host.resolveNode(path);
    // Godot builds (and keeps) the node's table here, to compute its checksum.
    if (node) node.used = true;
    const valid = node !== null && node.config.md5 === md5;
    if (node === null) {
      host.manifestError(
        new ManifestError(
          "unknown-node",
          from,
          path,
          `Peer ${from} names node ${path}, which our manifest does not declare (confirmed as a checksum mismatch)`,
          [],
          [],
          undefined,
          md5,
        ),
      );
    } else if (!valid) {
      host.manifestError(checksumMismatch(from, path, node.config, md5, host.knownNames));
    }
    info.recv ??= new Map();
    info.recv.set(id, { path, node });
    info.recvBytes += path.length;
    const w = host.writer;
    w.pos = PACKET_START;
    w.u8(NetworkCommand.CONFIRM_PATH);
    w.u8(valid ? 1 : 0);
    w.u32(id);
    host.setTransfer(2, 0);
    host.sendCommand(from, w.pos);
  }

  processConfirmPath(from: number, p: Uint8Array): void {
    const host = this.#host;
    if (p.length !== CONFIRM_PATH_SIZE) {
      host.drop(from, "too-short", "Invalid packet received. Size too small.");
      return;
    }
    const valid = p[1] !== 0;
    const id = getU32(p, 2);
    const node = this.#assigned?.get(id);
    if (!node) {
      // Godot returns silently: it may be a node that was removed.
      host.drop(from, "confirm-unknown-id", "");
      return;
    }
    if (!valid) {
      host.manifestError(
        new ManifestError(
          "checksum-refused",
          from,
          node.path,
          `${CHECKSUM_FAILED}${host.rootPath}/${node.path} (peer ${from} refused our names: ${listNames(node.config.names)})`,
          [],
          [],
          node.config.md5,
        ),
      );
    }
    const confirmed = node.confirmed?.get(from);
    if (confirmed === undefined) {
      host.drop(
        from,
        "confirm-not-requested",
        "Invalid packet received. Tries to confirm a node which was not requested.",
        node.path,
      );
      return;
    }
    node.confirmed?.set(from, true);
  }

  isCacheConfirmed(node: RpcNode, peer: number): boolean {
    return node.confirmed?.get(peer) === true;
  }

  /** make_object_cache: our id for the node, given on first use. */
  makeObjectCache(node: RpcNode): number {
    if (node.cacheId === 0) {
      node.cacheId = this.#lastSendCacheId++;
      this.#assigned ??= new Map();
      this.#assigned.set(node.cacheId, node);
    }
    return node.cacheId;
  }

  /**
   * send_object_cache: SIMPLIFY_PATH to every target (one peer, or all but −`peer`) not yet told;
   * true if every target has confirmed, i.e. the RPC may use the short id.
   */
  sendObjectCache(node: RpcNode, peer: number): boolean {
    if (node.transient) return false; // full path, always
    this.makeObjectCache(node);
    const confirmed = node.confirmed;
    if (peer > 0) {
      // Fast single peer check: the steady state of a busy bot allocates nothing here.
      const c = confirmed?.get(peer);
      if (c === true) return true;
      if (c === undefined) this.#sendSimplify(node, peer);
      return false;
    }
    let hasAll = true;
    let missing: number[] | null = null;
    for (const id of this.#host.connectedPeers) {
      if (peer < 0 && id === -peer) continue;
      const c = confirmed?.get(id);
      if (c === undefined) {
        missing ??= [];
        missing.push(id);
      }
      if (c !== true) hasAll = false;
    }
    if (missing) for (const id of missing) this.#sendSimplify(node, id);
    return hasAll;
  }

  #sendSimplify(node: RpcNode, peer: number): void {
    const host = this.#host;
    const w = host.writer;
    w.pos = PACKET_START;
    w.ensure(1 + 33 + 4);
    w.u8(NetworkCommand.SIMPLIFY_PATH);
    const md5 = node.config.md5;
    for (let i = 0; i < 32; i++) w.buf[w.pos++] = md5.charCodeAt(i);
    w.u8(0);
    w.u32(node.cacheId);
    w.bytes(cstring(node.path));
    host.setTransfer(2, 0);
    const err = host.sendCommand(peer, w.pos);
    if (err !== GodotError.OK) return;
    node.used = true;
    node.confirmed ??= new Map();
    node.confirmed.set(peer, false);
    const info = this.#info(peer);
    info.sent ??= new Set();
    info.sent.add(node);
  }
}

/** A root-relative path from what a peer sent: an absolute path under the root is accepted, as get_node does. */
export function normalizePath(path: string, root: string): string {
  let p = path;
  if (p.startsWith("/")) {
    if (p === root) return "";
    if (p.startsWith(`${root}/`)) p = p.slice(root.length + 1);
  }
  if (p.endsWith("/") || p.startsWith("./") || p.includes("/./") || p.includes("..")) {
    const out: string[] = [];
    for (const s of p.split("/")) {
      if (s === "" || s === ".") continue;
      if (s === "..") out.pop();
      else out.push(s);
    }
    p = out.join("/");
  }
  return p;
}

function listNames(names: readonly string[]): string {
  return names.length === 0 ? "none" : names.map((n) => `"${n}"`).join(", ");
}

/** Tries one name out of ours, then one known name more, to say what the peer's checksum differs by. */
function checksumMismatch(
  from: number,
  path: string,
  ours: RpcNodeConfig,
  peerMd5: string,
  known: ReadonlySet<string>,
): ManifestError {
  const nodeNames = ours.node.map((m) => m.name);
  const scriptNames = ours.script.map((m) => m.name);
  const missing: string[] = [];
  const extra: string[] = [];
  const all = ours.names;
  for (let i = 0; i < all.length; i++) {
    if (md5Hex(all.slice(0, i).join("") + all.slice(i + 1).join("")) === peerMd5) {
      missing.push(all[i] as string);
      break;
    }
  }
  if (missing.length === 0) {
    const mine = new Set(all);
    let tried = 0;
    for (const candidate of known) {
      if (mine.has(candidate)) continue;
      if (++tried > MAX_DIAGNOSIS_CANDIDATES) break;
      if (
        md5Hex(nodeNames.join("") + insertSorted(scriptNames, candidate).join("")) === peerMd5 ||
        md5Hex(insertSorted(nodeNames, candidate).join("") + scriptNames.join("")) === peerMd5
      ) {
        extra.push(candidate);
        break;
      }
    }
  }
  const why =
    missing.length > 0
      ? `the peer lacks ${listNames(missing)}`
      : extra.length > 0
        ? `the peer also declares ${listNames(extra)}`
        : `the names differ in a way one added or missing name does not explain (ours: ${listNames(all)})`;
  return new ManifestError(
    "checksum-mismatch",
    from,
    path,
    `${CHECKSUM_FAILED}${path} (peer ${from}: ${why})`,
    missing,
    extra,
    ours.md5,
    peerMd5,
  );
}

function insertSorted(names: readonly string[], name: string): string[] {
  return [...names, name].sort(compareCodePoints);
}
