/** What every report shows the same way: numbers, durations, times, and the result's summaries. */
import { decodeHistogram, type LatencySummary, newHistogram, summarize } from "../histogram.js";
import { mergeSeconds } from "../merge.js";
import type { EncodedHistogram, ErrorMessage, SecondSample, SwarmResult } from "../swarm-result.js";

/** A number for people: grouped thousands, `digits` decimals at most, "–" for no data. */
export function num(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "–";
  return n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Milliseconds with a precision that suits their size. */
export function ms(n: number): string {
  if (!Number.isFinite(n)) return "–";
  return num(n, n < 10 ? 3 : n < 100 ? 2 : 1);
}

export function bytes(n: number): string {
  if (!Number.isFinite(n)) return "–";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${num(v, u === 0 ? 0 : 1)} ${units[u]}`;
}

export function isoTime(epochMs: number): string {
  return new Date(epochMs)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, " UTC");
}

export function sumOf(rec: Readonly<Record<string, number>>): number {
  let n = 0;
  for (const v of Object.values(rec)) n += v;
  return n;
}

/** Entries sorted by count, largest first. */
export function byCount(rec: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(rec)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

export function latency(enc: EncodedHistogram | undefined): LatencySummary {
  return summarize(enc === undefined ? newHistogram() : decodeHistogram(enc));
}

/** The result's per-second samples, one per epoch second (a second sampled twice is summed). */
export function secondsOf(r: SwarmResult): SecondSample[] {
  const sorted = [...r.seconds].sort((a, b) => a.t - b.t);
  // Re-encoding every histogram costs: only when some second really was sampled twice.
  return sorted.every((s, i) => i === 0 || s.t !== sorted[i - 1]?.t) ? sorted : mergeSeconds([r.seconds]);
}

/** Totals and per-second rates of a result, as every report shows them. */
export interface Rates {
  readonly durationS: number;
  readonly total: {
    msgsIn: number;
    msgsOut: number;
    bytesIn: number;
    bytesOut: number;
    rpcs: number;
    errors: number;
  };
  readonly peak: {
    msgsIn: number;
    msgsOut: number;
    bytesIn: number;
    bytesOut: number;
    rpcs: number;
    errors: number;
  };
}

export function rates(r: SwarmResult): Rates {
  const total = { msgsIn: 0, msgsOut: 0, bytesIn: 0, bytesOut: 0, rpcs: 0, errors: 0 };
  const peak = { ...total };
  for (const s of secondsOf(r)) {
    for (const k of Object.keys(total) as (keyof typeof total)[]) {
      total[k] += s[k];
      peak[k] = Math.max(peak[k], s[k]);
    }
  }
  return { durationS: Math.max(0, (r.endedAt - r.startedAt) / 1000), total, peak };
}

/** Messages shown in a report, most frequent first. */
export const SHOWN_MESSAGES = 10;
/** Stack lines shown per message (the user's frames come first). */
export const SHOWN_FRAMES = 6;

/** The result's messages, most frequent first; `which` keeps errors ("errors") or drops ("drops"). */
export function messagesOf(r: SwarmResult, which: "errors" | "drops"): ErrorMessage[] {
  return [...(r.messages ?? [])]
    .filter((m) => (which === "drops") === m.kind.startsWith("dropped:"))
    .sort((a, b) => b.count - a.count);
}

/** A message's stack cut to its first frames (the user's first). */
export function shortStack(m: ErrorMessage): string[] {
  if (!m.stack) return [];
  const lines = m.stack.split("\n");
  const at = lines.findIndex((l) => /^\s+at /.test(l));
  return at < 0 ? [] : lines.slice(at, at + SHOWN_FRAMES).map((l) => l.trim());
}

/** Why a run stopped before its time, in words (undefined: it ran its course). */
export function stoppedText(r: SwarmResult): string | undefined {
  const s = r.stopped ?? (r.config.interrupted === true ? "SIGINT" : undefined);
  if (s === undefined) return undefined;
  if (s === "SIGINT") return "interrupted: Ctrl-C (SIGINT) stopped the run early";
  if (s === "SIGTERM") return "interrupted: SIGTERM stopped the run early";
  if (s === "no-connect") return "stopped early: no bot could connect";
  if (s.startsWith("fatal: ")) return `stopped: the runner itself failed (${s.slice(7)})`;
  return `stopped early: ${s}`;
}

/**
 * The saturation advice: a busy generator needs more workers; a generator whose own CPU was low
 * but whose loop lagged was starved by the machine's other load, which more workers would not cure.
 */
export function saturationAdvice(r: SwarmResult): string[] {
  const g = r.generator;
  if (g.saturatedSeconds === 0) return [];
  const threads = typeof r.config.workers === "number" ? r.config.workers : 1;
  const ownLow = g.cpuMaxPercent < 50 * threads;
  const load = g.loadMax ?? 0;
  const cores = g.cores ?? 0;
  if (ownLow && cores > 0 && load >= cores * 0.7) {
    return [
      `its own CPU peaked at ${num(g.cpuMaxPercent, 0)}% while the machine's load average reached ${num(load, 1)} on ${num(cores)} cores:`,
      "other processes took the CPU. Run the generator on a quieter machine (more --workers will not help).",
    ];
  }
  if (ownLow) {
    return [
      `its own CPU peaked at only ${num(g.cpuMaxPercent, 0)}% (machine load ${num(load, 1)} on ${num(cores)} cores): something else held`,
      "its event loop (a busy bot script, the machine's other load). Check the script and the machine before adding --workers.",
    ];
  }
  return ["Use more --workers, --shard over machines, or fewer bots."];
}

