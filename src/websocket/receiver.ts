/**
 * Reading a server's frames (RFC 6455 §5): a small state machine fed with socket chunks.
 *
 * A frame wholly inside a chunk is delivered as a view of it (no copy), unless the chunk is
 * transient (the socket reads into one buffer shared by every connection): then whatever is kept
 * past this call is copied, small payloads into the GC's heap. A frame split across
 * chunks is copied once, into a buffer of its exact length allocated only after that length
 * passed the limit — so a header claiming 2^62 bytes allocates nothing. A header split across
 * chunks (at most 13 bytes) is carried to the next one. Fragments are joined at the final frame.
 *
 * Godot 3's client is wslay with no extensions: no permessage-deflate, so RSV1 is an error. Every
 * fault ends reading with a ProtocolError naming the close code to send (the `ws` library's
 * messages and codes, which this layer reported before it had its own client).
 */
import { isUtf8 } from "node:buffer";
import { isSendableCloseCode } from "./close-codes.js";
import { ProtocolError } from "./errors.js";
import { EMPTY, Opcode } from "./sender.js";

/** Payload lengths above 2^53 - 1 cannot be counted exactly: refused before anything else. */
const MAX_HIGH_WORD = 2 ** 21 - 1;
/** FrameReceiver's flag; a subclass's are below it. */
const STOPPED = 1 << 20;
/** The payload of every empty frame. */
const NOTHING = new Uint8Array(0);

/**
 * Copies of transient payloads are carved from one 64 KiB buffer after another rather than each
 * given a buffer of its own (V8 allocates, tracks and frees each: about 1.3 µs for a 1350-byte
 * SYNC, 60,000 times a second for 1,000 bots following a game). A copy kept alive keeps its
 * buffer, as the `ws` library's payloads, views of the socket's 64 KiB chunk, keep theirs.
 */
const POOL_SIZE = 64 * 1024;
/** Larger payloads get their own buffer (at most a quarter of a pool lost to its end). */
const POOLED_MAX = POOL_SIZE / 4;
/** In V8's heap anyway: the GC's, not a pool's. */
const ON_HEAP_MAX = 64;
let pool = new ArrayBuffer(POOL_SIZE);
let poolUsed = 0;

function copyOut(data: Uint8Array): Uint8Array {
  const n = data.length;
  if (n <= ON_HEAP_MAX || n > POOLED_MAX) return data.slice();
  if (poolUsed + n > POOL_SIZE) {
    pool = new ArrayBuffer(POOL_SIZE);
    poolUsed = 0;
  }
  const copy = new Uint8Array(pool, poolUsed, n);
  copy.set(data);
  // Eight-byte aligned: a reader's Float64Array or DataView over a payload stays on its words.
  poolUsed += (n + 7) & ~7;
  return copy;
}

/**
 * What a chunk's end or a pause left half-read: made when there is some, dropped once there is
 * none, so that an idle connection (every frame whole in its chunk) holds none of it. Exported
 * for the idle-memory test (not from the index).
 */
export class Unfinished {
  /** The start of a frame header that the last chunk cut (copied: at most 13 bytes). */
  head: Buffer | null = null;
  /** A frame payload split across chunks, filled as they come. */
  body: Buffer | null = null;
  bodyFilled = 0;
  bodyOpcode = 0;
  bodyFin = false;
  /** The opcode of a fragmented message in progress (0: none), its fragments and their bytes. */
  fragmentOpcode = 0;
  fragments: Uint8Array[] | null = null;
  fragmentBytes = 0;
  /** What a pause left unread of the last chunk (a view: frames are read from it later). */
  unread: Buffer | null = null;
}

// The methods are TypeScript-private, not #private: a class with # methods costs each instance a
// slot (V8's brand), and a swarm holds one receiver per connection.
export abstract class FrameReceiver {
  /** Largest message (all its fragments) accepted: wslay's max_recv_msg_length. 0: no limit. */
  protected maxPayload = 0;
  /**
   * STOPPED (reading is over: a close frame arrived, a fault was found, or the connection was
   * dropped); the bits below it are the subclass's own flags (one field for both).
   */
  protected flags = 0;
  /** The half-read frame or message, if any (null: every frame so far was whole in its chunk). */
  #unfinished: Unfinished | null = null;

  /** A whole message (text already checked to be UTF-8). */
  protected abstract onMessage(data: Uint8Array, isString: boolean): void;
  protected abstract onPing(data: Uint8Array): void;
  protected abstract onPong(data: Uint8Array): void;
  /** The server's close frame (1005: it had no code). Reading has stopped. */
  protected abstract onCloseFrame(code: number, reason: Buffer): void;
  /** A fault in the stream. Reading has stopped. */
  protected abstract onProtocolError(error: ProtocolError): void;

