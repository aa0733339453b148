/**
 * Network conditions on a bot's own link, in its own process (what netem's `delay … distribution`
 * and tbf's `rate` do on a host's interface): each direction of the connection's byte stream is
 * paced at its bandwidth and delayed by latency ± jitter, in order, as TCP delivers it (a later
 * byte never overtakes an earlier one: a late slice holds back those behind it).
 *
 * The model, per direction: a slice (at most SLICE_BYTES) given at `now` finishes transmission at
 * `tx = max(now, previous tx) + bytes / bandwidth` and arrives at `max(tx + delay, previous
 * arrival)`, delay drawn per slice. So at any time the bytes delivered never exceed bandwidth ×
 * the time the link was busy, and nothing is ever delivered early (a timer that fires early
 * waits again). The end of the stream (FIN) queues behind the bytes before it.
 *
 * Memory: one entry per slice queued. Outgoing bytes queued count as the connection's buffered
 * amount (so Godot's output limits refuse a put_packet once a slow link has filled them);
 * incoming bytes queued past the input buffer's size stop reading the socket, so the server's
 * own send buffer fills (TCP's window), as behind a real slow link.
 */
import { performance } from "node:perf_hooks";
import {
  BandwidthSyntaxError,
  bandwidthBytesPerSec,
  DurationSyntaxError,
  durationValueMs,
} from "../core/index.js";
import { WebSocketArgumentError } from "./errors.js";

/** "50ms", "1s" or a number of ms. */
export type LinkDuration = string | number;
/** "256kbit", "1mbit", "32kB/s" or a number of bytes per second. */
export type LinkRate = string | number;
/** One value for both directions, or each its own (up: bot → server; down: server → bot). */
export type PerDirection<T> = T | { readonly up?: T; readonly down?: T };
/** How jitter is drawn: uniform in latency ± jitter (netem's default), or normal with jitter as its deviation. */
export type JitterDistribution = "uniform" | "normal";

/**
 * Conditions of one connection. Latency is one-way and applies to each direction: a round trip
 * through both gains 2 × latency (± jitter each way). Zero everywhere, or absent: no shaping at all.
 */
export interface LinkConditions {
  readonly latency?: PerDirection<LinkDuration>;
  readonly jitter?: PerDirection<LinkDuration>;
  readonly jitterDistribution?: JitterDistribution;
  readonly bandwidth?: PerDirection<LinkRate>;
  /** Jitter's source in [0, 1) (default Math.random): inject one for deterministic tests. */
  readonly random?: () => number;
}

/** One direction, in numbers. */
export interface DirectionShape {
  readonly latencyMs: number;
  readonly jitterMs: number;
  /** Infinity: no limit. */
  readonly bytesPerSec: number;
  readonly distribution: JitterDistribution;
  readonly random: () => number;
}

/** Both directions; null for one that is not shaped. */
export interface LinkShape {
  readonly up: DirectionShape | null;
  readonly down: DirectionShape | null;
}

const KEYS = ["latency", "jitter", "jitterDistribution", "bandwidth", "random"];

