/** RFC 6455 close codes and the rules for what a client may put in its own close frame. */
import { WebSocketArgumentError } from "./errors.js";

export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  UNSUPPORTED_DATA: 1003,
  /** Reserved: never on the wire, it means "the close frame had no code". */
  NO_STATUS: 1005,
  /** Reserved: never on the wire, it means "closed without a close frame". */
  ABNORMAL: 1006,
  INVALID_PAYLOAD: 1007,
  POLICY_VIOLATION: 1008,
  MESSAGE_TOO_BIG: 1009,
  MANDATORY_EXTENSION: 1010,
  INTERNAL_ERROR: 1011,
  /** Reserved: never on the wire, it means "the TLS handshake failed". */
  TLS_HANDSHAKE: 1015,
} as const;

/** A close reason is at most 123 bytes of UTF-8 (a control frame carries 125, the code takes 2). */
export const MAX_CLOSE_REASON_BYTES = 123;

/** Whether `code` may be sent in a close frame (RFC 6455 §7.4; the same rule wslay and ws apply). */
export function isSendableCloseCode(code: number): boolean {
  if (!Number.isInteger(code)) return false;
  if (code >= 3000 && code <= 4999) return true;
  return code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006;
}

/**
 * Checks a close code and reason a user wants to send and returns the reason's bytes.
 * Godot would silently send nothing for a bad one (wslay refuses it and Godot ignores the
 * refusal); here the caller learns why at once.
 */
export function checkClose(code: number, reason: string): Buffer {
  if (!isSendableCloseCode(code)) {
    throw new WebSocketArgumentError(
      `close code ${code} may not be sent: use 1000-1003, 1007-1014 or 3000-4999 (1004-1006 and 1015 are reserved)`,
      "code",
    );
  }
  if (typeof reason !== "string") throw new WebSocketArgumentError("close reason must be a string", "reason");
  const bytes = Buffer.from(reason, "utf8");
  if (bytes.length > MAX_CLOSE_REASON_BYTES) {
    throw new WebSocketArgumentError(
      `close reason is ${bytes.length} bytes of UTF-8, at most ${MAX_CLOSE_REASON_BYTES} fit in a close frame`,
      "reason",
    );
  }
  return bytes;
}

/**
 * Reads a close reason the way Godot does: UTF-8 up to the first NUL (Godot's parse_utf8 stops
 * there, and Godot's own close frames may carry a trailing NUL).
 */
export function readCloseReason(bytes: Buffer): string {
  const nul = bytes.indexOf(0);
  return (nul === -1 ? bytes : bytes.subarray(0, nul)).toString("utf8");
}
