/**
 * WebSocketClient: Godot 3's client (WSLClient + WebSocketClient + the non-multiplayer part of
 * WebSocketMultiplayerPeer) over our own RFC 6455 client connection (connection.ts).
 *
 * Poll model: by default nothing happens in user code except inside poll(), as in Godot —
 * frames, state changes and signals wait in a queue (bounded: the socket is paused when the
 * backlog reaches the input buffer size). With `autoPoll` they are delivered as they arrive:
 * a message straight from the frame receiver, with no queued event.
 */

import type { X509Certificate } from "node:crypto";
import { ConnectionStatus, GodotError, SignalEmitter, sharedSettings } from "../core/index.js";
import { type BufferLimits, type BufferSizes, bufferLimits, GODOT3_CLIENT_BUFFERS } from "./buffers.js";
import { checkClose, readCloseReason } from "./close-codes.js";
import { ClientConnection, type ConnectionOwner } from "./connection.js";
import {
  ConnectError,
  type ConnectFailure,
  HandshakeError,
  ProtocolError,
  WebSocketArgumentError,
  WebSocketError,
} from "./errors.js";
import { isInvalidHeaderValue } from "./handshake.js";
import type { HeartbeatOptions } from "./heartbeat.js";
import { type LinkConditions, type LinkShape, linkShape } from "./link-conditions.js";
import type { MultiplayerSink } from "./multiplayer-sink.js";
import type { CloseInfo, CloseInitiator, WebSocketClientEvents, WebSocketClientSignal } from "./signals.js";
import { readCertificate, tlsConnectOptions, tlsFailureOf } from "./tls.js";
import {
  checkProtocols,
  type HeaderLine,
  parseCustomHeaders,
  parseWebSocketUrl,
  type WebSocketUrl,
} from "./url.js";
import { type Traffic, WebSocketPeer } from "./websocket-peer.js";

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
  /**
   * Beyond Godot: network conditions on this client's connections (latency, jitter, bandwidth per
   * direction; link-conditions.ts). Absent: the socket is used bare, at no cost.
   */
  readonly network?: LinkConditions | null;
}

/** A transport event not yet delivered (poll mode). */
type Incoming =
  | { readonly kind: "open"; readonly protocol: string }
  | { readonly kind: "message"; readonly data: Uint8Array; readonly isString: boolean }
  | { readonly kind: "close"; readonly info: CloseInfo }
  | { readonly kind: "fail"; readonly error: ConnectError };

/** The events not yet delivered, from `head` on, and the messages' count and bytes among them. */
interface EventQueue {
  readonly events: Incoming[];
  head: number;
  bytes: number;
  messages: number;
}

// WebSocketClient's flags. Its methods are TypeScript-private, not #private: # methods cost each
// instance a slot (V8's brand).
/** The low bits: the ConnectionStatus. */
const STATUS = 3;
/** The connection is in multiplayer mode (gdMpApi): frames go to the sink. */
const MULTIPLAYER = 4;
/** poll() (or a delivery on arrival) is under way. */
const POLLING = 8;

interface Waiter {
  readonly resolve: (protocol: string) => void;
  readonly reject: (err: Error) => void;
}

/** Godot 3's default limits, shared by every client that keeps the default sizes. */
const DEFAULT_LIMITS: BufferLimits = Object.freeze(bufferLimits(GODOT3_CLIENT_BUFFERS));
/** The limits of other sizes, by their (never changed) sizes object: clients made with one options object share them. */
const LIMITS = new WeakMap<BufferSizes, BufferLimits>();

function isNonNegativeInt(v: number): boolean {
  return Number.isInteger(v) && v >= 0 && v <= 2 ** 31 - 1;
}

/** What a client is set to (its options, checked): a frozen object, shared while it is the defaults. */
interface ClientSettings {
  readonly autoPoll: boolean;
  readonly verifySsl: boolean;
  readonly trusted: X509Certificate | null;
  readonly ca: readonly (string | Buffer)[] | null;
  readonly serverName: string | null;
  readonly heartbeat: HeartbeatOptions | null;
  readonly connectTimeoutMs: number;
  readonly closeTimeoutMs: number;
  readonly noDelay: boolean;
  readonly buffers: BufferSizes;
  readonly link: LinkShape | null;
}

