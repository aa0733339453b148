/**
 * The swarm runner: many bots running one bot script against one server, in a closed model
 * (N bots, started at a ramp rate, running for a duration) or an open model (new bots arrive at
 * a fixed rate whatever the server's speed, each runs its script and leaves). A shard runs every
 * n-th bot of the swarm, so n machines (or worker threads) together run exactly the swarm.
 */
import { setMaxListeners } from "node:events";
import { performance } from "node:perf_hooks";
import type { CloseInfo } from "../websocket/index.js";
import { Bot, type BotWatcher, type ConnectOptions, watchBot } from "./bot.js";
import { type CustomMetrics, metricSink, type Sink } from "./custom-metrics.js";
import { DataFeed, type DataOrder, type DataRows } from "./data.js";
import type { EngineBot } from "./engines.js";
import { BotConnectError, BotDisconnectedError } from "./errors.js";
import { type BotOutcome, SwarmMetrics } from "./metrics.js";
import { checkNetwork, DropTimeline, linkPart, type NetworkConditions, type NextDrop } from "./network.js";
import {
  afterStop,
  type BotScript,
  type ContextOwner,
  type DataRow,
  MAX_TIMER_MS,
  runContext,
  type SharedContext,
  sleepError,
} from "./script.js";
import { type Stage, shardShare, targetAt } from "./stages.js";
import type { LoadShape, SwarmResult } from "./swarm-result.js";
import { type ThinkTime, thinkAround } from "./think.js";

/** What a bot's connection options may be computed from (each bot can carry its own token). */
export interface BotInfo {
  readonly index: number;
  readonly name: string;
  readonly data: DataRow;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Bot.connect's options for a bot (its URL included, else the run's), the same for all or per bot; its network conditions drops included. */
export type SwarmConnectOptions = Partial<Omit<ConnectOptions, "signal" | "network">> & {
  readonly network?: NetworkConditions | null | undefined;
};
export type BotConnect = SwarmConnectOptions | ((bot: BotInfo) => SwarmConnectOptions);

export interface Shard {
  readonly index: number;
  readonly count: number;
}

/** How much load, and how it arrives: what a swarm run, a worker thread and the CLI share. */
export interface SwarmLoad {
  /** Closed model: bots in the whole swarm. Open model: at most this many at once in this shard (a generator guard). */
  readonly bots: number;
  /** Closed model: bots started per second across the swarm (default: all at once). */
  readonly rampPerSec?: number | undefined;
  /** Open model: bots arriving per second across the swarm. */
  readonly arrivalPerSec?: number | undefined;
  readonly durationMs: number;
  /** Mean think time handed to scripts (ctx.think()). */
  readonly thinkMs?: number | undefined;
  /** ctx.think()'s distribution (over thinkMs). */
  readonly think?: ThinkTime | undefined;
  /** Open model by stages: arrivals per second across the swarm, moving linearly through them. */
  readonly arrivalStages?: readonly Stage[] | undefined;
  /** Closed model by stages: the bot target moves linearly through them (durationMs is their sum). */
  readonly stages?: readonly Stage[] | undefined;
  /** A closed-model bot runs its script this many times at most (default: once; with stages: until its stage ends). */
  readonly iterations?: number | undefined;
  /** Iterations reuse the bot's connection (default) or connect anew each time. */
  readonly reuseConnection?: boolean | undefined;
  /** ctx.env. */
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
}

export interface SwarmOptions extends SwarmLoad {
  readonly url: string;
  readonly script: BotScript;
  readonly shard?: Shard;
  readonly botOptions?: Omit<Partial<ConnectOptions>, "url">;
  /** Connection options per bot (over botOptions), or a function of the bot giving them. */
  readonly connect?: BotConnect | undefined;
  /** Rows of a data file and how they are handed out (ctx.data). */
  readonly data?: { readonly rows: DataRows; readonly order: DataOrder } | undefined;
  /**
   * Every bot's network conditions (under `connect`'s own): latency, jitter, bandwidth on its
   * socket, and drops with rejoins over its life (network.ts).
   */
  readonly network?: NetworkConditions | undefined;
  /** Ends the run early (Ctrl-C): scripts are told, bots disconnect, the result is returned. */
  readonly signal?: AbortSignal;
  /** Time scripts get to return (and bots to leave, one by one) after the run ends before the rest are dropped (default END_GRACE_MS, 2 s). */
  readonly graceMs?: number;
  /** Informational config recorded in the result. */
  readonly config?: Record<string, string | number | boolean | null>;
  /** Threads generating load in this process (for the saturation check). */
  readonly threads?: number;
  /** Called once the metrics exist, to watch them live. */
  readonly onMetrics?: (metrics: SwarmMetrics) => void;
}

