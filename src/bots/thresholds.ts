/**
 * Pass/fail thresholds on a swarm result, for CI: `rtt.p99<50ms`, `errors==0`. A threshold on a
 * metric that does not exist is an error, never a silent pass, and a metric without data (no round
 * trip completed, so no p99) fails: load testers get burnt by both.
 */
import { declaredMetric, declaredMetrics, type MetricType, RESERVED_METRIC_NAMES } from "./custom-metrics.js";
import { decodeHistogram, type Histogram } from "./histogram.js";
import { mergeResults } from "./merge.js";
import type { EncodedHistogram, ReplicationResult, SwarmResult, SynchronizerResult } from "./swarm-result.js";

export type ThresholdOp = "<" | "<=" | ">" | ">=" | "==" | "!=";

/** What a metric measures, which decides the units a threshold on it may use. */
export type MetricUnit = "ms" | "count" | "bytes" | "percent" | "per-second" | "seconds" | "rate";

export interface Threshold {
  /** The expression as given. */
  readonly expr: string;
  readonly metric: string;
  readonly op: ThresholdOp;
  /** The limit in the metric's own unit (ms for durations, whatever the expression's unit). */
  readonly value: number;
  readonly unit: MetricUnit;
  /**
   * `rtt{scenario:chat}.p(95)`: judged on the scenarios whose name (`scenario`) and tags all
   * match, together; `metric` keeps the selector, `base` is the metric without it.
   */
  readonly selector?: Readonly<Record<string, string>>;
  readonly base?: string;
}

export interface ThresholdOutcome {
  readonly threshold: Threshold;
  readonly metric: string;
  /** The measured value in the metric's unit; null when there was no data (which fails). */
  readonly actual: number | null;
  readonly passed: boolean;
  /** One line saying what was measured against what, and whether that held. */
  readonly message: string;
}

/** A threshold that cannot be read: bad syntax, or a unit that does not fit its metric. */
export class ThresholdSyntaxError extends Error {
  override readonly name: string = "ThresholdSyntaxError";
}

/**
 * A threshold names a metric that does not exist. A ThresholdSyntaxError too, so that a caller
 * that rejects bad thresholds before a run also rejects names that no result could ever have.
 */
export class UnknownMetricError extends ThresholdSyntaxError {
  override readonly name = "UnknownMetricError";
  constructor(
    message: string,
    readonly metric: string,
    /** The closest known name, if one is close. */
    readonly suggestion: string | undefined,
  ) {
    super(message);
  }
}