function defaultSettings(autoPoll: boolean): ClientSettings {
  return Object.freeze({
    autoPoll,
    verifySsl: true,
    trusted: null,
    ca: null,
    serverName: null,
    heartbeat: null,
    connectTimeoutMs: 30_000,
    closeTimeoutMs: 30_000,
    noDelay: true,
    buffers: GODOT3_CLIENT_BUFFERS,
    link: null,
  });
}

/** The defaults, polled and autoPoll: what a swarm's clients are nearly always set to. */
const DEFAULTS_POLLED = defaultSettings(false);
const DEFAULTS_AUTO = defaultSettings(true);

/** `s` itself, or the shared object of the same defaults. */
const shared = (s: ClientSettings): ClientSettings =>
  sharedSettings(s, s.autoPoll ? DEFAULTS_AUTO : DEFAULTS_POLLED);

export class WebSocketClient extends SignalEmitter<WebSocketClientEvents> implements ConnectionOwner {
  /** The settings, never changed in place (a setter replaces them): clients made with the defaults share one. */
  #s: ClientSettings;
  /** getPeer(1), made on first use: an idle client in multiplayer mode never needs one (its sink gets the frames). */
  #peer: WebSocketPeer | null = null;
  /** The connection of the current attempt (connecting or connected); replaced on every connectToUrl. */
  #conn: ClientConnection | null = null;
  /** What the current attempt was given. */
  /** Transport events not yet delivered (poll mode), made when first needed. */
  #queue: EventQueue | null = null;
  /** connectToUrlAsync promises waiting on the current attempt. */
  /** Until the current attempt opens: its URL (for its errors) and the connectToUrlAsync promises waiting on it. */
  #attempt: { readonly url: WebSocketUrl; waiters: Waiter[] | null } | null = null;
  #sink: MultiplayerSink | null = null;
  /** The status (STATUS bits; DISCONNECTED at first), MULTIPLAYER, POLLING: one number, not a field each. */
  #flags: number = ConnectionStatus.DISCONNECTED;
  /** Beyond Godot: every message and byte this client received and sent, at the socket. */
  readonly traffic: Traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  /** The typed error behind the last call that returned a Godot error code. */
  lastError: WebSocketError | null = null;

  constructor(options: WebSocketClientOptions = {}) {
    super();
    let trusted: X509Certificate | null = null;
    if (options.trustedSslCertificate) {
      trusted = readCertificate(options.trustedSslCertificate, "trustedSslCertificate");
    }
    const caOption = options.ca ?? null;
    const ca =
      caOption === null ? null : Array.isArray(caOption) ? [...caOption] : [caOption as string | Buffer];
    for (const c of ca ?? []) readCertificate(c, "ca");
    const serverName = options.tlsServerName ?? null;
    if (serverName !== null && !/^[A-Za-z0-9.:_-]+$/.test(serverName)) {
      throw new WebSocketArgumentError(
        `tlsServerName is not a host name: ${JSON.stringify(serverName)}`,
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
    const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    const closeTimeoutMs = options.closeTimeoutMs ?? 30_000;
    if (!isNonNegativeInt(connectTimeoutMs) || connectTimeoutMs === 0) {
      throw new WebSocketArgumentError("connectTimeoutMs must be a positive integer", "connectTimeoutMs");
    }
    if (!isNonNegativeInt(closeTimeoutMs) || closeTimeoutMs === 0) {
      throw new WebSocketArgumentError("closeTimeoutMs must be a positive integer", "closeTimeoutMs");
    }
    const buffers = options.buffers ?? GODOT3_CLIENT_BUFFERS;
    bufferLimits(buffers);
    this.#s = shared({
      autoPoll: options.autoPoll ?? false,
      verifySsl: options.verifySsl ?? true,
      trusted,
      ca,
      serverName,
      heartbeat: interval > 0 ? { intervalMs: interval, timeoutMs: timeout } : null,
      connectTimeoutMs,
      closeTimeoutMs,
      noDelay: options.noDelay ?? true,
      buffers,
      link: linkShape(options.network, "network"),
    });
  }

