/**
 * One client WebSocket connection (RFC 6455) over a net or tls socket: the opening handshake,
 * frames both ways, ping/pong, the close handshake with its timeout, read pausing for poll-mode
 * backpressure, and the write batch (the frames of one tick leave in one write: our choice, for
 * the syscalls; Godot 3.2.3+ writes inside put_packet). It replaces the `ws` library on the client
 * side; the server keeps `ws`.
 * Godot 3's client is wslay with no extensions: no permessage-deflate here either.
 *
 * The close handshake follows `ws` (which this layer used before): a close frame received is
 * answered with the same code and reason, then our side of the TCP connection ends; after our
 * own close the server's answer ends it; after a protocol fault we send its code, stop reading
 * and end our side; closeTimeoutMs after any close sent, the socket is destroyed.
 *
 * Memory: one object per connection besides the socket while it idles; what a half-read frame,
 * the end, network conditions or a heartbeat need is a record made when needed. Socket listeners
 * are module-level functions that find their connection on the socket (kConnection), as `ws`
 * does; timers get the connection as an argument instead of closing over it.
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { ConnectError, HandshakeError, type ProtocolError } from "./errors.js";
import { checkAnswer, MAX_RESPONSE_HEAD, newKey, parseAnswer, upgradeRequest } from "./handshake.js";
import { Heartbeat, type HeartbeatOptions, type HeartbeatTarget } from "./heartbeat.js";
import { drawDelayMs, LinkDirection, type LinkShape, type LinkSink } from "./link-conditions.js";
import { FrameReceiver } from "./receiver.js";
import { EMPTY, encodeClose, encodeFrame, Opcode } from "./sender.js";
import type { CloseInitiator } from "./signals.js";
import type { HeaderLine } from "./url.js";

/** The WebSocket API's readyState values. */
export const ReadyState = {
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3,
} as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

const kConnection = Symbol("godot-peer.connection");
type OwnedSocket = net.Socket & { [kConnection]?: ClientConnection };

/** Who hears of a connection's life (the WebSocketClient). Stale connections are the owner's to ignore. */
export interface ConnectionOwner {
  /** The handshake completed; `protocol`: the subprotocol the server chose ("" if none). */
  _wsOpen(conn: ClientConnection, protocol: string): void;
  /** A whole message from the server. */
  _wsMessage(conn: ClientConnection, data: Uint8Array, isString: boolean): void;
  /** The socket is gone: conn.opened says whether the handshake had completed. */
  _wsClose(conn: ClientConnection): void;
  /** After our close frame, how long to wait for the server's (ms): asked when the close is sent. */
  readonly closeTimeoutMs: number;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  /** Path and query of the request line. */
  readonly path: string;
  /** The Host header's value. */
  readonly hostHeader: string;
  readonly protocols: readonly string[];
  readonly headers: readonly HeaderLine[];
  /** Options for tls.connect (wss://), or null (ws://). */
  readonly tls: tls.ConnectionOptions | null;
  /** Largest message accepted: larger closes with 1009. */
  readonly maxPayload: number;
  readonly connectTimeoutMs: number;
  readonly noDelay: boolean;
  readonly heartbeat: HeartbeatOptions | null;
  /** Network conditions on this connection (link-conditions.ts), or null: the socket is used bare. */
  readonly link?: LinkShape | null;
}

/** What the opening handshake needs, kept until it completes. */
interface Opening {
  readonly key: string;
  readonly protocols: readonly string[];
  /** The answer so far (its head may come in several chunks). */
  answer: Buffer | null;
  readonly noDelay: boolean;
  readonly heartbeat: HeartbeatOptions | null;
}

// ClientConnection's flags, in FrameReceiver's `flags` below its own (one number, not a field
// each: a swarm holds 20,000 connections): the ReadyState (STATE bits; CONNECTING at first),
// PAUSED, CLOSE_SENT, CLOSE_RECEIVED, FAULTED (a protocol fault: reading stopped, our close
// carries its code), LINK_HELD, OPENED.
// Its methods are TypeScript-private, not #private: # methods cost each instance a slot (V8's brand).
/** The low bits: the ReadyState. */
const STATE = 3;
const PAUSED = 4;
const CLOSE_SENT = 8;
const CLOSE_RECEIVED = 16;
const FAULTED = 32;
/** Reading the socket stopped because the incoming link holds an input buffer's worth. */
const LINK_HELD = 64;
/** The handshake completed. */
const OPENED = 128;

