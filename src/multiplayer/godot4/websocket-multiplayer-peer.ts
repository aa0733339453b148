/**
 * The client side of Godot 4's WebSocketMultiplayerPeer (modules/websocket/websocket_multiplayer_peer.cpp,
 * _poll_client): over our own WebSocketClient (src/websocket) in multiplayer mode. The server's
 * first message is the 4-byte id greeting; after it every message is one packet from peer 1, with
 * no framing of its own. Packets go out as binary frames.
 *
 * Also built around a connection that is already open (adoptClient): a Bot that learns the
 * server's engine from its first message hands that connection and message over.
 */
import { performance } from "node:perf_hooks";
import { sharedSettings } from "../../core/index.js";
import {
  type BufferSizes,
  type CloseInfo,
  type ConnectError,
  ConnectionStatus,
  GodotError,
  type LinkConditions,
  type MultiplayerSink,
  type Traffic,
  WebSocketArgumentError,
  WebSocketClient,
  type WebSocketClientOptions,
  WebSocketError,
} from "../../websocket/index.js";
import { MultiplayerPeer4Error, type Peer4DropReason } from "./errors.js";
import { MultiplayerPeer4Base } from "./multiplayer-peer-base.js";
import type { TLSOptions } from "./tls-options.js";

/** WebSocketPeer.DEFAULT_BUFFER_SIZE and the 4.6.3 defaults (printed by the engine at runtime). */
export const GODOT4_BUFFER_SIZE = 65_535;
export const GODOT4_MAX_QUEUED_PACKETS = 4096;
/** WebSocketMultiplayerPeer.handshake_timeout's default, in seconds. */
export const GODOT4_HANDSHAKE_TIMEOUT = 3.0;

export interface WebSocketMultiplayerPeer4Options {
  /** WebSocketMultiplayerPeer.supported_protocols: the subprotocols asked for (default none). */
  readonly supportedProtocols?: readonly string[];
  /** handshake_headers: extra "Name: value" lines in the upgrade request. */
  readonly handshakeHeaders?: readonly string[];
  /** inbound_buffer_size: the largest message taken from the server (larger: close 1009). Default 65535. */
  readonly inboundBufferSize?: number;
  /** outbound_buffer_size: bytes queued for sending at most. Default 65535. */
  readonly outboundBufferSize?: number;
  /** max_queued_packets, each way. Default 4096. */
  readonly maxQueuedPackets?: number;
  /** handshake_timeout in seconds, from createClient to the id greeting. Default 3.0. */
  readonly handshakeTimeout?: number;
  /** WebSocketPeer.heartbeat_interval in seconds (0: no pings, Godot's default). */
  readonly heartbeatInterval?: number;
  /**
   * The server's inbound_buffer_size: a larger packet is refused at putPacket() (the server would
   * close the connection with 1009). Default 65535, a 4.6.3 server's.
   */
  readonly serverInboundBufferSize?: number;
  /** Deliver events as they arrive instead of from poll() (default false: Godot's model). */
  readonly autoPoll?: boolean;
  /** After our close frame, how long to wait for the server's (ms, default 30 000). */
  readonly closeTimeoutMs?: number;
  /** Beyond Godot: network conditions on the connection (latency, jitter, bandwidth per direction). */
  readonly network?: LinkConditions | null;
}

/** How a connection ended: its close, or why it never came up (a ConnectError, a MultiplayerPeer4Error). */
export interface LastClose4 {
  readonly info: CloseInfo | null;
  readonly error: Error | null;
}

/** performance.now() at createClient/adoptClient, at the WebSocket open, at the id greeting (0: not yet). */
export interface Timings4 {
  readonly startedAt: number;
  readonly openedAt: number;
  readonly greetedAt: number;
}

/** When the connection was started and opened: adoptClient's caller's own record, or the peer's. */
interface OpeningTimes4 {
  startedAt: number;
  openedAt: number;
}