/** Every metric a threshold may name, with its unit: the table `--help` and the README show. */
export const METRICS: readonly {
  readonly name: string;
  readonly unit: string;
  readonly description: string;
}[] = [
  {
    name: "rtt.{min,mean,avg,med,p50,p90,p95,p99,p999,p(N),max}",
    unit: "ms",
    description: "request/response round trip; p(N): any percentile, p(99.99)",
  },
  { name: "rtt.count", unit: "count", description: "round trips measured" },
  {
    name: "connect.{count,min,mean,p50,p90,p95,p99,p999,max}",
    unit: "ms",
    description: "TCP (+TLS) + WebSocket upgrade",
  },
  {
    name: "join.{count,min,mean,p50,p90,p95,p99,p999,max}",
    unit: "ms",
    description: "socket open → admitted by the server",
  },
  { name: "method.<path:method>.rtt.{count,…,max}", unit: "ms", description: "round trip of one method" },
  {
    name: "method.<path:method>.{calls_out,calls_in}",
    unit: "count",
    description: "RPCs of one method sent / received",
  },
  { name: "method.<path:method>.{bytes_out,bytes_in}", unit: "bytes", description: "their bytes" },
  { name: "errors", unit: "count", description: "bot errors, all kinds" },
  { name: "iterations", unit: "count", description: "runs of the bot script that returned" },
  { name: "iteration_duration.{count,…,p(N),max}", unit: "ms", description: "how long each took" },
  {
    name: "errors.rate",
    unit: "rate",
    description: "bots that joined and ended by an error or a disconnect ÷ bots that joined",
  },
  { name: "connect_failures.rate", unit: "rate", description: "bots that failed to join ÷ bots started" },
  { name: "checks.rate", unit: "rate", description: "ctx.check() passes ÷ checks made" },
  {
    name: 'checks."<name>".rate',
    unit: "rate",
    description: "one check's passes ÷ its checks (quote a name with spaces)",
  },
  { name: "checks.{passes,fails}", unit: "count", description: "checks passed / failed" },
  { name: "<counter>.count", unit: "count", description: "a script's Counter" },
  { name: "<rate>.rate", unit: "rate", description: "a script's Rate (also .passes, .total)" },
  { name: "<gauge>.{value,min,max}", unit: "count", description: "a script's Gauge: last, least, most" },
  { name: "<trend>.{count,min,…,p(N),max}", unit: "ms", description: "a script's Trend" },
  {
    name: "errors.<kind>",
    unit: "count",
    description: "script, timeout, rpc, disconnected, handler, dropped:<reason>…",
  },
  { name: "connect_failures", unit: "count", description: "bots that could not connect or join" },
  {
    name: "connect_failures.<reason>",
    unit: "count",
    description: "refused, timeout, dns, tls, http-status, join-timeout…",
  },
  { name: "drops", unit: "count", description: "incoming packets the bots refused as Godot would" },
  {
    name: "drops.<reason>",
    unit: "count",
    description: "unknown-node, unknown-cached-path, not-allowed, bad-argument…",
  },
  { name: "closes", unit: "count", description: "connection ends, all codes" },
  {
    name: "closes.<code>",
    unit: "count",
    description: "connection ends by close code (1000, 1006, …; open: still connected)",
  },
  {
    name: "bots.{started,connected,failed,peak}",
    unit: "count",
    description: "bots started, joined, failed; most at once",
  },
  {
    name: "bots.{dropped,reconnects}",
    unit: "count",
    description: "connections the network conditions dropped as scheduled; rejoins after them",
  },
  { name: "rpcs", unit: "count", description: "round trips completed" },
  { name: "rps", unit: "per second", description: "round trips per second over the run" },
  { name: "msgs_in, msgs_out", unit: "count", description: "WebSocket messages received / sent" },
  { name: "bytes_in, bytes_out", unit: "bytes", description: "their bytes" },
  {
    name: "generator.saturated_seconds",
    unit: "seconds",
    description: "seconds the load generator was saturated",
  },
  {
    name: "generator.lag.{p50,p99,max}",
    unit: "ms",
    description: "the generator's event-loop delay (per second)",
  },
  { name: "generator.cpu_max", unit: "%", description: "the generator's busiest second, % of one core" },
  { name: "spawns, despawns", unit: "count", description: "Godot 4: SPAWN / DESPAWN the bots took" },
  {
    name: "sync.in{,.full,.delta}",
    unit: "count",
    description: "Godot 4: SYNC entries applied (full + delta)",
  },
  {
    name: "sync.stale",
    unit: "count",
    description: "full SYNC entries older than the last (skipped, as Godot does)",
  },
  { name: "sync.unknown", unit: "count", description: "SYNC entries for a net id not known (yet)" },
  {
    name: "sync.out{,.full,.delta}",
    unit: "count",
    description: "SYNC packets sent; per synchronizer: its entries sent",
  },
  {
    name: "sync.{bytes_in,bytes_out}",
    unit: "bytes",
    description: "SPAWN/DESPAWN/SYNC packets' bytes; per synchronizer: its state bytes",
  },
  {
    name: "<spawns|sync.…>.per_second",
    unit: "per second",
    description: "any of them over the run's duration",
  },
  {
    name: "sync.…{synchronizer:<path>}",
    unit: "",
    description: "one synchronizer, as declared (Main/Players/*/Sync)",
  },
];

/** The METRICS table as text, for `--help`. */
export function metricsHelp(): string {
  const w = Math.max(...METRICS.map((m) => m.name.length));
  const u = Math.max(...METRICS.map((m) => m.unit.length));
  return METRICS.map((m) => `  ${m.name.padEnd(w)}  ${m.unit.padEnd(u)}  ${m.description}`).join("\n");
}

const STATS = ["count", "min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const;
/** A histogram statistic: count, min, mean, max, or a percentile (0 < p ≤ 100). */
type Stat = "count" | "min" | "mean" | "max" | { readonly percentile: number };

/**
 * A statistic's name: count, min, mean (avg), max, med (p50), p(N) with any N in (0, 100], or
 * pDIGITS as k6 and our earlier names read them: p95 = 95, p999 = 99.9, p9999 = 99.99.
 */
function parseStat(text: string | undefined): Stat | undefined {
  if (text === undefined) return undefined;
  if (text === "count" || text === "min" || text === "mean" || text === "max") return text;
  if (text === "avg") return "mean";
  if (text === "med") return { percentile: 50 };
  let p: number | undefined;
  const call = /^p\((\d+(?:\.\d+)?)\)$/.exec(text);
  if (call) p = Number(call[1]);
  const digits = /^p(\d{2,})$/.exec(text);
  if (digits) {
    const d = digits[1] as string;
    p = Number(`${d.slice(0, 2)}.${d.slice(2) || "0"}`);
    if (d === "100") p = 100;
  }
  return p !== undefined && p > 0 && p <= 100 ? { percentile: p } : undefined;
}

/** The statistic of a histogram in ms (null: no data; a count is 0 then). */
function statOf(h: Histogram | undefined, stat: Stat): number | null {
  const n = h?.totalCount ?? 0;
  if (stat === "count") return n;
  if (h === undefined || n === 0) return null;
  if (stat === "min") return h.minNonZeroValue / 1000;
  if (stat === "mean") return h.mean / 1000;
  if (stat === "max") return h.maxValue / 1000;
  return h.getValueAtPercentile(stat.percentile) / 1000;
}

/**
 * Splits a metric name on its dots, but not on those inside quotes or parentheses
 * (`checks."has a spawn point".rate`, `rtt.p(99.9)`); quotes are taken off.
 */
function splitMetric(name: string): string[] | undefined {
  const parts: string[] = [];
  let cur = "";
  let quoted = false;
  let depth = 0;
  for (const ch of name) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && ch === "(") depth++;
    else if (!quoted && ch === ")") depth--;
    if (ch === "." && !quoted && depth === 0) {
      parts.push(cur);
      cur = "";
    } else if (ch !== '"') cur += ch;
  }
  parts.push(cur);
  return quoted || depth !== 0 ? undefined : parts;
}

