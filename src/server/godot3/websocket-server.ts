/**
 * WebSocketServer: Godot 3's server (WSLServer + WebSocketServer + the server side of
 * WebSocketMultiplayerPeer) over `ws`. With gd_mp_api it is the NetworkedMultiplayerPeer of a
 * Node process that plays peer 1: it assigns ids, greets with SYS_ID and SYS_ADD in the
 * engine's order, relays by relayDecision(), and hands payloads for peer 1 to a MultiplayerAPI.
 *
 * Poll model as the client's: by default nothing reaches user code except inside poll();
 * with `autoPoll` everything is delivered as it arrives. What the multiplayer layer sends a
 * client in one event-loop turn leaves in one write, within Godot's output limits (output.ts).
 */
import { randomInt } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo, Socket } from "node:net";
import { type WebSocket, WebSocketServer as WsServer } from "ws";
import { ConnectionStatus, GodotError, readI32 } from "../../core/index.js";
import {
  type FrameError,
  MultiplayerPeerBase,
  type NetworkedMultiplayerPeerEvents,
  PROTO_SIZE,
  SysType,
} from "../../multiplayer/index.js";
import {
  type BufferLimits,
  type BufferSizes,
  bufferLimits,
  WebSocketError,
  WebSocketPeer,
  WriteMode,
} from "../../websocket/index.js";
import { OutputBatch, type OutputRefusalReason, PeerOutput } from "../output.js";
import { wireFrame } from "../ws-frame.js";
import { putSys, SYS_WIRE_SIZE, wireMessage, wireSys } from "./wire.js";

/**
 * Godot 3's defaults for a WebSocketServer (network/limits/websocket_server/*): 64 KiB and 1024
 * packets each way, per client. The output limits count only what a client has not read (see
 * output.ts), so they never cut a greeting short, whatever the size of the game.
 */
export const GODOT3_SERVER_BUFFERS: BufferSizes = {
  inputBufferSizeKb: 64,
  inputMaxPackets: 1024,
  outputBufferSizeKb: 64,
  outputMaxPackets: 1024,
};

export interface WebSocketServerOptions {
  /** Deliver events as they arrive instead of from poll() (default false: Godot's model). */
  readonly autoPoll?: boolean;
  /** Godot's bind_ip: "*" (default) for every interface, or one address. */
  readonly bindIp?: string;
  /** Godot's private_key and ssl_certificate (PEM): with both, the server speaks wss. */
  readonly privateKey?: string | Buffer | null;
  readonly sslCertificate?: string | Buffer | null;
  /** Godot's ca_chain (PEM), sent after the certificate. */
  readonly caChain?: string | Buffer | null;
  /** set_buffers() values (default Godot 3's). */
  readonly buffers?: BufferSizes;
  /** Beyond Godot: close the connection of a client that sends what Godot would refuse (default false). */
  readonly kickOnBadInput?: boolean;
  /**
   * Godot's handshake_timeout (3.5+), in seconds: a connection that has not completed the
   * WebSocket handshake by then is closed (default 3, Godot's).
   */
  readonly handshakeTimeout?: number;
}

/**
 * listen() could not listen: the port is taken (or not ours to bind), or the server already
 * listens. `godotError` is Godot's answer: ERR_ALREADY_IN_USE in both cases, as TCP_Server's.
 */
export class ListenError extends WebSocketError {
  override readonly name = "ListenError";
  /** The system's code (EADDRINUSE, EACCES …), when the system refused. */
  readonly code: string | undefined;
  constructor(
    message: string,
    readonly port: number,
    cause?: NodeJS.ErrnoException,
  ) {
    super(message, GodotError.ERR_ALREADY_IN_USE, cause ? { cause } : undefined);
    this.code = cause?.code;
  }
}

/** Godot 3.5+'s WebSocketServer.handshake_timeout default, in seconds. */
export const GODOT3_HANDSHAKE_TIMEOUT = 3;

/** Why a client frame was refused (Godot's ERR_FAIL cases, and the ring limits). */
export type ServerDropReason = FrameError["reason"] | "unknown-target" | "input-bytes" | "input-packets";

export interface BadInput {
  readonly peer: number;
  readonly reason: ServerDropReason;
  readonly detail: string;
}

