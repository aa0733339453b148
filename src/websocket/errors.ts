/**
 * Godot's `Error` codes (@GlobalScope, numbered as Godot 3 numbers them; checked against the
 * engine in test/websocket/errors.test.ts) and the typed errors that carry the reason behind one.
 */
export const GodotError = {
  OK: 0,
  FAILED: 1,
  ERR_UNAVAILABLE: 2,
  ERR_UNCONFIGURED: 3,
  ERR_UNAUTHORIZED: 4,
  ERR_PARAMETER_RANGE_ERROR: 5,
  ERR_OUT_OF_MEMORY: 6,
  ERR_FILE_NOT_FOUND: 7,
  ERR_FILE_BAD_DRIVE: 8,
  ERR_FILE_BAD_PATH: 9,
  ERR_FILE_NO_PERMISSION: 10,
  ERR_FILE_ALREADY_IN_USE: 11,
  ERR_FILE_CANT_OPEN: 12,
  ERR_FILE_CANT_WRITE: 13,
  ERR_FILE_CANT_READ: 14,
  ERR_FILE_UNRECOGNIZED: 15,
  ERR_FILE_CORRUPT: 16,
  ERR_FILE_MISSING_DEPENDENCIES: 17,
  ERR_FILE_EOF: 18,
  ERR_CANT_OPEN: 19,
  ERR_CANT_CREATE: 20,
  ERR_QUERY_FAILED: 21,
  ERR_ALREADY_IN_USE: 22,
  ERR_LOCKED: 23,
  ERR_TIMEOUT: 24,
  ERR_CANT_CONNECT: 25,
  ERR_CANT_RESOLVE: 26,
  ERR_CONNECTION_ERROR: 27,
  ERR_CANT_ACQUIRE_RESOURCE: 28,
  ERR_CANT_FORK: 29,
  ERR_INVALID_DATA: 30,
  ERR_INVALID_PARAMETER: 31,
  ERR_ALREADY_EXISTS: 32,
  ERR_DOES_NOT_EXIST: 33,
  ERR_DATABASE_CANT_READ: 34,
  ERR_DATABASE_CANT_WRITE: 35,
  ERR_COMPILATION_FAILED: 36,
  ERR_METHOD_NOT_FOUND: 37,
  ERR_LINK_FAILED: 38,
  ERR_SCRIPT_FAILED: 39,
  ERR_CYCLIC_LINK: 40,
  ERR_INVALID_DECLARATION: 41,
  ERR_DUPLICATE_SYMBOL: 42,
  ERR_PARSE_ERROR: 43,
  ERR_BUSY: 44,
  ERR_SKIP: 45,
  ERR_HELP: 46,
  ERR_BUG: 47,
  ERR_PRINTER_ON_FIRE: 48,
} as const;

export type GodotError = (typeof GodotError)[keyof typeof GodotError];

/** Name of a Godot error code, e.g. `errorName(6) === "ERR_OUT_OF_MEMORY"`. */
export function errorName(code: number): string {
  for (const [name, value] of Object.entries(GodotError)) if (value === code) return name;
  return `Error(${code})`;
}

/** Base class of every error this layer produces. */
export class WebSocketError extends Error {
  override readonly name: string = "WebSocketError";
  constructor(
    message: string,
    /** The Godot `Error` code Godot's API answers in this situation. */
    readonly godotError: GodotError,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An argument the caller passed is not acceptable (bad URL, close code, header …). */
export class WebSocketArgumentError extends WebSocketError {
  override readonly name = "WebSocketArgumentError";
  constructor(
    message: string,
    /** Which argument was refused. */
    readonly argument: string,
    godotError: GodotError = GodotError.ERR_INVALID_PARAMETER,
  ) {
    super(message, godotError);
  }
}

/** Why a connection could not be established. */
export type ConnectFailure =
  | "refused" // nothing listens on the port (ECONNREFUSED)
  | "dns" // the host name does not resolve
  | "timeout" // no connection or handshake answer in time
  | "reset" // the server dropped the TCP connection during the handshake
  | "unreachable" // no route to the host / network down
  | "http-status" // the server answered the upgrade with another HTTP status (see httpStatus)
  | "handshake" // the 101 answer was not a valid WebSocket handshake (accept key, subprotocol …)
  | "tls" // the TLS handshake failed (see tlsCause)
  | "aborted" // disconnectFromHost() was called before the connection was established
  | "network"; // any other socket error (see cause)

/** Why a TLS handshake failed, from Node's OpenSSL error codes. */
export type TlsFailure =
  | "expired" // CERT_HAS_EXPIRED
  | "not-yet-valid" // CERT_NOT_YET_VALID
  | "wrong-host" // ERR_TLS_CERT_ALTNAME_INVALID: the certificate is for another name
  | "unknown-ca" // the chain does not lead to a trusted certificate authority
  | "self-signed" // a self-signed certificate that is not trusted
  | "pin-mismatch" // trusted_ssl_certificate is set and the server showed another certificate
  | "protocol" // not TLS on the other side, or no common protocol/cipher
  | "other";

/** A failed connect: the detail behind Godot's bare `connection_error` signal. */
export class ConnectError extends WebSocketError {
  override readonly name = "ConnectError";
  readonly reason: ConnectFailure;
  /** HTTP status of the refused upgrade, when reason is "http-status". */
  readonly httpStatus: number | undefined;
  /** What was wrong with the certificate or the TLS session, when reason is "tls". */
  readonly tlsCause: TlsFailure | undefined;
  /** Node's error code (ECONNREFUSED, CERT_HAS_EXPIRED …), when there is one. */
  readonly code: string | undefined;

  constructor(
    message: string,
    details: {
      reason: ConnectFailure;
      httpStatus?: number;
      tlsCause?: TlsFailure;
      code?: string;
      cause?: unknown;
    },
  ) {
    super(message, GodotError.ERR_CANT_CONNECT, { cause: details.cause });
    this.reason = details.reason;
    this.httpStatus = details.httpStatus;
    this.tlsCause = details.tlsCause;
    this.code = details.code;
  }
}

/**
 * The server broke RFC 6455 (a bad frame header, a text message that is not UTF-8, a message
 * above the input buffer …): the client sends a close with `closeCode` and stops reading, as
 * wslay does for Godot 3. The connection then ends with connection_closed carrying this error.
 */
export class ProtocolError extends WebSocketError {
  override readonly name = "ProtocolError";
  constructor(
    message: string,
    /** The close code sent for it: 1002 (protocol), 1007 (not UTF-8) or 1009 (too big). */
    readonly closeCode: number,
    /** A stable name for the fault (the `ws` library's: WS_ERR_INVALID_OPCODE …). */
    readonly code: string,
  ) {
    super(message, GodotError.ERR_INVALID_DATA);
  }
}

/** The server's answer to the upgrade request is not a valid WebSocket handshake. */
export class HandshakeError extends Error {
  override readonly name = "HandshakeError";
}
