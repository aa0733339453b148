/**
 * Writing client frames (RFC 6455 §5.2–5.3). A client masks every frame it sends: the frame is
 * built in one buffer — header, masking key, the payload XORed in — so the caller's bytes are
 * only read and may be reused at once. Godot 3's client (wslay) sends no extensions, nor do we.
 */
import { randomFillSync } from "node:crypto";

export const Opcode = {
  CONTINUATION: 0x0,
  TEXT: 0x1,
  BINARY: 0x2,
  CLOSE: 0x8,
  PING: 0x9,
  PONG: 0xa,
} as const;

/** Masking keys come from a pool of random bytes refilled 2048 keys at a time (as `ws` does). */
const keys = Buffer.allocUnsafeSlow(8192);
let nextKey = keys.length;

/** One whole (FIN) masked frame of `opcode` carrying `payload`. */
export function encodeFrame(opcode: number, payload: Uint8Array): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + 4 + n);
  out[0] = 0x80 | opcode;
  if (n < 126) {
    out[1] = 0x80 | n;
  } else if (n < 65536) {
    out[1] = 0x80 | 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 0x80 | 127;
    out.writeUInt32BE(Math.floor(n / 2 ** 32), 2);
    out.writeUInt32BE(n >>> 0, 6);
  }
  if (nextKey === keys.length) {
    randomFillSync(keys);
    nextKey = 0;
  }
  const m0 = keys[nextKey]!;
  const m1 = keys[nextKey + 1]!;
  const m2 = keys[nextKey + 2]!;
  const m3 = keys[nextKey + 3]!;
  nextKey += 4;
  out[head] = m0;
  out[head + 1] = m1;
  out[head + 2] = m2;
  out[head + 3] = m3;
  const at = head + 4;
  const whole = n & ~3;
  let i = 0;
  for (; i < whole; i += 4) {
    out[at + i] = payload[i]! ^ m0;
    out[at + i + 1] = payload[i + 1]! ^ m1;
    out[at + i + 2] = payload[i + 2]! ^ m2;
    out[at + i + 3] = payload[i + 3]! ^ m3;
  }
  if (i < n) out[at + i] = payload[i]! ^ m0;
  if (i + 1 < n) out[at + i + 1] = payload[i + 1]! ^ m1;
  if (i + 2 < n) out[at + i + 2] = payload[i + 2]! ^ m2;
  return out;
}

/** A close frame: no payload for 1005 (no code), else the code and the reason's bytes. */
export function encodeClose(code: number, reason: Uint8Array): Buffer {
  if (code === 1005) return encodeFrame(Opcode.CLOSE, EMPTY);
  const payload = Buffer.allocUnsafe(2 + reason.length);
  payload.writeUInt16BE(code, 0);
  payload.set(reason, 2);
  return encodeFrame(Opcode.CLOSE, payload);
}

export const EMPTY: Buffer = Buffer.alloc(0);
