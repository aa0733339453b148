/**
 * SceneRPCInterface (modules/multiplayer/scene_rpc_interface.cpp): REMOTE_CALL packets.
 *
 *   meta    u8   0 | node id size << 4 (0 = u8, 1 = u16, 2 = u32) | method id size << 6 (0 = u8,
 *                1 = u16) | byte-only-or-no-args << 7
 *   node    1/2/4  our cache id once every target confirmed it; else u32 0x80000000 | path offset
 *   method  1/2  index into the node's sorted names (node-level rpc_config ones: 0x8000 | i)
 *   argc    u8   left out when byte-only: no args, or one PackedByteArray sent as its raw bytes
 *   args    compressed Variants (variant-compression.ts), or the raw bytes
 *   path    full-path mode only: root-relative path + NUL, where the offset points
 *
 * Incoming calls are checked in the engine's order: node id mode, size, node, method id, rpc
 * mode, then the arguments; an argument that does not decode is logged and the method still runs
 * with null from there on, as Godot does.
 */
import { EncodeError, type Variant } from "../../variant/index.js";
import { GodotError } from "../../websocket/index.js";
import { RpcError4 } from "./errors.js";
import { type MultiplayerHost, PACKET_START } from "./host.js";
import {
  BYTE_ONLY_OR_NO_ARGS_FLAG,
  FULL_PATH_FLAG,
  MAX_RPC_ARGUMENTS,
  NAME_ID_COMPRESSION_FLAG,
  NetworkCommand,
  NODE_ID_COMPRESSION_8,
  NODE_ID_COMPRESSION_16,
  NODE_ID_COMPRESSION_32,
  NODE_ID_COMPRESSION_FLAG,
} from "./network-commands.js";
import { copyBytes, getU16, getU32, PacketWriter, putU32 } from "./packet-writer.js";
import { type RpcMethod, RpcMode4 } from "./rpc-config.js";
import type { RpcNode } from "./rpc-node.js";
import { cstring, normalizePath, readCString, type SceneCacheInterface } from "./scene-cache-interface.js";
import { readCompressedVariant, writeCompressedVariant } from "./variant-compression.js";

const TRANSFER_MODE = { unreliable: 0, unreliable_ordered: 1, reliable: 2 } as const;
const MODE_NAMES = ["disabled", "any_peer", "authority"] as const;

/** Args encoded once per call (before anything is sent: a bad value sends nothing). */
function writeArgs(w: PacketWriter, args: readonly Variant[]): boolean {
  w.pos = 0;
  if (args.length === 0) return true;
  const first = args[0];
  if (args.length === 1 && first instanceof Uint8Array) {
    w.bytes(first);
    return true;
  }
  w.u8(args.length);
  for (const a of args) writeCompressedVariant(w, a as Variant);
  return false;
}

/** Writes a REMOTE_CALL at PACKET_START of `w`; returns where it ends. */
function writeCall(
  w: PacketWriter,
  nodeMode: number,
  nodeId: number,
  methodId: number,
  args: PacketWriter,
  byteOnly: boolean,
): number {
  w.pos = PACKET_START;
  w.u8(0);
  if (nodeMode === NODE_ID_COMPRESSION_8) w.u8(nodeId);
  else if (nodeMode === NODE_ID_COMPRESSION_16) w.u16(nodeId);
  else w.u32(nodeId);
  const nameMode = methodId > 0xff ? 1 : 0;
  if (nameMode) w.u16(methodId);
  else w.u8(methodId);
  const n = args.pos;
  w.ensure(n);
  const to = w.buf;
  const from = args.buf;
  let at = w.pos;
  // Short args (the usual case) without making a subarray view.
  if (n <= 64) for (let i = 0; i < n; i++) to[at++] = from[i] as number;
  else {
    to.set(from.subarray(0, n), at);
    at += n;
  }
  w.pos = at;
  w.buf[PACKET_START] =
    NetworkCommand.REMOTE_CALL |
    (nodeMode << 4) |
    (nameMode << 6) |
    (byteOnly ? BYTE_ONLY_OR_NO_ARGS_FLAG : 0);
  return w.pos;
}

function nodeModeFor(id: number): number {
  return id <= 0xff ? NODE_ID_COMPRESSION_8 : id <= 0xffff ? NODE_ID_COMPRESSION_16 : NODE_ID_COMPRESSION_32;
}

/** Where a REMOTE_CALL names its node: our cache id, or the full path. */
export type RemoteCallTarget = { readonly cacheId: number } | { readonly path: string };

export interface RemoteCall {
  readonly target: RemoteCallTarget;
  readonly methodId: number;
  readonly args: Variant[];
  readonly byteOnly: boolean;
}