/** One stage of the load shape as run, with what was measured during it (by whole seconds). */
export interface StageRow {
  /** 1-based. */
  readonly index: number;
  /** ms from the run's start. */
  readonly fromMs: number;
  readonly toMs: number;
  /** The target (bots, or arrivals per second) moves from → to over the stage. */
  readonly fromTarget: number;
  readonly toTarget: number;
  /** Bots connected at the end of the stage's last second. */
  readonly connected: number;
  readonly rpcs: number;
  readonly errors: number;
  /** Round trips completed during the stage. */
  readonly rtt: LatencySummary;
}

/** A latency table's cells (every report shows the same columns): label, count, min, mean, p50 … max. */
export function latencyCells(label: string, s: LatencySummary): string[] {
  return [
    label,
    num(s.count),
    ms(s.min),
    ms(s.mean),
    ms(s.p50),
    ms(s.p90),
    ms(s.p95),
    ms(s.p99),
    ms(s.p999),
    ms(s.max),
  ];
}

/** An iteration-duration row's cells (no p99.9: iterations are few): count, min, mean, p50 … p99, max. */
export function iterationCells(s: LatencySummary): string[] {
  return [num(s.count), ms(s.min), ms(s.mean), ms(s.p50), ms(s.p90), ms(s.p95), ms(s.p99), ms(s.max)];
}

/** A stage table's cells after its first: from, to, target, connected at end, round trips, errors, p50, p95, p99. */
export function stageCells(r: StageRow, unit: string): string[] {
  return [
    durationText(r.fromMs),
    durationText(r.toMs),
    `${num(r.fromTarget, 2)} → ${num(r.toTarget, 2)}${unit}`,
    num(r.connected),
    num(r.rpcs),
    num(r.errors),
    ms(r.rtt.p50),
    ms(r.rtt.p95),
    ms(r.rtt.p99),
  ];
}

/**
 * The result's stages (none when its shape has none), each with what its seconds measured:
 * a second belongs to the stage holding its middle, counted from the run's start.
 */