/** Indices of the swarm's bots that this shard runs: every count-th, from index. */
export function shardIndices(total: number, shard: Shard): number[] {
  const out: number[] = [];
  for (let i = shard.index; i < total; i += shard.count) out.push(i);
  return out;
}

/** The reason of a bot's ctx.signal when a stage's ramp down retires it (the run goes on). */
export const RAMP_DOWN = "ramp-down";

/** After the run's time is up, scripts return and bots leave within this; the rest are dropped (documented: at most 2 s). */
export const END_GRACE_MS = 2_000;
/** No bot joined within this: the run stops early, its failures counted. */
export const NO_CONNECT_GRACE_MS = 5_000;
/** Every attempt so far failed and none is pending, this long into the run: it stops early. */
const ALL_FAILED_AFTER_MS = 1_000;

/** A BotRun's flags, in one small integer (a big idle swarm holds one BotRun a bot). */
const SETTLED = 1;
const OUTCOME_ENDED = 2;
const CLOSE_EXPECTED = 4;
const LEAVING = 8;
const WRAPPING = 16;
const LIVE = 32;
const STOPPED = 64;
const HANDED_ON = 128;

/** A ctx.sleep() under way: woken by its timer, or by its bot's stop (no timer when it would outlast the run). */
class Sleep {
  timer: NodeJS.Timeout | undefined = undefined;
  constructor(
    readonly resolve: () => void,
    public next: Sleep | null,
    /** What is left past setTimeout's range, re-armed when the timer fires (0 nearly always). */
    public leftMs: number,
  ) {}
}

const never = (): void => undefined;

function woken(b: BotRun, s: Sleep): void {
  if (s.leftMs > 0) {
    const ms = Math.min(s.leftMs, MAX_TIMER_MS);
    s.leftMs -= ms;
    s.timer = setTimeout(woken, ms, b, s);
    return;
  }
  b.unsleep(s);
  s.resolve();
}

/**
 * One started bot of a run: how it ends is settled exactly once. It is also the async context of
 * everything its script starts (one AsyncLocalStorage, metricSink's: each one enabled costs every
 * promise of the process a hook), so it is the sink of its script's custom metrics too, and the
 * owner of its script's contexts (their signal, their expectClose()). Everything a bot needs of
 * its run is here or in the run: an idle bot holds this object, its context and its script's own
 * promise, no closures.
 */