/** A share in percent, null without a denominator. */
function share(part: number, whole: number): number | null {
  return whole > 0 ? (part / whole) * 100 : null;
}

/** Looks up a custom metric's type by name (the script's declarations, or a result's metrics). */
export type CustomMetricLookup = (name: string) => MetricType | undefined;
const METHOD_FIELDS = {
  calls_out: "callsOut",
  calls_in: "callsIn",
  bytes_out: "bytesOut",
  bytes_in: "bytesIn",
} as const;
type MethodField = keyof typeof METHOD_FIELDS;
const BOTS = ["started", "connected", "failed", "peak"] as const;
const NETWORK_BOTS = ["dropped", "reconnects"] as const;
const TOTALS = ["msgs_in", "msgs_out", "bytes_in", "bytes_out"] as const;
const TOTAL_FIELDS = {
  msgs_in: "msgsIn",
  msgs_out: "msgsOut",
  bytes_in: "bytesIn",
  bytes_out: "bytesOut",
} as const;
const LAG = ["p50", "p99", "max"] as const;

/** How to read one metric from a result; `method` is set when the name depends on the run's methods. */
interface MetricDef {
  readonly unit: MetricUnit;
  readonly method?: string;
  /** null: no data. */
  read(r: SwarmResult, hist: (h: EncodedHistogram) => Histogram): number | null;
  /** A metric `{synchronizer:…}` selects: its value for that synchronizer (null: no such synchronizer). */
  readSynchronizer?(r: SwarmResult, key: string): number | null;
}

/** The selector key that picks one synchronizer of the replication counters, not scenarios. */
export const SYNCHRONIZER_TAG = "synchronizer";

/** `sync.*` and `spawns`/`despawns` names → the replication result's field, and the synchronizer's when it has one. */
const REPLICATION_METRICS: Readonly<
  Record<string, { readonly field: keyof ReplicationResult; readonly sync?: keyof SynchronizerResult }>
> = {
  spawns: { field: "spawns" },
  despawns: { field: "despawns" },
  "sync.in.full": { field: "syncsIn", sync: "syncsIn" },
  "sync.in.delta": { field: "deltasIn", sync: "deltasIn" },
  "sync.stale": { field: "syncsStale", sync: "syncsStale" },
  "sync.unknown": { field: "syncsUnknown" },
  "sync.out.full": { field: "syncsOut", sync: "syncsOut" },
  "sync.out.delta": { field: "deltasOut", sync: "deltasOut" },
  "sync.bytes_in": { field: "bytesIn", sync: "bytesIn" },
  "sync.bytes_out": { field: "bytesOut", sync: "bytesOut" },
};

/** A replication counter (sync.in and sync.out are full + delta); undefined for another name. */
function replicationDef(name: string): MetricDef | undefined {
  const perSecond = name.endsWith(".per_second");
  const base = perSecond ? name.slice(0, -".per_second".length) : name;
  type Pick = (x: ReplicationResult | SynchronizerResult) => number;
  let whole: Pick;
  let one: ((x: SynchronizerResult) => number) | undefined;
  if (base === "sync.in" || base === "sync.out") {
    const [full, delta] =
      base === "sync.in" ? (["syncsIn", "deltasIn"] as const) : (["syncsOut", "deltasOut"] as const);
    whole = (x) => x[full] + x[delta];
    one = whole;
  } else {
    const m = REPLICATION_METRICS[base];
    if (!m) return undefined;
    whole = (x) => (x as ReplicationResult)[m.field] as number;
    const f = m.sync;
    one = f ? (x) => x[f] : undefined;
  }
  const seconds = (r: SwarmResult) => (r.endedAt - r.startedAt) / 1000;
  const scale = (r: SwarmResult, n: number) => {
    if (!perSecond) return n;
    const s = seconds(r);
    return s > 0 ? n / s : null;
  };
  const unit: MetricUnit = perSecond ? "per-second" : base.startsWith("sync.bytes") ? "bytes" : "count";
  return {
    unit,
    read: (r) => scale(r, r.replication ? whole(r.replication) : 0),
    ...(one
      ? {
          readSynchronizer(r: SwarmResult, key: string) {
            const s = r.replication?.synchronizers[key];
            return s === undefined ? null : scale(r, (one as (x: SynchronizerResult) => number)(s));
          },
        }
      : {}),
  };
}

function statDef(
  stat: Stat,
  pick: (r: SwarmResult) => EncodedHistogram | undefined,
  method?: string,
): MetricDef {
  return {
    unit: stat === "count" ? "count" : "ms",
    ...(method !== undefined ? { method } : {}),
    read(r, hist) {
      const enc = pick(r);
      return statOf(enc === undefined ? undefined : hist(enc), stat);
    },
  };
}