/** A frame for a client that Godot's put_packet would refuse (ERR_OUT_OF_MEMORY): it was not sent. */
export interface RefusedOutput {
  readonly peer: number;
  readonly reason: OutputRefusalReason;
  /** Frames refused at once (a greeting is one report). */
  readonly frames: number;
  readonly detail: string;
}

export interface WebSocketServerEvents extends NetworkedMultiplayerPeerEvents {
  /** Not multiplayer: a client completed the handshake, with the subprotocol chosen ("" if none). */
  client_connected: [id: number, protocol: string];
  /** Not multiplayer: a client is gone; was the close handshake completed? */
  client_disconnected: [id: number, wasCleanClose: boolean];
  /** A client started the close handshake. */
  client_close_request: [id: number, code: number, reason: string];
  /** Not multiplayer: a message from `id` is waiting in getPeer(id). */
  data_received: [id: number];
  /** Beyond Godot: a client sent what Godot would refuse; dropped (and the client kicked if so configured). */
  bad_input: [report: BadInput];
  /**
   * Beyond Godot (which prints an ERROR): frames for a client that does not read what it is sent
   * were refused by the output limits (set_buffers), and not sent.
   */
  output_refused: [report: RefusedOutput];
  /**
   * A listener of one of the server's signals threw (`signal` names it): contained, as Godot
   * prints SCRIPT ERROR and goes on; the other listeners still run. A throwing listener of this
   * signal itself becomes a process warning.
   */
  script_error: [error: unknown, signal: string];
}

class Client {
  /** Has peer_connected (or client_connected) been emitted for it? */
  announced = false;
  /** Did we start the close (disconnectPeer, stop)? */
  closingByServer = false;
  readonly peer = new WebSocketPeer();
  readonly protocol: string;
  /** What the multiplayer layer writes to it, batched per turn. */
  readonly out: PeerOutput;
  /** Its "message" event, queued as often as it has messages (it carries nothing else). */
  readonly message: Pending = { kind: "message", client: this };
  /** Messages delivered to it this turn (autoPoll), and its events waiting for a later turn. */
  turnMessages = 0;
  deferred = 0;
  /** Is its socket paused until its deferred events are served? */
  paused = false;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Socket,
  ) {
    this.protocol = ws.protocol;
    this.out = new PeerOutput(socket);
  }
}

/**
 * Fair service with autoPoll: at most this many messages of one client are run per event-loop
 * turn; the rest wait, in order, for the next turns (in its input ring, which bounds them as
 * Godot's bounds what one poll takes). One client's burst then costs its own latency, not everyone's.
 */
const TURN_BUDGET = 32;
/** A client with this many events waiting is not read from until they are served (TCP back-pressure). */
const PAUSE_AT = 256;

type Pending =
  | { readonly kind: "connect"; readonly client: Client }
  | { readonly kind: "message"; readonly client: Client }
  | { readonly kind: "close"; readonly client: Client; readonly wasClean: boolean }
  | {
      readonly kind: "close_request";
      readonly client: Client;
      readonly code: number;
      readonly reason: string;
    };

export class WebSocketServer extends MultiplayerPeerBase<WebSocketServerEvents> {
  #autoPoll: boolean;
  #bindIp: string;
  #tls: { key: string | Buffer; cert: string | Buffer; ca?: string | Buffer } | null;
  #buffers: BufferSizes;
  #limits: BufferLimits;
  #kickOnBadInput: boolean;
  #handshakeTimeoutMs: number;
  /** Connections not yet upgraded, by remote address and port (a TLS socket's are its TCP socket's), with their deadline. */
  readonly #pending = new Map<string, { readonly socket: Socket; readonly timer: NodeJS.Timeout }>();
  #http: HttpServer | null = null;
  #wss: WsServer | null = null;
  #multiplayer = false;
  #protocols: string[] = [];
  readonly #clients = new Map<number, Client>();
  /** The announced clients, ascending by id: Godot's Map<int, …> of peers. */
  readonly #announced: Client[] = [];
  readonly #batch = new OutputBatch();
  readonly #queue: Pending[] = [];
  #polling = false;
  /** autoPoll: events over their client's budget, for the next turn; clients with messages this turn; paused ones. */
  #later: Pending[] = [];
  readonly #touched: Client[] = [];
  readonly #paused: Client[] = [];
  #turnScheduled = false;
  readonly #nextTurn = (): void => this.#turn();
  /** Bad input by reason. */
  readonly badInput = new Map<ServerDropReason, number>();
  /** Frames refused by the output limits, by reason. */
  readonly refusedOutput = new Map<OutputRefusalReason, number>();
  /** Listeners of the server's signals that threw (each reported as script_error). */
  scriptErrors = 0;
  /** Messages and bytes read from all clients, and written by the multiplayer layer (greetings, relays, its own). */
  readonly traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  lastError: Error | null = null;