/** Both directions of a shaped link (network conditions), and the heartbeat: what Godot has not. */
interface Beyond {
  up: LinkDirection | null;
  down: LinkDirection | null;
  heartbeat: Heartbeat | null;
}

/** How a connection ended: made at the first sign of an end. Exported for the idle-memory test (not from the index). */
export class Ending {
  closeCode = 1006;
  closeReason: Buffer = EMPTY;
  initiatedBy: CloseInitiator | null = null;
  error: Error | null = null;
  failure: ConnectError | null = null;
}

export class ClientConnection extends FrameReceiver implements HeartbeatTarget {
  readonly socket: net.Socket;
  readonly #owner: ConnectionOwner;
  /** Until the handshake completes: what it needs (null after: an open connection keeps none of it). */
  #opening: Opening | null;
  /** The connect timeout, then the close timeout. */
  #timer: NodeJS.Timeout | null;
  /** Frames of this tick not yet written: one buffer, or several (lazily an array). */
  #pending: Buffer | Buffer[] | null = null;
  #pendingBytes = 0;
  /** Messages sent whose write has not completed. */
  #inFlight = 0;
  /** Beyond Godot: the shaped directions (network conditions) and the heartbeat; null: neither. */
  #beyond: Beyond | null = null;
  /** How it ended, made at the first sign of an end (an open connection has none). */
  #ending: Ending | null = null;

