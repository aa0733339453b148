/**
 * The --json report: the mergeable SwarmResult, with plain numbers beside its histograms
 * (`jq '.latency.rtt.p99'`), every counter under `counters`, each threshold's verdict and the
 * run's own verdict. The plain numbers are derived, so a merge recomputes them from the histograms.
 */
import type { LatencySummary } from "../histogram.js";
import type { SwarmResult } from "../swarm-result.js";
import { judgeRun, type ThresholdOutcome } from "../thresholds.js";
import { bucketsOf, latency, rates, stagesOf, sumOf } from "./format.js";

/** A latency as plain numbers, ms; null where there was no data. */
export type PlainLatency = { readonly [K in keyof LatencySummary]: number | null };

function plain(s: LatencySummary): PlainLatency {
  const n = (x: number) => (Number.isFinite(x) ? x : null);
  return {
    count: s.count,
    min: n(s.min),
    mean: n(s.mean),
    p50: n(s.p50),
    p90: n(s.p90),
    p95: n(s.p95),
    p99: n(s.p99),
    p999: n(s.p999),
    max: n(s.max),
  };
}

export interface SwarmReport extends SwarmResult {
  readonly latency: {
    readonly connect: PlainLatency;
    readonly join: PlainLatency;
    readonly rtt: PlainLatency;
    /** The generator's per-second event-loop lag (resolution already taken off). */
    readonly lag: PlainLatency;
    /** Round trip per method ("Game:ping"). */
    readonly methods: Record<string, PlainLatency>;
    /** Each completed run of a bot's script. */
    readonly iteration?: PlainLatency;
    /** The script's own trends. */
    readonly custom?: Record<string, PlainLatency>;
  };
  readonly counters: Record<string, number>;
  /** Shares, 0…1 (null: nothing counted): `checks`, `checks.<name>`, each custom Rate. */
  readonly rates: Record<string, number | null>;
  /** The load shape's stages with what each measured (absent without stages). */
  readonly stages?: PlainStage[];
  /** Each scenario's plain numbers, by name (absent in a run of one). */
  readonly perScenario?: Record<string, ScenarioPlain>;
  /** The series' buckets as plain numbers (absent without a series). */
  readonly overTime?: { readonly bucketMs: number; readonly buckets: PlainBucket[] };
  readonly thresholds: {
    readonly expr: string;
    readonly metric: string;
    readonly actual: number | null;
    readonly passed: boolean;
    readonly message: string;
  }[];
  readonly verdict: { readonly passed: boolean; readonly reasons: string[]; readonly allowed: string[] };
}

export interface PlainStage {
  readonly index: number;
  readonly fromMs: number;
  readonly toMs: number;
  readonly fromTarget: number;
  readonly toTarget: number;
  readonly connected: number;
  readonly rpcs: number;
  readonly errors: number;
  readonly rtt: PlainLatency;
}

export interface PlainBucket {
  /** Epoch ms where the bucket starts. */
  readonly t: number;
  readonly connect: PlainLatency;
  readonly join: PlainLatency;
  readonly methods: Record<string, PlainLatency>;
  readonly errors: Record<string, number>;
  readonly connectFailures: Record<string, number>;
}

export interface ScenarioPlain {
  readonly tags?: Record<string, string>;
  readonly latency: SwarmReport["latency"];
  readonly counters: Record<string, number>;
  readonly rates: Record<string, number | null>;
  readonly stages?: PlainStage[];
}

const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Checks' and custom Rates' shares. */
function ratesOf(result: SwarmResult): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  let passes = 0;
  let all = 0;
  for (const [k, c] of Object.entries(result.checks ?? {})) {
    out[`checks.${k}`] = share(c.passes, c.passes + c.fails);
    passes += c.passes;
    all += c.passes + c.fails;
  }
  if (result.checks !== undefined) out.checks = share(passes, all);
  for (const [k, m] of Object.entries(result.custom ?? {}))
    if (m.type === "rate") out[k] = share(m.passes, m.total);
  return out;
}

function stagesPlain(result: SwarmResult): { stages?: PlainStage[] } {
  const rows = stagesOf(result);
  return rows.length === 0 ? {} : { stages: rows.map((r) => ({ ...r, rtt: plain(r.rtt) })) };
}

function perScenario(result: SwarmResult): { perScenario?: Record<string, ScenarioPlain> } {
  const scenarios = Object.entries(result.scenarios ?? {});
  if (scenarios.length === 0) return {};
  const out: Record<string, ScenarioPlain> = {};
  for (const [name, sc] of scenarios) {
    const r = toReport(sc);
    out[name] = {
      ...(sc.tags ? { tags: sc.tags } : {}),
      latency: r.latency,
      counters: r.counters,
      rates: r.rates,
      ...(r.stages ? { stages: r.stages } : {}),
    };
  }
  return { perScenario: out };
}

