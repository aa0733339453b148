/**
 * Server frames as they go on the wire: one unmasked WebSocket frame (RFC 6455 §5.2) per message,
 * built once and written as is — to one client, to every client of a broadcast, or many to one
 * client in a single buffer (a greeting). Both dialects' servers write them.
 */
export const FIN_BINARY = 0x82;
const FIN_TEXT = 0x81;

/** Bytes of the frame header for a payload of `n` bytes (a server does not mask). */
export function headerSize(n: number): number {
  return n < 126 ? 2 : n < 65536 ? 4 : 10;
}

/** Writes the header of a frame of `n` payload bytes at `at`; returns where the payload starts. */
export function putHeader(out: Buffer, at: number, n: number, text: boolean): number {
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

/** A whole message as one frame. */
export function wireFrame(message: Uint8Array, text = false): Buffer {
  const out = Buffer.allocUnsafe(headerSize(message.length) + message.length);
  out.set(message, putHeader(out, 0, message.length, text));
  return out;
}
