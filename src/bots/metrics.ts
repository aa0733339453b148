/**
 * What a swarm measures, collected in the generator process: connect and join times, connect
 * failures by reason, round trips (overall and per method), every message and byte at the socket
 * per second, errors by kind, closes by code, and the generator's own health (event-loop delay,
 * CPU), so that a saturated generator is said, not hidden behind flattering latencies.
 */
import { availableParallelism, hostname, loadavg } from "node:os";
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import type { CloseInfo } from "../websocket/index.js";
import type { Bot } from "./bot.js";
import { CustomMetrics } from "./custom-metrics.js";
import { DataExhaustedError } from "./data.js";
import { ErrorMessages } from "./error-messages.js";
import { BotConnectError, BotDisconnectedError, BotTimeoutError } from "./errors.js";
import { encodeGrowing, encodeHistogram, type Histogram, newHistogram, recordMs } from "./histogram.js";
import { addBotReplication, newReplicationResult } from "./merge.js";
import { SeriesRecorder } from "./series.js";
import type { MethodResult, ReplicationResult, SecondSample, SwarmResult } from "./swarm-result.js";

/** A second is "saturated" when the generator's event loop was held up this long… */
export const SATURATED_LAG_MS = 50;
/** …or its threads used this much CPU, % of one core each. */
export const SATURATED_CPU_PERCENT = 90;
/**
 * The event-loop monitor's resolution, ms. Its timer fires every this long, and each delay it
 * records includes that interval: an idle loop reads ~10 ms. Taken off every lag figure.
 */
export const LAG_RESOLUTION_MS = 10;

/** A per-second max delay read from the monitor (ns), with the monitor's own interval taken off. */
export function correctedLagMs(maxNs: number, resolutionMs = LAG_RESOLUTION_MS): number {
  return Math.max(0, maxNs / 1e6 - resolutionMs);
}

/** How a started bot that joined ended (one that did not join is connectFailed). */
export type BotOutcome = "ended" | "errored" | "disconnected" | "dropped";

export interface LiveStats {
  readonly elapsedMs: number;
  readonly started: number;
  readonly connected: number;
  readonly failed: number;
  /** Round trips in the last complete second. */
  readonly rps: number;
  /** Messages in and out in the last complete second. */
  readonly msgsPerSec: number;
  /** p99 round trip over the last 5 seconds, ms (NaN without data). */
  readonly p99Ms: number;
  readonly errors: number;
  /** The most frequent error message so far, with its count. */
  readonly topError?: { readonly message: string; readonly count: number } | undefined;
  /** Was the last complete second saturated? */
  readonly saturated: boolean;
}

