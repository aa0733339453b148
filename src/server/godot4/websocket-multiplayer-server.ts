/**
 * The server side of Godot 4's WebSocketMultiplayerPeer (create_server, _poll_server) over `ws`:
 * the transport only. Each client gets a random id (2 … 2^31−1, unique) as its first message, 4
 * bytes little-endian, and is then announced with peer_connected; after that one message is one
 * packet, in both directions, with no framing (SceneMultiplayer above does relay, auth and SYS).
 *
 * As 4.6.3: handshake_timeout (3 s) from the TCP accept to the upgrade, for every socket on its
 * own deadline (one that never sends a byte too); a message over inbound_buffer_size closes the
 * connection with 1009; text frames are taken as binary; disconnect_peer closes with 1000.
 * What is sent to a client in one event-loop turn leaves in one write (src/server/output.ts),
 * within outbound_buffer_size / max_queued_packets; a refused packet is counted and reported,
 * while put_packet still answers OK as Godot's does (it ignores the peer's error).
 *
 * Poll model as our other peers: by default nothing reaches the handlers except inside poll();
 * with `autoPoll` everything is delivered as it arrives.
 */
import { randomInt } from "node:crypto";
import { createServer as createHttpServer, type Server as HttpServer, type IncomingMessage } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, Socket as NetSocket, type Socket } from "node:net";
import { type WebSocket, WebSocketServer as WsServer } from "ws";
import {
  GODOT4_BUFFER_SIZE,
  GODOT4_HANDSHAKE_TIMEOUT,
  GODOT4_MAX_QUEUED_PACKETS,
  MultiplayerPeer4Base,
  type TLSOptions,
} from "../../multiplayer/index.js";
import {
  type BufferLimits,
  ConnectionStatus,
  GodotError,
  WebSocketArgumentError,
  WebSocketError,
} from "../../websocket/index.js";
import { OutputBatch, type OutputRefusalReason, PeerOutput } from "../output.js";
import { wireFrame } from "../ws-frame.js";

export interface WebSocketMultiplayerServer4Options {
  /** supported_protocols: a client must ask for one of them (none: it must ask for none). */
  readonly supportedProtocols?: readonly string[];
  /** handshake_headers: extra "Name: value" lines in the 101 answer. */
  readonly handshakeHeaders?: readonly string[];
  /** inbound_buffer_size: the largest client message (larger: close 1009), and the input queue's bytes. Default 65535. */
  readonly inboundBufferSize?: number;
  /** outbound_buffer_size: bytes queued for one client at most. Default 65535. */
  readonly outboundBufferSize?: number;
  /** max_queued_packets, each way, per client. Default 4096. */
  readonly maxQueuedPackets?: number;
  /** handshake_timeout in seconds (TCP accept to upgrade). Default 3.0. */
  readonly handshakeTimeout?: number;
  /** Deliver events as they arrive instead of from poll() (default false: Godot's model). */
  readonly autoPoll?: boolean;
}

/**
 * Why a connection or a client message was dropped:
 * - handshake-timeout: no upgrade within handshake_timeout (the TCP connection is closed)
 * - refused: refuse_new_connections was on
 * - protocol-mismatch: no subprotocol in common (Godot drops the connection without an answer)
 * - message-too-big: a message over inbound_buffer_size (closed with 1009)
 * - empty-packet: a message of 0 bytes (Godot's `size <= 0`)
 * - input-bytes / input-packets: the client's input queue was full until the next poll()
 */
export type Server4DropReason =
  | "handshake-timeout"
  | "refused"
  | "protocol-mismatch"
  | "message-too-big"
  | "empty-packet"
  | "input-bytes"
  | "input-packets";

/** A packet for a client that the output limits refused (Godot prints an error and sends nothing). */
export interface RefusedOutput4 {
  readonly peer: number;
  readonly reason: OutputRefusalReason;
  readonly detail: string;
}

const ID_GREETING_FRAME = 2 + 4;
const socketWrite = NetSocket.prototype.write;