// WebSocketMultiplayerPeer4's flags: one number, not a field each.
/** The low bits: the ConnectionStatus. */
const STATUS = 3;
/** Our close is sent: Godot ignores what still comes in. */
const CLOSING = 4;
/** Poll mode: the deadline passed; the next poll() gives up unless the greeting is queued. */
const EXPIRED = 8;

const NOT_OPENED: Readonly<OpeningTimes4> = Object.freeze({ startedAt: 0, openedAt: 0 });
const NO_DROPS: ReadonlyMap<Peer4DropReason, number> = new Map();
const NO_TRAFFIC: Readonly<Traffic> = Object.freeze({ msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 });
const NO_STRINGS: readonly string[] = Object.freeze([]);
/** The default sizes as our client's (KiB, packets): one object for every peer that keeps them. */
const DEFAULT_BUFFERS: BufferSizes = Object.freeze(
  bufferSizes(GODOT4_BUFFER_SIZE, GODOT4_BUFFER_SIZE, GODOT4_MAX_QUEUED_PACKETS),
);

function bufferSizes(inbound: number, outbound: number, packets: number): BufferSizes {
  // Godot 4 counts bytes, our client KiB rounded up to a power of two: 65535 B → 64 KiB gives
  // exactly Godot's output check (queued + size > 65535); the inbound size is checked here exactly.
  return {
    inputBufferSizeKb: Math.ceil(inbound / 1024),
    inputMaxPackets: packets,
    outputBufferSizeKb: Math.ceil(outbound / 1024),
    outputMaxPackets: packets,
  };
}

function checkSize(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 30) {
    throw new WebSocketArgumentError(`${name} must be an integer from 1 to 2^30, got ${value}`, name);
  }
  return value;
}

function checkSeconds(value: number, name: string, zeroOk: boolean): number {
  if (!Number.isFinite(value) || value < 0 || (!zeroOk && value === 0) || value > 2 ** 21) {
    throw new WebSocketArgumentError(
      `${name} must be a ${zeroOk ? "non-negative" : "positive"} number of seconds`,
      name,
    );
  }
  return value;
}

/** What a peer is set to (its options, checked): a frozen object, shared while it is the defaults. */
interface Settings4 {
  readonly supportedProtocols: readonly string[];
  readonly handshakeHeaders: readonly string[];
  readonly inbound: number;
  readonly outbound: number;
  readonly maxQueued: number;
  /** Seconds. */
  readonly handshakeTimeout: number;
  /** Seconds. */
  readonly heartbeatInterval: number;
  readonly serverInbound: number;
  readonly autoPoll: boolean;
  readonly closeTimeoutMs: number | undefined;
  readonly network: LinkConditions | null;
}

function defaultSettings(autoPoll: boolean): Settings4 {
  return Object.freeze({
    supportedProtocols: NO_STRINGS,
    handshakeHeaders: NO_STRINGS,
    inbound: GODOT4_BUFFER_SIZE,
    outbound: GODOT4_BUFFER_SIZE,
    maxQueued: GODOT4_MAX_QUEUED_PACKETS,
    handshakeTimeout: GODOT4_HANDSHAKE_TIMEOUT,
    heartbeatInterval: 0,
    serverInbound: GODOT4_BUFFER_SIZE,
    autoPoll,
    closeTimeoutMs: undefined,
    network: null,
  });
}

/** The defaults, polled and event style: what a swarm's peers are nearly always set to. */
const DEFAULTS_POLLED = defaultSettings(false);
const DEFAULTS_AUTO = defaultSettings(true);

/** `s` itself, or the shared object of the same defaults. */
const shared = (s: Settings4): Settings4 => sharedSettings(s, s.autoPoll ? DEFAULTS_AUTO : DEFAULTS_POLLED);

