/**
 * The MultiplayerAPI packets of Godot 3 (core/io/multiplayer_api.cpp), laid out as the engine
 * lays them out; see protocol-notes/multiplayer-api.md for captures.
 *
 *   REMOTE_CALL   u8 0, u32 target, cstring method, u8 argc, argc × Variant [, cstring path]
 *   REMOTE_SET    u8 1, u32 target, cstring property, Variant        [, cstring path]
 *   SIMPLIFY_PATH u8 2, u32 cache id, cstring path
 *   CONFIRM_PATH  u8 3, cstring path
 *   RAW           u8 4, bytes
 *
 * `target` is a cache id the receiver has confirmed, or 0x80000000 | the offset of the node
 * path appended after the arguments (until the receiver confirms the path).
 */
import { readU32, writeU32 } from "../../core/index.js";
import { type Dialect, decode, encode, type Variant } from "../../variant/index.js";
import { ScenePacketError } from "../errors.js";

export enum NetworkCommand {
  REMOTE_CALL = 0,
  REMOTE_SET = 1,
  SIMPLIFY_PATH = 2,
  CONFIRM_PATH = 3,
  RAW = 4,
}

export const FULL_PATH_FLAG = 0x80000000;
/** Godot refuses to send a call with more arguments than fit in its u8 count. */
export const MAX_RPC_ARGUMENTS = 255;

export type NodeTarget = { readonly cacheId: number } | { readonly path: string };

export type SceneCommand =
  | {
      readonly command: NetworkCommand.REMOTE_CALL;
      readonly target: NodeTarget;
      readonly method: string;
      readonly args: Variant[];
    }
  | {
      readonly command: NetworkCommand.REMOTE_SET;
      readonly target: NodeTarget;
      readonly property: string;
      readonly value: Variant;
    }
  | { readonly command: NetworkCommand.SIMPLIFY_PATH; readonly cacheId: number; readonly path: string }
  | { readonly command: NetworkCommand.CONFIRM_PATH; readonly path: string }
  | { readonly command: NetworkCommand.RAW; readonly data: Uint8Array };

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder("utf-8", { fatal: false });

/**
 * Method names and node paths repeat: their NUL-terminated UTF-8 is kept (read-only), bounded in
 * bytes. Only short strings are kept: a path a client made up (a CONFIRM_PATH echoes it) is not
 * worth keeping, and must not outlive the client.
 */
const cstrings = new Map<string, Uint8Array>();
const CSTRING_CACHE_MAX_BYTES = 256 * 1024;
const CSTRING_KEPT_MAX_BYTES = 256;
/** What an entry costs beyond its bytes: the key string, the Uint8Array object, the Map entry (measured ~120). */
const CSTRING_ENTRY_OVERHEAD = 128;
let cstringBytes = 0;

function cstring(s: string): Uint8Array {
  const known = cstrings.get(s);
  if (known) return known;
  const bytes = utf8.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  if (out.length > CSTRING_KEPT_MAX_BYTES) return out;
  const cost = out.length * 3 + CSTRING_ENTRY_OVERHEAD; // the bytes, and the key string (UTF-16)
  if (cstringBytes + cost > CSTRING_CACHE_MAX_BYTES) {
    cstrings.clear();
    cstringBytes = 0;
  }
  cstrings.set(s, out);
  cstringBytes += cost;
  return out;
}