export function stagesOf(r: SwarmResult): StageRow[] {
  const stages = r.shape?.stages;
  if (!stages || stages.length === 0) return [];
  const sec = secondsOf(r);
  const rows: StageRow[] = [];
  let from = 0;
  let target = 0;
  for (const [i, st] of stages.entries()) {
    const to = from + st.durationMs;
    // A second belongs to the stage holding its middle (the first and last stages take the edges).
    const first = i === 0;
    const last = i === stages.length - 1;
    const inside = sec.filter((s) => {
      const mid = s.t * 1000 + 500 - r.startedAt;
      return (first || mid >= from) && (last || mid < to);
    });
    const h = newHistogram();
    for (const s of inside) h.add(decodeHistogram(s.rtt));
    rows.push({
      index: i + 1,
      fromMs: from,
      toMs: to,
      fromTarget: target,
      toTarget: st.target,
      connected: inside.at(-1)?.connected ?? 0,
      rpcs: inside.reduce((n, s) => n + s.rpcs, 0),
      errors: inside.reduce((n, s) => n + s.errors, 0),
      rtt: summarize(h),
    });
    from = to;
    target = st.target;
  }
  return rows;
}

/** The load shape in words: "closed model, 200 bots, stages 30 s → 200, 2 m → 200, 20 s → 0". */
export function shapeText(r: SwarmResult): string | undefined {
  const s = r.shape;
  if (!s) return undefined;
  const parts = [s.model === "closed" ? "closed model" : "open model"];
  if (s.model === "closed") parts.push(`${num(s.bots)} bots`);
  if (s.rampPerSec !== undefined) parts.push(`ramp ${num(s.rampPerSec, 2)}/s`);
  if (s.arrivalPerSec !== undefined) parts.push(`${num(s.arrivalPerSec, 2)} arrivals/s`);
  if (s.stages) {
    const unit = s.model === "closed" ? "" : "/s";
    parts.push(
      `stages ${s.stages.map((st) => `${durationText(st.durationMs)} → ${num(st.target, 2)}${unit}`).join(", ")}`,
    );
  } else parts.push(durationText(s.durationMs));
  if (s.iterations !== undefined) parts.push(`at most ${num(s.iterations)} iterations`);
  if (s.reuseConnection === false) parts.push("a new connection per iteration");
  return parts.join(", ");
}

/** 90000 → "1m30s", 1500 → "1.5s". */
export function durationText(msIn: number): string {
  if (msIn < 60_000) return `${num(msIn / 1000, 3)}s`;
  const m = Math.floor(msIn / 60_000);
  const s = (msIn % 60_000) / 1000;
  return s === 0 ? `${m}m` : `${m}m${num(s, 3)}s`;
}

/** A bucket of the series, its histograms read. */
export interface BucketView {
  /** Epoch seconds where it starts. */
  readonly t: number;
  readonly connect: LatencySummary;
  readonly join: LatencySummary;
  readonly methods: Readonly<Record<string, LatencySummary>>;
  readonly errors: Readonly<Record<string, number>>;
  readonly connectFailures: Readonly<Record<string, number>>;
}

/** The result's series, each bucket's histograms summarized (empty without a series). */
export function bucketsOf(r: SwarmResult): BucketView[] {
  return (r.series?.buckets ?? []).map((b) => ({
    t: b.t / 1000,
    connect: latency(b.connect),
    join: latency(b.join),
    methods: Object.fromEntries(Object.entries(b.methods ?? {}).map(([k, enc]) => [k, latency(enc)])),
    errors: b.errors ?? {},
    connectFailures: b.connectFailures ?? {},
  }));
}

/** Percentiles a latency distribution is drawn at (0: min, 100: max). */
export const DISTRIBUTION_PERCENTILES = [0, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100] as const;

/** A histogram's values at DISTRIBUTION_PERCENTILES, ms (empty without data). */
export function distributionOf(enc: EncodedHistogram | undefined): number[] {
  const hist = enc === undefined ? newHistogram() : decodeHistogram(enc);
  if (hist.totalCount === 0) return [];
  return DISTRIBUTION_PERCENTILES.map((p) =>
    p === 0
      ? hist.minNonZeroValue / 1000
      : p === 100
        ? hist.maxValue / 1000
        : hist.getValueAtPercentile(p) / 1000,
  );
}