function overTime(result: SwarmResult): Pick<SwarmReport, "overTime"> {
  if (!result.series) return {};
  return {
    overTime: {
      bucketMs: result.series.bucketMs,
      buckets: bucketsOf(result).map((b) => ({
        t: b.t * 1000,
        connect: plain(b.connect),
        join: plain(b.join),
        methods: Object.fromEntries(Object.entries(b.methods).map(([k, l]) => [k, plain(l)])),
        errors: { ...b.errors },
        connectFailures: { ...b.connectFailures },
      })),
    },
  };
}

/** The result with its plain numbers and verdicts. */
export function toReport(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[] = [],
  options: { readonly allowErrors?: boolean } = {},
): SwarmReport {
  const rt = rates(result);
  const methods: Record<string, PlainLatency> = {};
  let callsOut = 0;
  let packetsOut = 0;
  for (const [k, m] of Object.entries(result.methods)) {
    if (m.rtt !== undefined) methods[k] = plain(latency(m.rtt));
    callsOut += m.callsOut;
    packetsOut += m.packetsOut ?? m.callsOut;
  }
  const counters: Record<string, number> = {
    bots_started: result.bots.started,
    bots_connected: result.bots.connected,
    bots_failed: result.bots.failed,
    bots_errored: result.bots.errored ?? 0,
    bots_disconnected: result.bots.disconnected ?? 0,
    bots_ended: result.bots.ended ?? 0,
    bots_dropped: result.bots.dropped ?? 0,
    bots_reconnects: result.bots.reconnects ?? 0,
    bots_peak: result.bots.peak,
    msgs_in: rt.total.msgsIn,
    msgs_out: rt.total.msgsOut,
    bytes_in: rt.total.bytesIn,
    bytes_out: rt.total.bytesOut,
    rpcs: rt.total.rpcs,
    calls_out: callsOut,
    packets_out: packetsOut,
    errors: sumOf(result.errors),
    connect_failures: sumOf(result.connectFailures),
    drops: sumOf(result.drops),
    closes: sumOf(result.closes),
    timeouts: result.timeouts ?? 0,
    saturated_seconds: result.generator.saturatedSeconds,
  };
  for (const [k, n] of Object.entries(result.errors)) counters[`errors.${k}`] = n;
  for (const [k, n] of Object.entries(result.connectFailures)) counters[`connect_failures.${k}`] = n;
  for (const [k, n] of Object.entries(result.drops)) counters[`drops.${k}`] = n;
  for (const [k, n] of Object.entries(result.closes)) counters[`closes.${k}`] = n;
  const repl = result.replication;
  if (repl) {
    counters.spawns = repl.spawns;
    counters.despawns = repl.despawns;
    counters["sync.in"] = repl.syncsIn + repl.deltasIn;
    counters["sync.in.full"] = repl.syncsIn;
    counters["sync.in.delta"] = repl.deltasIn;
    counters["sync.stale"] = repl.syncsStale;
    counters["sync.unknown"] = repl.syncsUnknown;
    counters["sync.out"] = repl.syncsOut + repl.deltasOut;
    counters["sync.bytes_in"] = repl.bytesIn;
    counters["sync.bytes_out"] = repl.bytesOut;
  }
  for (const [k, c] of Object.entries(result.checks ?? {})) {
    counters[`checks.${k}.passes`] = c.passes;
    counters[`checks.${k}.fails`] = c.fails;
  }
  const custom: Record<string, PlainLatency> = {};
  for (const [k, m] of Object.entries(result.custom ?? {})) {
    if (m.type === "counter") counters[k] = m.count;
    else if (m.type === "rate") {
      counters[`${k}.passes`] = m.passes;
      counters[`${k}.total`] = m.total;
    } else if (m.type === "gauge") counters[k] = m.value;
    else custom[k] = plain(latency(m.hist));
  }
  if (result.iterationMs !== undefined) counters.iterations = latency(result.iterationMs).count;
  return {
    ...result,
    latency: {
      connect: plain(latency(result.connectMs)),
      join: plain(latency(result.joinMs)),
      rtt: plain(latency(result.rttMs)),
      lag: plain(latency(result.generator.lagMs)),
      methods,
      ...(result.iterationMs !== undefined ? { iteration: plain(latency(result.iterationMs)) } : {}),
      ...(Object.keys(custom).length > 0 ? { custom } : {}),
    },
    counters,
    rates: ratesOf(result),
    ...stagesPlain(result),
    ...perScenario(result),
    ...overTime(result),
    thresholds: outcomes.map((o) => ({
      expr: o.threshold.expr,
      metric: o.metric,
      actual: o.actual,
      passed: o.passed,
      message: o.message,
    })),
    verdict: judgeRun(result, outcomes, options),
  };
}

export function toJson(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[] = [],
  options: { readonly allowErrors?: boolean } = {},
): string {
  return JSON.stringify(toReport(result, outcomes, options));
}
