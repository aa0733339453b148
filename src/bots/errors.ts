/** A bot could not connect: refused, timed out, TLS, HTTP status … (`cause` says which). */
export class BotConnectError extends Error {
  override readonly name = "BotConnectError";
  constructor(
    message: string,
    /** "refused", "timeout", "http-status", "tls", "dns", "reset", … from the WebSocket layer; "join-timeout", "bad-url", "closed", "bad-options" (an engine's option it cannot take), "auth-failed" (Godot 4: refused or timed out authenticating); "unsupported-dialect" (an engine no bot speaks yet). */
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A wait or request gave up: the awaited call did not arrive in time. */
export class BotTimeoutError extends Error {
  override readonly name = "BotTimeoutError";
  constructor(
    message: string,
    readonly path: string,
    readonly method: string,
    readonly timeoutMs: number,
  ) {
    super(message);
  }
}

/** The connection ended while something was still awaited. */
export class BotDisconnectedError extends Error {
  override readonly name = "BotDisconnectedError";
}
