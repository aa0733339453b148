/**
 * Server frames as they go on the wire: one unmasked WebSocket frame (RFC 6455 §5.2) per Godot
 * message, built once and written as is — to one client, to every client of a broadcast, or many
 * to one client in a single buffer (a greeting).
 */
import { PROTO_SIZE, type SysType } from "../../multiplayer/index.js";

const FIN_BINARY = 0x82;
const FIN_TEXT = 0x81;

/** Bytes of the frame header for a payload of `n` bytes (a server does not mask). */
export function headerSize(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

/** Writes the header of a frame of `n` payload bytes at `at`; returns where the payload starts. */
function putHeader(out: Buffer, at: number, n: number, text: boolean): number {
  out[at] = text ? FIN_TEXT : FIN_BINARY;
  if (n < 126) {
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 65536) {
    out[at + 1] = 126;
    out.writeUInt16BE(n, at + 2);
    return at + 4;
  }
  out[at + 1] = 127;
  out.writeUInt32BE(Math.floor(n / 2 ** 32), at + 2);
  out.writeUInt32BE(n >>> 0, at + 6);
  return at + 10;
}

/** A whole message (Godot header and payload) as one frame. */
export function wireFrame(message: Uint8Array, text = false): Buffer {
  const out = Buffer.allocUnsafe(headerSize(message.length) + message.length);
  out.set(message, putHeader(out, 0, message.length, text));
  return out;
}

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
