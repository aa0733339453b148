/**
 * A bot script: a module in the user's repo (run through tsx, no build step) whose default
 * export is a BotScript. The runner connects the bot, calls the script, and disconnects when it
 * returns or when the run is stopped (ctx.signal). Anything the script throws, in its body, its
 * handlers, its timers or a promise it did not await, ends that bot only, charged to it.
 */

import type { ConnectOptions } from "./bot.js";
import { type Checks, CustomMetrics } from "./custom-metrics.js";
import type { EngineBot } from "./engines.js";
import { drawThink, type ThinkTime, thinkAround } from "./think.js";

/** A row of a data file: a CSV line by its header's names, or a JSON array's element. */
export type DataRow = unknown;

export interface BotContext {
  /** 0-based index of this bot in the run. */
  readonly index: number;
  /** A readable name, "bot-<index+1>". */
  readonly name: string;
  /**
   * Aborted when the run ends (duration over, Ctrl-C) or a stage's ramp down retires this bot
   * (`signal.reason` is then "ramp-down"): scripts should return soon after.
   */
  readonly signal: AbortSignal;
  /** The process environment with every `--env KEY=VAL` over it (k6's __ENV). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** This bot's row of the data file (options.data), or undefined without one. */
  readonly data: DataRow;
  /** 0-based: how many times this bot ran its script before this one (options.iterations). */
  readonly iteration: number;
  /**
   * Resolves after `ms` (k6's sleep, in ms), or early (without throwing) when the bot is told to
   * stop (the run's end, a ramp down). `ctx.sleep(Infinity)`, or any sleep past the run's end,
   * idles until then and holds no timer. Not a number: rejects with a TypeError.
   */
  sleep(ms: number): Promise<void>;
  /** A think time drawn from the run's distribution (--think T: 0.5×–1.5× T); at once without one. */
  think(): Promise<void>;
  /**
   * Says the server will close this bot's connection (a kick, a full server the test provokes):
   * that close then ends the bot normally instead of counting as errors.disconnected.
   */
  expectClose(): void;
  /**
   * Runs each named predicate on `value` and counts its pass or failure under its name
   * (thresholds `checks.rate`, `checks."<name>".rate`). Never throws (a predicate that throws
   * fails); true when every one passed.
   */
  check<T>(value: T, checks: Checks<T>): boolean;
}

/** Per-bot connect options, from the bot's context: e.g. `(ctx) => ({ auth: { token: `good-${ctx.index}` } })`. */
export type BotConnectOptions = (ctx: BotContext) => Omit<Partial<ConnectOptions>, "url">;

/**
 * `bot` is of the engine the server runs (narrow on `bot.godot` for what one engine alone has).
 * `connectOptions`, when set, gives each bot's own connect options (credentials per ctx.index);
 * the runner merges them over its own before connecting.
 */
export type BotScript = ((bot: EngineBot, ctx: BotContext) => Promise<void>) & {
  readonly connectOptions?: BotConnectOptions;
};

/**
 * For type inference in bot modules: `export default defineBot(async (bot, ctx) => …)`, with
 * per-bot connect options as a second argument (or a module export `connectOptions`).
 */
export function defineBot(
  script: (bot: EngineBot, ctx: BotContext) => Promise<void>,
  options: { readonly connectOptions?: BotConnectOptions } = {},
): BotScript {
  return options.connectOptions ? Object.assign(script, { connectOptions: options.connectOptions }) : script;
}

/** What a context holds beyond its index and signal. */
export interface ContextExtras {
  readonly think?: ThinkTime | undefined;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly data?: DataRow;
  readonly iteration?: number;
  readonly check?: <T>(value: T, checks: Checks<T>) => boolean;
}

/** Outside a run (a unit test of a script): checks are counted in a tally of their own. */
const ownTally = <T>(value: T, checks: Checks<T>): boolean => new CustomMetrics().check(value, checks);

/** Who hears a context's expectClose(): the runner's bot run (one object, no closure per bot). */
export interface CloseExpecter {
  expectClose(): void;
}

/**
 * What a context reads of its bot: its signal (the runner makes it on first read), its sleeps
 * (the runner's wake at its stop, no AbortSignal needed) and who hears expectClose().
 */
export interface ContextOwner extends CloseExpecter {
  readonly signal: AbortSignal;
  sleep(ms: number): Promise<void>;
}

