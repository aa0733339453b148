/**
 * A run's figures as Prometheus metric families (prom-client's metric JSON, the shape
 * `registry.getMetricsAsJSON()` gives and `AggregatorRegistry.aggregate` takes). Computed from the
 * runner's own aggregation (SwarmMetrics.snapshot() and live(), each tick), never from a second
 * bookkeeping: the last values a run serves are the numbers its JSON gives. Pure: no I/O, so a
 * worker thread computes its families and posts them to the main thread, which serves them all.
 */
import * as hdr from "hdr-histogram-js";
import {
  decodeHistogram,
  type Histogram,
  type LiveStats,
  type SwarmMetrics,
  type SwarmResult,
} from "../bots/index.js";

/** Every live metric's name starts so. */
export const PREFIX = "godot_peer_";

/**
 * Histogram buckets, seconds: from a loopback round trip (a quarter of a millisecond) to a slow
 * iteration (a minute). The same for every histogram, so dashboards can mix them.
 */
export const BUCKETS_SECONDS: readonly number[] = [
  0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export type LabelValues = Readonly<Record<string, string | number>>;

/** One sample of a family (`metricName` for a histogram's _bucket, _sum and _count lines). */
export interface MetricSample {
  readonly value: number;
  readonly labels: LabelValues;
  readonly metricName?: string;
}

/** One metric family as prom-client's registry JSON holds it. */
export interface MetricFamily {
  readonly name: string;
  readonly help: string;
  readonly type: "counter" | "gauge" | "histogram";
  /** How prom-client's AggregatorRegistry combines equal series of several sources. */
  readonly aggregator: "sum";
  readonly values: MetricSample[];
}

/** The labels every series of one source carries. */
export interface SourceLabels {
  /** The machine's shard index (`--shard i/n`: i). */
  readonly shard: string;
  /** The worker thread (`--workers K`: 0 … K-1). */
  readonly worker: string;
  /** The scenario ("default" for a run without scenarios). */
  readonly scenario: string;
}

/** What each metric means (README "Live metrics" lists the same). */
export const HELP = {
  bots_started_total: "Bots started (a connect attempted)",
  bots_connected: "Bots joined and not yet gone, now",
  bots_active: "Bots started and not yet ended (connecting or joined), now",
  bots_peak: "The most bots joined at once so far",
  connects_total: "Bots that completed the join",
  connect_failures_total: "Bots whose connect or join failed, by reason",
  bots_ended_total: "Joined bots that ended, by outcome (ended, errored, disconnected)",
  errors_total: "Errors by kind (script, timeout, rpc, disconnected, manifest, …)",
  drops_total: "Incoming packets the bots dropped as Godot would, by reason",
  closes_total: "Connections ended, by close code",
  wait_timeouts_total: "Waits and requests that gave up",
  sent_messages_total: "WebSocket messages sent (complete seconds)",
  received_messages_total: "WebSocket messages received (complete seconds)",
  sent_bytes_total: "Bytes sent at the socket (complete seconds)",
  received_bytes_total: "Bytes received at the socket (complete seconds)",
  rpc_calls_sent_total: "RPC calls the bots made, by method (counted as each bot leaves)",
  rpc_calls_received_total: "RPC calls the bots received, by method (counted as each bot leaves)",
  round_trip_seconds: "Request/response round trips",
  method_round_trip_seconds: "Request/response round trips by the method of the request",
  connect_seconds: "TCP (+TLS) + WebSocket upgrade, per bot",
  join_seconds: "WebSocket open to the server's admission, per bot",
  iteration_seconds: "Runs of a bot's script (iterations)",
  checks_total: "ctx.check() results by check name and result (pass, fail)",
  script_counter_total: "The script's Counter metrics, by metric name",
  script_rate_passes_total: "The script's Rate metrics: truthy values, by metric name",
  script_rate_samples_total: "The script's Rate metrics: all values, by metric name",
  script_gauge: "The script's Gauge metrics: the last value set, by metric name",
  script_trend_seconds: "The script's Trend metrics (ms in the script, seconds here), by metric name",
  generator_cpu_percent: "CPU the generator thread used in the last complete second, % of one core",
  generator_event_loop_lag_seconds: "Largest event-loop delay in the last complete second",
  generator_saturated_seconds_total: "Seconds in which the generator was saturated (latencies suspect)",
} as const;

type Name = keyof typeof HELP;

/**
 * Cumulative counts at each bound (s) of BUCKETS_SECONDS, and the sum (s), of a histogram in µs.
 * One pass over the counts array (no iterator objects, each value placed once, the buckets
 * cumulated after), computing exactly what HdrHistogram's recorded-values iteration and `mean` give.
 */
export function bucketCounts(h: Histogram): { counts: number[]; sumSeconds: number } {
  const n = BUCKETS_SECONDS.length;
  const counts: number[] = new Array(n).fill(0);
  const total = h.totalCount;
  if (total === 0 || !(h instanceof hdr.JsHistogram)) return { counts, sumSeconds: 0 };
  let b = 0;
  let seen = 0;
  let sum = 0;
  for (let i = 0; i < h.countsArrayLength && seen < total; i++) {
    const c = h.getCountAtIndex(i);
    if (c === 0) continue;
    seen += c;
    const to = h.highestEquivalentValue(h.valueFromIndex(i));
    sum += h.medianEquivalentValue(to) * c;
    // A recorded value stands for its whole equivalence range, as HdrHistogram counts "at or below".
    const seconds = h.lowestEquivalentValue(to) / 1e6;
    while (b < n && seconds > (BUCKETS_SECONDS[b] as number)) b++;
    if (b < n) counts[b] = (counts[b] as number) + c;
  }
  for (let i = 1; i < n; i++) counts[i] = (counts[i] as number) + (counts[i - 1] as number);
  // As `h.mean * h.totalCount`, to the last bit.
  return { counts, sumSeconds: ((sum / total) * total) / 1e6 };
}

/**
 * Bucket counts by serialized histogram: most histograms do not change from one tick to the next
 * (connect and join times once the bots are in, idle methods), and decoding one allocates a full
 * HdrHistogram. Bounded: cleared when it grows past CACHE_MAX.
 */
const cache = new Map<string, { counts: number[]; sumSeconds: number; total: number }>();
const CACHE_MAX = 256;

function countsOf(encoded: string): { counts: number[]; sumSeconds: number; total: number } {
  let c = cache.get(encoded);
  if (!c) {
    const h = decodeHistogram(encoded);
    c = { ...bucketCounts(h), total: h.totalCount };
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(encoded, c);
  }
  return c;
}

class Families {
  readonly #byName = new Map<string, MetricFamily>();
  constructor(readonly labels: LabelValues) {}

  #family(name: Name, type: MetricFamily["type"]): MetricFamily {
    let f = this.#byName.get(name);
    if (!f) {
      f = { name: PREFIX + name, help: HELP[name], type, aggregator: "sum", values: [] };
      this.#byName.set(name, f);
    }
    return f;
  }

  add(name: Name, type: "counter" | "gauge", value: number, extra?: LabelValues): void {
    this.#family(name, type).values.push({
      value,
      labels: extra ? { ...this.labels, ...extra } : this.labels,
    });
  }

  /** Every key of a record as one series of `name`, labelled `label`. */
  each(name: Name, label: string, record: Readonly<Record<string, number>>): void {
    this.#family(name, "counter");
    for (const [k, n] of Object.entries(record)) this.add(name, "counter", n, { [label]: k });
  }

  /** A serialized HdrHistogram as one histogram series. */
  histogram(name: Name, encoded: string, extra?: LabelValues): void {
    const f = this.#family(name, "histogram");
    const labels = extra ? { ...this.labels, ...extra } : this.labels;
    const { counts, sumSeconds, total } = countsOf(encoded);
    const bucket = `${f.name}_bucket`;
    for (const [i, le] of BUCKETS_SECONDS.entries()) {
      f.values.push({ value: counts[i] as number, labels: { ...labels, le }, metricName: bucket });
    }
    f.values.push({ value: total, labels: { ...labels, le: "+Inf" }, metricName: bucket });
    f.values.push({ value: sumSeconds, labels, metricName: `${f.name}_sum` });
    f.values.push({ value: total, labels, metricName: `${f.name}_count` });
  }

  list(): MetricFamily[] {
    return [...this.#byName.values()];
  }
}