/** The handshake deadline: a module-level function, the peer as its argument (no closure per peer). */
function handshakeTimedOut(peer: WebSocketMultiplayerPeer4): void {
  peer._handshakeTimedOut();
}

export class WebSocketMultiplayerPeer4 extends MultiplayerPeer4Base {
  #uniqueId = 0;
  #client: WebSocketClient | null = null;
  #timer: NodeJS.Timeout | null = null;
  /** The status (STATUS bits; DISCONNECTED at first), CLOSING, EXPIRED. */
  #flags: number = ConnectionStatus.DISCONNECTED;
  #traffic: Readonly<Traffic> = NO_TRAFFIC;
  #drops: Map<Peer4DropReason, number> | null = null;
  /** The settings, never changed in place (a setter replaces them): peers made with the defaults share one. */
  #s: Settings4;
  /** The subprotocol the server chose ("" if none). */
  selectedProtocol = "";
  /**
   * The opening's times: adoptClient's caller's own record when it gives both (kept, not copied:
   * a swarm's bots hold one record each, not two), else the peer's.
   */
  #opened: OpeningTimes4 = NOT_OPENED;
  #greetedAt = 0;
  lastClose: LastClose4 | null = null;

  constructor(options: WebSocketMultiplayerPeer4Options = {}) {
    super();
    const settings: Settings4 = {
      supportedProtocols: options.supportedProtocols ?? NO_STRINGS,
      handshakeHeaders: options.handshakeHeaders ?? NO_STRINGS,
      inbound: checkSize(options.inboundBufferSize ?? GODOT4_BUFFER_SIZE, "inboundBufferSize"),
      outbound: checkSize(options.outboundBufferSize ?? GODOT4_BUFFER_SIZE, "outboundBufferSize"),
      maxQueued: checkSize(options.maxQueuedPackets ?? GODOT4_MAX_QUEUED_PACKETS, "maxQueuedPackets"),
      handshakeTimeout: checkSeconds(
        options.handshakeTimeout ?? GODOT4_HANDSHAKE_TIMEOUT,
        "handshakeTimeout",
        false,
      ),
      heartbeatInterval: checkSeconds(options.heartbeatInterval ?? 0, "heartbeatInterval", true),
      serverInbound: checkSize(
        options.serverInboundBufferSize ?? GODOT4_BUFFER_SIZE,
        "serverInboundBufferSize",
      ),
      autoPoll: options.autoPoll ?? false,
      closeTimeoutMs: options.closeTimeoutMs,
      network: options.network ?? null,
    };
    this.#s = shared(settings);
  }

