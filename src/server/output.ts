/**
 * What the server writes to one client, and Godot 3's output limits.
 *
 * Batching: every frame a client is sent during one event-loop turn leaves in one write — the
 * socket is corked on the first frame and uncorked by one flush per server at the end of the
 * turn (`OutputBatch`). Godot 3.2.1+ hands each frame to the kernel at once (put_packet calls
 * wslay_event_send, godotengine/godot#35516): the same bytes in the same order, one syscall each.
 *
 * Limits (set_buffers' output KiB and packets, per client): Godot 3.4+ `WSLPeer::put_packet`
 * refuses a packet (ERR_OUT_OF_MEMORY) when wslay's queue already holds 2^out_pkt messages, or
 * when its bytes plus the packet reach 2^out_buf; then it queues it and calls wslay_event_send, so
 * the queue only ever holds what the kernel would not take (3.2.3 has no output limit at all:
 * #50988, #51036, #54381). A burst to a client the kernel keeps up with — the greeting of a
 * newcomer into a game of 10,000 — is never limited there, and must not be here: the frames of
 * the current turn do not count, only the backlog the kernel left at the last flush
 * (`socket.writableLength`, wire bytes with their 2-byte headers, which wslay does not count) and,
 * while there is one, the frames queued behind it. A refused frame is not sent and is reported.
 */
import type { Socket } from "node:net";
import type { BufferLimits } from "../websocket/index.js";

export type OutputRefusalReason = "output-bytes" | "output-packets";

/** The frames of one flush the kernel had not all taken: wire bytes [start, end) of the stream. */
interface Backlog {
  readonly start: number;
  readonly end: number;
  readonly frames: number;
}

export class PeerOutput {
  /** Is the socket corked until the end of this turn? */
  corked = false;
  /** Wire bytes handed to the socket so far, and when the socket was last seen empty. */
  #sent = 0;
  #sentWhenEmpty = 0;
  /** Flushes not yet written out, oldest first (only while the client does not keep up). */
  #backlog: Backlog[] | null = null;
  /** What the kernel had not taken when this turn began: wslay's queue in Godot. */
  #heldBytes = 0;
  #heldFrames = 0;
  /** Frames of this turn (they count only behind a backlog). */
  #turnBytes = 0;
  #turnFrames = 0;

  constructor(readonly socket: Socket) {}

  /** First frame of a turn: note the backlog, cork. */
  cork(): void {
    this.corked = true;
    // Ours of what the socket holds: not the handshake (Godot's wslay queue starts empty) nor,
    // as far as we can tell, ws's own control frames.
    const pending = this.socket.writableLength;
    if (pending === 0) {
      this.#sentWhenEmpty = this.#sent;
      this.#backlog = null;
    }
    const held = Math.min(pending, this.#sent - this.#sentWhenEmpty);
    this.#heldBytes = held;
    this.#heldFrames = held === 0 ? 0 : this.#framesHeld(this.#sent - held);
    this.socket.cork();
  }

  /** How many of `count` frames of `payload` bytes each Godot's put_packet would take now, one by one. */
  accept(count: number, payload: number, limits: BufferLimits): number {
    // Nothing queued: Godot's check is the packet alone (a 64 KiB packet is refused).
    if (this.#heldBytes === 0) return payload < limits.outputBytes ? count : 0;
    let frames = this.#heldFrames + this.#turnFrames;
    let bytes = this.#heldBytes + this.#turnBytes;
    let n = 0;
    for (; n < count; n++, frames++, bytes += payload) {
      if (limits.outputPackets !== 0 && frames >= limits.outputPackets) break;
      if (bytes + payload >= limits.outputBytes) break;
    }
    return n;
  }

  /** Why the next frame is refused (after accept() said so and the accepted ones were written). */
  refusal(limits: BufferLimits): { reason: OutputRefusalReason; frames: number; bytes: number } {
    const queued = this.#heldBytes !== 0;
    const frames = queued ? this.#heldFrames + this.#turnFrames : 0;
    const bytes = queued ? this.#heldBytes + this.#turnBytes : 0;
    const full = limits.outputPackets !== 0 && frames >= limits.outputPackets;
    return { reason: full ? "output-packets" : "output-bytes", frames, bytes };
  }

  /** `frames` frames of `wireBytes` in all were written (corked). */
  wrote(frames: number, wireBytes: number): void {
    this.#sent += wireBytes;
    this.#turnFrames += frames;
    this.#turnBytes += wireBytes;
  }

  /** End of the turn: one write for all of it; what the kernel does not take becomes the backlog. */
  flush(): void {
    this.corked = false;
    this.socket.uncork();
    if (this.socket.writableLength === 0) {
      this.#sentWhenEmpty = this.#sent;
      this.#backlog = null;
    } else if (this.#turnFrames > 0) {
      const start = this.#sent - this.#turnBytes;
      const backlog = this.#backlog ?? [];
      backlog.push({ start, end: this.#sent, frames: this.#turnFrames });
      this.#backlog = backlog;
    }
    this.#turnFrames = 0;
    this.#turnBytes = 0;
  }

  /** Frames not yet written out once the first `done` bytes are: a partly written flush counts pro rata. */
  #framesHeld(done: number): number {
    const backlog = this.#backlog;
    if (!backlog) return 0;
    while (backlog.length > 0 && (backlog[0] as Backlog).end <= done) backlog.shift();
    let frames = 0;
    for (const b of backlog) {
      const left = b.end - Math.max(b.start, done);
      frames += Math.ceil((b.frames * left) / (b.end - b.start));
    }
    return frames;
  }
}

/**
 * A flush to this many clients or more (a broadcast: joins, leaves) waits for more of the same,
 * at most as long as the last such flush took and MAX_WAIT_MS: a join costs one write per client,
 * and joins otherwise arrive one per turn (measured: 1,732 of 1,748 flushes carried one join
 * while 3,000 raw peers joined 100 at a time), so n joins cost n² syscalls. Godot's server, too,
 * writes once per poll, not once per frame sent.
 */
const BIG_FLUSH = 1024;
const MAX_WAIT_MS = 20;

/** The outputs corked this turn, and the one flush that uncorks them all (setImmediate: after this turn's I/O). */
export class OutputBatch {
  readonly #corked: PeerOutput[] = [];
  #scheduled = false;
  /** When the first output of this batch was corked, and how long the last big flush took. */
  #since = 0;
  #lastBigMs = 0;
  readonly #flushSoon = (): void => {
    if (this.#corked.length >= BIG_FLUSH) {
      const wait = Math.min(MAX_WAIT_MS, this.#lastBigMs) - (performance.now() - this.#since);
      if (wait >= 1) {
        setTimeout(this.#flush, wait);
        return;
      }
    }
    this.flush();
  };
  readonly #flush = (): void => this.flush();

  /** Corks `out` for the rest of the turn (first frame of the turn to it). */
  add(out: PeerOutput): void {
    out.cork();
    this.#corked.push(out);
    if (!this.#scheduled) {
      this.#scheduled = true;
      this.#since = performance.now();
      setImmediate(this.#flushSoon);
    }
  }

  flush(): void {
    this.#scheduled = false;
    const corked = this.#corked;
    const start = corked.length >= BIG_FLUSH ? performance.now() : 0;
    for (let i = 0; i < corked.length; i++) (corked[i] as PeerOutput).flush();
    if (start !== 0) this.#lastBigMs = performance.now() - start;
    corked.length = 0;
  }
}
