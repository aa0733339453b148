/**
 * Reading captured Godot 4 frames with plain byte parsing (no codec of ours), so a test can check
 * what the real engine sent against protocol-notes/godot4-captures.md and the reference.
 */
import { readFileSync } from "node:fs";

export interface Frame {
  readonly conn: number;
  readonly dir: "c2s" | "s2c";
  readonly data: Buffer;
}

/** test/godot4/fixtures/*-capture.json */
export interface CaptureFixture {
  readonly engine: string;
  readonly made: string;
  readonly session: string;
  readonly frames: readonly { readonly conn: number; readonly dir: "c2s" | "s2c"; readonly hex: string }[];
}

export function loadCapture(name: string): { fixture: CaptureFixture; frames: Frame[] } {
  const fixture: CaptureFixture = JSON.parse(
    readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"),
  );
  return {
    fixture,
    frames: fixture.frames.map((f) => ({ conn: f.conn, dir: f.dir, data: Buffer.from(f.hex, "hex") })),
  };
}

export const Cmd = { REMOTE_CALL: 0, SIMPLIFY_PATH: 1, CONFIRM_PATH: 2, RAW: 3, SYS: 7 } as const;
export const Sys = { AUTH: 0, ADD_PEER: 1, DEL_PEER: 2, RELAY: 3 } as const;

export interface SimplifyPath {
  readonly md5: string;
  readonly id: number;
  readonly path: string;
}

export function parseSimplify(b: Buffer): SimplifyPath | undefined {
  if (b.length < 38 || b[0] !== Cmd.SIMPLIFY_PATH || b[33] !== 0) return undefined;
  const end = b.indexOf(0, 38);
  return {
    md5: b.subarray(1, 33).toString("latin1"),
    id: b.readUInt32LE(34),
    path: b.subarray(38, end < 0 ? b.length : end).toString("utf8"),
  };
}

export function parseConfirm(b: Buffer): { valid: boolean; id: number } | undefined {
  if (b.length !== 6 || b[0] !== Cmd.CONFIRM_PATH) return undefined;
  return { valid: b[1] === 1, id: b.readUInt32LE(2) };
}

export interface RemoteCall {
  /** 0: 1-byte node id, 1: 2 bytes, 2: 4 bytes. */
  readonly nodeMode: number;
  /** Set when the target is a cache id. */
  readonly cacheId?: number;
  /** Set when the path travels in full. */
  readonly path?: string;
  readonly method: number;
  readonly byteOnly: boolean;
  /** Everything between the method id and the path (argc and args, or the raw bytes). */
  readonly args: Buffer;
}

export function parseRemoteCall(b: Buffer): RemoteCall | undefined {
  const meta = b[0];
  if (meta === undefined || (meta & 7) !== Cmd.REMOTE_CALL) return undefined;
  const nodeMode = (meta >> 4) & 3;
  const wideName = (meta >> 6) & 1;
  let p = 1;
  let target: number;
  if (nodeMode === 0) target = b.readUInt8(p++);
  else if (nodeMode === 1) {
    target = b.readUInt16LE(p);
    p += 2;
  } else {
    target = b.readUInt32LE(p);
    p += 4;
  }
  const method = wideName ? b.readUInt16LE(p) : b.readUInt8(p);
  p += wideName ? 2 : 1;
  const full = nodeMode === 2 && target >= 0x80000000;
  const pathAt = full ? target & 0x7fffffff : b.length;
  const end = full ? b.indexOf(0, pathAt) : -1;
  const base = { nodeMode, method, byteOnly: (meta & 0x80) !== 0, args: b.subarray(p, pathAt) };
  return full
    ? { ...base, path: b.subarray(pathAt, end < 0 ? b.length : end).toString("utf8") }
    : { ...base, cacheId: target };
}

/** The arguments when they are exactly one compressed String (`argc 01`, header `04 00 00 00`). */
export function singleStringArg(call: RemoteCall): string | undefined {
  const a = call.args;
  if (call.byteOnly || a.length < 6 || a[0] !== 1 || a.readUInt32LE(1) !== 4) return undefined;
  const len = a.readUInt32LE(5);
  return a.subarray(9, 9 + len).toString("utf8");
}

/** A relay packet: `07 03 <peer:i32> <inner>` (peer = target from a client, source from the server). */
export function parseRelay(b: Buffer): { peer: number; inner: Buffer } | undefined {
  if (b.length < 7 || b[0] !== Cmd.SYS || b[1] !== Sys.RELAY) return undefined;
  return { peer: b.readInt32LE(2), inner: b.subarray(6) };
}

export function relayPacket(peer: number, inner: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = Cmd.SYS;
  head[1] = Sys.RELAY;
  head.writeInt32LE(peer, 2);
  return Buffer.concat([head, inner]);
}