  /**
   * The WebSocketClient options these settings give (limits, heartbeat, timeouts, TLS): what
   * createClient uses, and what a Bot should build its own client with before adoptClient().
   */
  clientOptions(tlsOptions: TLSOptions | null = null): WebSocketClientOptions {
    const defaults =
      this.#s.inbound === GODOT4_BUFFER_SIZE &&
      this.#s.outbound === GODOT4_BUFFER_SIZE &&
      this.#s.maxQueued === GODOT4_MAX_QUEUED_PACKETS;
    const heartbeatMs = Math.round(this.#s.heartbeatInterval * 1000);
    return {
      autoPoll: this.#s.autoPoll,
      buffers: defaults ? DEFAULT_BUFFERS : bufferSizes(this.#s.inbound, this.#s.outbound, this.#s.maxQueued),
      // Our deadline (handshake_timeout) is the one that counts; the client's is a backstop.
      connectTimeoutMs: Math.round(this.#s.handshakeTimeout * 1000) + 1000,
      ...(heartbeatMs > 0 ? { heartbeatIntervalMs: heartbeatMs } : {}),
      ...(this.#s.closeTimeoutMs !== undefined ? { closeTimeoutMs: this.#s.closeTimeoutMs } : {}),
      ...(tlsOptions ? tlsOptions.clientOptions() : {}),
      ...(this.#s.network ? { network: this.#s.network } : {}),
    };
  }

  // ---- WebSocketMultiplayerPeer ----

  /**
   * create_client(url, tls_client_options): OK, ERR_ALREADY_IN_USE (not disconnected),
   * ERR_INVALID_PARAMETER (server TLS options, a bad URL, protocol, header or certificate: see
   * lastError). The outcome comes through the handlers (peer_connected(1) once the id arrives).
   */
  createClient(url: string, tlsOptions: TLSOptions | null = null): GodotError {
    if (this.status !== ConnectionStatus.DISCONNECTED) {
      return this.fail(
        new WebSocketError("create_client: already connecting or connected", GodotError.ERR_ALREADY_IN_USE),
      );
    }
    if (tlsOptions?.isServer()) {
      return this.fail(
        new WebSocketArgumentError(
          "create_client takes client TLS options (TLSOptions.client())",
          "tlsOptions",
        ),
      );
    }
    this.clear();
    let client: WebSocketClient;
    try {
      client = new WebSocketClient(this.clientOptions(tlsOptions));
    } catch (err) {
      if (err instanceof WebSocketError) return this.fail(err);
      throw err;
    }
    const sink = new WebSocketMultiplayerPeer4.#Sink(this);
    client.setMultiplayerSink(sink);
    const err = client.connectToUrl(url, this.#s.supportedProtocols, true, this.#s.handshakeHeaders);
    if (err !== GodotError.OK) {
      client.setMultiplayerSink(null);
      this.lastError = client.lastError;
      return err;
    }
    this.begin(client, { startedAt: performance.now(), openedAt: 0 });
    return GodotError.OK;
  }

  /**
   * Takes over a WebSocketClient that is already open in multiplayer mode (connected with
   * gdMpApi = true and a sink of the caller's), and the first message it received (or null when
   * none came yet). From this call on, the client's messages come here: call it from inside the
   * caller's sink.packet() for the first message, so no later message reaches the old sink.
   * Subscribe first: a valid greeting emits peer_connected(1) during the call.
   * OK, ERR_ALREADY_IN_USE (this peer is not disconnected), ERR_INVALID_PARAMETER (client not open).
   */
  adoptClient(
    client: WebSocketClient,
    firstMessage: Uint8Array | null,
    timings: Partial<OpeningTimes4> = {},
  ): GodotError {
    if (this.status !== ConnectionStatus.DISCONNECTED) {
      return this.fail(
        new WebSocketError("adoptClient: already connecting or connected", GodotError.ERR_ALREADY_IN_USE),
      );
    }
    if (client.getConnectionStatus() !== ConnectionStatus.CONNECTED) {
      return this.fail(new WebSocketArgumentError("adoptClient takes an open WebSocketClient", "client"));
    }
    this.clear();
    client.setMultiplayerSink(new WebSocketMultiplayerPeer4.#Sink(this));
    const now = performance.now();
    const both = timings.startedAt !== undefined && timings.openedAt !== undefined;
    this.begin(
      client,
      both ? (timings as OpeningTimes4) : { startedAt: timings.startedAt ?? now, openedAt: 0 },
    );
    if (!both) this.#opened.openedAt = timings.openedAt ?? now;
    if (firstMessage !== null) this.onMessage(firstMessage);
    return GodotError.OK;
  }

  private begin(client: WebSocketClient, opened: OpeningTimes4): void {
    this.#client = client;
    this.#traffic = client.traffic;
    this.#opened = opened;
    this.#greetedAt = 0;
    const startedAt = opened.startedAt;
    this.lastClose = null;
    const left = Math.max(0, this.#s.handshakeTimeout * 1000 - (performance.now() - startedAt));
    this.#timer = setTimeout(handshakeTimedOut, left, this);
    this.#timer.unref();
    this.setStatus(ConnectionStatus.CONNECTING);
  }

  private get status(): ConnectionStatus {
    return (this.#flags & STATUS) as ConnectionStatus;
  }

  private set status(status: ConnectionStatus) {
    this.#flags = (this.#flags & ~STATUS) | status;
  }

  /** When the last connection was started, opened and greeted: a record made now (0: not yet). */
  get timings(): Timings4 {
    const o = this.#opened;
    return { startedAt: o.startedAt, openedAt: o.openedAt, greetedAt: this.#greetedAt };
  }

  /** The client of the current connection (null when disconnected). */
  get client(): WebSocketClient | null {
    return this.#client;
  }

  get supportedProtocols(): readonly string[] {
    return this.#s.supportedProtocols;
  }
  set supportedProtocols(value: readonly string[]) {
    this.#s = { ...this.#s, supportedProtocols: Object.freeze([...value]) };
  }
  get handshakeHeaders(): readonly string[] {
    return this.#s.handshakeHeaders;
  }
  set handshakeHeaders(value: readonly string[]) {
    this.#s = { ...this.#s, handshakeHeaders: Object.freeze([...value]) };
  }
  get inboundBufferSize(): number {
    return this.#s.inbound;
  }
  set inboundBufferSize(value: number) {
    this.#s = { ...this.#s, inbound: checkSize(value, "inboundBufferSize") };
  }
  get outboundBufferSize(): number {
    return this.#s.outbound;
  }
  set outboundBufferSize(value: number) {
    this.#s = { ...this.#s, outbound: checkSize(value, "outboundBufferSize") };
  }
  get maxQueuedPackets(): number {
    return this.#s.maxQueued;
  }
  set maxQueuedPackets(value: number) {
    this.#s = { ...this.#s, maxQueued: checkSize(value, "maxQueuedPackets") };
  }
  /** Seconds. */
  get handshakeTimeout(): number {
    return this.#s.handshakeTimeout;
  }
  set handshakeTimeout(value: number) {
    this.#s = { ...this.#s, handshakeTimeout: checkSeconds(value, "handshakeTimeout", false) };
  }
  /** Seconds (WebSocketPeer.heartbeat_interval); takes effect at the next createClient. */
  get heartbeatInterval(): number {
    return this.#s.heartbeatInterval;
  }
  set heartbeatInterval(value: number) {
    this.#s = { ...this.#s, heartbeatInterval: checkSeconds(value, "heartbeatInterval", true) };
  }
  get serverInboundBufferSize(): number {
    return this.#s.serverInbound;
  }
  set serverInboundBufferSize(value: number) {
    this.#s = { ...this.#s, serverInbound: checkSize(value, "serverInboundBufferSize") };
  }

  /** PacketPeer.get_max_packet_size: what putPacket() takes at most. */
  getMaxPacketSize(): number {
    return Math.min(this.#s.outbound, this.#s.serverInbound);
  }

  /** Every message and byte of the last connection, both ways, at the socket (the greeting included). */
  get traffic(): Readonly<Traffic> {
    return this.#traffic;
  }

  /** Messages refused on receipt, by reason. */
  get drops(): ReadonlyMap<Peer4DropReason, number> {
    return this.#drops ?? NO_DROPS;
  }

  // ---- MultiplayerPeer ----

  poll(): void {
    this.#client?.poll();
    // Godot checks the deadline after taking what arrived: a greeting waiting in the queue wins.
    if ((this.#flags & EXPIRED) !== 0) this.giveUp();
  }

  /**
   * put_packet: one binary message to the server. ERR_UNCONFIGURED when not connected;
   * ERR_OUT_OF_MEMORY for a packet the server would refuse (packet-too-large), one over
   * outbound_buffer_size, or a full output queue (bytes or max_queued_packets); details in lastError.
   */
  putPacket(payload: Uint8Array): GodotError {
    const client = this.#client;
    if (this.status !== ConnectionStatus.CONNECTED || client === null || (this.#flags & CLOSING) !== 0) {
      return this.fail(new WebSocketError("put_packet: not connected", GodotError.ERR_UNCONFIGURED));
    }
    if (payload.length > this.#s.serverInbound) {
      return this.fail(
        new MultiplayerPeer4Error(
          "packet-too-large",
          `packet of ${payload.length} bytes exceeds the server's inbound_buffer_size ${this.#s.serverInbound}: ` +
            "a Godot 4 server closes the connection with 1009; raise serverInboundBufferSize only if the " +
            "server's inbound_buffer_size is raised too",
        ),
      );
    }
    if (payload.length > this.#s.outbound) {
      return this.fail(
        new MultiplayerPeer4Error(
          "output-bytes",
          `packet of ${payload.length} bytes exceeds outbound_buffer_size ${this.#s.outbound}`,
        ),
      );
    }
    const peer = client.getPeer(1)!;
    const err = peer.putPacket(payload);
    if (err !== GodotError.OK) this.lastError = peer.lastError;
    return err;
  }

  getUniqueId(): number {
    return this.#uniqueId;
  }

  isServer(): false {
    return false;
  }

  getConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  /**
   * disconnect_peer(1, force): closes the connection (code 1000); peer_disconnected(1) follows
   * when it is closed. With force, or before the WebSocket is open, everything is dropped at once
   * with no peer_disconnected, as Godot's _clear().
   */
  disconnectPeer(id: number, force = false): void {
    const client = this.#client;
    if (id !== 1 || client === null) {
      this.fail(new WebSocketArgumentError(`disconnect_peer: a client knows only peer 1 (got ${id})`, "id"));
      return;
    }
    if (force || this.#opened.openedAt === 0) {
      this.close();
      return;
    }
    this.#flags |= CLOSING;
    this.clearPackets();
    client.disconnectFromHost(1000);
  }

  /** close(): drops the connection and everything queued, with no peer_disconnected (Godot's _clear()). */
  close(): void {
    const client = this.#client;
    if (client !== null) {
      client.setMultiplayerSink(null);
      client.disconnectFromHost(1000);
    }
    const was = this.status;
    this.clear();
    if (was !== ConnectionStatus.DISCONNECTED) this.statusChanged(ConnectionStatus.DISCONNECTED);
  }

  // ---- _poll_client ----

  /** The client's multiplayer frames, delivered here: one small object per connection, no closures. */
  static readonly #Sink = class implements MultiplayerSink {
    constructor(readonly peer: WebSocketMultiplayerPeer4) {}
    /** Is this the current connection's sink? (A stale connection's is not: the peer has cleared it or moved on.) */
    get current(): boolean {
      return this.peer.#client?.getMultiplayerSink() === this;
    }
    connected(protocol: string): void {
      if (!this.current) return;
      this.peer.#opened.openedAt = performance.now();
      this.peer.selectedProtocol = protocol;
    }
    packet(data: Uint8Array): void {
      if (this.current) this.peer.onMessage(data);
    }
    disconnected(info: CloseInfo | null, error: ConnectError | null): void {
      if (this.current) this.peer.onDisconnected(info, error);
    }
  };

  private onMessage(data: Uint8Array): void {
    if ((this.#flags & CLOSING) !== 0) return; // Godot's wslay callback ignores messages once the close is sent
    if (data.length > this.#s.inbound) {
      // Our client closes above its power-of-two size with 1009 by itself; this is the exact size.
      this.drop("message-too-big");
      this.lastError = new MultiplayerPeer4Error(
        "message-too-big",
        `message of ${data.length} bytes exceeds inbound_buffer_size ${this.#s.inbound}`,
      );
      this.#flags |= CLOSING;
      this.#client?.disconnectFromHost(1009);
      return;
    }
    if (this.status === ConnectionStatus.CONNECTING) {
      this.onGreeting(data);
      return;
    }
    if (data.length === 0) {
      this.drop("empty-packet"); // Godot: ERR_FAIL_COND(size <= 0)
      return;
    }
    this.storePacket(1, data);
  }

  private onGreeting(data: Uint8Array): void {
    if (data.length !== 4) {
      this.badGreeting(
        "greeting-size",
        `Invalid ID received from server: a ${data.length}-byte first message, not 4`,
      );
      return;
    }
    const id = new DataView(data.buffer, data.byteOffset, 4).getInt32(0, true);
    if (id < 2) {
      this.badGreeting(
        "greeting-id",
        `Invalid ID received from server: id ${id} (ids of clients are 2 or more)`,
      );
      return;
    }
    this.#uniqueId = id;
    this.clearTimer();
    this.#greetedAt = performance.now();
    this.status = ConnectionStatus.CONNECTED;
    this.peerConnected(1);
    this.statusChanged(ConnectionStatus.CONNECTED);
  }

  /** Godot closes (status stays CONNECTING until the close completes or handshake_timeout passes). */
  private badGreeting(reason: "greeting-size" | "greeting-id", message: string): void {
    this.drop(reason);
    this.lastError = new MultiplayerPeer4Error(reason, message);
    this.lastClose = { info: null, error: this.lastError };
    this.#flags |= CLOSING;
    this.#client?.disconnectFromHost(1000);
  }

  private onDisconnected(info: CloseInfo | null, error: ConnectError | null): void {
    const wasConnected = this.status === ConnectionStatus.CONNECTED;
    // A bad greeting's error says more than the close that followed it.
    const greetingError =
      this.lastClose?.error instanceof MultiplayerPeer4Error ? this.lastClose.error : null;
    this.lastClose = { info, error: greetingError ?? error };
    if (error && !greetingError) this.lastError = error;
    if (wasConnected) this.peerDisconnected(1);
    this.clear();
    this.statusChanged(ConnectionStatus.DISCONNECTED);
  }

  /** @internal The handshake deadline passed. */
  _handshakeTimedOut(): void {
    this.#timer = null;
    if (this.status !== ConnectionStatus.CONNECTING) return;
    if (this.#s.autoPoll) this.giveUp();
    else this.#flags |= EXPIRED;
  }

  /** handshake_timeout: Godot _clear()s (no close frame, no signal). */
  private giveUp(): void {
    this.#flags &= ~EXPIRED;
    if (this.status !== ConnectionStatus.CONNECTING) return;
    const error =
      this.lastClose?.error instanceof MultiplayerPeer4Error
        ? this.lastClose.error
        : new MultiplayerPeer4Error(
            "handshake-timeout",
            `WebSocket handshake timed out after ${this.#s.handshakeTimeout.toFixed(3)} seconds.`,
          );
    const client = this.#client;
    if (client !== null) {
      client.setMultiplayerSink(null);
      // Open: drop the TCP connection (Godot's _clear frees the peer); still connecting: abandon it.
      if (client.getConnectionStatus() === ConnectionStatus.CONNECTED) client.dropConnection();
      else client.disconnectFromHost(1000);
    }
    this.lastError = error;
    this.clear();
    this.lastClose = { info: null, error };
    this.statusChanged(ConnectionStatus.DISCONNECTED);
  }

  private setStatus(status: ConnectionStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.statusChanged(status);
  }

  private clear(): void {
    this.clearTimer();
    this.#flags = ConnectionStatus.DISCONNECTED; // and neither CLOSING nor EXPIRED
    this.#uniqueId = 0;
    this.#client = null;
    this.clearPackets();
  }

  private clearTimer(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
  }

  private drop(reason: Peer4DropReason): void {
    this.#drops ??= new Map();
    this.#drops.set(reason, (this.#drops.get(reason) ?? 0) + 1);
  }

  private fail(err: Error & { godotError: GodotError }): GodotError {
    this.lastError = err;
    return err.godotError;
  }
}
