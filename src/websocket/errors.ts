/** The typed errors of the WebSocket layer, each carrying the Godot `Error` code Godot answers with. */
import { GodotError } from "../core/index.js";

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
