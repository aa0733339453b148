/**
 * WebSocketPeer: the packet side of one connection (Godot's WSLPeer): put/get packets and
 * Variants, write mode, close, the remote address. Obtained from WebSocketClient.getPeer(1).
 * A client's peer sends through the client's own connection (connection.ts); a server's peer
 * (src/server) through a `ws` socket, wrapped in WsTransport.
 */
import type { Socket } from "node:net";
import type WebSocket from "ws";
import { GodotError } from "../core/index.js";
import { type BufferLimits, InputPacketBuffer } from "./buffers.js";
import { checkClose } from "./close-codes.js";
import { WebSocketArgumentError, WebSocketError } from "./errors.js";
import { DecodeError, getVar, putVar, type Variant } from "./variant-codec.js";

/** Godot 3's WebSocketPeer.WriteMode. */
export const WriteMode = {
  TEXT: 0,
  BINARY: 1,
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** PacketPeer.encode_buffer_max_size's default: 8 MiB. */
const DEFAULT_ENCODE_BUFFER_MAX_SIZE = 8 * 1024 * 1024;

/** What a server tells a peer when its `ws` connection comes up. */
export interface PeerLink {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly limits: BufferLimits;
  /** Called when the user closes through the peer (the owner records who closed). */
  readonly onUserClose: () => void;
  /** Where sent messages are counted, if anywhere. */
  readonly traffic?: Traffic;
  /**
   * Send the messages of one tick in one write. Not for a server's peers: there a burst — a
   * newcomer's greeting in a big game — would count whole against the packet limit.
   */
  readonly batchWrites?: boolean;
}

/** What a peer sends through: the client's connection, or a server's `ws` socket (WsTransport). */
export interface PeerTransport {
  readonly socket: Socket;
  /** Open: not closing or closed underneath. */
  readonly isOpen: boolean;
  /** Bytes given to send that are not yet handed to the kernel. */
  readonly bufferedAmount: number;
  /** Sends whose write has not completed. */
  readonly inFlight: number;
  send(data: Uint8Array, binary: boolean): void;
  /** The user closes (the code and reason are checked). */
  close(code: number, reason: Uint8Array): void;
}

/** A server's `ws` socket as a PeerTransport. */
class WsTransport implements PeerTransport {
  #inFlight = 0;
  /** Is the socket corked until the end of this tick? */
  #corked = false;

  constructor(readonly link: PeerLink) {}

  get socket(): Socket {
    return this.link.socket;
  }

  get isOpen(): boolean {
    return this.link.ws.readyState === this.link.ws.OPEN;
  }

  get bufferedAmount(): number {
    return this.link.ws.bufferedAmount;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  send(data: Uint8Array, binary: boolean): void {
    const { ws, socket } = this.link;
    this.#inFlight++;
    if (this.link.batchWrites && !this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        socket.uncork();
      });
    }
    // No copy: ws treats a caller's bytes as read-only until they are written.
    ws.send(data, { binary }, () => {
      this.#inFlight--;
    });
  }

  close(code: number, reason: Uint8Array): void {
    this.link.onUserClose();
    this.link.ws.close(code, Buffer.from(reason.buffer, reason.byteOffset, reason.length));
  }
}

/** Messages and bytes as the socket saw them, both ways. */
export interface Traffic {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export class WebSocketPeer {
  #transport: PeerTransport | null = null;
  #limits: BufferLimits | null = null;
  #traffic: Traffic | null = null;
  /** The input ring, made on the first packet stored (a multiplayer connection never needs one). */
  #in: InputPacketBuffer | null = null;
  #closing = false;
  #writeMode: WriteMode = WriteMode.BINARY;
  #wasString = false;
  #packetError: GodotError = GodotError.OK;
  /** The last typed error behind a failed call (decode error, refused packet …). */
  lastError: WebSocketError | DecodeError | null = null;
  /** PacketPeer.encode_buffer_max_size: putVar refuses an encoding larger than this. */
  encodeBufferMaxSize = DEFAULT_ENCODE_BUFFER_MAX_SIZE;

  /** PacketPeer.allow_object_decoding: always false here (objects are never decoded). */
  get allowObjectDecoding(): false {
    return false;
  }

