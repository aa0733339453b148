/**
 * The swarm runner: many bots running one bot script against one server, in a closed model
 * (N bots, started at a ramp rate, running for a duration) or an open model (new bots arrive at
 * a fixed rate whatever the server's speed, each runs its script and leaves). A shard runs every
 * n-th bot of the swarm, so n machines (or worker threads) together run exactly the swarm.
 */
import { setMaxListeners } from "node:events";
import { Bot, type ConnectOptions } from "./bot.js";
import type { EngineBot } from "./engines.js";
import { SwarmMetrics } from "./metrics.js";
import { type BotScript, botContext } from "./script.js";
import type { SwarmResult } from "./swarm-result.js";

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
}

export interface SwarmOptions extends SwarmLoad {
  readonly url: string;
  readonly script: BotScript;
  readonly shard?: Shard;
  readonly botOptions?: Omit<Partial<ConnectOptions>, "url">;
  /** Ends the run early (Ctrl-C): scripts are told, bots disconnect, the result is returned. */
  readonly signal?: AbortSignal;
  /** Time scripts get to return (and bots to leave, one by one) after the run ends before the rest are dropped (default 5 s, or 5 ms a bot). */
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
  // Every bot's sleeps listen on it: thousands of listeners are expected.
  setMaxListeners(0, run.signal);
  const stop = () => run.abort();
  options.signal?.addEventListener("abort", stop, { once: true });
  if (options.signal?.aborted) run.abort();
  const bots = new Set<EngineBot>();
  let leaving: Promise<void> = Promise.resolve();
  const running = new Set<Promise<void>>();

  const one = async (index: number): Promise<void> => {
    metrics.botStarted();
    let bot: EngineBot;
    const ctx = botContext(index, run.signal, options.thinkMs ?? 0);
    try {
      bot = await Bot.connect({
        ...options.botOptions,
        ...options.script.connectOptions?.(ctx),
        url: options.url,
      });
    } catch (err) {
      metrics.connectFailed(err);
      return;
    }
    bots.add(bot);
    metrics.watch(bot);
    try {
      await options.script(bot, ctx);
    } catch (err) {
      // A script stopped by the end of the run is not an error; anything else is.
      if (!(run.signal.aborted && !bot.connected)) metrics.scriptFailed(err);
    } finally {
      bots.delete(bot);
      if (bot.connected) {
        // At the end of the run, bots leave one after another: a Godot 3 server whose peers close
        // in the same poll logs `_send_sys` errors while announcing them (protocol-notes).
        if (run.signal.aborted) {
          leaving = leaving.then(() => bot.disconnect().catch(() => undefined));
          await leaving;
        } else {
          await bot.disconnect().catch(() => undefined);
        }
      }
    }
  };
  const launch = (index: number) => {
    const p = one(index).finally(() => running.delete(p));
    running.add(p);
  };

  const started = Date.now();
  const deadline = started + options.durationMs;
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

  if (options.arrivalPerSec !== undefined) {
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
  run.abort();
  // Scripts see the abort and return; bots still busy after the grace are dropped.
  const graceMs = options.graceMs ?? Math.max(5_000, bots.size * 5);
  const grace = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
  await Promise.race([Promise.all([...running]), grace]);
  await Promise.all([...bots].map((b) => b.terminate().catch(() => undefined)));
  await Promise.race([Promise.all([...running]), new Promise((r) => setTimeout(r, 1_000).unref())]);
  options.signal?.removeEventListener("abort", stop);
  return metrics.finish();
}
