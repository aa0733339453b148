/**
 * WebSocketClient: Godot 3's client (WSLClient + WebSocketClient + the non-multiplayer part of
 * WebSocketMultiplayerPeer) over `ws`.
 *
 * Poll model: by default nothing happens in user code except inside poll(), as in Godot —
 * frames, state changes and signals wait in a queue (bounded: the socket is paused when the
 * backlog reaches the input buffer size). With `autoPoll` they are delivered as they arrive.
 */

import type { X509Certificate } from "node:crypto";
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import WebSocket from "ws";
import { type BufferLimits, type BufferSizes, bufferLimits, GODOT3_CLIENT_BUFFERS } from "./buffers.js";
import { checkClose, readCloseReason } from "./close-codes.js";
import {
  ConnectError,
  type ConnectFailure,
  GodotError,
  WebSocketArgumentError,
  WebSocketError,
} from "./errors.js";
import { Heartbeat } from "./heartbeat.js";
import type { MultiplayerSink } from "./multiplayer-sink.js";
import type { CloseInfo, CloseInitiator, WebSocketClientEvents, WebSocketClientSignal } from "./signals.js";
import { readCertificate, type TlsSettings, tlsConnectOptions, tlsFailureOf } from "./tls.js";
import { checkProtocols, parseCustomHeaders, parseWebSocketUrl, type WebSocketUrl } from "./url.js";
import { type Traffic, WebSocketPeer } from "./websocket-peer.js";

/** NetworkedMultiplayerPeer.ConnectionStatus. */
export const ConnectionStatus = {
  DISCONNECTED: 0,
  CONNECTING: 1,
  CONNECTED: 2,
} as const;
export type ConnectionStatus = (typeof ConnectionStatus)[keyof typeof ConnectionStatus];

export interface WebSocketClientOptions {
  /** Deliver events as they arrive instead of from poll() (default false: Godot's model). */
  readonly autoPoll?: boolean;
  /** Godot's verify_ssl (default true). */
  readonly verifySsl?: boolean;
  /** Godot's trusted_ssl_certificate: PEM; the only certificate accepted. */
  readonly trustedSslCertificate?: string | Buffer | null;
  /** Certificate authorities (PEM) to trust instead of Node's bundled roots. */
  readonly ca?: string | Buffer | readonly (string | Buffer)[] | null;
  /** Server name for SNI, the certificate check and the Host header (connect by IP to a named certificate). */
  readonly tlsServerName?: string | null;
  /** Ping every this many ms (0: no heartbeat, Godot's behaviour; default 0). */
  readonly heartbeatIntervalMs?: number;
  /** Declare the link dead when nothing answers a ping within this many ms (default 2 × interval). */
  readonly heartbeatTimeoutMs?: number;
  /** Give up a connect (TCP + TLS + upgrade) after this many ms (default 30 000; Godot has none). */
  readonly connectTimeoutMs?: number;
  /** After sending a close, wait this long for the server's close before dropping the socket (default 30 000). */
  readonly closeTimeoutMs?: number;
  /** Initial set_buffers() values (default Godot 3's: 64 KiB / 1024 packets each way). */
  readonly buffers?: BufferSizes;
  /** TCP_NODELAY on connect (default true). */
  readonly noDelay?: boolean;
}

type Incoming =
  | { readonly kind: "open"; readonly protocol: string; readonly socket: Socket }
  | { readonly kind: "message"; readonly data: Buffer; readonly isString: boolean }
  | { readonly kind: "close"; readonly info: CloseInfo }
  | { readonly kind: "fail"; readonly error: ConnectError };

