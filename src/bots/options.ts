/**
 * A test as a module (k6's shape): a bot script may `export const options: TestOptions`, holding
 * everything `godot-peer swarm`'s flags hold and more; a flag given on the command line wins over
 * its option. Durations are "30s", "250ms", "1m30s" or a number of ms; rates "50/s", "300/m" or a
 * number per second. The CLI checks every key before the run (a typo is an error naming the key).
 */
import type { DataOrder } from "./data.js";
import type { BotConnect } from "./swarm.js";

export type DurationOption = string | number;
export type RateOption = string | number;

/** ctx.think()'s distribution: a mean ("2s": uniform 0.5×–1.5× it), or a distribution. */
export type ThinkOption =
  | DurationOption
  | { readonly distribution: "uniform"; readonly min: DurationOption; readonly max: DurationOption }
  | { readonly distribution: "normal"; readonly mean: DurationOption; readonly stddev: DurationOption }
  | { readonly distribution: "exponential"; readonly mean: DurationOption };

/** A stage: the target (bots, or arrivals per second in an open model) reached linearly over its duration. */
export interface StageOption {
  readonly duration: DurationOption;
  readonly target: number;
}

/** A threshold with k6's abort: the run stops as soon as it breaks (judged each second after `delayAbortEval`). */
export interface ThresholdOption {
  readonly threshold: string;
  readonly abortOnFail?: boolean;
  readonly delayAbortEval?: DurationOption;
}

/**
 * Thresholds: full expressions (`["rtt.p(95)<50ms", "errors.rate<1%"]`), or k6's record of a
 * metric to its conditions (`{ rtt: ["p(95)<50ms"], "rtt{scenario:chat}": ["p(99)<80ms"] }`).
 */
export type ThresholdsOption =
  | readonly (string | ThresholdOption)[]
  | Readonly<Record<string, readonly (string | ThresholdOption)[]>>;

/** A data file: its path (rows by bot index), or its path and how rows are handed out. */
export type DataOption = string | { readonly file: string; readonly order?: DataOrder };

/** The load shape and bot options a scenario (or the whole test) takes. */
export interface ShapeOptions {
  /** Closed model: bots in the swarm. Open model: the most alive at once. */
  readonly bots?: number;
  readonly ramp?: RateOption;
  readonly duration?: DurationOption;
  readonly arrivalRate?: RateOption;
  /** Closed model: the bot target over time; open model (with arrivalRate or arrivalStages): arrivals per second. */
  readonly stages?: readonly StageOption[];
  /** Open model by stages: arrivals per second reached linearly over each stage. */
  readonly arrivalStages?: readonly StageOption[];
  readonly iterations?: number;
  /** Iterations reuse the bot's connection (default true) or connect anew each time. */
  readonly reuseConnection?: boolean;
  readonly think?: ThinkOption;
  /** Bot.connect's options (URL, headers, subprotocols, TLS, heartbeat, join timeout, engine, auth…), or a function of the bot. */
  readonly connect?: BotConnect;
  readonly data?: DataOption;
}

/** One scenario of a run: its own script (a file or an export of this module), shape, options and tags. */
export interface ScenarioOptions extends ShapeOptions {
  /** A named export of this module as the bot script (default: the default export). */
  readonly exec?: string;
  /** Another module's default export as the bot script (relative to this module). */
  readonly script?: string;
  /** Its share of the run's bots (or arrival rate) against the other scenarios' weights (Artillery's weight). */
  readonly weight?: number;
  /** Tags on its metrics: thresholds select them as `rtt{key:value}`. */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface TestOptions extends ShapeOptions {
  readonly url?: string;
  readonly workers?: number;
  readonly shard?: string;
  readonly thresholds?: ThresholdsOption;
  readonly json?: string;
  readonly junit?: string;
  readonly html?: string;
  readonly allowErrors?: boolean;
  /** Variables ctx.env holds (under the process environment and --env). */
  readonly env?: Readonly<Record<string, string>>;
  readonly scenarios?: Readonly<Record<string, ScenarioOptions>>;
  /** Serve live metrics in Prometheus' format on this port during the run (0: any free port). */
  readonly metricsPort?: number;
  /** The address the metrics listen on (default every interface). */
  readonly metricsHost?: string;
  /** After the run, keep serving until a scrape read the final values, at most this long. */
  readonly metricsLinger?: DurationOption;
}

/** Identity, for type checking in bot modules: `export const options = defineOptions({ … })`. */
export function defineOptions(options: TestOptions): TestOptions {
  return options;
}
