/**
 * Checks and the metrics a bot script declares (k6's shape: `const sent = new Counter("chat_sent")`
 * at the top of the module, `sent.add(1)` in the script). A declaration is process-wide, so the
 * CLI knows every name before the run and refuses a threshold on one no script declares; values
 * go to the run of the bot whose script records them (its async context), and are carried in the
 * result as counts and HDR histograms, so shards and worker threads merge exactly (merge.ts).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { encodeGrowing, type Histogram, newHistogram, recordMs } from "./histogram.js";
import type { EncodedHistogram } from "./swarm-result.js";

export const MetricType = {
  COUNTER: "counter",
  RATE: "rate",
  GAUGE: "gauge",
  TREND: "trend",
} as const;
export type MetricType = (typeof MetricType)[keyof typeof MetricType];

/** One custom metric as a result carries it. */
export type CustomMetricResult =
  | { readonly type: "counter"; count: number }
  /** `passes` of `total` values were truthy. */
  | { readonly type: "rate"; passes: number; total: number }
  /** The last value set (`at`, epoch ms, orders it across merged inputs), and the least and most. */
  | { readonly type: "gauge"; value: number; min: number; max: number; at: number }
  /** Values (ms, ≥ 0) as an HdrHistogram. */
  | { readonly type: "trend"; hist: EncodedHistogram };

/** Passes and failures of one named check. */
export interface CheckResult {
  passes: number;
  fails: number;
}

/** Names a custom metric may not take: the built-in metrics' heads, which thresholds read first. */
export const RESERVED_METRIC_NAMES: readonly string[] = [
  "rtt",
  "connect",
  "join",
  "method",
  "errors",
  "drops",
  "connect_failures",
  "closes",
  "bots",
  "rpcs",
  "rps",
  "msgs_in",
  "msgs_out",
  "bytes_in",
  "bytes_out",
  "generator",
  "checks",
  "iterations",
  "iteration",
  "iteration_duration",
  "spawns",
  "despawns",
  "sync",
];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a sink records (CustomMetrics below; the swarm's bot runs hand on to their run's). */
export interface Sink {
  counter(name: string, value: number): void;
  rate(name: string, pass: boolean): void;
  gauge(name: string, value: number): void;
  trend(name: string, ms: number): void;
}

/**
 * Shared by every copy of this module in the thread: a bot script is loaded through tsx's own
 * module namespace (and may import the built package while the runner runs from source), so its
 * `godot-peer` is another instance of this file; declarations and values must meet all the same.
 */
const SHARED = Symbol.for("godot-peer.custom-metrics/1");
interface Shared {
  readonly declared: Map<string, MetricType>;
  readonly sink: AsyncLocalStorage<Sink>;
}
const globals = globalThis as { [SHARED]?: Shared };
globals[SHARED] ??= { declared: new Map(), sink: new AsyncLocalStorage<Sink>() };
const shared = globals[SHARED];

/** Every metric declared in this thread, by name. */
const declared = shared.declared;

/** The type of a declared custom metric, or undefined. */
export function declaredMetric(name: string): MetricType | undefined {
  return declared.get(name);
}

/** Every declared custom metric (for suggestions and the CLI's pre-run check). */
export function declaredMetrics(): ReadonlyMap<string, MetricType> {
  return declared;
}

/** Where the bot that is running records its values: set by the runner around each bot. */
export const metricSink: AsyncLocalStorage<Sink> = shared.sink;

abstract class Declared {
  constructor(
    readonly name: string,
    type: MetricType,
  ) {
    if (!NAME.test(name)) {
      throw new TypeError(`metric name "${name}": letters, digits and _ only, not starting with a digit`);
    }
    if (RESERVED_METRIC_NAMES.includes(name)) {
      throw new TypeError(`metric name "${name}" is a built-in metric's; choose another`);
    }
    const before = declared.get(name);
    if (before !== undefined && before !== type) {
      throw new TypeError(`metric "${name}" is already declared as a ${before}, not a ${type}`);
    }
    declared.set(name, type);
  }
}

function finite(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new TypeError(`metric "${name}": ${String(value)} is not a finite number`);
  }
  return value;
}