/** What one connect attempt owns; replaced on every connectToUrl. */
interface Attempt {
  readonly ws: WebSocket;
  readonly url: WebSocketUrl;
  readonly limits: BufferLimits;
  readonly multiplayer: boolean;
  /** Transport events not yet delivered (poll mode). */
  readonly queue: Incoming[];
  queuedBytes: number;
  queuedMessages: number;
  opened: boolean;
  /** Set before 'close': who started it, and an error seen on the way. */
  initiatedBy: CloseInitiator | null;
  error: Error | null;
  failure: ConnectError | null;
  heartbeat: Heartbeat | null;
  waiters: { resolve: (protocol: string) => void; reject: (err: Error) => void }[];
}

function isNonNegativeInt(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1;
}

export class WebSocketClient extends EventEmitter<WebSocketClientEvents> {
  #autoPoll: boolean;
  #verifySsl: boolean;
  #trusted: X509Certificate | null = null;
  #ca: readonly (string | Buffer)[] | null;
  #serverName: string | null;
  #heartbeat: { intervalMs: number; timeoutMs: number } | null;
  #connectTimeoutMs: number;
  #closeTimeoutMs: number;
  #noDelay: boolean;
  #buffers: BufferSizes;
  #peer = new WebSocketPeer();
  #attempt: Attempt | null = null;
  #status: ConnectionStatus = ConnectionStatus.DISCONNECTED;
  #sink: MultiplayerSink | null = null;
  #polling = false;
  /** Beyond Godot: every message and byte this client received and sent, at the socket. */
  readonly traffic: Traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  /** The typed error behind the last call that returned a Godot error code. */
  lastError: WebSocketError | null = null;