  constructor(owner: ConnectionOwner, options: ConnectOptions) {
    super();
    this.#owner = owner;
    this.maxPayload = options.maxPayload;
    const key = newKey();
    this.#opening = {
      key,
      protocols: options.protocols,
      answer: null,
      noDelay: options.noDelay,
      heartbeat: options.heartbeat,
    };
    // Plain sockets read into one buffer shared by all (what is kept is copied): no allocation
    // per read, which after a burst of reads (a greeting) would leave the allocator fragmented.
    const socket: OwnedSocket = options.tls
      ? tls.connect({ ...options.tls, host: options.host, port: options.port })
      : net.connect({ host: options.host, port: options.port, onread: SHARED_READ });
    this.socket = socket;
    socket[kConnection] = this;
    if (options.tls) socket.on("data", socketOnData);
    socket.on("end", socketOnEnd);
    socket.on("error", socketOnError);
    socket.on("close", socketOnClose);
    const request = upgradeRequest(options.path, options.hostHeader, key, options.protocols, options.headers);
    const link = options.link ?? null;
    if (link === null) {
      // Written at once: the socket holds it until it is connected (and TLS is up).
      socket.write(request, "latin1");
    } else {
      this.shape(link);
      // TCP's handshake takes a round trip through the link before the request can leave.
      const rtt = (link.up ? drawDelayMs(link.up) : 0) + (link.down ? drawDelayMs(link.down) : 0);
      this.up?.hold(rtt);
      this.write(Buffer.from(request, "latin1"));
    }
    this.#timer = setTimeout(connectTimedOut, options.connectTimeoutMs, this);
    this.#timer.unref();
  }

  private get state(): ReadyState {
    return (this.flags & STATE) as ReadyState;
  }

  private set state(state: ReadyState) {
    this.flags = (this.flags & ~STATE) | state;
  }

  /** The handshake completed. */
  get opened(): boolean {
    return (this.flags & OPENED) !== 0;
  }

  /** The code of the server's close frame (1005: it had none; 1006: none came). */
  get closeCode(): number {
    return this.#ending?.closeCode ?? 1006;
  }

  get closeReason(): Buffer {
    return this.#ending?.closeReason ?? EMPTY;
  }

  /** Who started the end (null: nobody on this side; the client infers server or network). */
  get initiatedBy(): CloseInitiator | null {
    return this.#ending?.initiatedBy ?? null;
  }

  /** The first error seen: socket, TLS, handshake or protocol. */
  get error(): Error | null {
    return this.#ending?.error ?? null;
  }

  /** Set when the server answered the upgrade with another HTTP status. */
  get failure(): ConnectError | null {
    return this.#ending?.failure ?? null;
  }

  private ending(): Ending {
    this.#ending ??= new Ending();
    return this.#ending;
  }

  private get up(): LinkDirection | null {
    return this.#beyond?.up ?? null;
  }

  private get down(): LinkDirection | null {
    return this.#beyond?.down ?? null;
  }

  get readyState(): ReadyState {
    return this.state;
  }

  get isOpen(): boolean {
    return this.state === ReadyState.OPEN;
  }

  get isPaused(): boolean {
    return (this.flags & PAUSED) !== 0;
  }

  /** Bytes given to send that are not yet handed to the kernel (frame headers included). */
  get bufferedAmount(): number {
    return this.socket.writableLength + this.#pendingBytes + (this.up?.queuedBytes ?? 0);
  }

  /** Bytes waiting on the shaped link, each way (null: no network conditions). */
  get linkBacklog(): { readonly up: number; readonly down: number } | null {
    if (this.up === null && this.down === null) return null;
    return { up: this.up?.queuedBytes ?? 0, down: this.down?.queuedBytes ?? 0 };
  }

  /** Messages sent whose write has not completed. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Sends one message (the caller checked isOpen); it leaves with the rest of this tick's. */
  send(data: Uint8Array, binary: boolean): void {
    const frame = encodeFrame(binary ? Opcode.BINARY : Opcode.TEXT, data);
    this.#inFlight++;
    this.#pendingBytes += frame.length;
    const pending = this.#pending;
    if (pending === null) {
      this.#pending = frame;
      process.nextTick(flushTick, this);
    } else if (Array.isArray(pending)) {
      pending.push(frame);
    } else {
      this.#pending = [pending, frame];
    }
  }

  /** Sends a ping (heartbeat). */
  ping(): void {
    if (this.state === ReadyState.OPEN) this.writeNow(encodeFrame(Opcode.PING, EMPTY));
  }

  /** The user closes with `code` and `reason` (checked by the caller). */
  close(code: number, reason: Uint8Array): void {
    this.ending().initiatedBy ??= "client";
    this.sendClose(code, reason);
  }

  /** Drops the TCP connection at once, with no close frame; `initiatedBy` says who, if not the user. */
  terminate(initiatedBy?: CloseInitiator): void {
    if (this.state === ReadyState.CLOSED) return;
    if (initiatedBy !== undefined) this.ending().initiatedBy ??= initiatedBy;
    if (this.state === ReadyState.CONNECTING) {
      this.ending().error ??= new Error("WebSocket was closed before the connection was established");
    }
    this.state = ReadyState.CLOSING;
    this.stopReading();
    this.stopLink();
    this.socket.destroy();
  }

  /** Stops reading from the socket (poll-mode backpressure). */
  pause(): void {
    if (
      (this.flags & PAUSED) !== 0 ||
      this.state === ReadyState.CONNECTING ||
      this.state === ReadyState.CLOSED
    )
      return;
    this.flags |= PAUSED;
    this.socket.pause();
  }

  /** Reads on: first what the pause left of the last chunk (on the next turn of the loop), then the socket. */
  resume(): void {
    if ((this.flags & PAUSED) === 0) return;
    this.flags &= ~PAUSED;
    // A shaped link delivers what it held on the next turn too (never inside the caller's poll).
    if (this.hasUnread || this.down !== null) setImmediate(readOn, this);
    else this.socket.resume();
  }

  /** @internal Reads what the pause left, then the socket, unless paused again meanwhile. */
  _readOn(): void {
    if ((this.flags & PAUSED) !== 0 || this.state === ReadyState.CLOSED) return;
    this.readUnread();
    if ((this.flags & PAUSED) !== 0) return;
    this.resumeSocket();
    this.down?.kick();
  }

  heartbeatDead(timeoutMs: number): void {
    this.ending().initiatedBy ??= "heartbeat";
    this.ending().error ??= new Error(`no answer to a ping within ${timeoutMs} ms: link is dead`);
    this.terminate();
  }

  /** @internal Writes this tick's frames in one write. */
  _flush(): void {
    const pending = this.#pending;
    if (pending === null) return;
    const count = Array.isArray(pending) ? pending.length : 1;
    const bytes = this.#pendingBytes;
    this.#pending = null;
    this.#pendingBytes = 0;
    if (!this.socket.writable) {
      this.#inFlight -= count;
      return;
    }
    this.write(Array.isArray(pending) ? Buffer.concat(pending, bytes) : pending, () => {
      this.#inFlight -= count;
    });
  }

  /** @internal The connect timeout passed. */
  _connectTimedOut(): void {
    this.#timer = null;
    if (this.state !== ReadyState.CONNECTING) return;
    this.ending().error ??= new Error("Opening handshake has timed out");
    this.terminate();
  }

  /** @internal The close timeout passed: the server never finished the close handshake. */
  _closeTimedOut(): void {
    this.#timer = null;
    this.socket.destroy();
  }

  // ---- frames from the receiver ----

  protected get readPaused(): boolean {
    return (this.flags & PAUSED) !== 0;
  }

  protected onMessage(data: Uint8Array, isString: boolean): void {
    this.#owner._wsMessage(this, data, isString);
  }

  protected onPing(data: Uint8Array): void {
    if (this.state === ReadyState.OPEN) this.writeNow(encodeFrame(Opcode.PONG, data));
  }

  protected onPong(_data: Uint8Array): void {
    // Life is noted per chunk (#onData); nothing else to do.
  }

  protected onCloseFrame(code: number, reason: Buffer): void {
    this.flags |= CLOSE_RECEIVED;
    this.ending().closeCode = code;
    this.ending().closeReason = reason;
    // Reading goes on (to see the end of the TCP connection) even if backpressure paused it.
    if ((this.flags & PAUSED) !== 0) this.resumeSocket();
    this.sendClose(code, reason);
  }

  protected onProtocolError(error: ProtocolError): void {
    this.flags |= FAULTED;
    this.ending().error ??= error;
    this.ending().initiatedBy ??= "client";
    if ((this.flags & PAUSED) !== 0) this.resumeSocket();
    this.sendClose(error.closeCode, EMPTY);
  }

  // ---- internals ----

  /** Sends our close frame once; ends our side once both closes are known (as `ws`). */
  private sendClose(code: number, reason: Uint8Array): void {
    if (this.state === ReadyState.CLOSED) return;
    if (this.state === ReadyState.CONNECTING) {
      this.terminate();
      return;
    }
    if (this.state === ReadyState.CLOSING) {
      if ((this.flags & CLOSE_SENT) !== 0 && (this.flags & (CLOSE_RECEIVED | FAULTED)) !== 0) this.end();
      return;
    }
    this.state = ReadyState.CLOSING;
    this.writeNow(encodeClose(code, reason));
    this.flags |= CLOSE_SENT;
    if ((this.flags & (CLOSE_RECEIVED | FAULTED)) !== 0) this.end();
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(closeTimedOut, this.#owner.closeTimeoutMs, this);
  }

  /** A control frame: after the frames already queued this tick, at once. */
  private writeNow(frame: Buffer): void {
    this._flush();
    if (this.socket.writable) this.write(frame);
  }

  /** To the socket, or down the shaped link. */
  private write(bytes: Buffer, done?: () => void): void {
    if (this.up === null) this.socket.write(bytes, done);
    else this.up.push(bytes, done);
  }

  /** Ends our side: at once, or after the bytes still on the shaped link. */
  private end(): void {
    if (this.up === null) this.socket.end();
    else this.up.end();
  }

  private resumeSocket(): void {
    if ((this.flags & LINK_HELD) === 0) this.socket.resume();
  }

  /** Installs the shaped directions: the up one writes to the socket, the down one feeds the frame reader. */
  private shape(link: LinkShape): void {
    this.#beyond = {
      up: link.up ? new LinkDirection(link.up, new UpSink(this)) : null,
      down: link.down ? new LinkDirection(link.down, new DownSink(this)) : null,
      heartbeat: null,
    };
  }

  private stopLink(): void {
    this.up?.stop();
    this.down?.stop();
  }

  /** @internal Bytes off the outgoing link, to the socket. */
  _linkWrite(chunk: Buffer, done: (() => void) | undefined): void {
    if (this.socket.writable) this.socket.write(chunk, done);
    else done?.();
  }

  /** @internal Our side's end, off the outgoing link. */
  _linkEnd(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  /** @internal Bytes off the incoming link; false while reading is paused (they wait on the link). */
  _linkRead(chunk: Buffer): boolean {
    if ((this.flags & PAUSED) !== 0 && !this.stopped && this.state !== ReadyState.CLOSED) return false;
    this.take(chunk, false);
    const down = this.down;
    if ((this.flags & LINK_HELD) !== 0 && down !== null && down.queuedBytes < this.maxPayload / 2) {
      this.flags &= ~LINK_HELD;
      if ((this.flags & PAUSED) === 0) this.socket.resume();
    }
    return true;
  }

  /** @internal The server's end of the stream, off the incoming link. */
  _linkReadEnd(): void {
    if (this.state !== ReadyState.CLOSED) this.ended();
  }

  private handshake(chunk: Buffer, transient: boolean): void {
    const opening = this.#opening;
    if (opening === null) return;
    const buf = opening.answer === null ? chunk : Buffer.concat([opening.answer, chunk]);
    if (buf !== chunk) transient = false;
    const end = buf.indexOf("\r\n\r\n", 0, "latin1");
    if (end === -1) {
      if (buf.length > MAX_RESPONSE_HEAD) {
        this.handshakeFailed(
          new HandshakeError(`the server's answer head is over ${MAX_RESPONSE_HEAD} bytes`),
        );
      } else {
        opening.answer = transient ? Buffer.from(buf) : buf;
      }
      return;
    }
    opening.answer = null;
    let protocol: string;
    try {
      const answer = parseAnswer(buf.toString("latin1", 0, end));
      if (answer.status !== 101) {
        this.ending().failure = new ConnectError(
          `server answered the upgrade with HTTP ${answer.status} ${answer.statusText}`.trim(),
          { reason: "http-status", httpStatus: answer.status },
        );
        this.terminate();
        return;
      }
      protocol = checkAnswer(answer, opening.key, opening.protocols);
    } catch (err) {
      if (!(err instanceof HandshakeError)) throw err;
      this.handshakeFailed(err);
      return;
    }
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#opening = null;
    this.state = ReadyState.OPEN;
    this.flags |= OPENED;
    this.socket.setNoDelay(opening.noDelay);
    if (opening.heartbeat !== null) {
      this.#beyond ??= { up: null, down: null, heartbeat: null };
      this.#beyond.heartbeat = new Heartbeat(this, opening.heartbeat);
    }
    this.#owner._wsOpen(this, protocol);
    // Frames may follow the answer in the same chunk.
    if (buf.length > end + 4) this.receive(buf.subarray(end + 4), transient);
  }

  private handshakeFailed(error: HandshakeError): void {
    this.ending().error ??= error;
    this.terminate();
  }

  private closed(): void {
    if (!this.opened && this.error === null && this.failure === null) {
      // The server dropped the connection without answering: what Node's http client calls it.
      this.ending().error = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    }
    this.state = ReadyState.CLOSED;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.#beyond?.heartbeat?.stop();
    // Frames still unread in a paused socket are read now (as `ws` does): a close frame among them counts.
    if (this.opened && !this.stopped) {
      this.flags &= ~PAUSED;
      this.readUnread();
      // What the link held back (due, but reading was paused) had arrived: it counts too.
      this.down?.kick();
      const rest = this.socket.readableEnded ? null : (this.socket.read() as Buffer | null);
      if (rest !== null) this.receive(rest);
    }
    this.stopLink();
    this.stopReading();
    this.#pending = null;
    this.#owner._wsClose(this);
  }

  /** @internal Bytes from the socket; `transient`: the chunk is read into again after this call. */
  _onData(chunk: Buffer, transient: boolean): void {
    const down = this.down;
    if (down !== null) {
      // Copied: the link keeps it past this call. Past an input buffer's worth on the link, the
      // socket is not read: the server's send buffer fills, as behind a slow link.
      down.push(transient ? Buffer.from(chunk) : chunk);
      if ((this.flags & LINK_HELD) === 0 && down.queuedBytes >= this.maxPayload) {
        this.flags |= LINK_HELD;
        this.socket.pause();
      }
      return;
    }
    this.take(chunk, transient);
  }

  /** Bytes that arrived (through the link, if any): the handshake's answer, then frames. */
  private take(chunk: Buffer, transient: boolean): void {
    if (this.state === ReadyState.CONNECTING) {
      this.handshake(chunk, transient);
      return;
    }
    this.#beyond?.heartbeat?.alive();
    this.receive(chunk, transient);
  }

  /** @internal The server ended its side: end ours (the socket then closes). */
  _onEnd(): void {
    if (this.down !== null) this.down.end();
    else this.ended();
  }

  private ended(): void {
    if (this.state < ReadyState.CLOSING) this.state = ReadyState.CLOSING;
    this.end();
  }

  /** @internal Every socket error is followed by 'close'; the first one is kept for the report there. */
  _onError(err: Error): void {
    // A reset behind bytes still on the incoming link is seen after them (TCP's order).
    if (this.down !== null && this.down.queued > 0) this.down.after(() => this.onError(err));
    else this.onError(err);
  }

  private onError(err: Error): void {
    this.ending().error ??= err;
    if (this.state < ReadyState.CLOSING) this.state = ReadyState.CLOSING;
    this.socket.destroy();
  }

  /** @internal The socket is closed: seen once the bytes still on the incoming link are delivered (TCP's order). */
  _onClose(): void {
    if (this.down !== null && this.down.queued > 0) this.down.after(() => this.closed());
    else this.closed();
  }
}