/** The parts every context of a run shares, made once for the run. */
export interface SharedContext {
  readonly think: ThinkTime | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly check: <T>(value: T, checks: Checks<T>) => boolean;
}

/** A context's methods, made on first use and kept (so `const { sleep } = ctx` works too). */
interface Methods {
  sleep?: (ms: number) => Promise<void>;
  think?: () => Promise<void>;
  expectClose?: () => void;
}

/**
 * A bot's context: its methods and the run's shared parts (env, check, think) are read through
 * the prototype, so a context costs one small object per bot, not a closure per method; an idle
 * bot pays for no method it never took.
 */
class ScriptContext implements BotContext {
  readonly #owner: ContextOwner;
  readonly #shared: SharedContext;
  #methods: Methods | null = null;
  constructor(
    readonly index: number,
    owner: ContextOwner,
    shared: SharedContext,
    readonly data: DataRow,
    readonly iteration: number,
  ) {
    this.#owner = owner;
    this.#shared = shared;
  }
  get name(): string {
    return `bot-${this.index + 1}`;
  }
  get signal(): AbortSignal {
    return this.#owner.signal;
  }
  get env(): Readonly<Record<string, string | undefined>> {
    return this.#shared.env;
  }
  get check(): <T>(value: T, checks: Checks<T>) => boolean {
    return this.#shared.check;
  }
  #ownMethods(): Methods {
    this.#methods ??= {};
    return this.#methods;
  }
  get sleep(): (ms: number) => Promise<void> {
    const m = this.#ownMethods();
    const owner = this.#owner;
    m.sleep ??= owner.sleep.bind(owner);
    return m.sleep;
  }
  get think(): () => Promise<void> {
    const m = this.#ownMethods();
    const think = this.#shared.think;
    m.think ??= think ? () => this.sleep(drawThink(think)) : resolved;
    return m.think;
  }
  get expectClose(): () => void {
    const m = this.#ownMethods();
    const owner = this.#owner;
    m.expectClose ??= () => owner.expectClose();
    return m.expectClose;
  }
}

const resolved = (): Promise<void> => Promise.resolve();

/** setTimeout's longest delay (2^31 − 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** ctx.sleep's argument, checked: a TypeError for what is not a number of ms (NaN included). */
export function sleepError(ms: unknown): TypeError | null {
  return typeof ms === "number" && !Number.isNaN(ms)
    ? null
    : new TypeError(
        `ctx.sleep: ${typeof ms === "number" ? "NaN" : `a ${typeof ms}`} is not a number of milliseconds`,
      );
}

/** Once stopped, a sleep resolves on the next turn of the event loop, not in a microtask: a script looping on it cannot starve the run's end. */
export const afterStop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves after `ms`, or early (without throwing) when `signal` aborts. */
function sleepUntilAborted(signal: AbortSignal, ms: number): Promise<void> {
  const bad = sleepError(ms);
  if (bad) return Promise.reject(bad);
  if (signal.aborted) return afterStop();
  return new Promise<void>((resolve) => {
    // Past setTimeout's range (Infinity included): until the abort (Node would make it 1 ms).
    const timer = ms <= MAX_TIMER_MS ? setTimeout(done, Math.max(0, ms)) : undefined;
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

const nothing = () => undefined;

/** A context for one bot of a run; `onExpectClose` hears ctx.expectClose(). */
export function botContext(
  index: number,
  signal: AbortSignal,
  thinkMs = 0,
  onExpectClose: () => void = nothing,
  extras: ContextExtras = {},
): BotContext {
  const think = extras.think ?? (thinkMs > 0 ? thinkAround(thinkMs) : undefined);
  const shared: SharedContext = { think, env: extras.env ?? process.env, check: extras.check ?? ownTally };
  return new ScriptContext(
    index,
    { signal, expectClose: onExpectClose, sleep: (ms) => sleepUntilAborted(signal, ms) },
    shared,
    extras.data,
    extras.iteration ?? 0,
  );
}

/**
 * The runner's context for one run of a bot's script: `owner` (the bot's run) gives its signal
 * and hears expectClose(), `shared` holds the run's shared parts (made once for the run).
 */
export function runContext(
  index: number,
  owner: ContextOwner,
  shared: SharedContext,
  data: DataRow,
  iteration: number,
): BotContext {
  return new ScriptContext(index, owner, shared, data, iteration);
}