  constructor(options: WebSocketClientOptions = {}) {
    super();
    this.#autoPoll = options.autoPoll ?? false;
    this.#verifySsl = options.verifySsl ?? true;
    if (options.trustedSslCertificate) {
      this.#trusted = readCertificate(options.trustedSslCertificate, "trustedSslCertificate");
    }
    const ca = options.ca ?? null;
    this.#ca = ca === null ? null : Array.isArray(ca) ? [...ca] : [ca as string | Buffer];
    for (const c of this.#ca ?? []) readCertificate(c, "ca");
    this.#serverName = options.tlsServerName ?? null;
    if (this.#serverName !== null && !/^[A-Za-z0-9.:_-]+$/.test(this.#serverName)) {
      throw new WebSocketArgumentError(
        `tlsServerName is not a host name: ${JSON.stringify(this.#serverName)}`,
        "tlsServerName",
      );
    }
    const interval = options.heartbeatIntervalMs ?? 0;
    const timeout = options.heartbeatTimeoutMs ?? interval * 2;
    if (!isNonNegativeInt(interval) || !isNonNegativeInt(timeout) || (interval > 0 && timeout === 0)) {
      throw new WebSocketArgumentError(
        "heartbeat interval and timeout must be non-negative integers (ms)",
        "heartbeat",
      );
    }
    this.#heartbeat = interval > 0 ? { intervalMs: interval, timeoutMs: timeout } : null;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    if (!isNonNegativeInt(this.#connectTimeoutMs) || this.#connectTimeoutMs === 0) {
      throw new WebSocketArgumentError("connectTimeoutMs must be a positive integer", "connectTimeoutMs");
    }
    if (!isNonNegativeInt(this.#closeTimeoutMs) || this.#closeTimeoutMs === 0) {
      throw new WebSocketArgumentError("closeTimeoutMs must be a positive integer", "closeTimeoutMs");
    }
    this.#noDelay = options.noDelay ?? true;
    this.#buffers = options.buffers ?? GODOT3_CLIENT_BUFFERS;
    bufferLimits(this.#buffers);
  }

  // ---- WebSocketClient ----

  /**
   * Starts connecting; the outcome arrives as connection_established or connection_error.
   * Returns OK, ERR_INVALID_PARAMETER (bad URL, scheme, protocol, header; details in lastError),
   * ERR_ALREADY_IN_USE (already connecting or connected) or ERR_UNCONFIGURED (gdMpApi without a sink).
   */
  connectToUrl(
    url: string,
    protocols: readonly string[] = [],
    gdMpApi = false,
    customHeaders: readonly string[] = [],
  ): GodotError {
    if (this.#attempt)
      return this.#fail(new WebSocketError("already connecting or connected", GodotError.ERR_ALREADY_IN_USE));
    let parsed: WebSocketUrl;
    let headers: Record<string, string | string[]>;
    let protos: string[];
    try {
      parsed = parseWebSocketUrl(url);
      protos = checkProtocols(protocols);
      headers = parseCustomHeaders(customHeaders);
    } catch (err) {
      if (err instanceof WebSocketError) return this.#fail(err);
      throw err;
    }
    if (gdMpApi && !this.#sink) {
      return this.#fail(
        new WebSocketError(
          "gdMpApi needs a multiplayer sink: attach one with setMultiplayerSink() (src/multiplayer does)",
          GodotError.ERR_UNCONFIGURED,
        ),
      );
    }
    const limits = bufferLimits(this.#buffers);
    const tls: TlsSettings = {
      verify: this.#verifySsl,
      trustedCertificate: this.#trusted,
      ca: this.#ca,
      serverName: this.#serverName,
    };
    const hostName = this.#serverName ?? (parsed.host.includes(":") ? `[${parsed.host}]` : parsed.host);
    const defaultPort = parsed.secure ? 443 : 80;
    // Godot's order: Host, Upgrade, Connection, Key, Version, Protocol, then the custom headers.
    // ws fills in the values of its own; spreading keeps the keys where they stand here.
    const ordered: Record<string, string | string[]> = {
      Host: parsed.port === defaultPort ? hostName : `${hostName}:${parsed.port}`,
      Upgrade: "websocket",
      Connection: "Upgrade",
      "Sec-WebSocket-Key": "",
      "Sec-WebSocket-Version": "13",
      ...(protos.length > 0 ? { "Sec-WebSocket-Protocol": protos.join(",") } : {}),
      ...headers,
    };
    let ws: WebSocket;
    try {
      ws = new WebSocket(parsed.href, protos, {
        headers: ordered,
        perMessageDeflate: false, // Godot 3 has no extensions
        maxPayload: limits.maxMessageBytes, // wslay's max_recv_msg_length: larger closes with 1009
        // Like wslay, a text frame that is not UTF-8 fails the connection with 1007.
        skipUTF8Validation: false,
        handshakeTimeout: this.#connectTimeoutMs,
        closeTimeout: this.#closeTimeoutMs,
        ...(parsed.secure ? tlsConnectOptions(tls, parsed.host) : {}),
      } as WebSocket.ClientOptions);
    } catch (err) {
      return this.#fail(
        new WebSocketArgumentError(`cannot connect to ${url}: ${(err as Error).message}`, "url"),
      );
    }
    const attempt: Attempt = {
      ws,
      url: parsed,
      limits,
      multiplayer: gdMpApi,
      queue: [],
      queuedBytes: 0,
      queuedMessages: 0,
      opened: false,
      initiatedBy: null,
      error: null,
      failure: null,
      heartbeat: null,
      waiters: [],
    };
    this.#attempt = attempt;
    this.#status = ConnectionStatus.CONNECTING;
    this.#peer = new WebSocketPeer();
    this.#wire(attempt);
    this.lastError = null;
    return GodotError.OK;
  }

  /**
   * connectToUrl as a Promise: resolves with the subprotocol when connection_established is
   * delivered (so in poll mode, keep polling), rejects with a WebSocketArgumentError for bad
   * arguments or the ConnectError of connection_error.
   */
  connectToUrlAsync(
    url: string,
    protocols: readonly string[] = [],
    gdMpApi = false,
    customHeaders: readonly string[] = [],
  ): Promise<string> {
    const code = this.connectToUrl(url, protocols, gdMpApi, customHeaders);
    if (code !== GodotError.OK) return Promise.reject(this.lastError);
    const attempt = this.#attempt!;
    return new Promise((resolve, reject) => attempt.waiters.push({ resolve, reject }));
  }

  /**
   * Closes with `code` and `reason` (connection_closed follows once the server answers), or
   * abandons a connect in progress (no signal, as in Godot). Throws WebSocketArgumentError for
   * a code or reason that may not be sent (1005, 1006, 1015, > 4999, reason > 123 bytes).
   */
  disconnectFromHost(code = 1000, reason = ""): void {
    checkClose(code, reason);
    const attempt = this.#attempt;
    if (!attempt) return;
    if (!attempt.opened || this.#status !== ConnectionStatus.CONNECTED) {
      // Not established (or established but not yet delivered by poll): drop it silently.
      this.#abandon(
        attempt,
        new ConnectError("disconnectFromHost() before the connection was established", { reason: "aborted" }),
      );
      return;
    }
    this.#peer.close(code, reason);
  }

  /**
   * Beyond Godot: drops the TCP connection at once, with no close frame — what a crash or a pulled
   * cable looks like to the server. connection_closed(false) follows, as for any such loss.
   */
  dropConnection(): void {
    this.#attempt?.ws.terminate();
  }

  getConnectedHost(): string {
    return this.#peer.getConnectedHost();
  }

  getConnectedPort(): number {
    return this.#peer.getConnectedPort();
  }

  get verifySsl(): boolean {
    return this.#verifySsl;
  }

  set verifySsl(value: boolean) {
    this.#verifySsl = value === true;
  }

  /** The trusted certificate as PEM, or null. */
  get trustedSslCertificate(): string | null {
    return this.#trusted?.toString() ?? null;
  }

  /** Godot refuses a change while connected or connecting; so does this (throws). */
  set trustedSslCertificate(pem: string | Buffer | null) {
    if (this.#status !== ConnectionStatus.DISCONNECTED) {
      throw new WebSocketError(
        "trustedSslCertificate can only change while disconnected",
        GodotError.ERR_ALREADY_IN_USE,
      );
    }
    this.#trusted = pem ? readCertificate(pem, "trustedSslCertificate") : null;
  }

  // ---- WebSocketMultiplayerPeer ----

  /** The peer of the connection: id 1 (the server) only; null for any other id, as in Godot. */
  getPeer(peerId: number): WebSocketPeer | null {
    if (peerId !== 1) {
      this.lastError = new WebSocketArgumentError(`a client has only peer 1, not ${peerId}`, "peerId");
      return null;
    }
    return this.#peer;
  }

  /**
   * Buffer sizes for the next connection (KiB and packets, rounded up to powers of two as
   * Godot does). FAILED while connecting or connected, as in Godot.
   */
  setBuffers(
    inputBufferSizeKb: number,
    inputMaxPackets: number,
    outputBufferSizeKb: number,
    outputMaxPackets: number,
  ): GodotError {
    if (this.#attempt) {
      return this.#fail(
        new WebSocketError(
          "Buffers sizes can only be set before listening or connecting.",
          GodotError.FAILED,
        ),
      );
    }
    const sizes = { inputBufferSizeKb, inputMaxPackets, outputBufferSizeKb, outputMaxPackets };
    try {
      bufferLimits(sizes);
    } catch (err) {
      if (err instanceof WebSocketError) return this.#fail(err);
      throw err;
    }
    this.#buffers = sizes;
    return GodotError.OK;
  }