/** Bytes the shared cache of encoded names and paths holds, entries' overhead included (never more than 256 KiB). */
export function cstringCacheBytes(): number {
  return cstringBytes;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function head(command: NetworkCommand, value: number): Uint8Array {
  const h = new Uint8Array(5);
  h[0] = command;
  writeU32(h, 1, value);
  return h;
}

/** A REMOTE_CALL or REMOTE_SET packet, with the cached id or the full path as Godot chooses. */
export function encodeRemote(
  command: NetworkCommand.REMOTE_CALL | NetworkCommand.REMOTE_SET,
  target: NodeTarget,
  name: string,
  values: readonly Variant[],
  dialect: Dialect = "godot3",
): Uint8Array {
  if (command === NetworkCommand.REMOTE_CALL && values.length > MAX_RPC_ARGUMENTS) {
    throw new RangeError(`Too many arguments (${values.length} > ${MAX_RPC_ARGUMENTS}), as Godot refuses`);
  }
  const parts: Uint8Array[] = [new Uint8Array(5), cstring(name)];
  if (command === NetworkCommand.REMOTE_CALL) parts.push(Uint8Array.of(values.length));
  for (const v of values) parts.push(encode(v, { dialect }));
  let fullPathOffset = 0;
  if ("path" in target) {
    for (const p of parts) fullPathOffset += p.length;
    parts.push(cstring(target.path));
  }
  parts[0] = head(command, "path" in target ? (FULL_PATH_FLAG | fullPathOffset) >>> 0 : target.cacheId);
  return concat(parts);
}

export function encodeSimplifyPath(cacheId: number, path: string): Uint8Array {
  return concat([head(NetworkCommand.SIMPLIFY_PATH, cacheId), cstring(path)]);
}

export function encodeConfirmPath(path: string): Uint8Array {
  return concat([Uint8Array.of(NetworkCommand.CONFIRM_PATH), cstring(path)]);
}

export function encodeRaw(data: Uint8Array): Uint8Array {
  if (data.length < 1) throw new RangeError("Trying to send an empty raw packet (Godot refuses it)");
  return concat([Uint8Array.of(NetworkCommand.RAW), data]);
}

/** UTF-8 of p[from, end); short ASCII (method and node names) without TextDecoder's overhead. */
function decodeUtf8(p: Uint8Array, from: number, end: number): string {
  if (end - from <= 64) {
    let s = "";
    for (let i = from; i < end; i++) {
      const c = p[i] as number;
      if (c >= 0x80) return utf8Strict.decode(p.subarray(from, end));
      s += String.fromCharCode(c);
    }
    return s;
  }
  return utf8Strict.decode(p.subarray(from, end));
}

/** Godot's String::parse_utf8 with a length: stops at the first NUL or the end. */
function readString(p: Uint8Array, from: number): string {
  let end = from;
  while (end < p.length && p[end] !== 0) end++;
  return decodeUtf8(p, from, end);
}

export interface DecodeSceneOptions {
  readonly dialect?: Dialect;
  readonly allowObjects?: boolean;
  readonly maxDepth?: number;
}

/** REMOTE_CALL/REMOTE_SET with the node and name read but the Variants not yet decoded. */
export interface RemoteHeader {
  readonly command: NetworkCommand.REMOTE_CALL | NetworkCommand.REMOTE_SET;
  readonly target: NodeTarget;
  /** null when no NUL ends the name: Godot reports that only after looking the node up. */
  readonly name: string | null;
  /** Where argc (REMOTE_CALL) or the value (REMOTE_SET) starts. */
  readonly valuesOffset: number;
}

export type SceneHeader =
  | RemoteHeader
  | Exclude<SceneCommand, { command: NetworkCommand.REMOTE_CALL | NetworkCommand.REMOTE_SET }>;

/**
 * Reads a MultiplayerAPI packet up to its Variants, with the checks Godot 3 makes before it looks
 * the node up. The MultiplayerAPI then checks node and rpc mode before decoding any argument, as
 * Godot does, so a refused call never costs an argument decode.
 */
export function parseSceneHeader(p: Uint8Array): SceneHeader {
  if (p.length < 1) throw new ScenePacketError("empty", 0);
  const command = p[0] as number;
  switch (command) {
    case NetworkCommand.REMOTE_CALL:
    case NetworkCommand.REMOTE_SET: {
      if (p.length < 6) throw new ScenePacketError("too-short", 0, `${p.length} bytes`);
      const raw = readU32(p, 1);
      let target: NodeTarget;
      if (raw & FULL_PATH_FLAG) {
        const ofs = raw & 0x7fffffff;
        if (ofs >= p.length)
          throw new ScenePacketError("bad-path-offset", 1, `path offset ${ofs} ≥ ${p.length}`);
        target = { path: readString(p, ofs) };
      } else {
        target = { cacheId: raw };
      }
      let nameEnd = 5;
      while (nameEnd < p.length && p[nameEnd] !== 0) nameEnd++;
      const name = nameEnd >= p.length ? null : decodeUtf8(p, 5, nameEnd);
      return { command, target, name, valuesOffset: nameEnd + 1 };
    }
    case NetworkCommand.SIMPLIFY_PATH:
      if (p.length < 5) throw new ScenePacketError("too-short", 0, `${p.length} bytes`);
      return { command, cacheId: readU32(p, 1), path: readString(p, 5) };
    case NetworkCommand.CONFIRM_PATH:
      if (p.length < 2) throw new ScenePacketError("too-short", 0, `${p.length} bytes`);
      return { command, path: readString(p, 1) };
    case NetworkCommand.RAW:
      if (p.length < 2) throw new ScenePacketError("too-short", 0, `${p.length} bytes`);
      return { command, data: p.slice(1) };
    default:
      throw new ScenePacketError("unknown-command", 0, `command byte ${command}`);
  }
}

/** The arguments of a REMOTE_CALL, or the one value of a REMOTE_SET, checked as Godot checks them. */
export function decodeRemoteValues(
  p: Uint8Array,
  header: RemoteHeader,
  options: DecodeSceneOptions = {},
): Variant[] {
  let ofs = header.valuesOffset;
  if (ofs >= p.length) throw new ScenePacketError("too-short", ofs, "no arguments or value");
  // One options object for every argument (hot path: no closure, no copy per argument).
  const at = { ...options, offset: ofs };
  if (header.command === NetworkCommand.REMOTE_SET) return [decodeArgument(p, at).value];
  const argc = p[ofs++] as number;
  const args: Variant[] = [];
  for (let i = 0; i < argc; i++) {
    if (ofs >= p.length) throw new ScenePacketError("too-short", ofs, `argument ${i} of ${argc} missing`);
    at.offset = ofs;
    const { value, bytesRead } = decodeArgument(p, at);
    args.push(value);
    ofs += bytesRead;
  }
  return args;
}

function decodeArgument(p: Uint8Array, at: DecodeSceneOptions & { offset: number }) {
  try {
    return decode(p, at);
  } catch (err) {
    throw new ScenePacketError("bad-argument", at.offset, (err as Error).message);
  }
}

/** Parses one whole MultiplayerAPI packet, arguments included (for tools, traces and tests). */
export function decodeSceneCommand(p: Uint8Array, options: DecodeSceneOptions = {}): SceneCommand {
  const h = parseSceneHeader(p);
  if (!("valuesOffset" in h)) return h;
  if (h.name === null) throw new ScenePacketError("unterminated-name", 5);
  const values = decodeRemoteValues(p, h, options);
  return h.command === NetworkCommand.REMOTE_CALL
    ? { command: h.command, target: h.target, method: h.name, args: values }
    : { command: h.command, target: h.target, property: h.name, value: values[0] ?? null };
}