function bad(at: string, message: string): never {
  throw new WebSocketArgumentError(`${at}: ${message}`, at);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function perDirection<T>(v: unknown, at: string, parse: (x: unknown, at: string) => T): { up?: T; down?: T } {
  if (v === undefined) return {};
  if (!isRecord(v)) {
    const both = parse(v, at);
    return { up: both, down: both };
  }
  for (const k of Object.keys(v)) {
    if (k !== "up" && k !== "down") bad(`${at}.${k}`, "unknown key (up: bot → server, down: server → bot)");
  }
  return {
    ...(v.up !== undefined ? { up: parse(v.up, `${at}.up`) } : {}),
    ...(v.down !== undefined ? { down: parse(v.down, `${at}.down`) } : {}),
  };
}

function ms(v: unknown, at: string): number {
  try {
    return durationValueMs(v, { zero: true });
  } catch (err) {
    if (err instanceof DurationSyntaxError) bad(at, err.message);
    throw err;
  }
}

function rate(v: unknown, at: string): number {
  try {
    return bandwidthBytesPerSec(v);
  } catch (err) {
    if (err instanceof BandwidthSyntaxError) bad(at, err.message);
    throw err;
  }
}

/**
 * Checks conditions and turns them into numbers; null when they shape nothing (no latency, no
 * jitter, no bandwidth limit): then the connection has no shaper, no timer, no copy. A bad value
 * throws a WebSocketArgumentError naming its key (`network.bandwidth.up: …`).
 */
export function linkShape(c: LinkConditions | null | undefined, at = "network"): LinkShape | null {
  if (c === undefined || c === null) return null;
  if (!isRecord(c)) bad(at, "{ latency, jitter, jitterDistribution, bandwidth } expected");
  for (const [k, v] of Object.entries(c)) {
    if (v === undefined || KEYS.includes(k)) continue;
    if (k === "drops") {
      bad(`${at}.drops`, "one connection cannot rejoin: drops are scheduled by a BotSession or a swarm run");
    }
    bad(`${at}.${k}`, `unknown key (known: ${KEYS.join(", ")})`);
  }
  const distribution = c.jitterDistribution ?? "uniform";
  if (distribution !== "uniform" && distribution !== "normal") {
    bad(`${at}.jitterDistribution`, `${JSON.stringify(distribution)} is not "uniform" or "normal"`);
  }
  const random: unknown = c.random ?? Math.random;
  if (typeof random !== "function") bad(`${at}.random`, "a function returning numbers in [0, 1) expected");
  const latency = perDirection(c.latency, `${at}.latency`, ms);
  const jitter = perDirection(c.jitter, `${at}.jitter`, ms);
  const bandwidth = perDirection(c.bandwidth, `${at}.bandwidth`, rate);
  const one = (d: "up" | "down"): DirectionShape | null => {
    const s: DirectionShape = {
      latencyMs: latency[d] ?? 0,
      jitterMs: jitter[d] ?? 0,
      bytesPerSec: bandwidth[d] ?? Number.POSITIVE_INFINITY,
      distribution,
      random: random as () => number,
    };
    return s.latencyMs === 0 && s.jitterMs === 0 && s.bytesPerSec === Number.POSITIVE_INFINITY ? null : s;
  };
  const up = one("up");
  const down = one("down");
  return up === null && down === null ? null : { up, down };
}

/** One way's delay: latency ± jitter as the distribution says, never below 0. */
export function drawDelayMs(s: DirectionShape): number {
  if (s.jitterMs === 0) return s.latencyMs;
  let d: number;
  if (s.distribution === "uniform") {
    d = s.latencyMs + s.jitterMs * (2 * unit(s.random) - 1);
  } else {
    // Box–Muller: one standard normal draw from two uniform ones.
    const u = 1 - unit(s.random);
    d = s.latencyMs + s.jitterMs * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * unit(s.random));
  }
  return d > 0 ? d : 0;
}

function unit(random: () => number): number {
  const r = random();
  return r >= 0 && r < 1 ? r : 0;
}

/** Time and timers, injectable for tests. */
export interface LinkClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_CLOCK: LinkClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Where a direction delivers. */
export interface LinkSink {
  /** Bytes due now; false: not taken now (reading is paused): the link waits for kick(). */
  write(chunk: Buffer, done: (() => void) | undefined): boolean;
  /** The end of the stream, after every byte before it. */
  end(): void;
}

/** A slice of a TCP segment's size: pacing moves in steps this small. */
export const SLICE_BYTES = 1460;

/** Longest a Node timer waits (2^31 − 1 ms); longer waits re-arm. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  /** null: the end of the stream (or, with `done`, a mark: after()). */
  readonly chunk: Buffer | null;
  readonly due: number;
  readonly done: (() => void) | undefined;
}

/** One direction of a shaped link: a queue of slices, one timer for its head. */
export class LinkDirection {
  #queue: Entry[] = [];
  #head = 0;
  #bytes = 0;
  #lastTx = Number.NEGATIVE_INFINITY;
  #lastDue = Number.NEGATIVE_INFINITY;
  #timer: unknown = null;
  #stopped = false;
  readonly #run = () => this.#deliver();