/**
 * A client's output whose frames of one turn reach the socket as one buffer at the flush: the
 * same bytes in the same order, one `Writable.write` instead of one a frame (a newcomer's greeting
 * at 5,000 peers is 5,000 frames: as many stream requests and iovecs, and their garbage). Anything
 * else written to the socket (`ws`'s close and pong frames) first takes the frames before it.
 */
class Output4 extends PeerOutput {
  #frames: Buffer[] = [];
  #bytes = 0;

  constructor(socket: Socket) {
    super(socket);
    const out = this;
    // An own `write` on this socket: every writer goes through it, ours (drain) past it.
    socket.write = function (this: Socket, ...args: Parameters<Socket["write"]>): boolean {
      out.drain();
      return (socketWrite as (...a: Parameters<Socket["write"]>) => boolean).apply(this, args);
    } as Socket["write"];
  }

  /** A frame of this turn (accepted and counted with wrote()). */
  queue(frame: Buffer): void {
    this.#frames.push(frame);
    this.#bytes += frame.length;
  }

  /** Hands the turn's frames to the (corked) socket as one chunk. */
  drain(): void {
    const frames = this.#frames;
    if (frames.length === 0) return;
    const chunk = frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames, this.#bytes);
    this.#frames = [];
    this.#bytes = 0;
    if (!this.socket.destroyed) socketWrite.call(this.socket, chunk);
  }

  override flush(): void {
    this.drain();
    super.flush();
  }
}
const kDeadline = Symbol("godot-peer.handshake-deadline");
type PendingSocket = Socket & { [kDeadline]?: NodeJS.Timeout | null };

class Client4 {
  /** Has peer_connected been emitted for it? */
  announced = false;
  /** Forgotten already (disconnectPeer with force): its close brings no peer_disconnected. */
  forgotten = false;
  readonly out: Output4;
  /** Messages not yet delivered by poll(), oldest at inHead; their bytes. */
  inbox: Uint8Array[] | null = null;
  inHead = 0;
  inBytes = 0;
  /** Its "message" event, queued once per message (it carries nothing else). */
  readonly message: Pending;

  constructor(
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: Socket,
  ) {
    this.out = new Output4(socket);
    this.message = { kind: "message", client: this };
  }
}

type Pending = { readonly kind: "connect" | "message" | "close"; readonly client: Client4 };

function checkSize(value: number, name: string): number {
  if (!Number.isInteger(value) || value < 1 || value > 2 ** 30) {
    throw new WebSocketArgumentError(`${name} must be an integer from 1 to 2^30, got ${value}`, name);
  }
  return value;
}

/** The deadline of a socket not yet upgraded: a module-level function, the socket as its argument. */
function handshakeExpired(server: WebSocketMultiplayerServer4, socket: PendingSocket): void {
  socket[kDeadline] = null;
  server._handshakeExpired(socket);
}