/** One REMOTE_CALL packet as Godot writes it (tools and tests; the interface writes in place). */
export function encodeRemoteCall(
  target: RemoteCallTarget,
  methodId: number,
  args: readonly Variant[],
): Uint8Array {
  const a = new PacketWriter(64);
  const byteOnly = writeArgs(a, args);
  const w = new PacketWriter(64 + a.pos);
  if ("cacheId" in target) {
    const end = writeCall(w, nodeModeFor(target.cacheId), target.cacheId, methodId, a, byteOnly);
    return w.take(PACKET_START, end);
  }
  const end = writeCall(w, NODE_ID_COMPRESSION_32, 0, methodId, a, byteOnly);
  putU32(w.buf, PACKET_START + 1, (FULL_PATH_FLAG | (end - PACKET_START)) >>> 0);
  w.bytes(cstring(target.path));
  return w.take(PACKET_START, w.pos);
}

/** A REMOTE_CALL read as Godot reads it, with no node to check against (tools and tests). */
export function decodeRemoteCall(p: Uint8Array, options?: { allowObjects?: boolean }): RemoteCall {
  const h = parseRemoteCallHeader(p);
  if (typeof h === "string") throw new RangeError(h);
  const target = h.fullPath ? { path: h.path } : { cacheId: h.target };
  if (h.argsAt > h.end) throw new RangeError("Invalid packet received. Size too small.");
  const args = decodeArgs(p, h.argsAt, h.end, h.byteOnly, options?.allowObjects ?? false);
  if (typeof args === "string") throw new RangeError(args);
  if (argError) throw new RangeError(argError);
  return { target, methodId: h.methodId, args, byteOnly: h.byteOnly };
}

interface CallHeader {
  target: number;
  fullPath: boolean;
  path: string;
  methodId: number;
  argsAt: number;
  /** Where the args end: the path offset in full-path mode. */
  end: number;
  byteOnly: boolean;
}

const header: CallHeader = {
  target: 0,
  fullPath: false,
  path: "",
  methodId: 0,
  argsAt: 0,
  end: 0,
  byteOnly: false,
};

/** The meta, node and method fields; a string is Godot's error for a packet it refuses there. */
function parseRemoteCallHeader(p: Uint8Array): CallHeader | string {
  const len = p.length;
  if (len < 1) return "Invalid packet received. Size too small.";
  const meta = p[0] as number;
  const nodeMode = (meta & NODE_ID_COMPRESSION_FLAG) >> 4;
  if (nodeMode > NODE_ID_COMPRESSION_32) return "Was not possible to extract the node id compression mode.";
  const nodeSize = 1 << nodeMode;
  const nameSize = meta & NAME_ID_COMPRESSION_FLAG ? 2 : 1;
  const minSize = 1 + nodeSize + nameSize;
  if (len < minSize) return "Invalid packet received. Size too small.";
  const h = header;
  h.target = nodeSize === 1 ? (p[1] as number) : nodeSize === 2 ? getU16(p, 1) : getU32(p, 1);
  h.fullPath = nodeSize === 4 && (h.target & FULL_PATH_FLAG) !== 0;
  h.path = "";
  h.end = len;
  if (h.fullPath) {
    const ofs = h.target & 0x7fffffff;
    if (ofs >= len) return "Invalid packet received. Size smaller than declared.";
    h.path = readCString(p, ofs, len);
    h.end = ofs;
  }
  h.methodId = nameSize === 1 ? (p[1 + nodeSize] as number) : getU16(p, 1 + nodeSize);
  h.argsAt = minSize;
  h.byteOnly = (meta & BYTE_ONLY_OR_NO_ARGS_FLAG) !== 0;
  return h;
}

/** Godot's message when the last decodeArgs() stopped at a bad argument (the rest are null). */
let argError: string | null = null;

/** decode_and_decompress_variants after _process_rpc's argc; a string = refused before decoding. */
function decodeArgs(
  p: Uint8Array,
  at: number,
  end: number,
  byteOnly: boolean,
  allowObjects: boolean,
): Variant[] | string {
  argError = null;
  if (byteOnly) {
    // One PackedByteArray as raw bytes, or nothing: an empty one arrives as a call with no args.
    return at < end ? [copyBytes(p, at, end)] : [];
  }
  if (at >= end) return "Invalid packet received. Size too small.";
  const argc = p[at] as number;
  let ofs = at + 1;
  const values: Variant[] = new Array(argc).fill(null);
  for (let i = 0; i < argc; i++) {
    if (ofs >= end) {
      argError = "Invalid packet received. Size too small.";
      break;
    }
    try {
      const r = readCompressedVariant(p, ofs, end, allowObjects);
      values[i] = r.value;
      ofs += r.length;
    } catch (err) {
      argError = `Invalid packet received. Unable to decode state variable. (${(err as Error).message})`;
      break;
    }
  }
  return values;
}

