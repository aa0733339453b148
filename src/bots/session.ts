/**
 * A session that stays up, for companion services: one Bot at a time, and a new one whenever
 * the connection ends (server restarted, link dropped, heartbeat lost), after a backoff with
 * full jitter. What a service declares on the session (handlers, setup of nodes and listeners)
 * is applied to each new Bot before it runs its first call. No dialect here: it works through
 * Bot.connect for whichever engine the server runs.
 *
 * State is bounded whatever the uptime: the session holds its declarations (one per path:method,
 * a re-declaration replaces), the current bot, at most one backoff timer and one pending
 * ready(); each ended bot is dropped with its waiters (rejected), listeners and frame loop.
 */
import { performance } from "node:perf_hooks";
import { SignalEmitter } from "../core/index.js";
import type { ScriptErrorSite } from "../scene/index.js";
import type { Variant } from "../variant/index.js";
import type { CloseInfo, ConnectError } from "../websocket/index.js";
import type { Bot, BotRpcHandler, ConnectOptions, ReceivedCall, RequestResult, WaitOptions } from "./bot.js";
import { Bot as BotClass } from "./bot.js";
import type { BotRpcDeclaration } from "./dialect.js";
import type { BotByEngine, EngineBot } from "./engines.js";
import { BotConnectError, BotDisconnectedError } from "./errors.js";
import {
  checkNetwork,
  type DropRule,
  DropTimeline,
  linkPart,
  type NetworkConditions,
  type NextDrop,
} from "./network.js";

/**
 * Reconnect delays: attempt n (1, 2, …; reset to 1 by each successful join) waits
 * `random() × min(maxMs, initialMs × factor^(n−1))` ms ("full jitter": uniform between 0 and
 * the capped exponential, so a fleet of services restarted with their server spreads out).
 */
export interface BackoffOptions {
  /** The cap of the first delay, ms (default 250). */
  readonly initialMs?: number;
  /** The cap of every delay, ms (default 30 000). */
  readonly maxMs?: number;
  /** Growth of the cap per failed attempt (default 2). */
  readonly factor?: number;
}

const BACKOFF = { initialMs: 250, maxMs: 30_000, factor: 2 } as const;

/** Heartbeat of a session's connections, unless told (ms): a dead link is found within 3 × this. */
export const SESSION_HEARTBEAT_MS = 5_000;

/** The delay before attempt `attempt` (≥ 1): `random() × min(maxMs, initialMs × factor^(attempt−1))`, in [0, maxMs). */
export function backoffDelay(
  attempt: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initialMs = backoff.initialMs ?? BACKOFF.initialMs;
  const maxMs = backoff.maxMs ?? BACKOFF.maxMs;
  const factor = backoff.factor ?? BACKOFF.factor;
  // Capped in the exponent too: factor^n overflows to Infinity after ~1000 attempts of factor 2.
  const steps = Math.min(attempt - 1, Math.ceil(Math.log(maxMs / initialMs) / Math.log(factor)) + 1);
  const cap = Math.min(maxMs, initialMs * factor ** Math.max(0, steps));
  const r = random();
  return Math.floor((r >= 0 && r < 1 ? r : 0) * cap);
}

function checkBackoff(b: BackoffOptions): void {
  const { initialMs = BACKOFF.initialMs, maxMs = BACKOFF.maxMs, factor = BACKOFF.factor } = b;
  if (!(initialMs > 0 && Number.isFinite(initialMs)))
    throw new RangeError(`backoff.initialMs must be > 0, not ${initialMs}`);
  if (!(maxMs >= initialMs && Number.isFinite(maxMs)))
    throw new RangeError(`backoff.maxMs must be finite and ≥ initialMs, not ${maxMs}`);
  if (!(factor >= 1 && Number.isFinite(factor)))
    throw new RangeError(`backoff.factor must be ≥ 1, not ${factor}`);
}

/** Bot.connect's options (but `signal`: stop() is how a session ends), and the session's own. */
export interface SessionOptions extends Omit<ConnectOptions, "signal"> {
  readonly backoff?: BackoffOptions;
  /** The jitter's source, in [0, 1) (default Math.random): inject one for deterministic tests. */
  readonly random?: () => number;
  /** Give up after this many reconnect attempts in a row failed (default Infinity: a service never gives up). */
  readonly maxAttempts?: number;
  /** stop() waits this long for the server's close answer, then drops the connection (default 2 s). */
  readonly stopTimeoutMs?: number;
  /**
   * Network conditions: the link's (latency, jitter, bandwidth) on every connection, and drops
   * scheduled from start(): each ends the connection with no close frame, and the session rejoins
   * `rejoinAfter` after it (no backoff: the drop is no failure).
   */
  readonly network?: NetworkConditions | undefined;
  // heartbeatIntervalMs (ConnectOptions): SESSION_HEARTBEAT_MS by default here, 0 turns it off.
}