/**
 * The families of one source (one scenario of one thread): `result` is its SwarmMetrics'
 * snapshot() (or its final result), `live` its live() at the same tick (null once it finished).
 */
export function familiesOf(
  result: SwarmResult,
  live: LiveStats | null,
  labels: SourceLabels,
): MetricFamily[] {
  const f = new Families({ shard: labels.shard, worker: labels.worker, scenario: labels.scenario });
  const b = result.bots;
  const settled = b.failed + (b.ended ?? 0) + (b.errored ?? 0) + (b.disconnected ?? 0);
  f.add("bots_started_total", "counter", b.started);
  f.add("bots_connected", "gauge", live?.connected ?? 0);
  f.add("bots_active", "gauge", Math.max(0, b.started - settled));
  f.add("bots_peak", "gauge", b.peak);
  f.add("connects_total", "counter", b.connected);
  f.each("connect_failures_total", "reason", result.connectFailures);
  f.each("bots_ended_total", "outcome", {
    ended: b.ended ?? 0,
    errored: b.errored ?? 0,
    disconnected: b.disconnected ?? 0,
  });
  f.each("errors_total", "kind", result.errors);
  f.each("drops_total", "reason", result.drops);
  f.each("closes_total", "code", result.closes);
  f.add("wait_timeouts_total", "counter", result.timeouts ?? 0);
  const sum = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
  for (const s of result.seconds) {
    sum.msgsIn += s.msgsIn;
    sum.msgsOut += s.msgsOut;
    sum.bytesIn += s.bytesIn;
    sum.bytesOut += s.bytesOut;
  }
  f.add("sent_messages_total", "counter", sum.msgsOut);
  f.add("received_messages_total", "counter", sum.msgsIn);
  f.add("sent_bytes_total", "counter", sum.bytesOut);
  f.add("received_bytes_total", "counter", sum.bytesIn);
  const sent: Record<string, number> = {};
  const received: Record<string, number> = {};
  for (const [method, m] of Object.entries(result.methods)) {
    sent[method] = m.callsOut;
    received[method] = m.callsIn;
  }
  f.each("rpc_calls_sent_total", "method", sent);
  f.each("rpc_calls_received_total", "method", received);
  f.histogram("round_trip_seconds", result.rttMs);
  for (const [method, m] of Object.entries(result.methods)) {
    if (m.rtt !== undefined) f.histogram("method_round_trip_seconds", m.rtt, { method });
  }
  f.histogram("connect_seconds", result.connectMs);
  f.histogram("join_seconds", result.joinMs);
  if (result.iterationMs !== undefined) f.histogram("iteration_seconds", result.iterationMs);
  for (const [check, c] of Object.entries(result.checks ?? {})) {
    f.add("checks_total", "counter", c.passes, { check, result: "pass" });
    f.add("checks_total", "counter", c.fails, { check, result: "fail" });
  }
  for (const [metric, m] of Object.entries(result.custom ?? {})) {
    if (m.type === "counter") f.add("script_counter_total", "counter", m.count, { metric });
    else if (m.type === "rate") {
      f.add("script_rate_passes_total", "counter", m.passes, { metric });
      f.add("script_rate_samples_total", "counter", m.total, { metric });
    } else if (m.type === "gauge") f.add("script_gauge", "gauge", m.value, { metric });
    else f.histogram("script_trend_seconds", m.hist, { metric });
  }
  const last = result.seconds.at(-1);
  f.add("generator_cpu_percent", "gauge", last?.cpuPercent ?? 0);
  f.add("generator_event_loop_lag_seconds", "gauge", (last?.lagMaxMs ?? 0) / 1000);
  f.add("generator_saturated_seconds_total", "counter", result.generator.saturatedSeconds);
  return f.list();
}

/**
 * The families of each scenario a thread runs, by scenario name, at its tick (`finished`: after the
 * run, when every bot was counted as it ended, as in the result).
 */
export function familiesOfParts(
  parts: ReadonlyMap<string, SwarmMetrics>,
  at: { readonly shard: string; readonly worker: string },
  finished: boolean,
): Record<string, MetricFamily[]> {
  const out: Record<string, MetricFamily[]> = {};
  for (const [scenario, m] of parts) {
    out[scenario] = familiesOf(m.snapshot(), finished ? null : m.live(), { ...at, scenario });
  }
  return out;
}
