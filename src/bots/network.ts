/**
 * Network conditions of a bot (issue #16 point 8): its link's latency, jitter and bandwidth
 * (shaped on its own socket: src/websocket/link-conditions.ts), and scheduled abrupt drops with
 * rejoins, which outlive one connection: a BotSession or a swarm run keeps each bot's timeline
 * (measured from its first connect) and rejoins `rejoinAfter` after each drop.
 */
import { performance } from "node:perf_hooks";
import { DurationSyntaxError, durationValueMs } from "../core/index.js";
import { type LinkConditions, linkShape } from "../websocket/index.js";

export type NetworkDuration = string | number;

/** A drop at `at` (and every `every` after, `times` in all if given), the link down for `rejoinAfter`. */
export interface DropOption {
  readonly at: NetworkDuration;
  readonly every?: NetworkDuration;
  readonly times?: number;
  readonly rejoinAfter: NetworkDuration;
}

/** A bot's network conditions: its link's, and the drops scheduled over its life. */
export interface NetworkConditions extends LinkConditions {
  readonly drops?: readonly DropOption[];
}

/** A drop rule in numbers (ms). */
export interface DropRule {
  readonly atMs: number;
  /** null: once. */
  readonly everyMs: number | null;
  readonly times: number;
  readonly rejoinAfterMs: number;
}

/** A bad network condition: the message starts with its key (`network.drops[0].every: …`). */
export class NetworkOptionError extends Error {
  override readonly name = "NetworkOptionError";
}

function bad(at: string, message: string): never {
  throw new NetworkOptionError(`${at}: ${message}`);
}

function ms(v: unknown, at: string, zero: boolean): number {
  if (v === undefined) bad(at, 'required (a duration: "1s", "250ms", or ms)');
  try {
    return durationValueMs(v, { zero });
  } catch (err) {
    if (err instanceof DurationSyntaxError) bad(at, err.message);
    throw err;
  }
}

/** The link's part (for the connection), without the drops. */
export function linkPart(n: NetworkConditions | null | undefined): LinkConditions | undefined {
  if (n === undefined || n === null) return undefined;
  if (n.drops === undefined) return n;
  const { drops: _drops, ...link } = n;
  return link;
}

/**
 * Checks a bot's network conditions (the link's through linkShape, the drops here) and returns
 * the drop rules. Throws NetworkOptionError naming the bad key.
 */
export function checkNetwork(n: NetworkConditions | null | undefined, at = "network"): DropRule[] {
  if (n === undefined || n === null) return [];
  if (typeof n !== "object" || Array.isArray(n)) bad(at, "{ latency, jitter, bandwidth, drops } expected");
  try {
    linkShape(linkPart(n), at);
  } catch (err) {
    throw new NetworkOptionError((err as Error).message);
  }
  const drops: unknown = n.drops;
  if (drops === undefined) return [];
  if (!Array.isArray(drops)) bad(`${at}.drops`, "an array of { at, every?, times?, rejoinAfter } expected");
  return drops.map((d: unknown, i): DropRule => {
    const here = `${at}.drops[${i}]`;
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      bad(here, "{ at, every?, times?, rejoinAfter } expected");
    }
    const r = d as Record<string, unknown>;
    for (const k of Object.keys(r)) {
      if (!["at", "every", "times", "rejoinAfter"].includes(k)) {
        bad(`${here}.${k}`, "unknown key (known: at, every, times, rejoinAfter)");
      }
    }
    const atMs = ms(r.at, `${here}.at`, true);
    const everyMs = r.every === undefined ? null : ms(r.every, `${here}.every`, false);
    const rejoinAfterMs = ms(r.rejoinAfter, `${here}.rejoinAfter`, true);
    if (everyMs !== null && rejoinAfterMs >= everyMs) {
      bad(
        `${here}.rejoinAfter`,
        `${rejoinAfterMs} ms is not less than every (${everyMs} ms): no time to rejoin`,
      );
    }
    let times = everyMs === null ? 1 : Number.POSITIVE_INFINITY;
    if (r.times !== undefined) {
      if (typeof r.times !== "number" || !Number.isInteger(r.times) || r.times < 1) {
        bad(`${here}.times`, `${JSON.stringify(r.times)} is not a whole number ≥ 1`);
      }
      if (everyMs === null && r.times > 1) bad(`${here}.times`, "more than one drop needs every");
      times = r.times;
    }
    return { atMs, everyMs, times, rejoinAfterMs };
  });
}

/** The next drop of a timeline: when (performance.now() clock) and how long the link stays down. */
export interface NextDrop {
  readonly at: number;
  readonly rejoinAfterMs: number;
}

/** One bot's drops over its life, from `origin` (its first connect, performance.now()). */
export class DropTimeline {
  constructor(
    readonly rules: readonly DropRule[],
    readonly origin: number = performance.now(),
  ) {}

  /** The first drop at or after `now` (drops due while the bot was down are moot), or null. */
  next(now: number = performance.now()): NextDrop | null {
    const t = now - this.origin;
    let best: NextDrop | null = null;
    for (const r of this.rules) {
      let k = 0;
      if (t > r.atMs) {
        if (r.everyMs === null) continue;
        k = Math.ceil((t - r.atMs) / r.everyMs);
      }
      if (k >= r.times) continue;
      const at = this.origin + r.atMs + k * (r.everyMs ?? 0);
      if (best === null || at < best.at) best = { at, rejoinAfterMs: r.rejoinAfterMs };
    }
    return best;
  }
}