  constructor(options: WebSocketServerOptions = {}) {
    super();
    this.#autoPoll = options.autoPoll ?? false;
    this.#bindIp = options.bindIp ?? "*";
    const key = options.privateKey ?? null;
    const cert = options.sslCertificate ?? null;
    this.#tls = key && cert ? { key, cert, ...(options.caChain ? { ca: options.caChain } : {}) } : null;
    this.#buffers = options.buffers ?? GODOT3_SERVER_BUFFERS;
    this.#limits = bufferLimits(this.#buffers);
    this.#kickOnBadInput = options.kickOnBadInput ?? false;
    const timeout = options.handshakeTimeout ?? GODOT3_HANDSHAKE_TIMEOUT;
    if (!(timeout > 0))
      throw new RangeError(`handshakeTimeout ${timeout} is not a positive number of seconds`);
    this.#handshakeTimeoutMs = timeout * 1000;
  }

  /**
   * Every signal of the server reaches all its listeners: one that throws is reported
   * (script_error), never thrown into the socket's event that caused it (which would end the process).
   */
  override emit<K extends keyof WebSocketServerEvents>(
    signal: K,
    ...args: WebSocketServerEvents[K]
  ): boolean {
    // The emission's site in static fields, for the one error callback: nothing allocated per emission.
    const server = WebSocketServer.#emittingServer;
    const outer = WebSocketServer.#emittingSignal;
    WebSocketServer.#emittingServer = this;
    WebSocketServer.#emittingSignal = signal;
    try {
      return this.emitCatching(signal, args, WebSocketServer.#onListenerError);
    } finally {
      WebSocketServer.#emittingServer = server;
      WebSocketServer.#emittingSignal = outer;
    }
  }

  static #emittingServer: WebSocketServer | null = null;
  static #emittingSignal: keyof WebSocketServerEvents = "script_error";
  static readonly #onListenerError = (err: unknown): void => {
    const server = WebSocketServer.#emittingServer;
    if (server) server.#listenerThrew(err, WebSocketServer.#emittingSignal);
  };