class BotRun implements Sink, ContextOwner {
  /** ctx.signal's, made on first read: a script that never reads it costs no AbortSignal (≈ 0.7 KB in Node 20). */
  #stop: AbortController | null = null;
  #stopReason: unknown = undefined;
  #flags = 0;
  /** Its script's sleeps under way, newest first. */
  #sleeps: Sleep | null = null;
  bot: EngineBot | null = null;
  /** Its row of the data file (ctx.data). */
  row: DataRow = undefined;
  /** The iteration running (a rejoin after a scheduled drop runs it again). */
  current: number;
  /** When the running iteration started (performance.now()). */
  iterationStart = 0;
  /** The scheduled drop armed on this connection, and the one that happened. */
  dropTimer: NodeJS.Timeout | null = null;
  dropped: NextDrop | null = null;
  constructor(
    readonly run: SwarmRun,
    readonly index: number,
    /** Closed model: the slot this bot fills (its next iteration reconnects into the same slot). */
    readonly slot: Slot | null = null,
    readonly iteration = 0,
    /** The bot's scheduled drops, from its first connect (kept across rejoins). */
    public timeline: DropTimeline | null = null,
  ) {
    this.current = iteration;
  }
  #flag(f: number, on: boolean): void {
    this.#flags = on ? this.#flags | f : this.#flags & ~f;
  }
  get settled(): boolean {
    return (this.#flags & SETTLED) !== 0;
  }
  set settled(on: boolean) {
    this.#flag(SETTLED, on);
  }
  /** Settled as "ended" (its next iteration may follow). */
  get outcomeEnded(): boolean {
    return (this.#flags & OUTCOME_ENDED) !== 0;
  }
  set outcomeEnded(on: boolean) {
    this.#flag(OUTCOME_ENDED, on);
  }
  get closeExpected(): boolean {
    return (this.#flags & CLOSE_EXPECTED) !== 0;
  }
  /** Our own disconnect is under way: its close is no error. */
  get leaving(): boolean {
    return (this.#flags & LEAVING) !== 0;
  }
  set leaving(on: boolean) {
    this.#flag(LEAVING, on);
  }
  /** Its script is no longer waited for: the bot is leaving (once). */
  get wrapping(): boolean {
    return (this.#flags & WRAPPING) !== 0;
  }
  set wrapping(on: boolean) {
    this.#flag(WRAPPING, on);
  }
  /** Joined and not yet left. */
  get live(): boolean {
    return (this.#flags & LIVE) !== 0;
  }
  set live(on: boolean) {
    this.#flag(LIVE, on);
  }
  /** Joined and running its script: an error or a disconnect makes it leave at once (run.ended). */
  get handedOn(): boolean {
    return (this.#flags & HANDED_ON) !== 0;
  }
  set handedOn(on: boolean) {
    this.#flag(HANDED_ON, on);
  }
  get name(): string {
    return `bot-${this.index + 1}`;
  }
  /** Told to stop (ctx.signal aborted, or to be once it is read). */
  get stopped(): boolean {
    return (this.#flags & STOPPED) !== 0;
  }
  get signal(): AbortSignal {
    if (this.#stop === null) {
      this.#stop = new AbortController();
      if (this.stopped) this.#stop.abort(this.#stopReason);
    }
    return this.#stop.signal;
  }
  /** Tells its script to stop (ctx.signal), once; the first reason stays (undefined: an AbortError). */
  stop(reason?: unknown): void {
    if (this.stopped) return;
    this.#flag(STOPPED, true);
    this.#stopReason = reason;
    this.#stop?.abort(reason);
    for (let s = this.#sleeps; s !== null; s = s.next) {
      clearTimeout(s.timer);
      s.resolve();
    }
    this.#sleeps = null;
  }
  /** ctx.sleep: until `ms` or the bot's stop, whichever is first; past the run's end, no timer at all. */
  sleep(ms: number): Promise<void> {
    const bad = sleepError(ms);
    if (bad) return Promise.reject(bad);
    // A script still looping after its run returned is frozen there: nothing of it keeps the
    // process alive (its promise, and so the script, is collected).
    if (this.stopped) return this.run.over ? new Promise<void>(never) : afterStop();
    return new Promise<void>((resolve) => {
      const wait = Math.max(0, ms);
      // The run's end stops every bot, which wakes this: an idle bot holds no Timeout.
      const outlasts = Date.now() + wait >= this.run.deadline;
      const s = new Sleep(resolve, this.#sleeps, outlasts ? 0 : Math.max(0, wait - MAX_TIMER_MS));
      this.#sleeps = s;
      if (!outlasts) s.timer = setTimeout(woken, Math.min(wait, MAX_TIMER_MS), this, s);
    });
  }
  /** `s` is done: off the list. */
  unsleep(s: Sleep): void {
    if (this.#sleeps === s) {
      this.#sleeps = s.next;
      return;
    }
    for (let p = this.#sleeps; p !== null; p = p.next) {
      if (p.next === s) {
        p.next = s.next;
        return;
      }
    }
  }
  endNow(): void {
    this.stop();
    if (this.handedOn) this.run.ended(this);
  }
  expectClose(): void {
    this.#flag(CLOSE_EXPECTED, true);
  }
  counter(name: string, value: number): void {
    this.run.custom.counter(name, value);
  }
  rate(name: string, pass: boolean): void {
    this.run.custom.rate(name, pass);
  }
  gauge(name: string, value: number): void {
    this.run.custom.gauge(name, value);
  }
  trend(name: string, ms: number): void {
    this.run.custom.trend(name, ms);
  }
}

/** One bot of the target of a staged run: retired on a ramp down. */
interface Slot {
  retired: boolean;
  current: BotRun | null;
}

/** What the process-level handlers need of a run in progress. */
interface SwarmRun {
  /** Where its bots' scripts record checks and custom metrics. */
  readonly custom: CustomMetrics;
  /** An error attributed to one of its bots (by the async context its script started). */
  fail(b: BotRun, err: unknown, kind?: string): void;
  /** An error nothing can be attributed to: the runner itself failed. */
  fatal(err: unknown): void;
  /** When its time is up (epoch ms; +∞ until known): every bot still running is stopped then. */
  deadline: number;
  /** Returned: its scripts are no longer waited for (a sleep of theirs never ends). */
  over: boolean;
  /** Ended by an error or a disconnect (settle): the bot leaves now, its script not waited for. */
  ended(b: BotRun): void;
}

/** The bot whose script (or handler, or timer) is running: async context follows timers and promises. */
const currentBot = metricSink;
const activeRuns = new Set<SwarmRun>();

function route(err: unknown): void {
  const b = currentBot.getStore();
  if (b instanceof BotRun && activeRuns.has(b.run)) {
    b.run.fail(b, err);
    return;
  }
  for (const r of activeRuns) r.fatal(err);
}
const onUncaught = (err: unknown) => route(err);
const onUnhandled = (reason: unknown) => route(reason);

function enterRun(r: SwarmRun): void {
  if (activeRuns.size === 0) {
    process.on("uncaughtException", onUncaught);
    process.on("unhandledRejection", onUnhandled);
  }
  activeRuns.add(r);
}

function leaveRun(r: SwarmRun): void {
  activeRuns.delete(r);
  if (activeRuns.size === 0) {
    process.off("uncaughtException", onUncaught);
    process.off("unhandledRejection", onUnhandled);
  }
}

/** How a connection that the bot did not close ended, in words. */
function closeMessage(info: CloseInfo | null, error: Error | null): string {
  if (!info) return `connection lost${error ? `: ${error.message}` : ""}`;
  const reason = info.reason ? ` "${info.reason}"` : "";
  const by =
    info.initiatedBy === "server"
      ? "closed by the server"
      : info.initiatedBy === "heartbeat"
        ? "no answer to pings (heartbeat)"
        : info.initiatedBy === "network"
          ? "connection lost (network)"
          : "closed";
  const why = info.error ? `: ${info.error.message}` : error?.message ? `: ${error.message}` : "";
  return `${by} with ${info.code}${reason}${why}`;
}

/**
 * Runs the swarm. Every started bot ends exactly one way (result.bots: ended, failed, errored,
 * disconnected); an error anywhere in a bot's script, handlers, timers or floating promises ends
 * that bot only, charged to it; the run always returns its result.
 */
export async function runSwarm(options: SwarmOptions): Promise<SwarmResult> {
  const shard = options.shard ?? { index: 0, count: 1 };
  if (
    !(
      Number.isInteger(shard.count) &&
      shard.count >= 1 &&
      Number.isInteger(shard.index) &&
      shard.index >= 0 &&
      shard.index < shard.count
    )
  ) {
    throw new RangeError(`shard ${shard.index}/${shard.count} is not i/n with 0 ≤ i < n`);
  }
  const metrics = new SwarmMetrics(options.config ?? {}, shard, options.threads ?? 1);
  options.onMetrics?.(metrics);
  metrics.start();
  const run = new AbortController();
  // Pending connects listen on it: thousands of listeners are expected.
  const abandon = new AbortController();
  setMaxListeners(0, run.signal, abandon.signal);
  let stopped: string | undefined;
  const stop = () => {
    const reason = options.signal?.reason;
    stopped ??= typeof reason === "string" ? reason : "interrupted";
    run.abort();
  };
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) stop();
  let pending = 0;
  let joined = 0;
  let failed = 0;
  let leaving: Promise<void> = Promise.resolve();

  const settle = (b: BotRun, outcome: BotOutcome, err?: unknown, kind?: string): void => {
    if (b.settled) return;
    b.settled = true;
    b.outcomeEnded = outcome === "ended";
    if (b.dropTimer !== null) clearTimeout(b.dropTimer);
    b.dropTimer = null;
    metrics.botEnded(outcome, err, b.name, kind);
    if (outcome !== "ended") b.endNow();
  };
  const control: SwarmRun = {
    custom: metrics.custom,
    deadline: Number.POSITIVE_INFINITY,
    over: false,
    fail(b, err, kind) {
      // What a scheduled drop cut short is no error of the bot.
      if (b.dropped !== null && err instanceof BotDisconnectedError) return;
      if (b.settled) metrics.lateError(err, b.name, kind);
      else settle(b, "errored", err, kind);
    },
    fatal(err) {
      metrics.runnerFailed(err);
      stopped ??= `fatal: ${err instanceof Error ? err.message : String(err)}`;
      run.abort();
    },
    ended(b) {
      queueMicrotask(() => void leave(b, undefined, false));
    },
  };
  enterRun(control);

  /** Rejoins waiting out their scheduled drop (cancelled at the end of the run). */
  const rejoins = new Set<NodeJS.Timeout>();
  const onGone = (b: BotRun, info: CloseInfo | null, error: Error | null) => {
    if (b.settled || b.leaving || run.signal.aborted) return;
    if (info?.initiatedBy === "network-condition" && b.dropped !== null) {
      // A scheduled drop: no error; the same bot rejoins (a new connection) once the link is back.
      settle(b, "dropped");
      const wait = Math.max(0, b.dropped.at + b.dropped.rejoinAfterMs - performance.now());
      const timer = setTimeout(() => {
        rejoins.delete(timer);
        if (run.signal.aborted || b.slot?.retired === true) return;
        metrics.botRejoined();
        launch(b.index, b.slot, b.current, b.timeline);
      }, wait);
      rejoins.add(timer);
      return;
    }
    if (b.closeExpected) {
      settle(b, "ended");
      b.endNow();
      return;
    }
    settle(b, "disconnected", new BotDisconnectedError(closeMessage(info, error)));
  };

  const env = options.env ?? process.env;
  const feed = options.data ? new DataFeed(options.data.rows, options.data.order, shard) : null;
  // Iterations are the closed model's: an open model's arrival runs its script once.
  const looping =
    (options.iterations !== undefined || options.stages !== undefined) &&
    options.arrivalPerSec === undefined &&
    options.arrivalStages === undefined;
  const maxIterations = options.iterations ?? Number.POSITIVE_INFINITY;
  const reuse = options.reuseConnection ?? true;
  const thinkMs = options.thinkMs ?? 0;
  // Made once for the run, not per bot: the think distribution and the context's shared parts.
  const shared: SharedContext = {
    think: options.think ?? (thinkMs > 0 ? thinkAround(thinkMs) : undefined),
    env,
    check: metrics.custom.check.bind(metrics.custom),
  };
  const contextOf = (b: BotRun, iteration: number) => runContext(b.index, b, shared, b.row, iteration);
  const refuse = (b: BotRun, err: unknown) => {
    failed++;
    b.settled = true;
    metrics.connectFailed(err, b.name);
  };
  // Nothing per bot in the connection options (no function of the bot, no script's own): every
  // bot connects with the same object, made once (Bot.connect copies what it keeps).
  const perBot = typeof options.connect === "function" || options.script.connectOptions !== undefined;
  let sharedConnect: {
    readonly options: ConnectOptions;
    readonly drops: ReturnType<typeof checkNetwork>;
  } | null = null;

  /** Bots launched and not yet done (connect failed, or left after their script). */
  const running = new Set<BotRun>();
  let drained: (() => void)[] = [];
  const finished = (b: BotRun) => {
    running.delete(b);
    if (running.size > 0) return;
    const waiting = drained;
    drained = [];
    for (const resolve of waiting) resolve();
  };
  const allDone = () =>
    running.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => drained.push(resolve));
  /**
   * The runs of the bots joined, by bot, for the watcher below. Weak: a bot's handler error after
   * it left is still its own (a late error), and a gone bot is not kept.
   */
  const runOf = new WeakMap<Bot<unknown>, BotRun>();
  // What the run hears of its bots: one watcher for them all, no listeners on each bot.
  const watcher: BotWatcher = {
    roundTrip: (_bot, path, method, rttMs) => metrics.roundTrip(path, method, rttMs),
    waitTimeout: () => metrics.waitTimeout(),
    packetDropped: (_bot, reason, detail) => metrics.dropped(reason, detail),
    manifestError: (_bot, err) => metrics.manifestError(err),
    scriptError(bot, err) {
      const b = runOf.get(bot);
      if (b) control.fail(b, err, "handler");
    },
    disconnected(bot, info, error) {
      const b = runOf.get(bot);
      metrics.gone(bot as EngineBot, info);
      if (b) onGone(b, info, error);
    },
  };

  /** The bot's connection options: a bad one fails this bot's start, named (it throws). */
  const connectOptionsOf = (b: BotRun): ConnectOptions => {
    if (!perBot && sharedConnect !== null) {
      if (b.timeline === null && sharedConnect.drops.length > 0)
        b.timeline = new DropTimeline(sharedConnect.drops);
      return sharedConnect.options;
    }
    const own =
      typeof options.connect === "function"
        ? options.connect({ index: b.index, name: b.name, data: b.row, env })
        : options.connect;
    // Options in order: the run's, the scenario's network, the script's own per-bot options
    // (defineBot's connectOptions), then options.connect's.
    const given: SwarmConnectOptions = {
      ...options.botOptions,
      ...(options.network !== undefined ? { network: options.network } : {}),
      ...options.script.connectOptions?.(contextOf(b, b.iteration)),
      ...own,
    };
    let drops: ReturnType<typeof checkNetwork> = [];
    if (given.network) {
      try {
        drops = checkNetwork(given.network);
      } catch (err) {
        throw new BotConnectError(`${b.name}: ${(err as Error).message}`, "bad-options", { cause: err });
      }
    }
    // The first connect of a bot with drops starts its timeline; a rejoin keeps it.
    if (b.timeline === null && drops.length > 0) b.timeline = new DropTimeline(drops);
    const connect = {
      ...given,
      // The link's conditions go to the socket; the drops stay here.
      network: linkPart(given.network),
      url: own?.url ?? options.url,
      signal: abandon.signal,
    } as ConnectOptions;
    if (!perBot) sharedConnect = { options: connect, drops };
    return connect;
  };

  /** A bot's start, up to its join; then its iterations go on by callbacks (iterate). */
  const one = async (b: BotRun): Promise<void> => {
    let handedOn = false;
    try {
      metrics.botStarted();
      let connect: ConnectOptions;
      try {
        b.row = feed?.take(b.index);
        connect = connectOptionsOf(b);
      } catch (err) {
        refuse(b, err);
        return;
      }
      let bot: EngineBot;
      pending++;
      try {
        bot = await Bot.connect(connect);
      } catch (err) {
        if (!b.settled) refuse(b, err);
        return;
      } finally {
        pending--;
      }
      if (b.settled) {
        bot.terminate().catch(() => undefined);
        return;
      }
      joined++;
      b.bot = bot;
      b.live = true;
      runOf.set(bot, b);
      metrics.watch(bot);
      watchBot(bot, watcher);
      const drop = b.timeline?.next() ?? null;
      if (drop !== null) {
        b.dropTimer = setTimeout(
          () => {
            b.dropTimer = null;
            // The run's end: bots are leaving cleanly, no drop then.
            if (b.settled || b.leaving || run.signal.aborted) return;
            b.dropped = drop;
            bot.terminate("network-condition").catch(() => undefined);
          },
          Math.max(0, drop.at - performance.now()),
        );
      }
      if (run.signal.aborted) b.stop();
      b.handedOn = true;
      handedOn = true;
      iterate(b, b.iteration);
    } finally {
      if (!handedOn) finished(b);
    }
  };
  /** Runs iteration `it` of a joined bot's script; its end decides what follows (next, or leave). */
  const iterate = (b: BotRun, it: number): void => {
    if (b.wrapping) return;
    const bot = b.bot as EngineBot;
    b.current = it;
    b.iterationStart = performance.now();
    let p: Promise<void>;
    try {
      p = Promise.resolve(options.script(bot, contextOf(b, it)));
    } catch (err) {
      void leave(b, err, true);
      return;
    }
    p.then(iterationReturned, iterationThrew);
  };
  // Shared by every bot, no closures a bot: the reaction runs in the async context the script's
  // promise was awaited in, its bot's (b.current is the iteration it runs).
  const botOfReaction = (): BotRun => {
    const b = currentBot.getStore();
    if (!(b instanceof BotRun)) throw new Error("unreachable: a script's end outside its bot's context");
    return b;
  };
  const iterationReturned = (): void => {
    const b = botOfReaction();
    afterIteration(b, b.current);
  };
  const iterationThrew = (err: unknown): void => void leave(botOfReaction(), err, true);
  const afterIteration = (b: BotRun, it: number): void => {
    if (b.wrapping) return;
    if (b.settled) {
      void leave(b, undefined, false);
      return;
    }
    try {
      metrics.iterationDone(performance.now() - b.iterationStart);
    } catch (err) {
      void leave(b, err, true);
      return;
    }
    // Iterations on one connection: again until the run (or the bot's stage) ends or the count is reached.
    if (!looping || !reuse || it + 1 >= maxIterations || b.stopped) {
      void leave(b, undefined, false);
      return;
    }
    // A script that returns at once must not starve the event loop.
    setImmediate(iterate, b, it + 1);
  };
  /** The bot's script is done (or no longer waited for): settle, leave cleanly, maybe reconnect for the next iteration. */
  const leave = async (b: BotRun, err: unknown, threw: boolean): Promise<void> => {
    if (b.wrapping) return;
    b.wrapping = true;
    const bot = b.bot as EngineBot;
    try {
      // A script stopped by the end of the run is not an error; anything else is.
      if (!threw) settle(b, "ended");
      else if (run.signal.aborted && !bot.connected) settle(b, "ended");
      else settle(b, "errored", err);
      b.live = false;
      if (b.dropTimer !== null) clearTimeout(b.dropTimer);
      b.dropTimer = null;
      if (bot.connected) {
        b.leaving = true;
        // At the end of the run, bots leave one after another: a Godot 3 server whose peers close
        // in the same poll logs `_send_sys` errors while announcing them (protocol-notes).
        if (run.signal.aborted) {
          leaving = leaving.then(() => bot.disconnect().catch(() => undefined));
          await leaving;
        } else {
          await bot.disconnect().catch(() => undefined);
        }
      }
      // A new connection for the next iteration, in the same slot.
      const next = b.iteration + 1;
      if (looping && !reuse && !run.signal.aborted && next < maxIterations && b.slot?.retired !== true) {
        if (b.outcomeEnded) launch(b.index, b.slot, next);
      }
    } finally {
      finished(b);
    }
  };
  const launch = (
    index: number,
    slot: Slot | null = null,
    iteration = 0,
    timeline: DropTimeline | null = null,
  ) => {
    firstLaunchAt ??= Date.now();
    const b = new BotRun(control, index, slot, iteration, timeline);
    if (slot) slot.current = b;
    running.add(b);
    // Everything the bot's start makes (its socket, its script's promises and timers) is in its context.
    void currentBot.run(b, one, b);
  };

  const started = Date.now();
  let firstLaunchAt: number | undefined;
  const deadline = started + options.durationMs;
  control.deadline = deadline;
  // No bot could join: stop early rather than wait out the run (the reasons are in the result).
  // Counted from the first launch: stages may start at a target (or rate) of 0.
  const watchdog = setInterval(() => {
    if (joined > 0 || run.signal.aborted || firstLaunchAt === undefined) return;
    const elapsed = Date.now() - firstLaunchAt;
    if ((failed > 0 && pending === 0 && elapsed >= ALL_FAILED_AFTER_MS) || elapsed >= NO_CONNECT_GRACE_MS) {
      stopped ??= "no-connect";
      run.abort();
    }
  }, 100);
  watchdog.unref();
  const until = (t: number) =>
    new Promise<void>((resolve) => {
      const ms = t - Date.now();
      if (ms <= 0 || run.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        run.signal.removeEventListener("abort", done);
        resolve();
      }
      run.signal.addEventListener("abort", done, { once: true });
    });

  try {
    if (options.arrivalStages !== undefined) {
      // Open model by stages: the next arrival is one interval of the current rate away.
      const stages = options.arrivalStages;
      let k = 0;
      let at = started;
      for (;;) {
        const elapsed = at - started;
        if (run.signal.aborted || at >= deadline) break;
        const perShard = targetAt(stages, elapsed) / shard.count;
        if (!(perShard > 0)) {
          // A rate of 0 for now: look again shortly.
          at += 50;
          await until(at);
          continue;
        }
        await until(at);
        if (run.signal.aborted || Date.now() >= deadline) break;
        if (running.size >= options.bots) metrics.error("arrival-cap");
        else launch(k * shard.count + shard.index);
        k++;
        at += 1000 / perShard;
      }
    } else if (options.arrivalPerSec !== undefined) {
      // Open model: arrivals on a fixed schedule, never waiting for the server.
      const perShard = options.arrivalPerSec / shard.count;
      if (!(perShard > 0)) throw new RangeError("the arrival rate must be > 0");
      let k = 0;
      for (let at = started; at < deadline && !run.signal.aborted; at = started + (++k * 1000) / perShard) {
        await until(at);
        if (run.signal.aborted || Date.now() >= deadline) break;
        if (running.size >= options.bots) {
          metrics.error("arrival-cap");
          continue;
        }
        launch(k * shard.count + shard.index);
      }
    } else if (options.stages !== undefined) {
      // Closed model by stages: every 100 ms, bots are added up to the target or retired down
      // to it (the newest first: told by their signal, they return and leave cleanly).
      const slots: Slot[] = [];
      let k = 0;
      const total = options.durationMs;
      for (;;) {
        const elapsed = Date.now() - started;
        if (run.signal.aborted || elapsed >= total) break;
        const want = shardShare(targetAt(options.stages, elapsed), shard);
        while (slots.length < want) {
          const slot: Slot = { retired: false, current: null };
          slots.push(slot);
          launch(k++ * shard.count + shard.index, slot);
        }
        while (slots.length > want) {
          const slot = slots.pop() as Slot;
          slot.retired = true;
          slot.current?.stop(RAMP_DOWN);
        }
        await until(Math.min(deadline, Date.now() + 100));
      }
    } else {
      const mine = shardIndices(options.bots, shard);
      const rate = options.rampPerSec ? options.rampPerSec / shard.count : Number.POSITIVE_INFINITY;
      for (const [k, index] of mine.entries()) {
        const at = Number.isFinite(rate) ? started + (k * 1000) / rate : started;
        if (at >= deadline) break; // a ramp slower than the run: the rest never start
        await until(at);
        if (run.signal.aborted) break;
        launch(index);
      }
    }
    await until(deadline);
  } catch (err) {
    control.fatal(err);
  }
  clearInterval(watchdog);
  run.abort();
  for (const timer of rejoins) clearTimeout(timer);
  rejoins.clear();
  // The end: scripts are told; connects still pending get the grace too (a bot that joins then
  // ends at once). Whatever is not done within it is abandoned or dropped, so the run returns at
  // most graceMs (≤ 2 s by default) after its time. No bot could connect: no point waiting.
  if (stopped === "no-connect") abandon.abort();
  for (const b of running) if (b.live) b.stop();
  const graceMs = options.graceMs ?? END_GRACE_MS;
  const endBy = Date.now() + graceMs;
  const sleepUntil = (t: number) =>
    new Promise<void>((r) => setTimeout(r, Math.max(0, t - Date.now())).unref());
  await Promise.race([allDone(), sleepUntil(endBy - Math.min(250, graceMs / 4))]);
  abandon.abort();
  for (const b of running) if (b.live) b.bot?.terminate().catch(() => undefined);
  await Promise.race([allDone(), sleepUntil(endBy)]);
  // Still unsettled: joined bots whose script ignored the end (ended), attempts still open (unfinished).
  // (Every started bot is in `running` until it is done, and done settled.)
  for (const b of [...running]) {
    if (b.settled) continue;
    if (b.bot) settle(b, "ended");
    else {
      b.settled = true;
      metrics.connectFailed(
        new BotConnectError("the run ended before this bot could join", "unfinished"),
        b.name,
      );
    }
  }
  options.signal?.removeEventListener("abort", stop);
  control.over = true;
  leaveRun(control);
  const result = metrics.finish();
  result.shape = shapeOf(options);
  if (stopped !== undefined) result.stopped = stopped;
  return result;
}

/** The load shape a run was given, as its result records it. */
function shapeOf(o: SwarmLoad): LoadShape {
  const open = o.arrivalPerSec !== undefined || o.arrivalStages !== undefined;
  const stages = open ? o.arrivalStages : o.stages;
  return {
    model: open ? "open" : "closed",
    bots: o.bots,
    durationMs: o.durationMs,
    ...(!open && o.rampPerSec !== undefined ? { rampPerSec: o.rampPerSec } : {}),
    ...(open && o.arrivalPerSec !== undefined ? { arrivalPerSec: o.arrivalPerSec } : {}),
    ...(stages !== undefined
      ? { stages: stages.map((s) => ({ durationMs: s.durationMs, target: s.target })) }
      : {}),
    ...(!open && o.iterations !== undefined ? { iterations: o.iterations } : {}),
    ...(!open && o.reuseConnection !== undefined ? { reuseConnection: o.reuseConnection } : {}),
  };
}
