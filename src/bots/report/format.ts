/** What every report shows the same way: numbers, durations, times, and the result's summaries. */
import { decodeHistogram, type LatencySummary, newHistogram, summarize } from "../histogram.js";
import { mergeSeconds } from "../merge.js";
import type { EncodedHistogram, SecondSample, SwarmResult } from "../swarm-result.js";

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