// Socket listeners: shared by every connection, called with `this` = the socket.

function socketOnData(this: OwnedSocket, chunk: Buffer): void {
  this[kConnection]!._onData(chunk, false);
}

/** The read buffer of every plain socket of this thread (reads are synchronous: one at a time). */
const SHARED_READ = {
  buffer: Buffer.allocUnsafeSlow(64 * 1024),
  callback(this: OwnedSocket, nread: number, buffer: Uint8Array): boolean {
    this[kConnection]!._onData((buffer as Buffer).subarray(0, nread), true);
    return true; // pausing is the connection's own socket.pause()
  },
};

function socketOnEnd(this: OwnedSocket): void {
  this[kConnection]!._onEnd();
}

function socketOnError(this: OwnedSocket, err: Error): void {
  this[kConnection]!._onError(err);
}

function socketOnClose(this: OwnedSocket): void {
  this[kConnection]!._onClose();
}

/** The outgoing link's end: the socket. */
class UpSink implements LinkSink {
  constructor(readonly conn: ClientConnection) {}
  write(chunk: Buffer, done: (() => void) | undefined): boolean {
    this.conn._linkWrite(chunk, done);
    return true;
  }
  end(): void {
    this.conn._linkEnd();
  }
}

/** The incoming link's end: the frame reader. */
class DownSink implements LinkSink {
  constructor(readonly conn: ClientConnection) {}
  write(chunk: Buffer): boolean {
    return this.conn._linkRead(chunk);
  }
  end(): void {
    this.conn._linkReadEnd();
  }
}

function flushTick(conn: ClientConnection): void {
  conn._flush();
}

function readOn(conn: ClientConnection): void {
  conn._readOn();
}

function connectTimedOut(conn: ClientConnection): void {
  conn._connectTimedOut();
}

function closeTimedOut(conn: ClientConnection): void {
  conn._closeTimedOut();
}