  #listenerThrew(err: unknown, signal: keyof WebSocketServerEvents): void {
    this.scriptErrors++;
    const warn = (e: unknown) =>
      process.emitWarning(
        `a ${signal} listener of the server threw: ${e instanceof Error && e.stack ? e.stack : String(e)}`,
        "GodotPeerScriptError",
      );
    if (signal === "script_error" || this.listenerCount("script_error") === 0) warn(err);
    else this.emit("script_error", err, signal);
  }

  /** Godot's handshake_timeout, in seconds. */
  get handshakeTimeout(): number {
    return this.#handshakeTimeoutMs / 1000;
  }

  /** Beyond Godot: does a client that sends what Godot would refuse get closed (1008)? */
  get kickOnBadInput(): boolean {
    return this.#kickOnBadInput;
  }

  /**
   * Each connection gets its own deadline to complete the handshake, as Godot's pending peers do
   * (Node's own timeouts hold such sockets 60 s and more, then sweep them all at once).
   */
  #startHandshakeTimer(socket: Socket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const expire = () => {
      if (this.#pending.get(key)?.socket !== socket) return; // upgraded meanwhile
      this.#pending.delete(key);
      socket.destroy();
    };
    // Checked after the I/O of the turn the deadline falls in: a request that arrived in time while
    // our own event loop was busy is upgraded first (timers run before I/O in a turn).
    const timer = setTimeout(() => setImmediate(expire), this.#handshakeTimeoutMs);
    this.#pending.set(key, { socket, timer });
    socket.once("close", () => this.#handshakeDone(socket));
  }

  #handshakeDone(socket: Socket): void {
    const key = `${socket.remoteAddress}:${socket.remotePort}`;
    const pending = this.#pending.get(key);
    if (pending === undefined) return;
    clearTimeout(pending.timer);
    this.#pending.delete(key);
  }

  /**
   * Godot's listen(port, protocols, gd_mp_api). Resolves with the bound port (port 0: one the OS
   * picks); rejects if the port cannot be listened on.
   */
  async listen(port: number, protocols: readonly string[] = [], gdMpApi = false): Promise<number> {
    if (this.#wss) throw new ListenError("already listening", port);
    if (!Number.isInteger(port) || port < 0 || port > 65535)
      throw new RangeError(`port ${port} is not 0..65535`);
    this.#multiplayer = gdMpApi;
    this.#protocols = protocols.map((p) => p.trim());
    const http = this.#tls ? createHttpsServer({ ...this.#tls }) : createHttpServer();
    http.on("connection", (socket: Socket) => this.#startHandshakeTimer(socket));
    // Anything but an upgrade is not Godot's business: Godot drops it without an answer.
    http.on("request", (req, res) => {
      res.socket?.destroy();
      req.socket.destroy();
    });
    const wss = new WsServer({
      noServer: true,
      maxPayload: this.#limits.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (offered) => this.#chooseProtocol(offered),
    });
    http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) => {
      if (this.refuseNewConnections) {
        socket.destroy(); // Godot closes a refused connection before any handshake
        return;
      }
      if (!this.#acceptsProtocols(req)) {
        socket.destroy(); // Godot drops the TCP connection without an HTTP answer
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.#handshakeDone(socket);
        this.#onOpen(ws, socket);
      });
    });
    await new Promise<void>((resolve, reject) => {
      http.once("error", (err: NodeJS.ErrnoException) =>
        reject(new ListenError(`cannot listen on port ${port}: ${err.code ?? err.message}`, port, err)),
      );
      const host = this.#bindIp === "*" ? undefined : this.#bindIp;
      http.listen(port, host, () => {
        http.removeAllListeners("error");
        resolve();
      });
    });
    http.on("error", (err) => {
      this.lastError = err;
    });
    this.#http = http;
    this.#wss = wss;
    return (http.address() as AddressInfo).port;
  }

  /** Godot's stop(): closes every connection at once and stops listening. */
  async stop(): Promise<void> {
    const http = this.#http;
    const wss = this.#wss;
    this.#http = null;
    this.#wss = null;
    for (const c of this.#clients.values()) {
      c.peer._detach();
      c.ws.terminate();
    }
    this.#clients.clear();
    for (const p of this.#pending.values()) {
      clearTimeout(p.timer);
      p.socket.destroy();
    }
    this.#pending.clear();
    this.#announced.length = 0;
    this.#queue.length = 0;
    this.#later = [];
    this.#touched.length = 0;
    this.#paused.length = 0;
    this.clearPackets();
    wss?.close();
    if (http) await new Promise<void>((resolve) => http.close(() => resolve()));
  }

  isListening(): boolean {
    return this.#http?.listening ?? false;
  }

  /** The first protocol in the client's list that we listen with (Godot's rule). */
  #chooseProtocol(offered: Set<string>): string | false {
    for (const p of offered) if (this.#protocols.includes(p)) return p;
    return false;
  }

  #acceptsProtocols(req: IncomingMessage): boolean {
    const header = req.headers["sec-websocket-protocol"];
    if (header === undefined) return this.#protocols.length === 0;
    const offered = header.split(",").map((p) => p.trim());
    return offered.some((p) => this.#protocols.includes(p));
  }

  #newId(): number {
    // 31-bit, never 0 or 1 (negative targets mean "all but"), unique among connected peers.
    for (;;) {
      const id = randomInt(2, 0x7fffffff);
      if (!this.#clients.has(id)) return id;
    }
  }

  #onOpen(ws: WebSocket, socket: Socket): void {
    const id = this.#newId();
    socket.setNoDelay(true); // Godot: ws_peer->set_no_delay(true)
    const client = new Client(id, ws, socket);
    const peer = client.peer;
    peer._attach({ ws, socket, limits: this.#limits, onUserClose: () => {} });
    this.#clients.set(id, client);
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      this.traffic.msgsIn++;
      this.traffic.bytesIn += data.length;
      const stored = peer._receive(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), !isBinary);
      if (stored === "ok") this.#push(client.message);
      else if (stored !== "ignored")
        this.#bad(client, stored, `${data.length} bytes did not fit the input buffer`);
    });
    ws.on("close", (code, reason) => {
      // A close we did not start, carrying a code: the client asked for it (Godot's client_close_request).
      if (!client.closingByServer && code !== 1005 && code !== 1006) {
        this.#push({
          kind: "close_request",
          client,
          code,
          reason: reason.toString("utf8").replace(/\0.*$/s, ""),
        });
      }
      this.#push({ kind: "close", client, wasClean: code !== 1006 });
    });
    ws.on("error", (err) => {
      this.lastError = err;
    });
    this.#push({ kind: "connect", client });
  }

  #push(event: Pending): void {
    this.#queue.push(event);
    if (this.#autoPoll) this.poll();
  }

  get autoPoll(): boolean {
    return this.#autoPoll;
  }

  set autoPoll(value: boolean) {
    this.#autoPoll = value;
    if (value) this.poll();
  }

  // ---- NetworkedMultiplayerPeer ----

  /** Delivers what has arrived: connections, messages, closes, in arrival order. */
  poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    try {
      const fair = this.#autoPoll;
      for (let e = this.#queue.shift(); e; e = this.#queue.shift()) {
        if (fair && this.#waits(e)) continue;
        this.#deliver(e);
      }
    } finally {
      this.#polling = false;
    }
  }

  /** autoPoll: does `e` wait for a later turn (its client's budget is spent, or older events of it wait)? */
  #waits(e: Pending): boolean {
    const c = e.client;
    if (c.deferred === 0) {
      if (e.kind !== "message") return false;
      if (c.turnMessages < TURN_BUDGET) {
        if (c.turnMessages++ === 0) this.#touched.push(c);
        this.#scheduleTurn();
        return false;
      }
    }
    this.#later.push(e);
    c.deferred++;
    if (c.deferred >= PAUSE_AT && !c.paused) {
      c.paused = true;
      c.ws.pause();
      this.#paused.push(c);
    }
    this.#scheduleTurn();
    return true;
  }

  #scheduleTurn(): void {
    if (this.#turnScheduled) return;
    this.#turnScheduled = true;
    setImmediate(this.#nextTurn);
  }

  /** The next turn: budgets renewed, waiting events served first (oldest first), paused clients read again once served. */
  #turn(): void {
    this.#turnScheduled = false;
    for (const c of this.#touched) c.turnMessages = 0;
    this.#touched.length = 0;
    const later = this.#later;
    if (later.length > 0 && !this.#polling) {
      this.#later = [];
      for (const e of later) e.client.deferred--;
      this.#polling = true;
      try {
        for (const e of later) if (!this.#waits(e)) this.#deliver(e);
      } finally {
        this.#polling = false;
      }
      this.poll();
    } else if (later.length > 0) {
      this.#scheduleTurn();
    }
    const paused = this.#paused;
    for (let i = paused.length - 1; i >= 0; i--) {
      const c = paused[i] as Client;
      if (c.deferred > 0) continue;
      c.paused = false;
      c.ws.resume();
      paused.splice(i, 1);
    }
  }

  #deliver(e: Pending): void {
    const c = e.client;
    switch (e.kind) {
      case "connect":
        if (this.#clients.get(c.id) !== c) return; // gone before it was announced
        c.announced = true;
        if (this.#multiplayer) this.#sendAdd(c);
        this.#announced.splice(this.#indexOf(c.id), 0, c);
        if (this.#multiplayer) {
          this.peerConnected(c.id);
        } else {
          this.emit("client_connected", c.id, c.protocol);
        }
        return;
      case "message": {
        if (!c.announced) return;
        if (this.#multiplayer) {
          const data = c.peer.getPacket();
          this.#processMultiplayer(c, data);
        } else {
          this.emit("data_received", c.id);
        }
        return;
      }
      case "close_request":
        if (c.announced) this.emit("client_close_request", c.id, e.code, e.reason);
        return;
      case "close":
        this.#clients.delete(c.id);
        c.peer._detach();
        if (!c.announced) return;
        this.#announced.splice(this.#indexOf(c.id), 1);
        if (this.#multiplayer) {
          this.#sendDel(c.id);
          this.peerDisconnected(c.id);
        } else {
          this.emit("client_disconnected", c.id, e.wasClean);
        }
        return;
    }
  }

  /**
   * Godot's _send_add: SYS_ID, SYS_ADD(1), then for each other peer (ascending) SYS_ADD of the
   * newcomer to it and SYS_ADD of it to the newcomer. The newcomer's frames go as one buffer.
   */
  #sendAdd(c: Client): void {
    const others = this.#announced;
    const greeting = Buffer.allocUnsafe((2 + others.length) * SYS_WIRE_SIZE);
    putSys(greeting, 0, SysType.ID, c.id);
    putSys(greeting, SYS_WIRE_SIZE, SysType.ADD, 1);
    for (let i = 0; i < others.length; i++) {
      putSys(greeting, (2 + i) * SYS_WIRE_SIZE, SysType.ADD, (others[i] as Client).id);
    }
    this.#write(c, greeting, 2 + others.length, SYS_SIZE, "greeting");
    const add = wireSys(SysType.ADD, c.id);
    for (let i = 0; i < others.length; i++) this.#write(others[i] as Client, add, 1, SYS_SIZE, "SYS_ADD");
  }

  #sendDel(id: number): void {
    const del = wireSys(SysType.DEL, id);
    for (let i = 0; i < this.#announced.length; i++) {
      this.#write(this.#announced[i] as Client, del, 1, SYS_SIZE, "SYS_DEL");
    }
  }

  /** Where client `id` is, or would be inserted, in #announced. */
  #indexOf(id: number): number {
    const list = this.#announced;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((list[mid] as Client).id < id) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Writes `count` frames of `size` message bytes each (`wire`: all of them, back to back) to a
   * client, in this turn's batch; returns how many were written. Frames the output limits refuse
   * are reported (output_refused), never dropped silently; a connection already closing gets
   * nothing (its client is about to leave).
   */
  #write(c: Client, wire: Buffer, count: number, size: number, what: string): number {
    if (c.ws.readyState !== c.ws.OPEN) return 0;
    const out = c.out;
    if (!out.corked) this.#batch.add(out);
    const n = out.accept(count, size, this.#limits);
    if (n > 0) {
      const bytes = n === count ? wire.length : (wire.length / count) * n;
      let data = n === count ? wire : wire.subarray(0, bytes);
      if (c.peer.writeMode === WriteMode.TEXT) data = asText(data, n);
      c.socket.write(data);
      out.wrote(n, bytes);
      this.traffic.msgsOut += n;
      this.traffic.bytesOut += n * size;
    }
    if (n < count) this.#refuse(c, count - n, what);
    return n;
  }

  #refuse(c: Client, frames: number, what: string): void {
    const limits = this.#limits;
    const r = c.out.refusal(limits);
    const detail =
      `${frames} ${what} frame(s) refused: ${r.frames} messages, ${r.bytes} bytes queued ` +
      `for a client that does not read (limits: ${limits.outputPackets} messages, ${limits.outputBytes} bytes)`;
    this.refusedOutput.set(r.reason, (this.refusedOutput.get(r.reason) ?? 0) + frames);
    this.lastError = Object.assign(new Error(detail), { godotError: GodotError.ERR_OUT_OF_MEMORY });
    this.emit("output_refused", { peer: c.id, reason: r.reason, frames, detail });
  }

  /** Godot's _server_relay to every announced client but `from` and `except`. */
  #broadcast(wire: Buffer, size: number, from: number, except: number, what: string): void {
    const list = this.#announced;
    for (let i = 0; i < list.length; i++) {
      const c = list[i] as Client;
      if (c.id !== from && c.id !== except) this.#write(c, wire, 1, size, what);
    }
  }

  /** Godot's server-side _process_multiplayer, with every ERR_FAIL reported instead of printed. */
  #processMultiplayer(c: Client, frame: Uint8Array): void {
    // readHeader()'s checks, read in place: no header object, no closure, per frame.
    if (frame.length < PROTO_SIZE) {
      this.#bad(c, "too-short", `too-short: ${frame.length} bytes < ${PROTO_SIZE}`);
      return;
    }
    const type = frame[0] as number;
    const from = readI32(frame, 1);
    const to = readI32(frame, 5);
    if (type !== SysType.NONE) {
      this.#bad(c, "sys-from-client", `type ${type}: only the server sends system messages`);
      return;
    }
    if (from !== c.id) {
      this.#bad(c, "spoofed-from", `from ${from} on the connection of peer ${c.id}`);
      return;
    }
    // relayDecision(), without a list of the peers: most frames are for the server alone.
    if (to === 1) {
      this.storePacket(from, frame.subarray(PROTO_SIZE));
      return;
    }
    if (to > 1) {
      const target = to === from ? undefined : this.#clients.get(to);
      if (!target?.announced) {
        this.#bad(c, "unknown-target", `to ${to}: no such peer`);
        return;
      }
      this.#write(target, wireFrame(frame), 1, frame.length, "relay");
      return;
    }
    // 0: everyone; -X: all but X. The server receives both (Godot's quirk, see relayDecision).
    this.storePacket(from, frame.subarray(PROTO_SIZE));
    this.#broadcast(wireFrame(frame), frame.length, from, -to, "relay");
  }

  #bad(c: Client, reason: ServerDropReason, detail: string): void {
    this.badInput.set(reason, (this.badInput.get(reason) ?? 0) + 1);
    this.emit("bad_input", { peer: c.id, reason, detail });
    if (this.#kickOnBadInput) this.disconnectPeer(c.id, 1008, `bad input: ${reason}`);
  }

  /** A payload from peer 1 to the target peer(s), relayed as Godot's _server_relay(1, target, …). */
  putPacket(payload: Uint8Array): GodotError {
    if (!this.#multiplayer) {
      this.lastError = new Error(
        "Please use get_peer(ID).put_packet/var to communicate with peers when not using the MultiplayerAPI.",
      );
      return GodotError.ERR_UNCONFIGURED;
    }
    const to = this.getTargetPeer();
    if (to === 1) return GodotError.OK; // will not send to self
    const wire = wireMessage(SysType.NONE, 1, to, payload);
    const size = PROTO_SIZE + payload.length;
    if (to > 0) {
      const c = this.#clients.get(to);
      if (!c?.announced || c.ws.readyState !== c.ws.OPEN) {
        this.lastError = new Error(`no peer ${to}`);
        return GodotError.FAILED;
      }
      return this.#write(c, wire, 1, size, "put_packet") === 1 ? GodotError.OK : GodotError.ERR_OUT_OF_MEMORY;
    }
    this.#broadcast(wire, size, 1, -to, "put_packet");
    return GodotError.OK;
  }

  getUniqueId(): number {
    return 1;
  }

  isServer(): boolean {
    return true;
  }

  getConnectionStatus(): ConnectionStatus {
    return this.isListening() ? ConnectionStatus.CONNECTED : ConnectionStatus.DISCONNECTED;
  }

  // ---- WebSocketServer ----

  hasPeer(id: number): boolean {
    return this.#clients.get(id)?.announced ?? false;
  }

  /** Godot's get_peer(id): the WebSocketPeer of a connected client (non-multiplayer I/O). */
  getPeer(id: number): WebSocketPeer | null {
    const c = this.#clients.get(id);
    return c?.announced ? c.peer : null;
  }

  /** Ids of the connected clients, ascending. */
  getPeerIds(): number[] {
    return this.#announced.map((c) => c.id);
  }

  getPeerAddress(id: number): string {
    return this.#clients.get(id)?.socket.remoteAddress ?? "";
  }

  getPeerPort(id: number): number {
    return this.#clients.get(id)?.socket.remotePort ?? 0;
  }

  /**
   * Godot's disconnect_peer(id, code, reason): a clean close. `now` (as ENet's disconnect_peer)
   * drops the TCP connection at once instead.
   */
  disconnectPeer(id: number, code = 1000, reason = "", now = false): void {
    const c = this.#clients.get(id);
    if (!c) return;
    c.closingByServer = true;
    if (now) c.ws.terminate();
    else c.peer.close(code, reason);
  }

  /** Godot's set_buffers(): only before listening. */
  setBuffers(
    inputBufferSizeKb: number,
    inputMaxPackets: number,
    outputBufferSizeKb: number,
    outputMaxPackets: number,
  ): GodotError {
    if (this.#http) {
      this.lastError = new Error("Buffers sizes can only be set before listening or connecting.");
      return GodotError.FAILED;
    }
    const sizes = { inputBufferSizeKb, inputMaxPackets, outputBufferSizeKb, outputMaxPackets };
    this.#limits = bufferLimits(sizes);
    this.#buffers = sizes;
    return GodotError.OK;
  }

  getBuffers(): BufferSizes {
    return this.#buffers;
  }
}

/** Godot's system messages: 9-byte header and one i32. */
const SYS_SIZE = PROTO_SIZE + 4;

/** The same frames as text frames (a peer whose write mode is TEXT: Godot sends even SYS messages so). */
function asText(wire: Buffer, frames: number): Buffer {
  const out = Buffer.from(wire);
  const stride = wire.length / frames;
  for (let at = 0; at < out.length; at += stride) out[at] = 0x81;
  return out;
}