function sumValues(rec: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(rec)) n += v;
  return n;
}

function isOneOf<T extends string>(list: readonly T[], x: string | undefined): x is T {
  return x !== undefined && (list as readonly string[]).includes(x);
}

/** A script's metric: `type` from its declaration; `field` the part after its name. */
function customDef(name: string, type: MetricType, field: string | undefined): MetricDef | undefined {
  const pick = (r: SwarmResult) => r.custom?.[name];
  if (type === "counter") {
    if (field !== undefined && field !== "count") return undefined;
    return {
      unit: "count",
      read: (r) => (pick(r)?.type === "counter" ? (pick(r) as { count: number }).count : 0),
    };
  }
  if (type === "rate") {
    const f = field ?? "rate";
    if (f !== "rate" && f !== "passes" && f !== "total") return undefined;
    return {
      unit: f === "rate" ? "rate" : "count",
      read(r) {
        const m = pick(r);
        const v = m?.type === "rate" ? m : { passes: 0, total: 0 };
        return f === "rate" ? share(v.passes, v.total) : v[f];
      },
    };
  }
  if (type === "gauge") {
    const f = field ?? "value";
    if (f !== "value" && f !== "min" && f !== "max") return undefined;
    return {
      unit: "count",
      read(r) {
        const m = pick(r);
        return m?.type === "gauge" ? m[f] : null;
      },
    };
  }
  const stat = parseStat(field);
  if (!stat) return undefined;
  return statDef(stat, (r) => {
    const m = pick(r);
    return m?.type === "trend" ? m.hist : undefined;
  });
}

/** The metric's definition, or undefined when no result could have it. */
function resolveMetric(name: string, custom: CustomMetricLookup = declaredMetric): MetricDef | undefined {
  const parts = splitMetric(name);
  if (!parts) return undefined;
  const [head, second] = parts;
  if (head !== undefined && !RESERVED_METRIC_NAMES.includes(head) && parts.length <= 2) {
    const type = custom(head);
    return type === undefined ? undefined : customDef(head, type, second);
  }
  if (head === "spawns" || head === "despawns" || head === "sync") return replicationDef(parts.join("."));
  if ((head === "rtt" || head === "connect" || head === "join") && parts.length === 2) {
    const stat = parseStat(second);
    if (!stat) return undefined;
    const field = head === "rtt" ? "rttMs" : head === "connect" ? "connectMs" : "joinMs";
    return statDef(stat, (r) => r[field]);
  }
  if (head === "iterations" && parts.length === 1) {
    return { unit: "count", read: (r, hist) => (r.iterationMs ? hist(r.iterationMs).totalCount : 0) };
  }
  if (head === "iteration_duration" && parts.length === 2) {
    const stat = parseStat(second);
    return stat ? statDef(stat, (r) => r.iterationMs) : undefined;
  }
  if (head === "checks") {
    const total = (r: SwarmResult) => {
      let passes = 0;
      let fails = 0;
      for (const c of Object.values(r.checks ?? {})) {
        passes += c.passes;
        fails += c.fails;
      }
      return { passes, fails };
    };
    if (parts.length === 2 && second === "rate") {
      return { unit: "rate", read: (r) => share(total(r).passes, total(r).passes + total(r).fails) };
    }
    if (parts.length === 2 && (second === "passes" || second === "fails")) {
      return { unit: "count", read: (r) => total(r)[second] };
    }
    if (parts.length === 3 && parts[2] === "rate" && second) {
      return {
        unit: "rate",
        read(r) {
          const c = r.checks?.[second];
          return c ? share(c.passes, c.passes + c.fails) : null;
        },
      };
    }
    return undefined;
  }
  if (head === "errors" && parts.length === 2 && second === "rate") {
    return {
      unit: "rate",
      read: (r) => share((r.bots.errored ?? 0) + (r.bots.disconnected ?? 0), r.bots.connected),
    };
  }
  if (head === "connect_failures" && parts.length === 2 && second === "rate") {
    return { unit: "rate", read: (r) => share(r.bots.failed, r.bots.started) };
  }
  if (head === "method") {
    // method.<key>.rtt.<stat> or method.<key>.<field>: the key may itself hold dots (../Node).
    const stat = parseStat(parts.at(-1));
    if (parts.length >= 4 && parts.at(-2) === "rtt" && stat) {
      const key = parts.slice(1, -2).join(".");
      return key ? statDef(stat, (r) => r.methods[key]?.rtt, key) : undefined;
    }
    const field = parts.at(-1);
    if (parts.length >= 3 && field !== undefined && field in METHOD_FIELDS) {
      const key = parts.slice(1, -1).join(".");
      const prop = METHOD_FIELDS[field as MethodField];
      if (!key) return undefined;
      return {
        unit: prop.startsWith("bytes") ? "bytes" : "count",
        method: key,
        read: (r) => r.methods[key]?.[prop] ?? 0,
      };
    }
    return undefined;
  }
  if (head === "errors" || head === "drops" || head === "connect_failures" || head === "closes") {
    const rec = (r: SwarmResult) =>
      head === "errors"
        ? r.errors
        : head === "drops"
          ? r.drops
          : head === "connect_failures"
            ? r.connectFailures
            : r.closes;
    if (parts.length === 1) return { unit: "count", read: (r) => sumValues(rec(r)) };
    const key = name.slice(head.length + 1);
    if (!key) return undefined;
    // Close codes are numbers (or "open": still connected at the end); anything else is a typo.
    if (head === "closes" && !/^(\d{1,4}|open)$/.test(key)) return undefined;
    return { unit: "count", read: (r) => rec(r)[key] ?? 0 };
  }
  if (head === "bots" && parts.length === 2 && isOneOf(BOTS, second)) {
    return { unit: "count", read: (r) => r.bots[second] };
  }
  // Network conditions' scheduled drops and the rejoins after them (absent: none).
  if (head === "bots" && parts.length === 2 && isOneOf(NETWORK_BOTS, second)) {
    return { unit: "count", read: (r) => r.bots[second] ?? 0 };
  }
  if (parts.length === 1 && head === "rpcs")
    return { unit: "count", read: (r, hist) => hist(r.rttMs).totalCount };
  if (parts.length === 1 && head === "rps") {
    return {
      unit: "per-second",
      read(r, hist) {
        const seconds = (r.endedAt - r.startedAt) / 1000;
        return seconds > 0 ? hist(r.rttMs).totalCount / seconds : null;
      },
    };
  }
  if (parts.length === 1 && isOneOf(TOTALS, head)) {
    const field = TOTAL_FIELDS[head];
    return {
      unit: head.startsWith("bytes") ? "bytes" : "count",
      read: (r) => r.seconds.reduce((n, s) => n + s[field], 0),
    };
  }
  if (head === "generator") {
    if (name === "generator.saturated_seconds")
      return { unit: "seconds", read: (r) => r.generator.saturatedSeconds };
    if (name === "generator.cpu_max") {
      return { unit: "percent", read: (r) => (r.seconds.length === 0 ? null : r.generator.cpuMaxPercent) };
    }
    const stat = parts[2];
    if (parts.length === 3 && second === "lag" && isOneOf(LAG, stat)) {
      return statDef(parseStat(stat) as Stat, (r) => r.generator.lagMs);
    }
  }
  return undefined;
}