interface Traffic {
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Numeric node names (peer ids: games name player nodes so) collapse to "*", so that
 * "Game/Players/1724:update_position" counts as "Game/Players/*:update_position": a swarm's
 * per-method table has one row per kind of node, not one per bot.
 */
export function methodKey(key: string): string {
  const at = key.lastIndexOf(":");
  return `${pathKey(key.slice(0, at))}${key.slice(at)}`;
}

/** A node path with its numeric names as "*" (see methodKey): how synchronizers are keyed too. */
export function pathKey(path: string): string {
  return path.replace(/(^|\/)\d+(?=\/|$)/g, "$1*");
}

/** The kind an error is charged as: its own (timeout, disconnected, rpc) or "script". */
export function errorKind(err: unknown): string {
  if (err instanceof BotTimeoutError) return "timeout";
  if (err instanceof BotDisconnectedError) return "disconnected";
  if (err instanceof Error && err.name === "RpcError") return "rpc";
  return "script";
}

export class SwarmMetrics {
  readonly #startedAt = Date.now();
  readonly #t0 = performance.now();
  /** Latencies and errors over time, in wall-clock buckets. */
  readonly #series = new SeriesRecorder(this.#startedAt);
  readonly #connect = newHistogram();
  readonly #join = newHistogram();
  readonly #rtt = newHistogram();
  readonly #lag = newHistogram();
  readonly #iteration = newHistogram();
  readonly #methodRtt = new Map<string, Histogram>();
  readonly #methods = new Map<string, MethodResult>();
  readonly #connectFailures: Record<string, number> = {};
  readonly #errors: Record<string, number> = {};
  readonly #drops: Record<string, number> = {};
  readonly #closes: Record<string, number> = {};
  readonly #seconds: SecondSample[] = [];
  readonly #live = new Set<Bot>();
  /** Replication of bots gone; null until a bot reported some (Godot 4). */
  #replication: ReplicationResult | null = null;
  /** Traffic of bots already gone, so per-second deltas include their last messages. */
  readonly #retired: Traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  #lastTotal: Traffic = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  /** This second's round trips by method: the one record a round trip (sample() adds them up). */
  readonly #secondMethodRtt = new Map<string, Histogram>();
  /** The last five seconds' round trips, for the live p99. */
  readonly #recentRtt: Histogram[] = [];
  #secondRpcs = 0;
  #secondErrors = 0;
  #started = 0;
  #connected = 0;
  #failed = 0;
  #peak = 0;
  #cpu = process.cpuUsage();
  #cpuAt = performance.now();
  #cpuMax = 0;
  #saturatedSeconds = 0;
  readonly #loop = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  readonly #messages = new ErrorMessages();
  #ended = 0;
  #errored = 0;
  #disconnected = 0;
  /** Connections ended by a scheduled drop of the network conditions, and the rejoins after them. */
  #dropped = 0;
  #reconnects = 0;
  #timeouts = 0;
  #loadMax = 0;

  #timer: NodeJS.Timeout | null = null;
  /** Checks and the script's own metrics. */
  readonly custom = new CustomMetrics();

  constructor(
    readonly config: Record<string, string | number | boolean | null>,
    readonly shard: { index: number; count: number } = { index: 0, count: 1 },
    /** Threads generating load in this process (CPU saturation scales with it). */
    readonly threads = 1,
  ) {
    this.#loop.enable();
  }

