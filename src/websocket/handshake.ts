/**
 * The client's opening handshake (RFC 6455 §4.1–4.2): the upgrade request — Godot 3's header
 * lines in Godot 3's order — and the checks of the server's answer: status 101, Upgrade,
 * Sec-WebSocket-Accept, the subprotocol chosen, and no extension (Godot's wslay client offers
 * none, so none may be accepted). The messages are the `ws` library's, which this layer
 * reported before it had its own client.
 */
import { createHash, randomBytes } from "node:crypto";
import { HandshakeError } from "./errors.js";
import type { HeaderLine } from "./url.js";

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

/** Largest answer head read (Node's http default maxHeaderSize): a server sending more is refused. */
export const MAX_RESPONSE_HEAD = 16 * 1024;

/** A fresh Sec-WebSocket-Key: 16 random bytes in base64. */
export function newKey(): string {
  return randomBytes(16).toString("base64");
}

/** The Sec-WebSocket-Accept a server must answer to `key`. */
export function acceptFor(key: string): string {
  return createHash("sha1")
    .update(key + GUID)
    .digest("base64");
}

/**
 * The upgrade request: request line, Host, Upgrade, Connection, Key, Version, Protocol (when
 * any), then the custom headers in the order given, one line each. Sent as latin1, as Node's
 * http client sends header values.
 */
export function upgradeRequest(
  path: string,
  host: string,
  key: string,
  protocols: readonly string[],
  headers: readonly HeaderLine[],
): string {
  let head =
    `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
    `Sec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n`;
  if (protocols.length > 0) head += `Sec-WebSocket-Protocol: ${protocols.join(",")}\r\n`;
  for (const { name, value } of headers) head += `${name}: ${value}\r\n`;
  return `${head}\r\n`;
}

/** A header value Node's http client would refuse to send (outside tab and latin1 printables). */
export function isInvalidHeaderValue(value: string): boolean {
  return /[^\t\u0020-\u007e\u0080-\u00ff]/.test(value);
}

/** The server's answer head: status, reason phrase, headers by lower-case name (repeats joined with ", "). */
export interface UpgradeAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: ReadonlyMap<string, string>;
}

/** Reads an answer head (without the blank line); throws HandshakeError when it is not HTTP. */
export function parseAnswer(head: string): UpgradeAnswer {
  const lines = head.split("\r\n");
  const status = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (!status) throw new HandshakeError(`the server's answer is not HTTP: ${JSON.stringify(lines[0])}`);
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(":");
    if (colon <= 0)
      throw new HandshakeError(`malformed header line in the server's answer: ${JSON.stringify(line)}`);
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
  }
  return { status: Number(status[1]), statusText: status[2] ?? "", headers };
}

/**
 * Checks a 101 answer against the request: returns the subprotocol chosen ("" if none), or
 * throws HandshakeError saying what is wrong.
 */
export function checkAnswer(answer: UpgradeAnswer, key: string, protocols: readonly string[]): string {
  const upgrade = answer.headers.get("upgrade");
  if (upgrade === undefined || upgrade.toLowerCase() !== "websocket") {
    throw new HandshakeError("Invalid Upgrade header");
  }
  if (answer.headers.get("sec-websocket-accept") !== acceptFor(key)) {
    throw new HandshakeError("Invalid Sec-WebSocket-Accept header");
  }
  const chosen = answer.headers.get("sec-websocket-protocol");
  if (chosen !== undefined) {
    if (protocols.length === 0) throw new HandshakeError("Server sent a subprotocol but none was requested");
    if (!protocols.includes(chosen)) throw new HandshakeError("Server sent an invalid subprotocol");
  } else if (protocols.length > 0) {
    throw new HandshakeError("Server sent no subprotocol");
  }
  if (answer.headers.has("sec-websocket-extensions")) {
    throw new HandshakeError("Server sent a Sec-WebSocket-Extensions header but no extension was requested");
  }
  return chosen ?? "";
}