  set allowObjectDecoding(value: boolean) {
    if (value) {
      throw new WebSocketArgumentError(
        "object decoding is not supported (objects are not allowed)",
        "allowObjectDecoding",
      );
    }
  }

  // ---- PacketPeer ----

  /** Sends one message, as a text or binary frame per writeMode. */
  putPacket(buffer: Uint8Array): GodotError {
    const transport = this.#transport;
    if (!transport || this.#closing) return this.#fail(GodotError.FAILED, "not connected (or closing)");
    if (!(buffer instanceof Uint8Array)) {
      return this.#fail(GodotError.ERR_INVALID_PARAMETER, "putPacket takes a Uint8Array");
    }
    const limits = this.#limits!;
    // Gone underneath (close not yet delivered by poll): Godot's send fails the same way.
    if (!transport.isOpen) return this.#fail(GodotError.FAILED, "connection is closing");
    // Godot counts what wslay still holds; bufferedAmount is what Node has not handed to the
    // kernel yet. A send that reached the kernel at once leaves it 0 although its callback is due.
    const queuedBytes = transport.bufferedAmount;
    const queuedPackets = queuedBytes === 0 ? 0 : transport.inFlight;
    if (limits.outputPackets !== 0 && queuedPackets >= limits.outputPackets) {
      return this.#fail(GodotError.ERR_OUT_OF_MEMORY, `output buffer full: ${queuedPackets} messages queued`);
    }
    if (queuedBytes + buffer.length >= limits.outputBytes) {
      return this.#fail(
        GodotError.ERR_OUT_OF_MEMORY,
        `output buffer full: ${queuedBytes} bytes queued, ${buffer.length} more would reach ${limits.outputBytes}`,
      );
    }
    const traffic = this.#traffic;
    if (traffic) {
      traffic.msgsOut++;
      traffic.bytesOut += buffer.length;
    }
    // No copy: a client masks every frame into a fresh buffer, and ws treats a server's bytes as
    // read-only, so the caller may reuse its buffer at once. A client's messages put in one tick
    // leave in one write (our choice: Godot writes inside put_packet, but one syscall per message
    // was most of a busy bot's CPU). Until the flush they count as queued.
    transport.send(buffer, this.#writeMode === WriteMode.BINARY);
    return GodotError.OK;
  }

  /** The next received message (empty on error; see getPacketError()). */
  getPacket(): Uint8Array {
    if (!this.#transport) {
      this.#packetError = GodotError.FAILED;
      return new Uint8Array(0);
    }
    const p = this.#in?.read();
    if (!p) {
      this.#packetError = GodotError.ERR_UNAVAILABLE;
      return new Uint8Array(0);
    }
    this.#wasString = p.isString;
    this.#packetError = GodotError.OK;
    return p.data;
  }

  /** The error of the last getPacket()/getVar(). */
  getPacketError(): GodotError {
    return this.#packetError;
  }

  getAvailablePacketCount(): number {
    return this.#transport && this.#in ? this.#in.count : 0;
  }

  /** Encodes `value` with Godot 3's marshalls and sends it (objects are not supported). */
  putVar(value: Variant, fullObjects = false): GodotError {
    if (fullObjects) {
      throw new WebSocketArgumentError(
        "full object encoding is not supported (objects are not allowed)",
        "fullObjects",
      );
    }
    let bytes: Uint8Array;
    try {
      bytes = putVar(value, { dialect: "godot3" });
    } catch (err) {
      this.lastError = new WebSocketError(`putVar: ${(err as Error).message}`, GodotError.ERR_INVALID_DATA, {
        cause: err,
      });
      return GodotError.ERR_INVALID_DATA;
    }
    if (bytes.length > this.encodeBufferMaxSize) {
      return this.#fail(
        GodotError.ERR_OUT_OF_MEMORY,
        `putVar: encoding is ${bytes.length} bytes, encodeBufferMaxSize is ${this.encodeBufferMaxSize}`,
      );
    }
    return this.putPacket(bytes);
  }