  constructor(
    readonly shape: DirectionShape,
    readonly sink: LinkSink,
    readonly clock: LinkClock = REAL_CLOCK,
  ) {}

  /** Bytes given and not yet delivered. */
  get queuedBytes(): number {
    return this.#bytes;
  }

  /** Entries (slices and the end) not yet delivered. */
  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** Nothing given from now on leaves before `ms` from now (TCP's handshake before the first byte). */
  hold(ms: number): void {
    this.#lastTx = Math.max(this.#lastTx, this.clock.now() + ms);
  }

  /** Sends `chunk` down the link; `done` runs once its last byte is delivered (or dropped by stop()). */
  push(chunk: Buffer, done?: () => void): void {
    if (this.#stopped) {
      done?.();
      return;
    }
    const now = this.clock.now();
    const rate = this.shape.bytesPerSec;
    if (rate === Number.POSITIVE_INFINITY) {
      this.#enqueue(chunk, Math.max(now, this.#lastTx), done);
    } else {
      for (let off = 0; off < chunk.length; off += SLICE_BYTES) {
        const end = Math.min(chunk.length, off + SLICE_BYTES);
        this.#lastTx = Math.max(now, this.#lastTx) + ((end - off) * 1000) / rate;
        this.#enqueue(chunk.subarray(off, end), this.#lastTx, end === chunk.length ? done : undefined);
      }
    }
    this.#arm();
  }

  /** The end of the stream: delivered after every byte given before. */
  end(): void {
    if (this.#stopped) return;
    this.#enqueue(null, Math.max(this.clock.now(), this.#lastTx), undefined);
    this.#arm();
  }

  /**
   * Runs `fn` once everything given before has been delivered (at once if nothing is queued):
   * what happened behind those bytes (the peer's reset) is seen after them, as TCP orders it.
   */
  after(fn: () => void): void {
    if (this.#stopped || this.#head >= this.#queue.length) {
      fn();
      return;
    }
    const last = this.#queue[this.#queue.length - 1] as Entry;
    this.#queue.push({ chunk: null, due: last.due, done: fn });
    this.#arm();
  }

  /** Delivers what is due, after the sink refused (reading resumed). */
  kick(): void {
    if (this.#timer !== null) {
      this.clock.clearTimeout(this.#timer);
      this.#timer = null;
    }
    this.#deliver();
  }

  /** Drops everything queued (the connection is gone): pending `done`s run, the timer is cleared. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    const rest = this.#queue.slice(this.#head);
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    for (const e of rest) e.done?.();
  }

  #enqueue(chunk: Buffer | null, sent: number, done: (() => void) | undefined): void {
    const due = Math.max(sent + drawDelayMs(this.shape), this.#lastDue);
    this.#lastDue = due;
    this.#queue.push({ chunk, due, done });
    if (chunk !== null) this.#bytes += chunk.length;
  }

  #arm(): void {
    if (this.#timer !== null || this.#stopped || this.#head >= this.#queue.length) return;
    const wait = (this.#queue[this.#head] as Entry).due - this.clock.now();
    this.#timer = this.clock.setTimeout(this.#run, Math.min(MAX_TIMER_MS, Math.max(0, Math.ceil(wait))));
  }

  #deliver(): void {
    this.#timer = null;
    const now = this.clock.now();
    let refused = false;
    while (!this.#stopped && this.#head < this.#queue.length) {
      const e = this.#queue[this.#head] as Entry;
      if (e.due > now) break;
      if (e.chunk === null) {
        this.#take();
        if (e.done) e.done();
        else this.sink.end();
        continue;
      }
      if (!this.sink.write(e.chunk, e.done)) {
        refused = true;
        break;
      }
      // The sink may have stopped the link (a close it caused): the queue is already empty then.
      if (!this.#stopped) this.#take();
    }
    if (!refused) this.#arm();
  }

  #take(): void {
    const e = this.#queue[this.#head] as Entry;
    this.#queue[this.#head] = undefined as unknown as Entry;
    this.#head++;
    if (e.chunk !== null) this.#bytes -= e.chunk.length;
    if (this.#head > 64 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }
}