/** Every concrete name that needs no run-specific part, for suggestions. */
const STATIC_NAMES: readonly string[] = [
  ...["rtt", "connect", "join"].flatMap((h) => STATS.map((s) => `${h}.${s}`)),
  "errors",
  "errors.rate",
  "connect_failures.rate",
  "checks.rate",
  "iterations",
  "iteration_duration.p95",
  "checks.passes",
  "checks.fails",
  ...["script", "timeout", "rpc", "disconnected", "handler"].map((k) => `errors.${k}`),
  "drops",
  ...["unknown-node", "unknown-method", "unknown-cached-path", "not-allowed", "bad-argument"].map(
    (k) => `drops.${k}`,
  ),
  "connect_failures",
  ...["refused", "timeout", "dns", "tls", "reset", "http-status", "join-timeout", "unsupported-dialect"].map(
    (k) => `connect_failures.${k}`,
  ),
  "closes",
  ...["1000", "1001", "1006", "open"].map((k) => `closes.${k}`),
  ...BOTS.map((b) => `bots.${b}`),
  ...NETWORK_BOTS.map((b) => `bots.${b}`),
  "rpcs",
  "rps",
  ...TOTALS,
  "generator.saturated_seconds",
  "generator.cpu_max",
  ...LAG.map((s) => `generator.lag.${s}`),
  "sync.in",
  "sync.out",
  ...Object.keys(REPLICATION_METRICS),
];

function knownNames(result: SwarmResult | undefined, custom?: Iterable<string>): string[] {
  const names = [...STATIC_NAMES, ...(custom ?? [])];
  const field = { counter: "count", rate: "rate", gauge: "value", trend: "p95" } as const;
  for (const [n, type] of declaredMetrics()) names.push(`${n}.${field[type]}`);
  if (result) {
    names.push(...Object.keys(result.custom ?? {}));
    names.push(...Object.keys(result.checks ?? {}).map((k) => `checks.${k}.rate`));
    for (const key of Object.keys(result.methods)) {
      names.push(...STATS.map((s) => `method.${key}.rtt.${s}`));
      names.push(...Object.keys(METHOD_FIELDS).map((f) => `method.${key}.${f}`));
    }
    names.push(...Object.keys(result.errors).map((k) => `errors.${k}`));
    names.push(...Object.keys(result.drops).map((k) => `drops.${k}`));
    names.push(...Object.keys(result.connectFailures).map((k) => `connect_failures.${k}`));
    names.push(...Object.keys(result.closes).map((k) => `closes.${k}`));
  }
  return names;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const sub = (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      row.push(Math.min(sub, (prev[j] as number) + 1, (row[j - 1] as number) + 1));
    }
    prev = row;
  }
  return prev[b.length] as number;
}