  /**
   * Decodes the next message as a Godot 3 Variant. Like Godot, a bad packet gives null and
   * getPacketError() === ERR_INVALID_DATA; the DecodeError (offset, reason) is in lastError.
   */
  getVar(allowObjects = false): Variant | null {
    if (allowObjects) {
      throw new WebSocketArgumentError(
        "object decoding is not supported (objects are not allowed)",
        "allowObjects",
      );
    }
    const packet = this.getPacket();
    if (this.#packetError !== GodotError.OK) return null;
    try {
      return getVar(packet, { dialect: "godot3", allowObjects: false });
    } catch (err) {
      if (!(err instanceof DecodeError)) throw err;
      this.lastError = err;
      this.#packetError = GodotError.ERR_INVALID_DATA;
      return null;
    }
  }

  // ---- WebSocketPeer ----

  getWriteMode(): WriteMode {
    return this.#writeMode;
  }

  setWriteMode(mode: WriteMode): void {
    if (mode !== WriteMode.TEXT && mode !== WriteMode.BINARY) {
      throw new WebSocketArgumentError(
        `write mode must be WriteMode.TEXT (0) or WriteMode.BINARY (1), got ${mode}`,
        "mode",
      );
    }
    this.#writeMode = mode;
  }

  get writeMode(): WriteMode {
    return this.#writeMode;
  }

  set writeMode(mode: WriteMode) {
    this.setWriteMode(mode);
  }

  /** Whether the last packet read came in a text frame. */
  wasStringPacket(): boolean {
    return this.#wasString;
  }

  /** True from the handshake until the connection is gone (also while a close is under way). */
  isConnectedToHost(): boolean {
    return this.#transport !== null;
  }

  /**
   * Starts the close handshake (connection_closed follows). Unread packets are discarded, as
   * in Godot. Throws WebSocketArgumentError for a code or reason that may not be sent.
   */
  close(code = 1000, reason = ""): void {
    const bytes = checkClose(code, reason);
    this.#in?.clear();
    const transport = this.#transport;
    if (!transport || this.#closing) return;
    this.#closing = true;
    transport.close(code, bytes);
  }

  /** Remote IP ("" when not connected, as Godot's empty IP_Address). */
  getConnectedHost(): string {
    const addr = this.#transport?.socket.remoteAddress ?? "";
    return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
  }

  /** Remote port (0 when not connected). */
  getConnectedPort(): number {
    return this.#transport?.socket.remotePort ?? 0;
  }

  /** TCP_NODELAY (on by default, as Godot 3's client sets it). */
  setNoDelay(enabled: boolean): void {
    this.#transport?.socket.setNoDelay(enabled);
  }

  /** Bytes given to send that are not yet handed to the kernel. */
  getCurrentOutboundBufferedAmount(): number {
    return this.#transport?.bufferedAmount ?? 0;
  }

  // ---- for WebSocketClient only ----

  /** @internal A server's `ws` connection came up. */
  _attach(link: PeerLink): void {
    this._attachTransport(new WsTransport(link), link.limits, link.traffic ?? null);
  }

  /** @internal A connection came up: the client's own, or a server's wrapped one. */
  _attachTransport(transport: PeerTransport, limits: BufferLimits, traffic: Traffic | null): void {
    this.#transport = transport;
    this.#limits = limits;
    this.#traffic = traffic;
    this.#in = null;
    this.#closing = false;
  }

  /** @internal The connection is gone: unread packets go with it, as in Godot. */
  _detach(): void {
    this.#transport = null;
    this.#in = null;
  }

  /**
   * @internal A message arrived: "ok" when stored, the reason when the full ring dropped it,
   * "ignored" once our close is sent (Godot's message callback ignores everything then).
   */
  _receive(data: Uint8Array, isString: boolean): "ok" | "ignored" | "input-bytes" | "input-packets" {
    const limits = this.#limits;
    if (!this.#transport || !limits || this.#closing) return "ignored";
    this.#in ??= new InputPacketBuffer(limits);
    const ring = this.#in;
    if (ring.write({ data, isString })) return "ok";
    return ring.bytes + data.length > limits.inputBytes ? "input-bytes" : "input-packets";
  }

  /** @internal Whether the user already started the close. */
  get _closing(): boolean {
    return this.#closing;
  }

  #fail(code: GodotError, message: string): GodotError {
    this.lastError = new WebSocketError(message, code);
    return code;
  }
}