  /** The limits the current buffer sizes give (bytes and packets). */
  getBufferLimits(): BufferLimits {
    return bufferLimits(this.#buffers);
  }

  /** Attaches the multiplayer layer that owns gdMpApi connections (see multiplayer-sink.ts). */
  setMultiplayerSink(sink: MultiplayerSink | null): void {
    this.#sink = sink;
  }

  // ---- NetworkedMultiplayerPeer / PacketPeer on the client object ----

  getConnectionStatus(): ConnectionStatus {
    return this.#status;
  }

  isServer(): boolean {
    return false;
  }

  /**
   * Delivers everything that arrived since the last poll: packets into getPeer(1), then the
   * signals, in arrival order. In autoPoll mode everything is already delivered.
   */
  poll(): void {
    const attempt = this.#attempt;
    if (!attempt || this.#polling) return;
    this.#polling = true;
    try {
      this.#drain(attempt);
    } finally {
      this.#polling = false;
    }
  }

  get autoPoll(): boolean {
    return this.#autoPoll;
  }

  /** Switching on delivers what is queued right away. */
  set autoPoll(value: boolean) {
    this.#autoPoll = value === true;
    if (this.#autoPoll) this.poll();
  }

  /** Godot: "use get_peer(1)" — the client object is no PacketPeer outside multiplayer mode. */
  putPacket(_buffer: Uint8Array): GodotError {
    return this.#fail(this.#notPacketPeer("put_packet/var"));
  }

  getPacket(): Uint8Array {
    this.#fail(this.#notPacketPeer("get_packet/var"));
    return new Uint8Array(0);
  }

  getAvailablePacketCount(): number {
    this.#fail(this.#notPacketPeer("get_available_packet_count"));
    return 0;
  }

  putVar(_value: unknown): GodotError {
    return this.#fail(this.#notPacketPeer("put_packet/var"));
  }

  getVar(): null {
    this.#fail(this.#notPacketPeer("get_packet/var"));
    return null;
  }

  #notPacketPeer(what: string): WebSocketError {
    const mp = this.#attempt?.multiplayer ?? false;
    return new WebSocketError(
      mp
        ? `With gdMpApi the connection belongs to the multiplayer layer: use it, not the client's ${what}.`
        : `Please use get_peer(ID).${what} to communicate with peers when not using the MultiplayerAPI.`,
      GodotError.ERR_UNCONFIGURED,
    );
  }

  // ---- internals ----

  #fail(err: WebSocketError): GodotError {
    this.lastError = err;
    return err.godotError;
  }

  #wire(attempt: Attempt): void {
    const { ws } = attempt;
    const push = (event: Incoming) => {
      if (this.#attempt !== attempt) return;
      attempt.queue.push(event);
      if (event.kind === "message") {
        attempt.queuedBytes += event.data.length;
        attempt.queuedMessages++;
        // Backpressure: past the input buffer's size, leave the rest in the socket (as Godot
        // leaves it in the kernel between polls) so memory stays bounded.
        if (
          !ws.isPaused &&
          (attempt.queuedBytes >= attempt.limits.inputBytes ||
            attempt.queuedMessages >= attempt.limits.inputPackets)
        ) {
          ws.pause();
        }
      }
      if (this.#autoPoll) this.poll();
    };
    ws.on("upgrade", (res: IncomingMessage) => {
      const socket = res.socket;
      ws.once("open", () => {
        // After ws's own setNoDelay() (in setSocket), so that noDelay: false holds.
        socket.setNoDelay(this.#noDelay);
        attempt.opened = true;
        if (this.#heartbeat) {
          attempt.heartbeat = new Heartbeat(ws, this.#heartbeat, () => {
            attempt.initiatedBy ??= "heartbeat";
            attempt.error ??= new Error(
              `no answer to a ping within ${this.#heartbeat?.timeoutMs} ms: link is dead`,
            );
            ws.terminate();
          });
        }
        push({ kind: "open", protocol: ws.protocol, socket });
      });
    });
    ws.on("unexpected-response", (_req, res: IncomingMessage) => {
      attempt.failure = new ConnectError(
        `server answered the upgrade with HTTP ${res.statusCode} ${res.statusMessage ?? ""}`.trim(),
        { reason: "http-status", httpStatus: res.statusCode ?? 0 },
      );
      res.resume();
      ws.terminate();
    });
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      // Counted at the socket: every message, even one the peer then ignores or drops.
      this.traffic.msgsIn++;
      this.traffic.bytesIn += data.length;
      attempt.heartbeat?.alive();
      push({ kind: "message", data, isString: !isBinary });
    });
    ws.on("pong", () => attempt.heartbeat?.alive());
    ws.on("ping", () => attempt.heartbeat?.alive());
    // Every error is followed by 'close'; keep it for the report there. Never unhandled.
    ws.on("error", (err: Error) => {
      attempt.error ??= err;
      // ws's own protocol errors (WS_ERR_*: message too big, bad frame) make it send a close.
      if (attempt.opened && nodeErrorCode(err)?.startsWith("WS_ERR_")) attempt.initiatedBy ??= "client";
    });
    ws.on("close", (code: number, reasonBytes: Buffer) => {
      attempt.heartbeat?.stop();
      if (!attempt.opened) {
        push({ kind: "fail", error: attempt.failure ?? this.#connectError(attempt) });
        return;
      }
      const wasClean = code !== 1006;
      const initiatedBy: CloseInitiator = attempt.initiatedBy ?? (wasClean ? "server" : "network");
      // ws stops reading after its own protocol error: report the code it sent, not 1006.
      const sent = wasClean ? undefined : protocolErrorCloseCode(attempt.error);
      const info: CloseInfo = {
        code: sent ?? code,
        reason: readCloseReason(reasonBytes),
        wasClean,
        initiatedBy,
        ...(attempt.error ? { error: attempt.error } : {}),
      };
      push({ kind: "close", info });
    });
  }

  #connectError(attempt: Attempt): ConnectError {
    const err = attempt.error;
    const where = `${attempt.url.secure ? "wss" : "ws"}://${attempt.url.host}:${attempt.url.port}`;
    if (!err)
      return new ConnectError(`connection to ${where} closed during the handshake`, { reason: "network" });
    const code = nodeErrorCode(err);
    const tlsCause = tlsFailureOf(code, this.#trusted !== null && this.#verifySsl);
    if (tlsCause) {
      return new ConnectError(`TLS handshake with ${where} failed (${tlsCause}): ${err.message}`, {
        reason: "tls",
        tlsCause,
        ...(code ? { code } : {}),
        cause: err,
      });
    }
    let reason: ConnectFailure = "network";
    if (code === "ECONNREFUSED") reason = "refused";
    else if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") reason = "dns";
    else if (code === "ETIMEDOUT" || /timed out/i.test(err.message)) reason = "timeout";
    else if (code === "ECONNRESET" || code === "EPIPE") reason = "reset";
    else if (code === "EHOSTUNREACH" || code === "ENETUNREACH") reason = "unreachable";
    else if (
      code === undefined &&
      err instanceof Error &&
      /Sec-WebSocket|subprotocol|Upgrade|extension/.test(err.message)
    ) {
      reason = "handshake";
    }
    return new ConnectError(`cannot connect to ${where} (${reason}): ${err.message}`, {
      reason,
      ...(code ? { code } : {}),
      cause: err,
    });
  }

  /** Forgets an attempt without a signal (disconnect during connect). */
  #abandon(attempt: Attempt, error: ConnectError): void {
    this.#attempt = null;
    this.#status = ConnectionStatus.DISCONNECTED;
    attempt.heartbeat?.stop();
    attempt.ws.terminate();
    this.#peer._detach();
    for (const w of attempt.waiters.splice(0)) w.reject(error);
  }

  #drain(attempt: Attempt): void {
    while (this.#attempt === attempt && attempt.queue.length > 0) {
      const event = attempt.queue.shift()!;
      switch (event.kind) {
        case "open":
          this.#onOpen(attempt, event.protocol, event.socket);
          break;
        case "message":
          attempt.queuedBytes -= event.data.length;
          attempt.queuedMessages--;
          this.#onMessage(attempt, event.data, event.isString);
          break;
        case "close":
          this.#onClose(attempt, event.info);
          break;
        case "fail":
          this.#onFail(attempt, event.error);
          break;
      }
    }
    if (this.#attempt === attempt && attempt.ws.isPaused) attempt.ws.resume();
  }

  #onOpen(attempt: Attempt, protocol: string, socket: Socket): void {
    this.#status = ConnectionStatus.CONNECTED;
    this.#peer._attach({
      ws: attempt.ws,
      socket,
      limits: attempt.limits,
      onUserClose: () => {
        attempt.initiatedBy ??= "client";
      },
      traffic: this.traffic,
      batchWrites: true,
    });
    for (const w of attempt.waiters.splice(0)) w.resolve(protocol);
    if (attempt.multiplayer) this.#toSink((s) => s.connected(protocol));
    else this.#emitSafe("connection_established", protocol);
  }

  #onMessage(attempt: Attempt, data: Buffer, isString: boolean): void {
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (attempt.multiplayer) {
      // Godot passes each frame straight to _process_multiplayer.
      if (!this.#peer._closing) this.#toSink((s) => s.packet(bytes, isString));
      return;
    }
    const stored = this.#peer._receive(bytes, isString);
    if (stored === "ignored") return;
    if (stored !== "ok") this.#emitSafe("packet_dropped", bytes.length, stored);
    // Godot emits data_received even for a packet its full ring dropped.
    this.#emitSafe("data_received");
  }

  #onClose(attempt: Attempt, info: CloseInfo): void {
    this.#attempt = null;
    this.#status = ConnectionStatus.DISCONNECTED;
    this.#peer._detach();
    if (info.initiatedBy === "server") this.#emitSafe("server_close_request", info.code, info.reason);
    if (attempt.multiplayer) this.#toSink((s) => s.disconnected(info, null));
    else this.#emitSafe("connection_closed", info.wasClean, info);
  }

  #onFail(attempt: Attempt, error: ConnectError): void {
    this.#attempt = null;
    this.#status = ConnectionStatus.DISCONNECTED;
    this.#peer._detach();
    for (const w of attempt.waiters.splice(0)) w.reject(error);
    if (attempt.multiplayer) this.#toSink((s) => s.disconnected(null, error));
    else this.#emitSafe("connection_error", error);
  }

  #toSink(call: (sink: MultiplayerSink) => void): void {
    const sink = this.#sink;
    if (!sink) return;
    try {
      call(sink);
    } catch (err) {
      this.#reportHandlerError(err, "multiplayer-sink");
    }
  }

  /** Calls every listener; one that throws is reported on handler_error and the rest still run. */
  #emitSafe<K extends WebSocketClientSignal>(signal: K, ...args: WebSocketClientEvents[K]): void {
    for (const listener of this.rawListeners(signal as never)) {
      try {
        Reflect.apply(listener as (...a: unknown[]) => unknown, this, args);
      } catch (err) {
        this.#reportHandlerError(err, signal);
      }
    }
  }

  #reportHandlerError(err: unknown, signal: string): void {
    if (signal !== "handler_error" && this.listenerCount("handler_error") > 0) {
      this.#emitSafe("handler_error", err, signal);
      return;
    }
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.emitWarning(`a ${signal} handler threw: ${message}`, { code: "GODOT_PEER_HANDLER_ERROR" });
  }
}

function nodeErrorCode(err: Error): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") return code;
  // Node 20 tries every address of a name (autoSelectFamily) and reports an AggregateError.
  if (err instanceof AggregateError) {
    for (const e of err.errors) {
      const c = (e as { code?: unknown }).code;
      if (typeof c === "string") return c;
    }
  }
  return undefined;
}

/** The close code ws sends for its own protocol errors (RFC 6455 §7.4.1). */
function protocolErrorCloseCode(err: Error | null): number | undefined {
  const code = err ? nodeErrorCode(err) : undefined;
  if (!code?.startsWith("WS_ERR_")) return undefined;
  if (code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") return 1009;
  if (code === "WS_ERR_INVALID_UTF8") return 1007;
  return 1002;
}
