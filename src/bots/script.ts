/**
 * A bot script: a module in the user's repo (run through tsx, no build step) whose default
 * export is a BotScript. The runner connects the bot, calls the script, and disconnects when it
 * returns or when the run is stopped (ctx.signal). Anything the script throws, in its body, its
 * handlers, its timers or a promise it did not await, ends that bot only, charged to it.
 */
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

/** `bot` is of the engine the server runs (narrow on `bot.godot` for what one engine alone has). */
export type BotScript = (bot: EngineBot, ctx: BotContext) => Promise<void>;

/** Identity, for type inference in bot modules: `export default defineBot(async (bot, ctx) => …)`. */
export function defineBot(script: BotScript): BotScript {
  return script;
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