export class WebSocketMultiplayerServer4 extends MultiplayerPeer4Base {
  readonly #supportedProtocols: readonly string[];
  readonly #handshakeHeaders: readonly [string, string][];
  readonly #inbound: number;
  readonly #maxQueued: number;
  readonly #handshakeMs: number;
  #autoPoll: boolean;
  /** Godot 4's output checks in the shape output.ts reads (queued + size > outbound: refused). */
  readonly #limits: BufferLimits;
  #http: HttpServer | null = null;
  #wss: WsServer | null = null;
  #port = 0;
  readonly #clients = new Map<number, Client4>();
  readonly #batch = new OutputBatch();
  #queue: Pending[] = [];
  #queueHead = 0;
  #polling = false;
  /** Connections and messages dropped, by reason. */
  readonly drops = new Map<Server4DropReason, number>();
  /** Packets the output limits refused, by reason. */
  readonly refusedOutput = new Map<OutputRefusalReason, number>();
  /** The last refusal, for the log of a game that does not read lastError. */
  lastRefusal: RefusedOutput4 | null = null;
  /** Called on each refused packet, where 4.6.3 prints its ERROR line (SceneServer4 prints it). */
  onRefusedOutput: ((refusal: RefusedOutput4) => void) | null = null;
  /** Messages and bytes read from all clients and written to them (greetings included). */
  readonly traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };

  constructor(options: WebSocketMultiplayerServer4Options = {}) {
    super();
    this.#supportedProtocols = Object.freeze((options.supportedProtocols ?? []).map((p) => p.trim()));
    this.#handshakeHeaders = (options.handshakeHeaders ?? []).map((line) => {
      const at = line.indexOf(":");
      if (at <= 0)
        throw new WebSocketArgumentError(
          `handshake header is not "Name: value": ${line}`,
          "handshakeHeaders",
        );
      return [line.slice(0, at).trim(), line.slice(at + 1).trim()];
    });
    this.#inbound = checkSize(options.inboundBufferSize ?? GODOT4_BUFFER_SIZE, "inboundBufferSize");
    const outbound = checkSize(options.outboundBufferSize ?? GODOT4_BUFFER_SIZE, "outboundBufferSize");
    this.#maxQueued = checkSize(options.maxQueuedPackets ?? GODOT4_MAX_QUEUED_PACKETS, "maxQueuedPackets");
    const timeout = options.handshakeTimeout ?? GODOT4_HANDSHAKE_TIMEOUT;
    if (!Number.isFinite(timeout) || timeout <= 0) {
      throw new WebSocketArgumentError(
        "handshakeTimeout must be a positive number of seconds",
        "handshakeTimeout",
      );
    }
    this.#handshakeMs = Math.round(timeout * 1000);
    this.#autoPoll = options.autoPoll ?? false;
    this.#limits = {
      inputBytes: this.#inbound,
      inputPackets: this.#maxQueued,
      maxMessageBytes: this.#inbound,
      outputBytes: outbound + 1,
      outputPackets: this.#maxQueued,
    };
  }

  /**
   * create_server(port, bind_address = "*", tls_server_options): resolves with OK once listening
   * (port 0: one the OS picks, see getPort()), ERR_ALREADY_IN_USE (already created, or the port
   * is taken), ERR_INVALID_PARAMETER (client TLS options), ERR_CANT_CREATE (any other listen
   * failure); details in lastError.
   */
  async createServer(
    port: number,
    bindAddress = "*",
    tlsOptions: TLSOptions | null = null,
  ): Promise<GodotError> {
    if (this.#http)
      return this.#fail(new WebSocketError("create_server: already created", GodotError.ERR_ALREADY_IN_USE));
    if (tlsOptions && !tlsOptions.isServer()) {
      return this.#fail(
        new WebSocketArgumentError("create_server takes TLSOptions.server(key, certificate)", "tlsOptions"),
      );
    }
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      return this.#fail(new WebSocketArgumentError(`port ${port} is not 0..65535`, "port"));
    }
    const http = tlsOptions
      ? createHttpsServer({
          key: tlsOptions.privateKey!,
          cert: tlsOptions.certificate!,
          handshakeTimeout: this.#handshakeMs, // the TLS part of the handshake deadline
        })
      : createHttpServer();
    // Godot answers nothing but an upgrade.
    http.on("request", (req, res) => {
      res.socket?.destroy();
      req.socket.destroy();
    });
    http.on(tlsOptions ? "secureConnection" : "connection", (socket: Socket) => this.#onAccept(socket));
    http.on("clientError", (_err, socket: Socket) => socket.destroy());
    const wss = new WsServer({
      noServer: true,
      maxPayload: this.#inbound, // wslay's max_recv_msg_length: larger closes with 1009 (4.6.3: 65536 does)
      perMessageDeflate: false,
      handleProtocols: (offered) => this.#chooseProtocol(offered),
    });
    if (this.#handshakeHeaders.length > 0) {
      wss.on("headers", (headers: string[]) => {
        for (const [name, value] of this.#handshakeHeaders) headers.push(`${name}: ${value}`);
      });
    }
    http.on("upgrade", (req: IncomingMessage, socket: Socket, head: Buffer) =>
      this.#onUpgrade(wss, req, socket, head),
    );
    const listened = await new Promise<Error | null>((resolve) => {
      http.once("error", resolve);
      http.listen(port, bindAddress === "*" ? undefined : bindAddress, () => {
        http.off("error", resolve);
        resolve(null);
      });
    });
    if (listened) {
      const code =
        (listened as { code?: string }).code === "EADDRINUSE"
          ? GodotError.ERR_ALREADY_IN_USE
          : GodotError.ERR_CANT_CREATE;
      this.lastError = Object.assign(listened, { godotError: code });
      return code;
    }
    http.on("error", (err) => {
      this.lastError = err;
    });
    this.#http = http;
    this.#wss = wss;
    this.#port = (http.address() as AddressInfo).port;
    this.statusChanged(ConnectionStatus.CONNECTED);
    return GodotError.OK;
  }

  /** The port listened on (0 when not listening). */
  getPort(): number {
    return this.#port;
  }

  // ---- connections ----

  #onAccept(socket: PendingSocket): void {
    if (this.refuseNewConnections) {
      // Godot leaves it unaccepted in the kernel's backlog; Node cannot, so it is closed at once.
      this.#drop("refused");
      socket.destroy();
      return;
    }
    socket[kDeadline] = setTimeout(handshakeExpired, this.#handshakeMs, this, socket);
    socket[kDeadline].unref();
    socket.once("close", () => {
      const t = socket[kDeadline];
      if (t) clearTimeout(t);
      socket[kDeadline] = null;
    });
  }

  /** @internal A socket's handshake deadline passed. */
  _handshakeExpired(socket: Socket): void {
    if (socket.destroyed) return;
    this.#drop("handshake-timeout");
    socket.destroy();
  }

  #onUpgrade(wss: WsServer, req: IncomingMessage, socket: PendingSocket, head: Buffer): void {
    if (this.refuseNewConnections) {
      this.#drop("refused");
      socket.destroy();
      return;
    }
    if (!this.#acceptsProtocols(req)) {
      this.#drop("protocol-mismatch");
      socket.destroy(); // no HTTP answer, as Godot
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const t = socket[kDeadline];
      if (t) clearTimeout(t);
      socket[kDeadline] = null;
      this.#onOpen(ws, socket);
    });
  }

  #chooseProtocol(offered: Set<string>): string | false {
    for (const p of offered) if (this.#supportedProtocols.includes(p)) return p;
    return false;
  }

  #acceptsProtocols(req: IncomingMessage): boolean {
    const header = req.headers["sec-websocket-protocol"];
    if (header === undefined) return this.#supportedProtocols.length === 0;
    return header.split(",").some((p) => this.#supportedProtocols.includes(p.trim()));
  }

  #newId(): number {
    // 31 bits, never 0 or 1 (negative targets mean "all but"), unique among the clients.
    for (;;) {
      const id = randomInt(2, 0x80000000);
      if (!this.#clients.has(id)) return id;
    }
  }

  #onOpen(ws: WebSocket, socket: Socket): void {
    const client = new Client4(this.#newId(), ws, socket);
    socket.setNoDelay(true);
    this.#clients.set(client.id, client);
    ws.on("message", (data: Buffer) => this.#onMessage(client, data));
    ws.on("close", () => this.#push({ kind: "close", client }));
    ws.on("error", (err: Error & { code?: string }) => {
      if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") this.#drop("message-too-big");
      this.lastError = err;
    });
    this.#push({ kind: "connect", client });
  }

  #onMessage(c: Client4, data: Buffer): void {
    this.traffic.msgsIn++;
    this.traffic.bytesIn += data.length;
    if (data.length === 0) {
      this.#drop("empty-packet");
      return;
    }
    // Godot's input ring, until poll() takes the messages: full means dropped (the link stays up).
    const queued = c.inbox === null ? 0 : c.inbox.length - c.inHead;
    if (queued >= this.#limits.inputPackets) {
      this.#drop("input-packets");
      return;
    }
    if (c.inBytes + data.length > this.#limits.inputBytes) {
      this.#drop("input-bytes");
      return;
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length);
    if (c.inbox === null) {
      c.inbox = [bytes];
      c.inHead = 0;
    } else c.inbox.push(bytes);
    c.inBytes += data.length;
    this.#push(c.message);
  }

  #push(e: Pending): void {
    this.#queue.push(e);
    if (this.#autoPoll) this.poll();
  }

  get autoPoll(): boolean {
    return this.#autoPoll;
  }

  set autoPoll(value: boolean) {
    this.#autoPoll = value;
    if (value) this.poll();
  }

  // ---- MultiplayerPeer ----

  /** Delivers what has arrived (connections, packets, closes) in arrival order. */
  poll(): void {
    if (this.#polling) return;
    this.#polling = true;
    try {
      while (this.#queueHead < this.#queue.length) {
        const e = this.#queue[this.#queueHead]!;
        this.#queue[this.#queueHead++] = undefined as unknown as Pending;
        this.#deliver(e);
      }
      this.#queue = [];
      this.#queueHead = 0;
    } finally {
      this.#polling = false;
    }
  }

  #deliver(e: Pending): void {
    const c = e.client;
    switch (e.kind) {
      case "connect": {
        if (this.#clients.get(c.id) !== c || c.ws.readyState !== c.ws.OPEN) return;
        if (this.refuseNewConnections) {
          // Godot drops a connection that opens while refusing.
          this.#drop("refused");
          this.#clients.delete(c.id);
          c.ws.terminate();
          return;
        }
        const greeting = Buffer.allocUnsafe(ID_GREETING_FRAME);
        greeting[0] = 0x82;
        greeting[1] = 4;
        greeting.writeInt32LE(c.id, 2);
        this.#write(c, greeting, 4);
        c.announced = true;
        this.peerConnected(c.id);
        return;
      }
      case "message": {
        const inbox = c.inbox;
        if (inbox === null) return;
        const data = inbox[c.inHead]!;
        inbox[c.inHead++] = undefined as unknown as Uint8Array;
        c.inBytes -= data.length;
        if (c.inHead === inbox.length) {
          c.inbox = null;
          c.inHead = 0;
        }
        if (c.announced && !c.forgotten) this.storePacket(c.id, data);
        return;
      }
      case "close":
        if (this.#clients.get(c.id) === c) this.#clients.delete(c.id);
        if (c.announced && !c.forgotten) {
          c.forgotten = true;
          this.peerDisconnected(c.id);
        }
        return;
    }
  }

  /**
   * put_packet to the target peer: > 0 that client (ERR_INVALID_PARAMETER if it is not
   * connected, as "Peer not found"), 0 every client, −X every client but X. OK otherwise, even
   * when a client's output limits refused it (counted in refusedOutput, see lastRefusal).
   */
  putPacket(payload: Uint8Array): GodotError {
    if (this.#http === null) {
      return this.#fail(
        new WebSocketError("put_packet: the server is not created", GodotError.ERR_UNCONFIGURED),
      );
    }
    const to = this.getTargetPeer();
    if (to > 0) {
      const c = this.#clients.get(to);
      if (!c?.announced || c.forgotten) {
        return this.#fail(new WebSocketArgumentError(`Peer not found: ${to}`, "targetPeer"));
      }
      this.#write(c, this.#frameOf(payload), payload.length);
      return GodotError.OK;
    }
    const frame = wireFrame(payload);
    for (const c of this.#clients.values()) {
      if (!c.announced || c.forgotten || c.id === -to) continue;
      this.#write(c, frame, payload.length);
    }
    return GodotError.OK;
  }

  /** The last small frame made: a packet sent to many peers one by one (ADD_PEER) is framed once. */
  #lastFrame: Buffer | null = null;

  #frameOf(payload: Uint8Array): Buffer {
    const last = this.#lastFrame;
    const n = payload.length;
    if (last !== null && last.length === n + 2) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (last[i + 2] !== payload[i]) {
          same = false;
          break;
        }
      }
      if (same) return last;
    }
    const frame = wireFrame(payload);
    // Small frames only (a 2-byte header: up to 125 bytes), compared in full before reuse.
    this.#lastFrame = n <= 32 ? frame : null;
    return frame;
  }

  /** One message to a client, in this turn's write, within the output limits (else refused and reported). */
  #write(c: Client4, frame: Buffer, size: number): void {
    if (c.ws.readyState !== c.ws.OPEN) return;
    const out = c.out;
    if (!out.corked) this.#batch.add(out);
    if (out.accept(1, size, this.#limits) === 1) {
      out.queue(frame);
      out.wrote(1, frame.length);
      this.traffic.msgsOut++;
      this.traffic.bytesOut += size;
      return;
    }
    const r = out.refusal(this.#limits);
    const detail =
      size >= this.#limits.outputBytes
        ? `a packet of ${size} bytes exceeds outbound_buffer_size ${this.#limits.outputBytes - 1}`
        : `${r.frames} messages, ${r.bytes} bytes already queued for a client that does not read ` +
          `(outbound_buffer_size ${this.#limits.outputBytes - 1}, max_queued_packets ${this.#maxQueued})`;
    this.refusedOutput.set(r.reason, (this.refusedOutput.get(r.reason) ?? 0) + 1);
    const refusal: RefusedOutput4 = { peer: c.id, reason: r.reason, detail };
    this.lastRefusal = refusal;
    this.lastError = new WebSocketError(
      `packet for peer ${c.id} refused: ${detail}`,
      GodotError.ERR_OUT_OF_MEMORY,
    );
    this.onRefusedOutput?.(refusal);
  }

  getUniqueId(): number {
    return this.#http === null ? 0 : 1;
  }

  isServer(): boolean {
    return this.#http !== null;
  }

  getConnectionStatus(): ConnectionStatus {
    return this.#http === null ? ConnectionStatus.DISCONNECTED : ConnectionStatus.CONNECTED;
  }

  /**
   * disconnect_peer(id, force): closes with 1000; peer_disconnected follows when it is closed.
   * With force the peer is forgotten at once (no peer_disconnected later) and its TCP connection
   * dropped once the close frame is written.
   */
  disconnectPeer(id: number, force = false): void {
    const c = this.#clients.get(id);
    if (!c?.announced || c.forgotten) {
      this.#fail(new WebSocketArgumentError(`disconnect_peer: no peer ${id}`, "id"));
      return;
    }
    c.ws.close(1000);
    if (force) {
      c.forgotten = true;
      this.#clients.delete(id);
      // After this turn's flush (scheduled before), so the close frame leaves first.
      setImmediate(() => c.ws.terminate());
    }
  }

  /** close(): stops listening and drops every connection, with no signals (Godot's _clear()). */
  close(): void {
    const http = this.#http;
    if (http === null) return;
    this.#http = null;
    this.#wss?.close();
    this.#wss = null;
    this.#port = 0;
    for (const c of this.#clients.values()) {
      c.forgotten = true;
      c.ws.terminate();
    }
    this.#clients.clear();
    this.#queue = [];
    this.#queueHead = 0;
    this.clearPackets();
    http.close();
    http.closeAllConnections();
    this.statusChanged(ConnectionStatus.DISCONNECTED);
  }

  // ---- WebSocketMultiplayerPeer (server) ----

  /** Ids of the connected (announced) peers. */
  getPeerIds(): number[] {
    const ids: number[] = [];
    for (const c of this.#clients.values()) if (c.announced && !c.forgotten) ids.push(c.id);
    return ids;
  }

  hasPeer(id: number): boolean {
    const c = this.#clients.get(id);
    return c?.announced === true && !c.forgotten;
  }

  /** get_peer_address(id): "" when there is no such peer. */
  getPeerAddress(id: number): string {
    const addr = this.#clients.get(id)?.socket.remoteAddress ?? "";
    return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
  }

  /** get_peer_port(id): 0 when there is no such peer. */
  getPeerPort(id: number): number {
    return this.#clients.get(id)?.socket.remotePort ?? 0;
  }

  #drop(reason: Server4DropReason): void {
    this.drops.set(reason, (this.drops.get(reason) ?? 0) + 1);
  }

  #fail(err: WebSocketError): GodotError {
    this.lastError = err;
    return err.godotError;
  }
}