export interface SessionEvents<B> {
  /** The first join. */
  connected: [bot: B];
  /** A connection ended or an attempt failed (`cause`): attempt `attempt` follows in `delayMs`. */
  reconnecting: [attempt: number, delayMs: number, cause: Error];
  /** A new bot joined after a loss, with the session's handlers and setup applied. */
  reconnected: [bot: B];
  /** The current bot's connection ended (stop() included). */
  disconnected: [info: CloseInfo | null, error: ConnectError | null];
  /** The session gave up: an error no retry can fix (a bad URL, no bot for the engine, bad options) or maxAttempts. */
  connection_failed: [error: Error];
}

/** Why a connection ended, as the cause of the reconnect: who ended it (server, network, heartbeat …) and how. */
function lossOf(info: CloseInfo | null, error: ConnectError | null): BotDisconnectedError {
  const why = error?.message ?? info?.error?.message ?? info?.reason;
  const how = info ? `${info.initiatedBy}, ${info.code}` : "no close";
  return new BotDisconnectedError(`connection lost (${how})${why ? `: ${why}` : ""}`, {
    cause: error ?? info?.error,
  });
}

const SETUP_SITE = { path: "", name: "setup", from: 0 } as const;

/** A clean close, or a dropped connection if the other side does not answer within `ms` (a frozen link). */
async function closeWithin(bot: Bot<unknown>, code: number, reason: string, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([bot.disconnect(code, reason), late]);
  } finally {
    clearTimeout(timer);
  }
  if (bot.connected) await bot.terminate();
}

/** A declaration or setup that threw: the bot's script_error, printed if nobody listens (never silent). */
function scriptError(bot: Bot<unknown>, err: unknown, where: ScriptErrorSite): void {
  if (bot.listenerCount("script_error") > 0) bot.emit("script_error", err, where);
  else console.error(`godot-peer session: SCRIPT ERROR in ${where.path}:${where.name}:`, err);
}

/** Connect errors a retry cannot fix. */
const FATAL = new Set(["bad-url", "unsupported-dialect"]);

/** A lost connection or a failed connect is retried; a bad URL, an engine no bot speaks, bad options (not a BotConnectError) are not. */
function retryable(cause: Error): boolean {
  if (cause instanceof BotDisconnectedError) return true;
  return cause instanceof BotConnectError && !FATAL.has(cause.reason);
}

/** The rpc modes a bot class takes. */
type ModeOf<B> = B extends Bot<infer M> ? M : never;

interface Declaration {
  readonly path: string;
  readonly method: string;
  readonly mode: unknown;
  readonly handler: BotRpcHandler;
}

export class BotSession<B extends Bot<unknown> = EngineBot> extends SignalEmitter<SessionEvents<B>> {
  readonly #options: SessionOptions;
  readonly #random: () => number;
  readonly #maxAttempts: number;
  readonly #stopTimeoutMs: number;
  readonly #drops: readonly DropRule[];
  readonly #declarations = new Map<string, Declaration>();
  readonly #setups: ((bot: B) => void)[] = [];
  #bot: B | null = null;
  #running: Promise<void> | null = null;
  #stopped = false;
  /** Abandons a connect in progress at stop(). */
  readonly #abort = new AbortController();
  #ever = false;
  /** The backoff in progress: its timer and how to cut it short. */
  #sleep: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  /** The pending ready(), shared by every caller until the next join. */
  #ready: { promise: Promise<B>; resolve: (bot: B) => void; reject: (err: Error) => void } | null = null;

  /** A session for the engine `godot` says (or whichever the server runs). Call start(). */
  static create<G extends keyof BotByEngine>(
    options: SessionOptions & { readonly godot: G },
  ): BotSession<BotByEngine[G]>;
  static create(options: SessionOptions): BotSession<EngineBot>;
  static create<B extends Bot<unknown>>(options: SessionOptions): BotSession<B> {
    return new BotSession<B>(options);
  }

