/** Godot 3's server messages on the wire: the 9-byte header and SYS messages, framed once. */
import { PROTO_SIZE, type SysType } from "../../multiplayer/index.js";
import { FIN_BINARY, headerSize, putHeader } from "../ws-frame.js";

/** `u8 type, i32 from, i32 to` then `payload`, as one frame, in one allocation. */
export function wireMessage(type: SysType, from: number, to: number, payload: Uint8Array): Buffer {
  const n = PROTO_SIZE + payload.length;
  const out = Buffer.allocUnsafe(headerSize(n) + n);
  const at = putHeader(out, 0, n, false);
  out[at] = type;
  out.writeInt32LE(from, at + 1);
  out.writeInt32LE(to, at + 5);
  out.set(payload, at + PROTO_SIZE);
  return out;
}

/** Bytes of a system message (SYS_ADD, SYS_DEL, SYS_ID) on the wire. */
export const SYS_WIRE_SIZE = 2 + PROTO_SIZE + 4;

/** Writes a system message from 1 to 0 carrying `peerId` at `at` (SYS_WIRE_SIZE bytes). */
export function putSys(out: Buffer, at: number, type: SysType, peerId: number): void {
  out[at] = FIN_BINARY;
  out[at + 1] = PROTO_SIZE + 4;
  out[at + 2] = type;
  out.writeInt32LE(1, at + 3);
  out.writeInt32LE(0, at + 7);
  out.writeInt32LE(peerId, at + 11);
}

/** One system message as a frame. */
export function wireSys(type: SysType, peerId: number): Buffer {
  const out = Buffer.allocUnsafe(SYS_WIRE_SIZE);
  putSys(out, 0, type, peerId);
  return out;
}