function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Number.POSITIVE_INFINITY;
  let bestPrefix = 0;
  for (const c of candidates) {
    const d = editDistance(name, c);
    // Ties go to the name sharing the longer start: a typo is more often at the end.
    let prefix = 0;
    while (prefix < c.length && c[prefix] === name[prefix]) prefix++;
    if (d < bestD || (d === bestD && prefix > bestPrefix)) {
      best = c;
      bestD = d;
      bestPrefix = prefix;
    }
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function unknownMetric(
  name: string,
  result: SwarmResult | undefined,
  why = "",
  custom?: Iterable<string>,
): UnknownMetricError {
  const suggestion = closest(name, knownNames(result, custom));
  const hint = suggestion
    ? ` Did you mean "${suggestion}"?`
    : " See the metric table (godot-peer swarm --help).";
  return new UnknownMetricError(`unknown metric "${name}".${why}${hint}`, name, suggestion);
}

const UNIT_LABEL: Record<MetricUnit, string> = {
  ms: "ms",
  count: "",
  bytes: "bytes",
  percent: "%",
  "per-second": "/s",
  seconds: "s",
  rate: "%",
};

/**
 * `metric OP value[unit]`: units ms or s for durations, % for percentages, none for counts; a
 * rate takes a percentage (`errors.rate<1%`) or, as in k6, a fraction (`errors.rate<0.01`).
 * Custom metric names are those the loaded script declared (Counter, Rate, Gauge, Trend).
 */
export function parseThreshold(expr: string): Threshold {
  return parseThresholdWith(expr, declaredMetric);
}

/** parseThreshold, custom metrics looked up in `custom` (a result's, for a merge). */
export function parseThresholdWith(expr: string, custom: CustomMetricLookup): Threshold {
  const m =
    /^\s*((?:"[^"]*"|[^\s<>=!"])+)\s*(<=|>=|==|!=|<|>|=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)\s*(ms|s|%|\/s)?\s*$/i.exec(
      expr,
    );
  if (!m) {
    throw new ThresholdSyntaxError(
      `"${expr}" is not a threshold: write metric OP value[unit], OP one of < <= > >= == !=, e.g. rtt.p99<50ms or errors==0`,
    );
  }
  const full = m[1] as string;
  const sel = splitSelector(full, expr);
  const metric = sel.base;
  const opText = m[2] as string;
  if (opText === "=") throw new ThresholdSyntaxError(`"${expr}": "=" is not a comparison; write ==`);
  const op = opText as ThresholdOp;
  const number = Number(m[3]);
  const unitText = m[4]?.toLowerCase();
  const def = resolveMetric(metric, custom);
  if (!def) throw unknownMetric(metric, undefined);
  if (sel.selector?.[SYNCHRONIZER_TAG] !== undefined && !def.readSynchronizer) {
    throw new ThresholdSyntaxError(
      `"${expr}": ${metric} is not counted per synchronizer; {${SYNCHRONIZER_TAG}:…} goes with sync.in, sync.out, sync.stale, sync.bytes_in …`,
    );
  }
  let value = number;
  if (def.unit === "rate") {
    if (unitText !== undefined && unitText !== "%") {
      throw new ThresholdSyntaxError(
        `"${expr}": ${metric} is a rate: write its limit as a percentage (1%) or a fraction (0.01)`,
      );
    }
    if (unitText === undefined) {
      if (number < 0 || number > 1) {
        throw new ThresholdSyntaxError(
          `"${expr}": ${metric} is a rate: a limit without % is a fraction from 0 to 1 (0.01 = 1%)`,
        );
      }
      value = number * 100;
    }
    return withSelector({ expr: expr.trim(), metric, op, value, unit: def.unit }, full, sel.selector);
  }
  if (def.unit === "ms") {
    if (unitText !== "ms" && unitText !== "s") {
      throw new ThresholdSyntaxError(
        `"${expr}": ${metric} is a duration: give its unit, ms or s (e.g. ${metric}${opText}${m[3]}ms)`,
      );
    }
    if (unitText === "s") value = number * 1000;
  } else if (def.unit === "percent") {
    if (unitText !== undefined && unitText !== "%") {
      throw new ThresholdSyntaxError(
        `"${expr}": ${metric} is a percentage: write its limit with % or no unit`,
      );
    }
  } else if (def.unit === "per-second") {
    if (unitText !== undefined && unitText !== "/s") {
      throw new ThresholdSyntaxError(
        `"${expr}": ${metric} is per second: write its limit with /s or no unit`,
      );
    }
  } else if (unitText !== undefined) {
    const what =
      def.unit === "seconds" ? "a number of seconds" : `a ${def.unit === "bytes" ? "byte count" : "count"}`;
    throw new ThresholdSyntaxError(`"${expr}": ${metric} is ${what}: its limit takes no unit`);
  }
  return withSelector({ expr: expr.trim(), metric, op, value, unit: def.unit }, full, sel.selector);
}

