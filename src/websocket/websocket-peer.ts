/**
 * WebSocketPeer: the packet side of one connection (Godot's WSLPeer): put/get packets and
 * Variants, write mode, close, the remote address. Obtained from WebSocketClient.getPeer(1).
 */
import type { Socket } from "node:net";
import type WebSocket from "ws";
import { type BufferLimits, InputPacketBuffer } from "./buffers.js";
import { checkClose } from "./close-codes.js";
import { GodotError, WebSocketArgumentError, WebSocketError } from "./errors.js";
import { DecodeError, getVar, putVar, type Variant } from "./variant-codec.js";

/** Godot 3's WebSocketPeer.WriteMode. */
export const WriteMode = {
  TEXT: 0,
  BINARY: 1,
} as const;
export type WriteMode = (typeof WriteMode)[keyof typeof WriteMode];

/** PacketPeer.encode_buffer_max_size's default: 8 MiB. */
const DEFAULT_ENCODE_BUFFER_MAX_SIZE = 8 * 1024 * 1024;

/** What the client tells its peer when the connection comes up. */
export interface PeerLink {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly limits: BufferLimits;
  /** Called when the user closes through the peer (the client records who closed). */
  readonly onUserClose: () => void;
  /** Where sent messages are counted, if anywhere. */
  readonly traffic?: Traffic;
  /**
   * Send the messages of one tick in one write (the client). Not for a server's peers: there a
   * burst — a newcomer's greeting in a big game — would count whole against the packet limit.
   */
  readonly batchWrites?: boolean;
}

/** Messages and bytes as the socket saw them, both ways. */
export interface Traffic {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export class WebSocketPeer {
  #link: PeerLink | null = null;
  #in: InputPacketBuffer | null = null;
  #closing = false;
  #writeMode: WriteMode = WriteMode.BINARY;
  #wasString = false;
  #packetError: GodotError = GodotError.OK;
  /** Is the socket corked until the end of this tick? */
  #corked = false;
  /** Sends handed to ws whose write callback has not run yet. */
  #inFlight = 0;
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
    const link = this.#link;
    if (!link || this.#closing) return this.#fail(GodotError.FAILED, "not connected (or closing)");
    if (!(buffer instanceof Uint8Array)) {
      return this.#fail(GodotError.ERR_INVALID_PARAMETER, "putPacket takes a Uint8Array");
    }
    const { limits, ws } = link;
    // Gone underneath (close not yet delivered by poll): Godot's send fails the same way.
    if (ws.readyState !== ws.OPEN) return this.#fail(GodotError.FAILED, "connection is closing");
    // Godot counts what wslay still holds; ws.bufferedAmount is what Node has not handed to the
    // kernel yet. A send that reached the kernel at once leaves it 0 although its callback is due.
    const queuedBytes = ws.bufferedAmount;
    const queuedPackets = queuedBytes === 0 ? 0 : this.#inFlight;
    if (limits.outputPackets !== 0 && queuedPackets >= limits.outputPackets) {
      return this.#fail(GodotError.ERR_OUT_OF_MEMORY, `output buffer full: ${queuedPackets} messages queued`);
    }
    if (queuedBytes + buffer.length >= limits.outputBytes) {
      return this.#fail(
        GodotError.ERR_OUT_OF_MEMORY,
        `output buffer full: ${queuedBytes} bytes queued, ${buffer.length} more would reach ${limits.outputBytes}`,
      );
    }
    this.#inFlight++;
    if (link.traffic) {
      link.traffic.msgsOut++;
      link.traffic.bytesOut += buffer.length;
    }
    // No copy: a client masks every frame, and ws masks a caller's bytes into a fresh frame
    // buffer (it treats them as read-only), so the caller may reuse its buffer at once.
    // Messages put in one tick leave in one write, as Godot's wslay flushes once a poll: one
    // syscall per message was most of a busy bot's CPU. Until the flush they count as queued.
    if (link.batchWrites && !this.#corked) {
      this.#corked = true;
      link.socket.cork();
      process.nextTick(() => {
        this.#corked = false;
        link.socket.uncork();
      });
    }
    ws.send(buffer, { binary: this.#writeMode === WriteMode.BINARY }, () => {
      this.#inFlight--;
    });
    return GodotError.OK;
  }

  /** The next received message (empty on error; see getPacketError()). */
  getPacket(): Uint8Array {
    if (!this.#link || !this.#in) {
      this.#packetError = GodotError.FAILED;
      return new Uint8Array(0);
    }
    const p = this.#in.read();
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
    return this.#link && this.#in ? this.#in.count : 0;
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
    return this.#link !== null;
  }

  /**
   * Starts the close handshake (connection_closed follows). Unread packets are discarded, as
   * in Godot. Throws WebSocketArgumentError for a code or reason that may not be sent.
   */
  close(code = 1000, reason = ""): void {
    const bytes = checkClose(code, reason);
    this.#in?.clear();
    const link = this.#link;
    if (!link || this.#closing) return;
    this.#closing = true;
    link.onUserClose();
    link.ws.close(code, bytes);
  }

  /** Remote IP ("" when not connected, as Godot's empty IP_Address). */
  getConnectedHost(): string {
    const addr = this.#link?.socket.remoteAddress ?? "";
    return addr.startsWith("::ffff:") && addr.includes(".") ? addr.slice(7) : addr;
  }

  /** Remote port (0 when not connected). */
  getConnectedPort(): number {
    return this.#link?.socket.remotePort ?? 0;
  }

  /** TCP_NODELAY (on by default, as Godot 3's client sets it). */
  setNoDelay(enabled: boolean): void {
    this.#link?.socket.setNoDelay(enabled);
  }

  /** Bytes given to send that are not yet handed to the kernel. */
  getCurrentOutboundBufferedAmount(): number {
    return this.#link?.ws.bufferedAmount ?? 0;
  }

  // ---- for WebSocketClient only ----

  /** @internal The connection came up. */
  _attach(link: PeerLink): void {
    this.#link = link;
    this.#in = new InputPacketBuffer(link.limits);
    this.#closing = false;
  }

  /** @internal The connection is gone: unread packets go with it, as in Godot. */
  _detach(): void {
    this.#link = null;
    this.#in?.clear();
    this.#in = null;
  }

  /**
   * @internal A message arrived: "ok" when stored, the reason when the full ring dropped it,
   * "ignored" once our close is sent (Godot's message callback ignores everything then).
   */
  _receive(data: Uint8Array, isString: boolean): "ok" | "ignored" | "input-bytes" | "input-packets" {
    const ring = this.#in;
    if (!ring || this.#closing) return "ignored";
    if (ring.write({ data, isString })) return "ok";
    return ring.bytes + data.length > (this.#link?.limits.inputBytes ?? 0) ? "input-bytes" : "input-packets";
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
