/**
 * A bot script: a module in the user's repo (run through tsx, no build step) whose default
 * export is a BotScript. The runner connects the bot, calls the script, and disconnects when it
 * returns or when the run is stopped (ctx.signal). Anything the script throws, in its body, its
 * handlers, its timers or a promise it did not await, ends that bot only, charged to it.
 */
import type { ConnectOptions } from "./bot.js";
import type { EngineBot } from "./engines.js";

export interface BotContext {
  /** 0-based index of this bot in the run. */
  readonly index: number;
  /** A readable name, "bot-<index+1>". */
  readonly name: string;
  /** Aborted when the run ends (duration over, Ctrl-C): scripts should return soon after. */
  readonly signal: AbortSignal;
  /** Resolves after `ms`, or early (without throwing) when the run ends. */
  sleep(ms: number): Promise<void>;
  /** The run's think time (--think): a sleep of 0.5×–1.5× it, at random; at once without one. */
  think(): Promise<void>;
  /**
   * Says the server will close this bot's connection (a kick, a full server the test provokes):
   * that close then ends the bot normally instead of counting as errors.disconnected.
   */
  expectClose(): void;
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

/** A context for one bot of a run; `onExpectClose` hears ctx.expectClose(). */
export function botContext(
  index: number,
  signal: AbortSignal,
  thinkMs = 0,
  onExpectClose: () => void = () => undefined,
): BotContext {
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      }
      signal.addEventListener("abort", done, { once: true });
    });
  return {
    index,
    name: `bot-${index + 1}`,
    signal,
    sleep,
    think: () => (thinkMs > 0 ? sleep(thinkMs * (0.5 + Math.random())) : Promise.resolve()),
    expectClose: onExpectClose,
  };
}