  constructor(options: SessionOptions) {
    super();
    checkBackoff(options.backoff ?? {});
    const maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    if (!(maxAttempts >= 1)) throw new RangeError(`maxAttempts must be ≥ 1, not ${maxAttempts}`);
    this.#maxAttempts = maxAttempts;
    const stopTimeoutMs = options.stopTimeoutMs ?? 2_000;
    if (!(stopTimeoutMs >= 0)) throw new RangeError(`stopTimeoutMs must be ≥ 0, not ${stopTimeoutMs}`);
    this.#stopTimeoutMs = stopTimeoutMs;
    this.#random = options.random ?? Math.random;
    this.#drops = checkNetwork(options.network);
    this.#options = {
      ...options,
      network: linkPart(options.network),
      heartbeatIntervalMs: options.heartbeatIntervalMs ?? SESSION_HEARTBEAT_MS,
    };
  }

  /** The bot of the current connection (null while reconnecting or stopped). */
  get bot(): B | null {
    return this.#bot;
  }

  get connected(): boolean {
    return this.#bot?.connected ?? false;
  }

  /**
   * Declares `path.method` callable on us on every bot of the session (Bot.handle), the current
   * one included. A second declaration of the same path:method replaces the first.
   */
  handle<A extends Variant[] = Variant[]>(
    path: string,
    method: string,
    mode: BotRpcDeclaration<ModeOf<B>>,
    handler: BotRpcHandler<A>,
  ): this {
    const d: Declaration = { path, method, mode, handler: handler as BotRpcHandler };
    this.#declarations.set(`${path}:${method}`, d);
    if (this.#bot?.connected) this.#apply(this.#bot, d);
    return this;
  }

  /**
   * Runs `fn` on every bot of the session as it joins (the current one now), before the session's
   * handlers are declared on it and before it runs any call: node declarations (network master,
   * rset config, Godot 4's declareNode), listeners, onFrame hooks.
   */
  setup(fn: (bot: B) => void): this {
    this.#setups.push(fn);
    if (this.#bot?.connected) fn(this.#bot);
    return this;
  }

  /** Connects (retrying as after a loss) and resolves with the first bot; rejects if the session gives up or is stopped first. */
  start(): Promise<B> {
    if (this.#stopped) return Promise.reject(new BotDisconnectedError("the session was stopped"));
    const ready = this.ready();
    this.#running ??= this.#run();
    return ready;
  }

  /** The connected bot, now or at the next join; rejects if the session gives up or is stopped first. */
  ready(): Promise<B> {
    if (this.#bot?.connected) return Promise.resolve(this.#bot);
    if (this.#stopped) return Promise.reject(new BotDisconnectedError("the session was stopped"));
    if (!this.#ready) {
      let resolve: (bot: B) => void = () => {};
      let reject: (err: Error) => void = () => {};
      const promise = new Promise<B>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      this.#ready = { promise, resolve, reject };
    }
    return this.#ready.promise;
  }

  /** Bot.request on the current bot; rejects with BotDisconnectedError while there is none. */
  request<R extends Variant[] = Variant[]>(
    to: number,
    path: string,
    method: string,
    args: readonly Variant[],
    reply: { path?: string; method: string } & WaitOptions<ModeOf<B>>,
  ): Promise<RequestResult<R>> {
    const bot = this.#bot;
    if (!bot?.connected)
      return Promise.reject(new BotDisconnectedError("not connected (the session is reconnecting)"));
    return bot.request<R>(to, path, method, args, reply as WaitOptions<unknown> & { method: string });
  }

  /** Bot.waitForRpc on the current bot; rejects with BotDisconnectedError while there is none. */
  waitForRpc<R extends Variant[] = Variant[]>(
    path: string,
    method: string,
    options: WaitOptions<ModeOf<B>> = {},
  ): Promise<ReceivedCall<R>> {
    const bot = this.#bot;
    if (!bot?.connected)
      return Promise.reject(new BotDisconnectedError("not connected (the session is reconnecting)"));
    return bot.waitForRpc<R>(path, method, options as WaitOptions<unknown>);
  }

  /** Ends the session: no more reconnects; the current connection is closed cleanly. Resolves once all is done. */
  async stop(code = 1000, reason = ""): Promise<void> {
    if (!this.#stopped) {
      this.#stopped = true;
      this.#sleep?.wake();
      this.#abort.abort();
      this.#settleReady(new BotDisconnectedError("the session was stopped"));
      const bot = this.#bot;
      if (bot?.connected) await closeWithin(bot, code, reason, this.#stopTimeoutMs);
    }
    await this.#running;
  }

  /** The session's own signals: a listener that throws is printed, and the session goes on (it must not die of its user's bug). */
  #emit<K extends keyof SessionEvents<B>>(signal: K, args: SessionEvents<B>[K]): void {
    this.emitCatching(signal, args, (err) =>
      console.error(`godot-peer session: SCRIPT ERROR in a "${String(signal)}" listener:`, err),
    );
  }

  #apply(bot: B, d: Declaration): void {
    bot.handle(d.path, d.method, d.mode, d.handler);
  }

  /** The declarations and setups, on a new bot: one that throws is that bot's script_error, as a throwing handler is. */
  #prepare(bot: B): void {
    // Setups first: a node's declaration (Godot 4's declareNode, a network master) precedes its
    // handlers, and a script_error listener sees what follows.
    for (const fn of this.#setups) {
      try {
        fn(bot);
      } catch (err) {
        scriptError(bot, err, SETUP_SITE);
      }
    }
    for (const d of this.#declarations.values()) {
      try {
        this.#apply(bot, d);
      } catch (err) {
        scriptError(bot, err, { path: d.path, name: d.method, from: 0 });
      }
    }
  }

  #settleReady(result: B | Error): void {
    const ready = this.#ready;
    if (!ready) return;
    this.#ready = null;
    if (result instanceof Error) ready.reject(result);
    else ready.resolve(result);
  }

  async #run(): Promise<void> {
    let failures = 0;
    let cause: Error | null = null;
    const timeline = this.#drops.length > 0 ? new DropTimeline(this.#drops) : null;
    while (!this.#stopped) {
      if (cause) {
        failures++;
        if (failures > this.#maxAttempts || !retryable(cause)) {
          this.#giveUp(cause, failures > this.#maxAttempts);
          return;
        }
        const delayMs = backoffDelay(failures, this.#options.backoff, this.#random);
        this.#emit("reconnecting", [failures, delayMs, cause]);
        await this.#wait(delayMs);
        if (this.#stopped) break;
      }
      let bot: B;
      try {
        bot = (await BotClass.connect({ ...this.#options, signal: this.#abort.signal })) as Bot<unknown> as B;
      } catch (err) {
        if (this.#stopped) break; // abandoned by stop()
        cause = err instanceof Error ? err : new Error(String(err));
        continue;
      }
      if (this.#stopped) {
        await bot.disconnect();
        break;
      }
      // Synchronously, before connect's deferred start of processing: no call runs undeclared.
      const ended = new Promise<[CloseInfo | null, ConnectError | null]>((resolve) =>
        bot.once("disconnected", (info, error) => resolve([info, error])),
      );
      this.#prepare(bot);
      this.#bot = bot;
      failures = 0;
      const first = !this.#ever;
      this.#ever = true;
      this.#settleReady(bot);
      if (first) this.#emit("connected", [bot]);
      else this.#emit("reconnected", [bot]);
      // The next scheduled drop of this connection, if any.
      const next = timeline?.next() ?? null;
      let dropped: NextDrop | null = null;
      const dropTimer =
        next === null
          ? null
          : setTimeout(
              () => {
                dropped = next;
                bot.terminate("network-condition").catch(() => undefined);
              },
              Math.max(0, next.at - performance.now()),
            );
      const [info, error] = await ended;
      if (dropTimer !== null) clearTimeout(dropTimer);
      this.#bot = null;
      this.#emit("disconnected", [info, error]);
      cause = lossOf(info, error);
      const drop = dropped as NextDrop | null;
      if (drop !== null && info?.initiatedBy === "network-condition" && !this.#stopped) {
        // A scheduled drop: rejoin once the link is back, with no backoff (no failure to count).
        // Never more than rejoinAfter: a timer may fire up to a millisecond before performance.now()
        // reaches its time (libuv's loop clock is whole milliseconds).
        const delayMs = Math.min(
          drop.rejoinAfterMs,
          Math.max(0, drop.at + drop.rejoinAfterMs - performance.now()),
        );
        this.#emit("reconnecting", [1, delayMs, cause]);
        await this.#wait(delayMs);
        cause = null;
      }
    }
    this.#settleReady(new BotDisconnectedError("the session was stopped"));
  }

  #giveUp(cause: Error, exhausted: boolean): void {
    this.#stopped = true;
    const err = exhausted
      ? new BotConnectError(`gave up after ${this.#maxAttempts} attempts: ${cause.message}`, "gave-up", {
          cause,
        })
      : cause;
    this.#settleReady(err);
    this.#emit("connection_failed", [err]);
  }

  /** The backoff: a timer that keeps the process alive (a service waits for its server), cut short by stop(). */
  #wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.#sleep = null;
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.#sleep = { timer, wake };
    });
  }
}