/** `rtt{scenario:chat,room:a}.p(95)` → the metric without the selector, and its pairs. */
function splitSelector(full: string, expr: string): { base: string; selector?: Record<string, string> } {
  const m = /^([^{}]*)\{([^{}]*)\}([^{}]*)$/.exec(full);
  if (!m) {
    if (/[{}]/.test(full))
      throw new ThresholdSyntaxError(`"${expr}": a selector is {key:value,…} after the metric's name`);
    return { base: full };
  }
  const selector: Record<string, string> = {};
  for (const pair of (m[2] as string).split(",")) {
    const at = pair.indexOf(":");
    const k = pair.slice(0, at).trim();
    const v = pair.slice(at + 1).trim();
    if (at <= 0 || !k || !v) {
      throw new ThresholdSyntaxError(`"${expr}": "${pair}" is not key:value (e.g. {scenario:chat})`);
    }
    selector[k] = v;
  }
  return { base: `${m[1]}${m[3]}`, selector };
}

function withSelector(t: Threshold, full: string, selector: Record<string, string> | undefined): Threshold {
  return selector ? { ...t, metric: full, base: t.metric, selector } : t;
}

/** The scenarios a selector picks, together; null when none matches. */
export function selectScenarios(
  result: SwarmResult,
  selector: Readonly<Record<string, string>>,
): SwarmResult | null {
  const picked = Object.entries(result.scenarios ?? {}).filter(([name, r]) =>
    Object.entries(selector).every(([k, v]) => (k === "scenario" ? name === v : r.tags?.[k] === v)),
  );
  if (picked.length === 0) return null;
  if (picked.length === 1) return (picked[0] as [string, SwarmResult])[1];
  return mergeResults(
    picked.map(([, r]) => r),
    picked.map(([n]) => n),
    { sameRun: true },
  );
}

function compare(actual: number, op: ThresholdOp, limit: number): boolean {
  switch (op) {
    case "<":
      return actual < limit;
    case "<=":
      return actual <= limit;
    case ">":
      return actual > limit;
    case ">=":
      return actual >= limit;
    case "==":
      return actual === limit;
    case "!=":
      return actual !== limit;
  }
}

/** A value with its unit, for messages and reports. */
export function formatMetricValue(value: number, unit: MetricUnit): string {
  if (unit === "ms") return `${formatNumber(value, 3)} ms`;
  if (unit === "percent") return `${formatNumber(value, 1)}%`;
  if (unit === "rate") return `${formatNumber(value, 3)}%`;
  if (unit === "per-second") return `${formatNumber(value, 1)}/s`;
  const label = UNIT_LABEL[unit];
  return label ? `${formatNumber(value, 0)} ${label}` : formatNumber(value, 0);
}

function formatNumber(n: number, digits: number): string {
  return n.toLocaleString("en-US", {
    maximumFractionDigits: Number.isInteger(n) ? 0 : digits,
    useGrouping: false,
  });
}

const NO_DATA: Partial<Record<string, string>> = {
  rtt: "no round trip completed",
  connect: "no bot connected",
  join: "no bot joined",
  method: "no round trip of this method completed",
  generator: "the generator took no samples",
  rps: "the run had no duration",
  checks: "no such check was made",
  errors: "no bot joined",
  connect_failures: "no bot started",
};

/**
 * Judges each threshold on `result`. Throws UnknownMetricError for a name no result can have; a
 * method this run never called (likely a typo) and a metric without data fail, with the reason.
 */