  private get status(): ConnectionStatus {
    return (this.#flags & STATUS) as ConnectionStatus;
  }

  private set status(status: ConnectionStatus) {
    this.#flags = (this.#flags & ~STATUS) | status;
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
    if (this.#conn)
      return this.fail(new WebSocketError("already connecting or connected", GodotError.ERR_ALREADY_IN_USE));
    let parsed: WebSocketUrl;
    let headers: HeaderLine[];
    let protos: string[];
    try {
      parsed = parseWebSocketUrl(url);
      protos = checkProtocols(protocols);
      headers = parseCustomHeaders(customHeaders);
    } catch (err) {
      if (err instanceof WebSocketError) return this.fail(err);
      throw err;
    }
    if (gdMpApi && !this.#sink) {
      return this.fail(
        new WebSocketError(
          "gdMpApi needs a multiplayer sink: attach one with setMultiplayerSink() (src/multiplayer does)",
          GodotError.ERR_UNCONFIGURED,
        ),
      );
    }
    for (const { name, value } of headers) {
      // Node's http client refused these (characters beyond latin1): so does this one.
      if (isInvalidHeaderValue(value)) {
        return this.fail(
          new WebSocketArgumentError(
            `cannot connect to ${url}: Invalid character in header content ["${name}"]`,
            "url",
          ),
        );
      }
    }
    const limits = this.limits();
    const hostName = this.#s.serverName ?? (parsed.host.includes(":") ? `[${parsed.host}]` : parsed.host);
    const defaultPort = parsed.secure ? 443 : 80;
    const tls = parsed.secure
      ? tlsConnectOptions(
          {
            verify: this.#s.verifySsl,
            trustedCertificate: this.#s.trusted,
            ca: this.#s.ca,
            serverName: this.#s.serverName,
          },
          parsed.host,
        )
      : null;
    let conn: ClientConnection;
    try {
      conn = new ClientConnection(this, {
        host: parsed.host,
        port: parsed.port,
        path: parsed.path,
        hostHeader: parsed.port === defaultPort ? hostName : `${hostName}:${parsed.port}`,
        protocols: protos,
        headers,
        tls,
        maxPayload: limits.maxMessageBytes, // wslay's max_recv_msg_length: larger closes with 1009
        connectTimeoutMs: this.#s.connectTimeoutMs,
        noDelay: this.#s.noDelay,
        heartbeat: this.#s.heartbeat,
        link: this.#s.link,
      });
    } catch (err) {
      return this.fail(
        new WebSocketArgumentError(`cannot connect to ${url}: ${(err as Error).message}`, "url"),
      );
    }
    this.#conn = conn;
    this.#attempt = { url: parsed, waiters: null };
    this.#flags = (gdMpApi ? MULTIPLAYER : 0) | (this.#flags & POLLING);
    this.#queue = null;
    this.status = ConnectionStatus.CONNECTING;
    this.#peer = null;
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
    attempt.waiters ??= [];
    const waiters = attempt.waiters;
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  }

  /**
   * Closes with `code` and `reason` (connection_closed follows once the server answers), or
   * abandons a connect in progress (no signal, as in Godot). Throws WebSocketArgumentError for
   * a code or reason that may not be sent (1005, 1006, 1015, > 4999, reason > 123 bytes).
   */
  disconnectFromHost(code = 1000, reason = ""): void {
    checkClose(code, reason);
    const conn = this.#conn;
    if (!conn) return;
    if (!conn.opened || this.status !== ConnectionStatus.CONNECTED) {
      // Not established (or established but not yet delivered by poll): drop it silently.
      this.abandon(
        conn,
        new ConnectError("disconnectFromHost() before the connection was established", { reason: "aborted" }),
      );
      return;
    }
    this.peerOf().close(code, reason);
  }

  /**
   * Beyond Godot: drops the TCP connection at once, with no close frame — what a crash or a pulled
   * cable looks like to the server. connection_closed(false) follows, as for any such loss, its
   * CloseInfo initiated by "network" (or "network-condition": a scheduled drop says so).
   */
  dropConnection(initiatedBy?: "network-condition"): void {
    this.#conn?.terminate(initiatedBy);
  }

  /**
   * Beyond Godot: bytes waiting on the network conditions' link, each way (null: none set, or not
   * connected). Up counts in the output buffer; down stays under the input buffer's size plus one
   * socket read, past which the socket is not read (the server's send buffer fills, as TCP's).
   */
  get linkBacklog(): { readonly up: number; readonly down: number } | null {
    return this.#conn?.linkBacklog ?? null;
  }

  getConnectedHost(): string {
    return this.peerOf().getConnectedHost();
  }

  getConnectedPort(): number {
    return this.peerOf().getConnectedPort();
  }

  get verifySsl(): boolean {
    return this.#s.verifySsl;
  }

  set verifySsl(value: boolean) {
    this.#s = { ...this.#s, verifySsl: value === true };
  }

  /** The trusted certificate as PEM, or null. */
  get trustedSslCertificate(): string | null {
    return this.#s.trusted?.toString() ?? null;
  }

  /** Godot refuses a change while connected or connecting; so does this (throws). */
  set trustedSslCertificate(pem: string | Buffer | null) {
    if (this.status !== ConnectionStatus.DISCONNECTED) {
      throw new WebSocketError(
        "trustedSslCertificate can only change while disconnected",
        GodotError.ERR_ALREADY_IN_USE,
      );
    }
    this.#s = { ...this.#s, trusted: pem ? readCertificate(pem, "trustedSslCertificate") : null };
  }

  // ---- WebSocketMultiplayerPeer ----

  /** The peer of the connection: id 1 (the server) only; null for any other id, as in Godot. */
  getPeer(peerId: number): WebSocketPeer | null {
    if (peerId !== 1) {
      this.lastError = new WebSocketArgumentError(`a client has only peer 1, not ${peerId}`, "peerId");
      return null;
    }
    return this.peerOf();
  }

  /** The peer of the current connection, made now if not yet: attached once the open is delivered. */
  private peerOf(): WebSocketPeer {
    let peer = this.#peer;
    if (peer === null) {
      peer = new WebSocketPeer();
      const conn = this.#conn;
      if (conn !== null && this.status === ConnectionStatus.CONNECTED) {
        peer._attachTransport(conn, this.limits(), this.traffic);
      }
      this.#peer = peer;
    }
    return peer;
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
    if (this.#conn) {
      return this.fail(
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
      if (err instanceof WebSocketError) return this.fail(err);
      throw err;
    }
    this.#s = { ...this.#s, buffers: sizes };
    return GodotError.OK;
  }

  /** The limits the current buffer sizes give (bytes and packets). */
  getBufferLimits(): BufferLimits {
    return this.limits();
  }

  /** The limits of the current sizes: one object per sizes object (setBuffers is refused while connected). */
  private limits(): BufferLimits {
    const buffers = this.#s.buffers;
    if (buffers === GODOT3_CLIENT_BUFFERS) return DEFAULT_LIMITS;
    let limits = LIMITS.get(buffers);
    if (limits === undefined) {
      limits = Object.freeze(bufferLimits(buffers));
      LIMITS.set(buffers, limits);
    }
    return limits;
  }

  /** Attaches the multiplayer layer that owns gdMpApi connections (see multiplayer-sink.ts). */
  setMultiplayerSink(sink: MultiplayerSink | null): void {
    this.#sink = sink;
  }

  /** The multiplayer sink attached (null: none). */
  getMultiplayerSink(): MultiplayerSink | null {
    return this.#sink;
  }

  // ---- NetworkedMultiplayerPeer / PacketPeer on the client object ----

  getConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  isServer(): boolean {
    return false;
  }

  /**
   * Delivers everything that arrived since the last poll: packets into getPeer(1), then the
   * signals, in arrival order. In autoPoll mode everything is already delivered.
   */
  poll(): void {
    const conn = this.#conn;
    if (!conn || (this.#flags & POLLING) !== 0) return;
    this.#flags |= POLLING;
    try {
      this.drain(conn);
    } finally {
      this.#flags &= ~POLLING;
    }
  }

  /** After our close frame, how long the connection waits for the server's (ms; the closeTimeoutMs option). */
  get closeTimeoutMs(): number {
    return this.#s.closeTimeoutMs;
  }

  get autoPoll(): boolean {
    return this.#s.autoPoll;
  }

  /** Switching on delivers what is queued right away. */
  set autoPoll(value: boolean) {
    this.#s = { ...this.#s, autoPoll: value === true };
    if (this.#s.autoPoll) this.poll();
  }

  /** Godot: "use get_peer(1)" — the client object is no PacketPeer outside multiplayer mode. */
  putPacket(_buffer: Uint8Array): GodotError {
    return this.fail(this.notPacketPeer("put_packet/var"));
  }

  getPacket(): Uint8Array {
    this.fail(this.notPacketPeer("get_packet/var"));
    return new Uint8Array(0);
  }

  getAvailablePacketCount(): number {
    this.fail(this.notPacketPeer("get_available_packet_count"));
    return 0;
  }

  putVar(_value: unknown): GodotError {
    return this.fail(this.notPacketPeer("put_packet/var"));
  }

  getVar(): null {
    this.fail(this.notPacketPeer("get_packet/var"));
    return null;
  }

  private notPacketPeer(what: string): WebSocketError {
    const mp = this.#conn !== null && (this.#flags & MULTIPLAYER) !== 0;
    return new WebSocketError(
      mp
        ? `With gdMpApi the connection belongs to the multiplayer layer: use it, not the client's ${what}.`
        : `Please use get_peer(ID).${what} to communicate with peers when not using the MultiplayerAPI.`,
      GodotError.ERR_UNCONFIGURED,
    );
  }

  // ---- internals ----

  private fail(err: WebSocketError): GodotError {
    this.lastError = err;
    return err.godotError;
  }

  /** @internal ConnectionOwner: the handshake completed. */
  _wsOpen(conn: ClientConnection, protocol: string): void {
    if (this.#conn !== conn) return;
    this.push({ kind: "open", protocol });
  }

  /** @internal ConnectionOwner: a message from the server. */
  _wsMessage(conn: ClientConnection, data: Uint8Array, isString: boolean): void {
    // Counted at the socket: every message, even one the peer then ignores or drops.
    this.traffic.msgsIn++;
    this.traffic.bytesIn += data.length;
    if (this.#conn !== conn) return;
    if (this.#s.autoPoll && (this.#flags & POLLING) === 0 && this.#queue === null) {
      // Delivered on arrival: no event object, no queue.
      this.#flags |= POLLING;
      try {
        this.onMessage(data, isString);
      } finally {
        this.#flags &= ~POLLING;
      }
      // A handler may have queued events meanwhile (a close it caused …).
      if (this.#queue !== null) this.poll();
      return;
    }
    const queue = this.queueOf();
    queue.bytes += data.length;
    queue.messages++;
    // Backpressure: past the input buffer's size, leave the rest in the socket (as Godot
    // leaves it in the kernel between polls) so memory stays bounded.
    if (
      !conn.isPaused &&
      (queue.bytes >= this.limits().inputBytes || queue.messages >= this.limits().inputPackets)
    ) {
      conn.pause();
    }
    this.push({ kind: "message", data, isString });
  }

  /** @internal ConnectionOwner: the socket is gone. */
  _wsClose(conn: ClientConnection): void {
    if (this.#conn !== conn) return;
    if (!conn.opened) {
      this.push({ kind: "fail", error: conn.failure ?? this.connectError(conn) });
      return;
    }
    const wasClean = conn.closeCode !== 1006;
    const initiatedBy: CloseInitiator = conn.initiatedBy ?? (wasClean ? "server" : "network");
    // After our own protocol error reading stopped: report the code we sent, not 1006.
    const sent = !wasClean && conn.error instanceof ProtocolError ? conn.error.closeCode : undefined;
    const info: CloseInfo = {
      code: sent ?? conn.closeCode,
      reason: readCloseReason(conn.closeReason),
      wasClean,
      initiatedBy,
      ...(conn.error ? { error: conn.error } : {}),
    };
    this.push({ kind: "close", info });
  }

  private queueOf(): EventQueue {
    this.#queue ??= { events: [], head: 0, bytes: 0, messages: 0 };
    return this.#queue;
  }

  private push(event: Incoming): void {
    this.queueOf().events.push(event);
    if (this.#s.autoPoll) this.poll();
  }

  private connectError(conn: ClientConnection): ConnectError {
    const err = conn.error;
    const url = this.#attempt!.url;
    const where = `${url.secure ? "wss" : "ws"}://${url.host}:${url.port}`;
    if (!err)
      return new ConnectError(`connection to ${where} closed during the handshake`, { reason: "network" });
    const code = nodeErrorCode(err);
    const tlsCause = tlsFailureOf(code, this.#s.trusted !== null && this.#s.verifySsl);
    if (tlsCause) {
      return new ConnectError(`TLS handshake with ${where} failed (${tlsCause}): ${err.message}`, {
        reason: "tls",
        tlsCause,
        ...(code ? { code } : {}),
        cause: err,
      });
    }
    let reason: ConnectFailure = "network";
    if (err instanceof HandshakeError) reason = "handshake";
    else if (code === "ECONNREFUSED") reason = "refused";
    else if (code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME") reason = "dns";
    else if (code === "ETIMEDOUT" || /timed out/i.test(err.message)) reason = "timeout";
    else if (code === "ECONNRESET" || code === "EPIPE") reason = "reset";
    else if (code === "EHOSTUNREACH" || code === "ENETUNREACH") reason = "unreachable";
    return new ConnectError(`cannot connect to ${where} (${reason}): ${err.message}`, {
      reason,
      ...(code ? { code } : {}),
      cause: err,
    });
  }

  /** Forgets an attempt without a signal (disconnect during connect). */
  private abandon(conn: ClientConnection, error: ConnectError): void {
    this.#conn = null;
    this.status = ConnectionStatus.DISCONNECTED;
    this.#queue = null;
    conn.terminate();
    this.#peer?._detach();
    this.settle(null, error);
  }

  /** Resolves (protocol) or rejects (error) the connectToUrlAsync promises. */
  private settle(protocol: string | null, error: ConnectError | null): void {
    const attempt = this.#attempt;
    const waiters = attempt?.waiters ?? null;
    if (attempt === null || waiters === null) return;
    attempt.waiters = null;
    for (const w of waiters) {
      if (error) w.reject(error);
      else w.resolve(protocol ?? "");
    }
  }

  private drain(conn: ClientConnection): void {
    while (this.#conn === conn && this.#queue !== null) {
      const queue = this.#queue;
      const events = queue.events;
      if (queue.head >= events.length) {
        this.#queue = null;
        break;
      }
      const event = events[queue.head]!;
      events[queue.head++] = undefined as unknown as Incoming;
      switch (event.kind) {
        case "open":
          this.onOpen(conn, event.protocol);
          break;
        case "message":
          queue.bytes -= event.data.length;
          queue.messages--;
          this.onMessage(event.data, event.isString);
          break;
        case "close":
          this.onClose(event.info);
          break;
        case "fail":
          this.onFail(event.error);
          break;
      }
    }
    if (this.#conn === conn && conn.isPaused) conn.resume();
  }

  private onOpen(conn: ClientConnection, protocol: string): void {
    this.status = ConnectionStatus.CONNECTED;
    this.#peer?._attachTransport(conn, this.limits(), this.traffic);
    this.settle(protocol, null);
    this.#attempt = null; // open: its URL and waiters are done with
    if ((this.#flags & MULTIPLAYER) !== 0) {
      const sink = this.#sink;
      if (!sink) return;
      try {
        sink.connected(protocol);
      } catch (err) {
        this.reportHandlerError(err, "multiplayer-sink");
      }
    } else {
      this.emitSafe("connection_established", protocol);
    }
  }

  private onMessage(data: Uint8Array, isString: boolean): void {
    if ((this.#flags & MULTIPLAYER) !== 0) {
      // Godot passes each frame straight to _process_multiplayer.
      const sink = this.#sink;
      if (!sink || this.#peer?._closing) return;
      try {
        sink.packet(data, isString);
      } catch (err) {
        this.reportHandlerError(err, "multiplayer-sink");
      }
      return;
    }
    const stored = this.peerOf()._receive(data, isString);
    if (stored === "ignored") return;
    if (stored !== "ok") this.emitSafe("packet_dropped", data.length, stored);
    // Godot emits data_received even for a packet its full ring dropped.
    this.emitSafe("data_received");
  }

  private onClose(info: CloseInfo): void {
    this.#conn = null;
    this.#queue = null;
    this.status = ConnectionStatus.DISCONNECTED;
    this.#peer?._detach();
    if (info.initiatedBy === "server") this.emitSafe("server_close_request", info.code, info.reason);
    if ((this.#flags & MULTIPLAYER) !== 0) this.toSinkDisconnected(info, null);
    else this.emitSafe("connection_closed", info.wasClean, info);
  }

  private onFail(error: ConnectError): void {
    this.#conn = null;
    this.#queue = null;
    this.status = ConnectionStatus.DISCONNECTED;
    this.#peer?._detach();
    this.settle(null, error);
    if ((this.#flags & MULTIPLAYER) !== 0) this.toSinkDisconnected(null, error);
    else this.emitSafe("connection_error", error);
  }

  private toSinkDisconnected(info: CloseInfo | null, error: ConnectError | null): void {
    const sink = this.#sink;
    if (!sink) return;
    try {
      sink.disconnected(info, error);
    } catch (err) {
      this.reportHandlerError(err, "multiplayer-sink");
    }
  }

  /** Calls every listener; one that throws is reported on handler_error and the rest still run. */
  private emitSafe<K extends WebSocketClientSignal>(signal: K, ...args: WebSocketClientEvents[K]): void {
    this.emitCatching(signal, args, (err) => this.reportHandlerError(err, signal));
  }

  private reportHandlerError(err: unknown, signal: string): void {
    if (signal !== "handler_error" && this.listenerCount("handler_error") > 0) {
      this.emitSafe("handler_error", err, signal);
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