export class SceneRPCInterface {
  readonly #host: MultiplayerHost;
  readonly #cache: SceneCacheInterface;
  /** Made on the first call sent: an idle bot holds none. */
  #argsWriter: PacketWriter | null = null;

  constructor(host: MultiplayerHost, cache: SceneCacheInterface) {
    this.#host = host;
    this.#cache = cache;
  }

  /** SceneRPCInterface::rpcp once the peer is known to be connected: send, then call locally. */
  rpcp(node: RpcNode, peerId: number, name: string, args: readonly Variant[]): void {
    const host = this.#host;
    const method = node.config.byName(name);
    if (!method) {
      throw new RpcError4(
        "unknown-method",
        `Unable to get the RPC configuration for the function "${name}" at path: "${host.rootPath}/${node.path}". This happens when the method is missing or not marked for RPCs in the local script.`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    const callerId = host.uniqueId();
    const callLocal = method.config.call_local;
    if (peerId === callerId && !callLocal) {
      throw new RpcError4(
        "not-allowed-on-self",
        `RPC '${name}' on yourself is not allowed by selected mode.`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    const local = callLocal && (peerId === 0 || peerId === callerId || (peerId < 0 && peerId !== -callerId));
    let failure: RpcError4 | null = null;
    if (peerId !== callerId) {
      try {
        this.#sendRpc(node, peerId, method, args);
      } catch (err) {
        // Godot logs a failed send and still makes the local call.
        if (!(err instanceof RpcError4)) throw err;
        failure = err;
      }
    }
    if (local) host.invoke(node, method, args as Variant[], callerId);
    if (failure) throw failure;
  }

  #sendRpc(node: RpcNode, to: number, method: RpcMethod, args: readonly Variant[]): void {
    const host = this.#host;
    if (args.length > MAX_RPC_ARGUMENTS) {
      throw new RpcError4(
        "too-many-arguments",
        "Too many arguments (>255).",
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    const peers = host.connectedPeers;
    if (to !== 0 && !peers.has(Math.abs(to))) {
      const self = host.uniqueId();
      throw new RpcError4(
        "unknown-peer",
        to === self
          ? `Attempt to call RPC on yourself! Peer unique ID: ${self}.`
          : `Attempt to call RPC with unknown peer ID: ${to}.`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    let byteOnly: boolean;
    this.#argsWriter ??= new PacketWriter(128);
    const argsWriter = this.#argsWriter;
    try {
      byteOnly = writeArgs(argsWriter, args);
    } catch (err) {
      if (!(err instanceof EncodeError)) throw err;
      throw new RpcError4(
        "encode-failed",
        `Unable to encode RPC arguments of '${method.name}' on ${node.path}: ${err.message}`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    node.used = true;
    if (to > 0 && !host.rpcVisible(node, to)) {
      throw new RpcError4(
        "not-visible",
        `Attempt to call an RPC to a peer that cannot see this node. Peer ID: ${to}`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    // A node some peers may not see (replication visibility) goes to those that can, one by one.
    if (to <= 0 && !host.rpcVisible(node, 0)) {
      this.#sendVisible(node, to, method, argsWriter, byteOnly);
      return;
    }
    const hasAll = this.#cache.sendObjectCache(node, to);
    if (to <= 0) {
      let any = false;
      for (const p of peers) {
        if (p !== -to) {
          any = true;
          break;
        }
      }
      if (!any) return; // No one in sight.
    }
    host.setTransfer(TRANSFER_MODE[method.config.transfer_mode], method.config.channel);
    const w = host.writer;
    const id = node.cacheId;
    if (hasAll) {
      const end = writeCall(w, nodeModeFor(id), id, method.id, argsWriter, byteOnly);
      if (to > 0) this.#send(node, method, to, end);
      else for (const p of peers) if (p !== -to) this.#send(node, method, p, end);
      return;
    }
    // Not every target confirmed: 4-byte ids, and the full path for those that did not.
    const end = writeCall(w, NODE_ID_COMPRESSION_32, id, method.id, argsWriter, byteOnly);
    w.bytes(cstring(node.path));
    const pathEnd = w.pos;
    const pathFlag = (FULL_PATH_FLAG | (end - PACKET_START)) >>> 0;
    if (to > 0) this.#sendMixed(node, method, to, end, pathEnd, pathFlag);
    else for (const p of peers) if (p !== -to) this.#sendMixed(node, method, p, end, pathEnd, pathFlag);
  }

  /** A broadcast of a node not everyone sees: the peers that see it, each with its own cache check. */
  #sendVisible(
    node: RpcNode,
    to: number,
    method: RpcMethod,
    argsWriter: PacketWriter,
    byteOnly: boolean,
  ): void {
    const host = this.#host;
    const targets: number[] = [];
    let hasAll = true;
    for (const p of host.connectedPeers) {
      if (p === -to || !host.rpcVisible(node, p)) continue;
      targets.push(p);
      if (!this.#cache.sendObjectCache(node, p)) hasAll = false;
    }
    if (targets.length === 0) return; // No one in sight.
    host.setTransfer(TRANSFER_MODE[method.config.transfer_mode], method.config.channel);
    const w = host.writer;
    const id = node.cacheId;
    if (hasAll) {
      const end = writeCall(w, nodeModeFor(id), id, method.id, argsWriter, byteOnly);
      for (const p of targets) this.#send(node, method, p, end);
      return;
    }
    const end = writeCall(w, NODE_ID_COMPRESSION_32, id, method.id, argsWriter, byteOnly);
    w.bytes(cstring(node.path));
    const pathEnd = w.pos;
    const pathFlag = (FULL_PATH_FLAG | (end - PACKET_START)) >>> 0;
    for (const p of targets) this.#sendMixed(node, method, p, end, pathEnd, pathFlag);
  }

  /** To one target of a call not every target confirmed: the id if it did, else the full path. */
  #sendMixed(
    node: RpcNode,
    method: RpcMethod,
    to: number,
    end: number,
    pathEnd: number,
    pathFlag: number,
  ): void {
    const confirmed = this.#cache.isCacheConfirmed(node, to);
    putU32(this.#host.writer.buf, PACKET_START + 1, confirmed ? node.cacheId : pathFlag);
    this.#send(node, method, to, confirmed ? end : pathEnd);
  }

  #send(node: RpcNode, method: RpcMethod, to: number, end: number): void {
    if (this.#host.sendCommand(to, end) === GodotError.OK)
      this.#host.countOut(node, method, end - PACKET_START);
  }

  /** process_rpc + _process_rpc, in their order of checks. */
  processRpc(from: number, p: Uint8Array): void {
    const host = this.#host;
    const h = parseRemoteCallHeader(p);
    if (typeof h === "string") {
      host.drop(
        from,
        h.startsWith("Was not")
          ? "bad-node-id-mode"
          : h.includes("declared")
            ? "bad-path-offset"
            : "too-short",
        h,
      );
      return;
    }
    let node: RpcNode | null;
    if (h.fullPath) {
      const path = normalizePath(h.path, host.rootPath);
      node = host.resolveNode(path);
      if (!node) {
        host.drop(from, "unknown-node", `Failed to get path from RPC: ${h.path}.`, path);
        return;
      }
    } else {
      if (!host.connectedPeers.has(from)) {
        host.drop(from, "no-peer-cache", 'Parameter "pinfo" is null.');
        return;
      }
      const entry = this.#cache.getCached(from, h.target);
      if (!entry) {
        host.drop(from, "unknown-cache-id", `ID ${h.target} not found in cache of peer ${from}.`);
        return;
      }
      node = entry.node;
      if (!node) {
        host.drop(
          from,
          "unknown-node",
          `Failed to get cached node from peer ${from} with cache ID ${h.target}.`,
          entry.path,
        );
        return;
      }
    }
    const { methodId, argsAt, end, byteOnly } = h;
    if (argsAt > end) {
      host.drop(from, "too-short", "Invalid packet received. Size too small.", node.path);
      return;
    }
    const method = node.config.byId(methodId);
    if (!method) {
      host.drop(
        from,
        "unknown-method",
        'Condition "!cache_config.configs.has(p_rpc_method_id)" is true.',
        node.path,
        `#${methodId}`,
      );
      return;
    }
    const mode = method.mode;
    if (mode === RpcMode4.DISABLED || (mode === RpcMode4.AUTHORITY && from !== node.multiplayerAuthority)) {
      host.drop(
        from,
        "not-allowed",
        `RPC '${method.name}' is not allowed on node ${host.rootPath}/${node.path} from: ${from}. Mode is "${MODE_NAMES[mode]}", authority is ${node.multiplayerAuthority}.`,
        node.path,
        method.name,
      );
      return;
    }
    node.used = true;
    const decoded = decodeArgs(p, argsAt, end, byteOnly, host.allowObjectDecoding);
    if (typeof decoded === "string") {
      host.drop(from, "too-short", decoded, node.path, method.name);
      return;
    }
    host.countIn(node, method, p.length);
    if (argError) host.packetError(from, "bad-argument", argError, node.path, method.name);
    const { arg_count: max, default_arg_count: defaults = 0 } = method.config;
    const argc = decoded.length;
    if (max !== undefined && (argc > max || argc < max - defaults)) {
      const expected = argc > max ? max : max - defaults;
      host.packetError(
        from,
        "argument-count",
        `RPC - '${host.rootPath}/${node.path}::${method.name}': Method expected ${expected} argument(s), but called with ${argc}`,
        node.path,
        method.name,
      );
      return;
    }
    host.invoke(node, method, decoded, 0);
  }
}