export function evaluateThresholds(
  result: SwarmResult,
  thresholds: readonly Threshold[],
): ThresholdOutcome[] {
  const cache = new Map<EncodedHistogram, Histogram>();
  const hist = (enc: EncodedHistogram) => {
    let h = cache.get(enc);
    if (!h) {
      h = decodeHistogram(enc);
      cache.set(enc, h);
    }
    return h;
  };
  const custom = customOf(result);
  // Resolve every name first: one unknown metric fails the whole evaluation, before any verdict.
  const defs = thresholds.map((t) => {
    const def = resolveMetric(t.base ?? t.metric, custom);
    if (!def) throw unknownMetric(t.base ?? t.metric, result);
    return def;
  });
  return thresholds.map((t, i) => {
    const def = defs[i] as MetricDef;
    let target: SwarmResult = result;
    const { [SYNCHRONIZER_TAG]: synchronizer, ...scenarioTags } = t.selector ?? {};
    if (Object.keys(scenarioTags).length > 0) {
      const picked = selectScenarios(result, scenarioTags);
      if (!picked) {
        const names = Object.keys(result.scenarios ?? {});
        const sel = Object.entries(scenarioTags)
          .map(([k, v]) => `${k}:${v}`)
          .join(",");
        return {
          threshold: t,
          metric: t.metric,
          actual: null,
          passed: false,
          message: `${t.expr}: no scenario matches {${sel}}${names.length ? `; scenarios: ${names.join(", ")}` : "; this run has no scenarios"}`,
        };
      }
      target = picked;
    }
    // A method the run never called: likely a typo, which fails (and says so) rather than passes.
    if (def.method !== undefined && !Object.hasOwn(target.methods, def.method)) {
      const known = Object.keys(target.methods).sort();
      const why = known.length
        ? `no method "${def.method}" in this run; methods: ${known.join(", ")}`
        : "this run called no method at all";
      const hint = unknownMetric(t.metric, target).suggestion;
      return {
        threshold: t,
        metric: t.metric,
        actual: null,
        passed: false,
        message: `${t.expr}: unknown method: ${why}${hint ? `. Did you mean "${hint}"?` : ""}`,
      };
    }
    const limit = `${t.op} ${formatMetricValue(t.value, t.unit)}`;
    if (synchronizer !== undefined && !target.replication?.synchronizers[synchronizer]) {
      const known = Object.keys(target.replication?.synchronizers ?? {});
      const why = known.length
        ? `no synchronizer "${synchronizer}" in this run; synchronizers: ${known.join(", ")}`
        : "the bots counted no synchronizer (no Godot 4 replication)";
      return {
        threshold: t,
        metric: t.metric,
        actual: null,
        passed: false,
        message: `${t.expr}: ${why}, so ${t.metric} ${limit} cannot hold`,
      };
    }
    const actual =
      synchronizer !== undefined
        ? (def.readSynchronizer?.(target, synchronizer) ?? null)
        : def.read(target, hist);
    if (actual === null) {
      const why = NO_DATA[(t.base ?? t.metric).split(".")[0] as string] ?? "no data";
      return {
        threshold: t,
        metric: t.metric,
        actual: null,
        passed: false,
        message: `${t.expr}: no data (${why}), so ${t.metric} ${limit} cannot hold`,
      };
    }
    const passed = compare(actual, t.op, t.value);
    const shown = formatMetricValue(actual, t.unit);
    return {
      threshold: t,
      metric: t.metric,
      actual,
      passed,
      message: passed
        ? `${t.expr}: ${t.metric} = ${shown} (${limit}) holds`
        : `${t.expr}: ${t.metric} = ${shown}, broke the limit ${limit}`,
    };
  });
}

/** Custom metrics of a result, else those the script declared (a run that never recorded one). */
export function customOf(result: SwarmResult): CustomMetricLookup {
  return (name) => result.custom?.[name]?.type ?? declaredMetric(name);
}

/** The methods that thresholds name ("Game:chat"): checkable only against a manifest or a run. */
export function thresholdMethods(thresholds: readonly Threshold[]): string[] {
  const out: string[] = [];
  for (const t of thresholds) {
    const m = resolveMetric(t.metric)?.method;
    if (m !== undefined && !out.includes(m)) out.push(m);
  }
  return out;
}

/** The run's verdict besides its thresholds: did every bot join, run and end as it should? */
export interface RunVerdict {
  readonly passed: boolean;
  /** One line per reason the run fails (empty when it passes). */
  readonly reasons: string[];
  /** What did not hold but was let through (--allow-errors). */
  readonly allowed: string[];
}

function countsText(rec: Readonly<Record<string, number>>): string {
  return Object.entries(rec)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
}

/**
 * The gate: a run fails when a threshold broke, or (unless allowErrors) a bot failed to connect or
 * join, ended by an error, or was disconnected unexpectedly. Each reason names why, with the most
 * frequent message behind it.
 */
export function judgeRun(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[],
  options: { readonly allowErrors?: boolean } = {},
): RunVerdict {
  const reasons: string[] = [];
  const allowed: string[] = [];
  const messages = result.messages ?? [];
  const top = (kind: (k: string) => boolean) => {
    let best: { message: string; count: number } | undefined;
    for (const m of messages) if (kind(m.kind) && (!best || m.count > best.count)) best = m;
    return best ? `; most frequent: "${best.message}" ×${best.count}` : "";
  };
  const errors = { ...result.errors };
  delete errors["arrival-cap"];
  const disconnected = result.bots.disconnected ?? errors.disconnected ?? 0;
  const errorsBut = { ...errors };
  delete errorsBut.disconnected;
  const errored = result.bots.errored ?? sumValues(errorsBut);
  const bot = (n: number) => (n === 1 ? "1 bot" : `${n} bots`);
  const bad: string[] = [];
  if (result.bots.failed > 0) {
    bad.push(
      `${bot(result.bots.failed)} failed to connect or join (${countsText(result.connectFailures)})${top((k) => k.startsWith("connect:"))}`,
    );
  }
  if (errored > 0) {
    bad.push(
      `${bot(errored)} ended by an error (${countsText(errorsBut)})${top((k) => k !== "disconnected" && !k.startsWith("connect:") && !k.startsWith("dropped:") && k !== "runner")}`,
    );
  }
  if (disconnected > 0) {
    bad.push(`${bot(disconnected)} disconnected unexpectedly${top((k) => k === "disconnected")}`);
  }
  if (options.allowErrors) allowed.push(...bad);
  else reasons.push(...bad);
  for (const o of outcomes) if (!o.passed) reasons.push(`threshold broken: ${o.message}`);
  return { passed: reasons.length === 0, reasons, allowed };
}
