/**
 * Godot 3's WebSocket buffer limits (WSLClient::set_buffers, PacketBuffer, RingBuffer):
 * sizes are rounded up to powers of two, a ring of 2^n slots holds 2^n - 1 entries, and a
 * packet that does not fit the input ring is dropped (the connection stays open).
 */
import { WebSocketArgumentError } from "./errors.js";

export interface BufferSizes {
  /** Input buffer in KiB (project setting network/limits/websocket_client/max_in_buffer_kb). */
  readonly inputBufferSizeKb: number;
  /** Input packets (…/max_in_packets). */
  readonly inputMaxPackets: number;
  /** Output buffer in KiB (…/max_out_buffer_kb). */
  readonly outputBufferSizeKb: number;
  /** Output packets (…/max_out_packets). */
  readonly outputMaxPackets: number;
}

/** Godot 3's defaults for a WebSocketClient (the engine's project settings, read from 3.2.3 and 3.6.2). */
export const GODOT3_CLIENT_BUFFERS: BufferSizes = {
  inputBufferSizeKb: 64,
  inputMaxPackets: 1024,
  outputBufferSizeKb: 64,
  outputMaxPackets: 1024,
};

/** Bits needed to hold `n` (Godot's nearest_shift): 0 → 0, 1 → 1, 63 → 6, 64 → 7. */
export function nearestShift(n: number): number {
  let shift = 0;
  for (let v = n; v > 0; v = Math.floor(v / 2)) shift++;
  return shift;
}

/** The limits the engine derives from BufferSizes, in bytes and packets. */
export interface BufferLimits {
  /** Ring capacity for incoming payload bytes: 2^shift - 1. */
  readonly inputBytes: number;
  /** Ring capacity for incoming packets: 2^shift - 1. */
  readonly inputPackets: number;
  /** Largest message accepted from the server (wslay's max_recv_msg_length): 2^shift bytes. */
  readonly maxMessageBytes: number;
  /** put_packet fails once queued bytes + the new packet reach this. */
  readonly outputBytes: number;
  /** put_packet fails once this many messages are queued; 0 means no limit (Godot's shift-0 case). */
  readonly outputPackets: number;
}

const MAX_KB = 1 << 20; // 1 GiB: beyond that nobody means it, and 2^shift stays a safe integer.

function checkCount(value: number, name: string, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new WebSocketArgumentError(`${name} must be an integer from 1 to ${max}, got ${value}`, name);
  }
}

/** Validates sizes and derives the byte/packet limits exactly as Godot 3 does. */
export function bufferLimits(sizes: BufferSizes): BufferLimits {
  checkCount(sizes.inputBufferSizeKb, "inputBufferSizeKb", MAX_KB);
  checkCount(sizes.inputMaxPackets, "inputMaxPackets", 1 << 24);
  checkCount(sizes.outputBufferSizeKb, "outputBufferSizeKb", MAX_KB);
  checkCount(sizes.outputMaxPackets, "outputMaxPackets", 1 << 24);
  const inBuf = nearestShift(sizes.inputBufferSizeKb - 1) + 10;
  const inPkt = nearestShift(sizes.inputMaxPackets - 1);
  const outBuf = nearestShift(sizes.outputBufferSizeKb - 1) + 10;
  const outPkt = nearestShift(sizes.outputMaxPackets - 1);
  return {
    inputBytes: pow2(inBuf) - 1,
    inputPackets: pow2(inPkt) - 1,
    maxMessageBytes: pow2(inBuf),
    outputBytes: pow2(outBuf),
    outputPackets: outPkt === 0 ? 0 : pow2(outPkt),
  };
}

/**
 * 2^n as a small integer where it fits: `2 ** n` computed at run time is a heap number, and a
 * field once given one keeps every later value boxed (16 B more in each connection that copies it).
 */
function pow2(n: number): number {
  return n < 30 ? 1 << n : 2 ** n;
}

export interface InputPacket {
  readonly data: Uint8Array;
  readonly isString: boolean;
}

/** The input ring: FIFO of packets bounded by Godot's byte and packet capacities. */
export class InputPacketBuffer {
  #packets: InputPacket[] = [];
  #head = 0;
  #bytes = 0;

  constructor(private limits: { readonly inputBytes: number; readonly inputPackets: number }) {}

  /** Adds a packet; false (packet dropped) when it does not fit, as Godot's write_packet. */
  write(packet: InputPacket): boolean {
    if (this.#bytes + packet.data.length > this.limits.inputBytes) return false;
    if (this.count + 1 > this.limits.inputPackets) return false;
    this.#packets.push(packet);
    this.#bytes += packet.data.length;
    return true;
  }

  read(): InputPacket | undefined {
    if (this.#head >= this.#packets.length) return undefined;
    const p = this.#packets[this.#head]!;
    this.#packets[this.#head] = undefined as unknown as InputPacket;
    this.#head++;
    this.#bytes -= p.data.length;
    if (this.#head > 64 && this.#head * 2 > this.#packets.length) {
      this.#packets = this.#packets.slice(this.#head);
      this.#head = 0;
    }
    return p;
  }

  get count(): number {
    return this.#packets.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  clear(): void {
    this.#packets = [];
    this.#head = 0;
    this.#bytes = 0;
  }
}