  /** Samples once a second, on the second boundary, until finish(). */
  start(): void {
    const schedule = () => {
      // The second is named by the boundary we aimed at, not by when the timer fired (it may be a
      // hair early or late): every second appears once.
      const boundary = (Math.floor(Date.now() / 1000) + 1) * 1000;
      this.#timer = setTimeout(() => {
        this.sample(boundary / 1000 - 1);
        schedule();
      }, boundary - Date.now());
      this.#timer.unref();
    };
    schedule();
  }

  botStarted(): void {
    this.#started++;
  }

  connectFailed(err: unknown, botName?: string): void {
    this.#failed++;
    const reason =
      err instanceof BotConnectError ? err.reason : err instanceof DataExhaustedError ? err.reason : "error";
    this.#connectFailures[reason] = (this.#connectFailures[reason] ?? 0) + 1;
    this.#series.connectFailed(reason);
    this.#messages.note(`connect:${reason}`, err, botName);
  }

  /**
   * A bot that joined has ended, one way: normally, by its own error (charged as errors.<kind>, its
   * message kept), or disconnected by the server or network (errors.disconnected, `err` saying how).
   */
  botEnded(outcome: BotOutcome, err?: unknown, botName?: string, kindOf?: string): void {
    if (outcome === "ended") {
      this.#ended++;
      return;
    }
    if (outcome === "dropped") {
      // A scheduled drop (network conditions): not an error; the bot rejoins.
      this.#dropped++;
      return;
    }
    const kind = outcome === "disconnected" ? "disconnected" : (kindOf ?? errorKind(err));
    if (outcome === "disconnected") this.#disconnected++;
    else this.#errored++;
    this.error(kind);
    this.#messages.note(kind, err, botName);
  }

  /** A bot rejoins after a scheduled drop (its new connection is also a start). */
  botRejoined(): void {
    this.#reconnects++;
  }

  /** An error of a bot that had already ended (a late timer): counted and kept, its bot unchanged. */
  lateError(err: unknown, botName?: string, kindOf?: string): void {
    const kind = kindOf ?? errorKind(err);
    this.error(kind);
    this.#messages.note(kind, err, botName);
  }

  /** A failure of the runner itself (not of one bot): kept with the messages. */
  runnerFailed(err: unknown): void {
    this.#messages.note("runner", err, undefined);
  }

  /** A bot script threw (or a wait gave up) and the bot was stopped: the bot errored. */
  scriptFailed(err: unknown, botName?: string): void {
    this.botEnded("errored", err, botName);
  }

  /** A script run (an iteration) returned, after `ms`. */
  iterationDone(ms: number): void {
    recordMs(this.#iteration, ms);
  }

  error(kind: string): void {
    this.#errors[kind] = (this.#errors[kind] ?? 0) + 1;
    this.#secondErrors++;
    this.#series.error(kind);
  }

  /** A watched bot's request got its reply (the run's BotWatcher tells it). */
  roundTrip(path: string, method: string, rttMs: number): void {
    const key = this.#methodKey(path, method);
    // Into the second's histogram of its method only: sample() adds each closed second to the
    // second's, the run's and the method's.
    let h = this.#secondMethodRtt.get(key);
    if (!h) {
      h = newHistogram();
      this.#secondMethodRtt.set(key, h);
    }
    recordMs(h, rttMs);
    this.#series.roundTrip(key, rttMs);
    this.#secondRpcs++;
  }
  /** Counted, not an error: only a timeout that ends its bot is one (botEnded), and only once. */
  waitTimeout(): void {
    this.#timeouts++;
  }
  dropped(reason: string, detail: string): void {
    this.#drops[reason] = (this.#drops[reason] ?? 0) + 1;
    this.#messages.note(`dropped:${reason}`, detail, undefined);
  }
  /** Godot 4: the server's RPC names for a node differ from ours (counted; the bot goes on, as Godot does). */
  manifestError(err: Error): void {
    this.error("manifest");
    this.#messages.note("manifest", err, undefined);
  }
  /**
   * methodKey of the (path, method) pairs seen, so a round trip costs no regex and no string
   * (bounded: a run has few kinds of call).
   */
  readonly #keys = new Map<string, Map<string, string>>();
  #keyCount = 0;
  #methodKey(path: string, method: string): string {
    let byMethod = this.#keys.get(path);
    let key = byMethod?.get(method);
    if (key === undefined) {
      key = methodKey(`${path}:${method}`);
      if (this.#keyCount >= 4096) {
        this.#keys.clear();
        this.#keyCount = 0;
        byMethod = undefined;
      }
      if (byMethod === undefined) {
        byMethod = new Map();
        this.#keys.set(path, byMethod);
      }
      byMethod.set(method, key);
      this.#keyCount++;
    }
    return key;
  }

  /** A bot joined: record its connect and join times and follow it until it leaves. */
  watch(bot: Bot): void {
    this.#connected++;
    this.#live.add(bot);
    this.#peak = Math.max(this.#peak, this.#live.size);
    const t = bot.telemetry;
    recordMs(this.#connect, t.openedAt - t.startedAt);
    recordMs(this.#join, t.joinedAt - t.openedAt);
    this.#series.joined(t.openedAt - t.startedAt, t.joinedAt - t.openedAt);
    // Its round trips, timeouts and drops come through the run's BotWatcher (no listeners here).
  }

  /** A watched bot's connection ended (its runner's "disconnected" listener says so: one listener a bot). */
  gone(bot: Bot, info: CloseInfo | null): void {
    this.#retire(bot, String(info?.code ?? 1006));
  }

  #retire(bot: Bot, code: string): void {
    if (!this.#live.delete(bot)) return;
    this.#closes[code] = (this.#closes[code] ?? 0) + 1;
    const tr = bot.telemetry.traffic;
    this.#retired.msgsIn += tr.msgsIn;
    this.#retired.msgsOut += tr.msgsOut;
    this.#retired.bytesIn += tr.bytesIn;
    this.#retired.bytesOut += tr.bytesOut;
    const repl = bot.telemetry.replication;
    if (repl) {
      this.#replication ??= newReplicationResult();
      addBotReplication(this.#replication, repl, pathKey);
    }
    // Calls as the bot made them (a broadcast is one), packets as the engine sent them.
    // Each counted under its own key: an engine may key its counters by the manifest's pattern
    // ("Main/World/Players/*") where the bot keys its calls by the node's path.
    for (const [rawKey, n] of bot.telemetry.callsOut) {
      const key = methodKey(rawKey);
      const m = this.#methods.get(key) ?? { callsOut: 0, packetsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
      m.callsOut += n;
      this.#methods.set(key, m);
    }
    for (const [rawKey, s] of bot.telemetry.callsByMethod) {
      const key = methodKey(rawKey);
      const m = this.#methods.get(key) ?? { callsOut: 0, packetsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
      m.packetsOut = (m.packetsOut ?? 0) + s.callsOut;
      m.callsIn += s.callsIn;
      m.bytesOut += s.bytesOut;
      m.bytesIn += s.bytesIn;
      this.#methods.set(key, m);
    }
  }

  #total(): Traffic {
    const t = { ...this.#retired };
    for (const bot of this.#live) {
      const tr = bot.telemetry.traffic;
      t.msgsIn += tr.msgsIn;
      t.msgsOut += tr.msgsOut;
      t.bytesIn += tr.bytesIn;
      t.bytesOut += tr.bytesOut;
    }
    return t;
  }

  /** Closes the second `t` (epoch seconds): the one that just ended, or the one still running (finish()). */
  sample(t: number): void {
    const now = performance.now();
    const total = this.#total();
    const cpu = process.cpuUsage(this.#cpu);
    const cpuPercent = ((cpu.user + cpu.system) / 1000 / Math.max(1, now - this.#cpuAt)) * 100;
    this.#cpu = process.cpuUsage();
    this.#cpuAt = now;
    const lagMaxMs = this.#loop.count > 0 ? correctedLagMs(this.#loop.max) : 0;
    this.#loadMax = Math.max(this.#loadMax, loadavg()[0] ?? 0);
    this.#loop.reset();
    recordMs(this.#lag, lagMaxMs);
    this.#cpuMax = Math.max(this.#cpuMax, cpuPercent);
    const saturated = lagMaxMs >= SATURATED_LAG_MS || cpuPercent >= SATURATED_CPU_PERCENT * this.threads;
    if (saturated) this.#saturatedSeconds++;
    const secondRtt = newHistogram();
    for (const [key, h] of this.#secondMethodRtt) {
      if (h.totalCount === 0) continue;
      secondRtt.add(h);
      let run = this.#methodRtt.get(key);
      if (!run) {
        run = newHistogram();
        this.#methodRtt.set(key, run);
      }
      run.add(h);
      h.reset();
    }
    this.#seconds.push({
      t,
      connected: this.#live.size,
      msgsIn: total.msgsIn - this.#lastTotal.msgsIn,
      msgsOut: total.msgsOut - this.#lastTotal.msgsOut,
      bytesIn: total.bytesIn - this.#lastTotal.bytesIn,
      bytesOut: total.bytesOut - this.#lastTotal.bytesOut,
      rpcs: this.#secondRpcs,
      errors: this.#secondErrors,
      rtt: encodeHistogram(secondRtt),
      lagMaxMs,
      cpuPercent,
    });
    this.#lastTotal = total;
    this.#rtt.add(secondRtt);
    this.#recentRtt.push(secondRtt);
    if (this.#recentRtt.length > 5) this.#recentRtt.shift();
    this.#secondRpcs = 0;
    this.#secondErrors = 0;
  }

  /** The live p99 of the last five seconds, made once per second (live() is read more often). */
  #recentP99: { seconds: number; p99Ms: number } | null = null;

  live(): LiveStats {
    const last = this.#seconds.at(-1);
    if (this.#recentP99?.seconds !== this.#seconds.length) {
      const recent = newHistogram();
      for (const h of this.#recentRtt) recent.add(h);
      // p99 alone: summarize() walks the counts for seven figures, a live line reads one.
      const p99Ms = recent.totalCount === 0 ? Number.NaN : recent.getValueAtPercentile(99) / 1000;
      this.#recentP99 = { seconds: this.#seconds.length, p99Ms };
    }
    return {
      elapsedMs: performance.now() - this.#t0,
      started: this.#started,
      connected: this.#live.size,
      failed: this.#failed,
      rps: last?.rpcs ?? 0,
      msgsPerSec: (last?.msgsIn ?? 0) + (last?.msgsOut ?? 0),
      p99Ms: this.#recentP99.p99Ms,
      errors: Object.values(this.#errors).reduce((a, b) => a + b, 0),
      topError: this.#messages.top(),
      saturated: last
        ? last.lagMaxMs >= SATURATED_LAG_MS || last.cpuPercent >= SATURATED_CPU_PERCENT * this.threads
        : false,
    };
  }

  /** Stops sampling and returns the result. Bots still connected are counted as they are. */
  finish(): SwarmResult {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    // The running second, unless the timer just closed it.
    const now = Math.floor(Date.now() / 1000);
    const last = this.#seconds.at(-1)?.t;
    this.sample(last !== undefined && last >= now ? last + 1 : now);
    this.#loop.disable();
    for (const bot of [...this.#live]) this.#retire(bot, "open");
    this.#series.finish();
    return this.snapshot();
  }

  /**
   * The result so far, the run going on (abortOnFail judges it): complete seconds only, and the
   * per-method call counts of bots that left (their round trips: complete seconds, as the run's).
   */
  snapshot(): SwarmResult {
    const methods: Record<string, MethodResult> = {};
    for (const [key, m] of this.#methods) methods[key] = { ...m };
    for (const [key, h] of this.#methodRtt) {
      const m = methods[key] ?? { callsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
      m.rtt = encodeGrowing(h);
      methods[key] = m;
    }
    const endedAt = Date.now();
    const checks = this.custom.checks();
    const custom = this.custom.custom();
    return {
      format: "godot-peer-swarm/1",
      shards: [{ ...this.shard, host: hostname(), startedAt: this.#startedAt, endedAt }],
      startedAt: this.#startedAt,
      endedAt,
      config: { ...this.config },
      bots: {
        started: this.#started,
        connected: this.#connected,
        failed: this.#failed,
        peak: this.#peak,
        ended: this.#ended,
        errored: this.#errored,
        disconnected: this.#disconnected,
        ...(this.#dropped > 0 ? { dropped: this.#dropped } : {}),
        ...(this.#reconnects > 0 ? { reconnects: this.#reconnects } : {}),
      },
      messages: this.#messages.list(),
      timeouts: this.#timeouts,
      connectMs: encodeGrowing(this.#connect),
      joinMs: encodeGrowing(this.#join),
      connectFailures: { ...this.#connectFailures },
      rttMs: encodeGrowing(this.#rtt),
      methods,
      errors: { ...this.#errors },
      drops: { ...this.#drops },
      closes: { ...this.#closes },
      seconds: this.#seconds.slice(),
      iterationMs: encodeGrowing(this.#iteration),
      series: this.#series.snapshot(),
      ...(Object.keys(checks).length > 0 ? { checks } : {}),
      ...(Object.keys(custom).length > 0 ? { custom } : {}),
      ...(this.#replication ? { replication: structuredClone(this.#replication) } : {}),
      generator: {
        lagMs: encodeGrowing(this.#lag),
        cpuMaxPercent: this.#cpuMax,
        saturatedSeconds: this.#saturatedSeconds,
        lagResolutionMs: LAG_RESOLUTION_MS,
        loadMax: this.#loadMax,
        cores: availableParallelism(),
      },
    };
  }
}
