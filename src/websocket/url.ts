/** Reading connect_to_url's arguments: the URL, the subprotocols and the "Name: value" headers. */
import { WebSocketArgumentError } from "./errors.js";

export interface WebSocketUrl {
  readonly secure: boolean;
  /** Host name or IP, IPv6 without brackets. */
  readonly host: string;
  readonly port: number;
  /** Path and query, at least "/". */
  readonly path: string;
  /** The URL in full: scheme, host, port, path. */
  readonly href: string;
}

/**
 * Parses a WebSocket URL. Like Godot, a URL without scheme means ws://; unlike Godot (which
 * treats any other scheme as ws://), http://, ftp:// … are refused.
 */
export function parseWebSocketUrl(url: string): WebSocketUrl {
  // A swarm's bots all connect to one URL: they share one parse (and its strings).
  if (url === lastUrl && lastParsed !== null) return lastParsed;
  const parsed = parseAnew(url);
  lastUrl = url;
  lastParsed = parsed;
  return parsed;
}

let lastUrl = "";
let lastParsed: WebSocketUrl | null = null;

function parseAnew(url: string): WebSocketUrl {
  if (typeof url !== "string" || url.length === 0) throw new WebSocketArgumentError("URL is empty", "url");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u0020\u007f]/.test(url)) {
    throw new WebSocketArgumentError(
      `URL contains whitespace or control characters: ${JSON.stringify(url)}`,
      "url",
    );
  }
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(url);
  const scheme = m ? m[1]!.toLowerCase() : "ws";
  if (scheme !== "ws" && scheme !== "wss") {
    throw new WebSocketArgumentError(
      `unsupported scheme "${m![1]}://" in ${url}: use ws:// or wss://`,
      "url",
    );
  }
  const rest = m ? url.slice(m[0].length) : url;
  let parsed: URL;
  try {
    parsed = new URL(`${scheme}://${rest}`);
  } catch {
    throw new WebSocketArgumentError(`malformed URL: ${url}`, "url");
  }
  if (parsed.hostname === "") throw new WebSocketArgumentError(`URL has no host: ${url}`, "url");
  if (parsed.hash !== "") throw new WebSocketArgumentError(`URL may not have a #fragment: ${url}`, "url");
  if (parsed.username !== "" || parsed.password !== "") {
    throw new WebSocketArgumentError(
      `URL may not carry user:password@ (send a header instead): ${url}`,
      "url",
    );
  }
  const secure = scheme === "wss";
  const port = parsed.port === "" ? (secure ? 443 : 80) : Number(parsed.port);
  if (port === 0) throw new WebSocketArgumentError(`URL port 0 is not connectable: ${url}`, "url");
  const host = parsed.hostname.startsWith("[") ? parsed.hostname.slice(1, -1) : parsed.hostname;
  const path = `${parsed.pathname || "/"}${parsed.search}`;
  return Object.freeze({ secure, host, port, path, href: `${scheme}://${parsed.host}${path}` });
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Subprotocol names must be HTTP tokens (RFC 6455 §4.1), each listed once. */
export function checkProtocols(protocols: readonly string[]): string[] {
  if (!Array.isArray(protocols))
    throw new WebSocketArgumentError("protocols must be an array of strings", "protocols");
  const seen = new Set<string>();
  for (const p of protocols) {
    if (typeof p !== "string" || !TOKEN.test(p)) {
      throw new WebSocketArgumentError(`invalid subprotocol name ${JSON.stringify(p)}`, "protocols");
    }
    if (seen.has(p)) throw new WebSocketArgumentError(`subprotocol "${p}" listed twice`, "protocols");
    seen.add(p);
  }
  return [...protocols];
}

/** Headers the handshake itself owns: a custom copy would break or duplicate it. */
const RESERVED = new Set([
  "host",
  "upgrade",
  "connection",
  "sec-websocket-key",
  "sec-websocket-version",
  "sec-websocket-protocol",
  "sec-websocket-extensions",
  "content-length",
  "transfer-encoding",
]);

/**
 * Parses Godot's custom_headers ("Name: value" strings, sent as-is by Godot) into a header
 * map; several lines with one name become a list (each sent on its own line).
 */
/** One custom header line, checked and trimmed. */
export interface HeaderLine {
  readonly name: string;
  readonly value: string;
}

/** The custom headers, in the order given (Godot sends them so; a repeated name stays where it was). */
export function parseCustomHeaders(headers: readonly string[]): HeaderLine[] {
  if (!Array.isArray(headers)) {
    throw new WebSocketArgumentError(
      'customHeaders must be an array of "Name: value" strings',
      "customHeaders",
    );
  }
  const out: HeaderLine[] = [];
  for (const line of headers) {
    if (typeof line !== "string") {
      throw new WebSocketArgumentError(
        'customHeaders must be an array of "Name: value" strings',
        "customHeaders",
      );
    }
    // biome-ignore lint/suspicious/noControlCharactersInRegex: CR, LF and NUL would split the request
    if (/[\r\n\u0000]/.test(line)) {
      throw new WebSocketArgumentError(
        `custom header contains CR, LF or NUL (header injection): ${JSON.stringify(line)}`,
        "customHeaders",
      );
    }
    const colon = line.indexOf(":");
    const name = colon === -1 ? "" : line.slice(0, colon);
    if (!TOKEN.test(name)) {
      throw new WebSocketArgumentError(
        `custom header is not "Name: value": ${JSON.stringify(line)}`,
        "customHeaders",
      );
    }
    const value = line.slice(colon + 1).trim();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are refused in values
    if (/[\u0000-\u0008\u000a-\u001f\u007f]/.test(value)) {
      throw new WebSocketArgumentError(
        `custom header value has control characters: ${JSON.stringify(line)}`,
        "customHeaders",
      );
    }
    if (RESERVED.has(name.toLowerCase())) {
      throw new WebSocketArgumentError(
        `custom header "${name}" belongs to the WebSocket handshake (use protocols / tlsServerName instead)`,
        "customHeaders",
      );
    }
    out.push({ name, value });
  }
  return out;
}