  /** Whether to stop before the next frame, keeping the rest of the chunk for readUnread(). */
  protected abstract get readPaused(): boolean;

  /** Whether a pause left frames unread. */
  protected get hasUnread(): boolean {
    return (this.#unfinished?.unread ?? null) !== null;
  }

  /** Reads what a pause left (it may pause again). */
  protected readUnread(): void {
    const u = this.#unfinished;
    const unread = u?.unread ?? null;
    if (u === null || unread === null) return;
    u.unread = null;
    this.tidy();
    this.receive(unread);
  }

  /** Whether reading is over (nothing more will be delivered). */
  protected get stopped(): boolean {
    return (this.flags & STOPPED) !== 0;
  }

  /** Ignores every later byte (the connection is dropped or failed). */
  protected stopReading(): void {
    this.flags |= STOPPED;
    this.#unfinished = null;
  }

  /**
   * Feeds one chunk read from the socket. `transient`: the chunk's memory is read into again
   * after this call, so nothing may keep a view of it.
   */
  protected receive(data: Buffer, transient = false): void {
    if ((this.flags & STOPPED) !== 0) return;
    let chunk = data;
    let pos = 0;
    const u = this.#unfinished;
    if (u !== null) {
      if (u.unread !== null) {
        chunk = Buffer.concat([u.unread, data]);
        u.unread = null;
        transient = false;
      }
      if (u.head !== null) {
        chunk = Buffer.concat([u.head, data]);
        u.head = null;
        transient = false;
      }
      const body = u.body;
      if (body !== null) {
        const take = Math.min(body.length - u.bodyFilled, chunk.length);
        chunk.copy(body, u.bodyFilled, 0, take);
        u.bodyFilled += take;
        pos = take;
        if (u.bodyFilled < body.length) return;
        u.body = null;
        this.tidy();
        this.frame(u.bodyOpcode, u.bodyFin, body, false);
      } else {
        this.tidy();
      }
    }
    const end = chunk.length;
    while (pos < end && (this.flags & STOPPED) === 0) {
      if (this.readPaused) {
        // Backpressure: the rest waits here, as it would in the kernel.
        this.unfinished().unread = transient ? Buffer.from(chunk.subarray(pos)) : chunk.subarray(pos);
        return;
      }
      if (end - pos < 2) break;
      const b0 = chunk[pos]!;
      const b1 = chunk[pos + 1]!;
      let size = b1 & 0x7f;
      const headLength = size === 126 ? 4 : size === 127 ? 10 : 2;
      if (end - pos < headLength) break;
      const fin = (b0 & 0x80) !== 0;
      const opcode = b0 & 0x0f;
      if (!this.checkHeader(b0, b1, fin, opcode, size)) return;
      if (size === 126) {
        size = chunk.readUInt16BE(pos + 2);
      } else if (size === 127) {
        const high = chunk.readUInt32BE(pos + 2);
        if (high > MAX_HIGH_WORD) {
          this.fail(
            1009,
            "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH",
            "Unsupported WebSocket frame: payload length > 2^53 - 1",
            false,
          );
          return;
        }
        size = high * 2 ** 32 + chunk.readUInt32BE(pos + 6);
      }
      const fragmentBytes = this.#unfinished?.fragmentBytes ?? 0;
      if (opcode < 0x8 && this.maxPayload > 0 && fragmentBytes + size > this.maxPayload) {
        this.fail(1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH", "Max payload size exceeded", false);
        return;
      }
      pos += headLength;
      if (end - pos >= size) {
        const payload = size === 0 ? NOTHING : new Uint8Array(chunk.buffer, chunk.byteOffset + pos, size);
        pos += size;
        this.frame(opcode, fin, payload, transient);
        continue;
      }
      // The payload goes on in the next chunks: one buffer of its exact (checked) length.
      const body = Buffer.allocUnsafe(size);
      chunk.copy(body, 0, pos, end);
      const w = this.unfinished();
      w.body = body;
      w.bodyFilled = end - pos;
      w.bodyOpcode = opcode;
      w.bodyFin = fin;
      return;
    }
    if (pos < end && (this.flags & STOPPED) === 0) this.unfinished().head = Buffer.from(chunk.subarray(pos));
  }

  private unfinished(): Unfinished {
    this.#unfinished ??= new Unfinished();
    return this.#unfinished;
  }

  /** Drops the half-read state once nothing is half-read. */
  private tidy(): void {
    const u = this.#unfinished;
    if (u !== null && u.head === null && u.body === null && u.fragments === null && u.unread === null) {
      this.#unfinished = null;
    }
  }

  /** RFC 6455 §5.2 and §5.5 for a header's first two bytes; false (and a fault) when broken. */
  private checkHeader(b0: number, b1: number, fin: boolean, opcode: number, size: number): boolean {
    const fragmentOpcode = this.#unfinished?.fragmentOpcode ?? 0;
    if ((b0 & 0x30) !== 0) return this.fail(1002, "WS_ERR_UNEXPECTED_RSV_2_3", "RSV2 and RSV3 must be clear");
    if ((b0 & 0x40) !== 0) return this.fail(1002, "WS_ERR_UNEXPECTED_RSV_1", "RSV1 must be clear");
    if (opcode === Opcode.CONTINUATION) {
      if (fragmentOpcode === 0) return this.fail(1002, "WS_ERR_INVALID_OPCODE", "invalid opcode 0");
    } else if (opcode === Opcode.TEXT || opcode === Opcode.BINARY) {
      if (fragmentOpcode !== 0) return this.fail(1002, "WS_ERR_INVALID_OPCODE", `invalid opcode ${opcode}`);
    } else if (opcode === Opcode.CLOSE || opcode === Opcode.PING || opcode === Opcode.PONG) {
      if (!fin) return this.fail(1002, "WS_ERR_EXPECTED_FIN", "FIN must be set");
      if (size > 125 || (opcode === Opcode.CLOSE && size === 1)) {
        return this.fail(1002, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH", `invalid payload length ${size}`);
      }
    } else {
      return this.fail(1002, "WS_ERR_INVALID_OPCODE", `invalid opcode ${opcode}`);
    }
    // A server never masks (§5.1).
    if ((b1 & 0x80) !== 0) return this.fail(1002, "WS_ERR_UNEXPECTED_MASK", "MASK must be clear");
    return true;
  }

  /** One whole frame. */
  private frame(opcode: number, fin: boolean, data: Uint8Array, transient: boolean): void {
    // A transient view is copied (a ping's payload is echoed at once: no need).
    const payload = transient && opcode !== Opcode.PING && data.length > 0 ? copyOut(data) : data;
    if (opcode >= 0x8) {
      if (opcode === Opcode.PING) this.onPing(payload);
      else if (opcode === Opcode.PONG) this.onPong(payload);
      else this.closeFrame(payload);
      return;
    }
    if (opcode !== Opcode.CONTINUATION) {
      if (fin) {
        this.message(payload, opcode === Opcode.TEXT);
        return;
      }
      const w = this.unfinished();
      w.fragmentOpcode = opcode;
      w.fragments = [payload];
      w.fragmentBytes = payload.length;
      return;
    }
    const w = this.#unfinished!;
    w.fragments!.push(payload);
    w.fragmentBytes += payload.length;
    if (!fin) return;
    const whole = Buffer.concat(w.fragments!, w.fragmentBytes);
    const isString = w.fragmentOpcode === Opcode.TEXT;
    w.fragmentOpcode = 0;
    w.fragments = null;
    w.fragmentBytes = 0;
    this.tidy();
    this.message(new Uint8Array(whole.buffer, whole.byteOffset, whole.length), isString);
  }

  private message(data: Uint8Array, isString: boolean): void {
    // Like wslay for Godot 3, a text message that is not UTF-8 fails the connection with 1007.
    if (isString && !isUtf8(data)) {
      this.fail(1007, "WS_ERR_INVALID_UTF8", "invalid UTF-8 sequence");
      return;
    }
    this.onMessage(data, isString);
  }

  private closeFrame(payload: Uint8Array): void {
    if (payload.length === 0) {
      this.stopReading();
      this.onCloseFrame(1005, EMPTY);
      return;
    }
    const code = (payload[0]! << 8) | payload[1]!;
    if (!isSendableCloseCode(code)) {
      this.fail(1002, "WS_ERR_INVALID_CLOSE_CODE", `invalid status code ${code}`);
      return;
    }
    const reason = Buffer.from(payload.buffer, payload.byteOffset + 2, payload.length - 2);
    if (!isUtf8(reason)) {
      this.fail(1007, "WS_ERR_INVALID_UTF8", "invalid UTF-8 sequence");
      return;
    }
    this.stopReading();
    this.onCloseFrame(code, reason);
  }

  /** A fault: reading stops and the connection is told. Always false (for checkHeader). */
  private fail(closeCode: number, code: string, message: string, prefix = true): false {
    this.stopReading();
    this.onProtocolError(
      new ProtocolError(prefix ? `Invalid WebSocket frame: ${message}` : message, closeCode, code),
    );
    return false;
  }
}