/** A sum (k6's Counter): `chat_sent.count` in thresholds. */
export class Counter extends Declared {
  constructor(name: string) {
    super(name, MetricType.COUNTER);
  }
  add(value = 1): void {
    if (finite(this.name, value) < 0) throw new RangeError(`counter "${this.name}": ${value} < 0`);
    metricSink.getStore()?.counter(this.name, value);
  }
}

/** The share of truthy values (k6's Rate): `joined_room.rate` in thresholds. */
export class Rate extends Declared {
  constructor(name: string) {
    super(name, MetricType.RATE);
  }
  add(value: unknown): void {
    metricSink.getStore()?.rate(this.name, Boolean(value));
  }
}

/** The last value set, with min and max (k6's Gauge): `players.value` in thresholds. */
export class Gauge extends Declared {
  constructor(name: string) {
    super(name, MetricType.GAUGE);
  }
  add(value: number): void {
    metricSink.getStore()?.gauge(this.name, finite(this.name, value));
  }
}

/** A distribution of durations in ms (k6's Trend): `move_ack.p(95)` in thresholds. */
export class Trend extends Declared {
  constructor(name: string) {
    super(name, MetricType.TREND);
  }
  add(ms: number): void {
    if (finite(this.name, ms) < 0) throw new RangeError(`trend "${this.name}": ${ms} ms < 0`);
    metricSink.getStore()?.trend(this.name, ms);
  }
}

/** Predicates of ctx.check, by check name. */
export type Checks<T> = Readonly<Record<string, (value: T) => unknown>>;

/** One run's checks and custom metrics. */
export class CustomMetrics implements Sink {
  readonly #checks = new Map<string, CheckResult>();
  readonly #counters = new Map<string, number>();
  readonly #rates = new Map<string, { passes: number; total: number }>();
  readonly #gauges = new Map<string, { value: number; min: number; max: number; at: number }>();
  readonly #trends = new Map<string, Histogram>();

  /** Runs each predicate; one that throws is a failure. Never throws; true when all passed. */
  check<T>(value: T, checks: Checks<T>): boolean {
    let all = true;
    // for…in over own keys: no entries array a call (a check runs on every iteration of every bot).
    for (const name in checks) {
      if (!Object.hasOwn(checks, name)) continue;
      const predicate = checks[name] as (value: T) => unknown;
      let ok = false;
      try {
        ok = Boolean(predicate(value));
      } catch {
        ok = false;
      }
      let c = this.#checks.get(name);
      if (!c) {
        c = { passes: 0, fails: 0 };
        this.#checks.set(name, c);
      }
      if (ok) c.passes++;
      else c.fails++;
      all &&= ok;
    }
    return all;
  }
  counter(name: string, value: number): void {
    this.#counters.set(name, (this.#counters.get(name) ?? 0) + value);
  }
  rate(name: string, pass: boolean): void {
    let r = this.#rates.get(name);
    if (!r) {
      r = { passes: 0, total: 0 };
      this.#rates.set(name, r);
    }
    r.total++;
    if (pass) r.passes++;
  }
  gauge(name: string, value: number): void {
    const g = this.#gauges.get(name);
    const at = Date.now();
    if (!g) this.#gauges.set(name, { value, min: value, max: value, at });
    else {
      g.value = value;
      g.at = at;
      g.min = Math.min(g.min, value);
      g.max = Math.max(g.max, value);
    }
  }
  trend(name: string, ms: number): void {
    let h = this.#trends.get(name);
    if (!h) {
      h = newHistogram();
      this.#trends.set(name, h);
    }
    recordMs(h, ms);
  }

  /** Checks by name. */
  checks(): Record<string, CheckResult> {
    const out: Record<string, CheckResult> = {};
    for (const [k, c] of this.#checks) out[k] = { ...c };
    return out;
  }

  /** Every custom metric recorded, and those declared but never recorded (zero, or no data). */
  custom(): Record<string, CustomMetricResult> {
    const out: Record<string, CustomMetricResult> = {};
    for (const [name, type] of declared) {
      if (type === "counter") out[name] = { type, count: this.#counters.get(name) ?? 0 };
      else if (type === "rate") out[name] = { type, ...(this.#rates.get(name) ?? { passes: 0, total: 0 }) };
      else if (type === "gauge") {
        const g = this.#gauges.get(name);
        if (g) out[name] = { type, ...g };
      } else out[name] = { type, hist: encodeGrowing(this.#trends.get(name) ?? newHistogram()) };
    }
    return out;
  }
}
