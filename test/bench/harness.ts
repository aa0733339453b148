/**
 * The shared benchmark harness. A benchmark pits `ours` against a named `baseline` measured in the
 * same run: after a warm-up, both run in several interleaved rounds (alternating which goes first)
 * and each side's median is kept. Only the ratio is meaningful on a shared, noisy machine.
 *
 * - Rate benchmarks (default): `fn` is one operation, sync or async (`async: true`, e.g. an RPC
 *   round trip against a real server); the value is operations per second.
 * - Other measures (memory per bot, latency …): give `measure` and `unit`; `ratio` is still
 *   ours ÷ baseline, so say in the name which way is better (e.g. "bytes/bot, lower is better").
 */

export interface Side {
  readonly name: string;
  /** One operation; returns something so the work cannot be optimised away. */
  readonly fn: () => unknown;
  /** Set up before and torn down after this side's measurements (servers, bots …). */
  readonly setup?: () => Promise<void> | void;
  readonly teardown?: () => Promise<void> | void;
}

export interface Benchmark {
  /** Unique, stable name: "<area>/<what>" (e.g. "variant/encode rpc-mix"). */
  readonly name: string;
  readonly ours: Side;
  readonly baseline: Side;
  /** Unit of both values; "ops/s" unless the benchmark measures something else. */
  readonly unit?: string;
  /** `fn` returns a Promise to await before the next operation. */
  readonly async?: boolean;
  /** For non-rate benchmarks: measures one side once per round. */
  readonly measure?: (side: Side) => number | Promise<number>;
  /** At most this many rounds (e.g. 1 for a measurement that takes a minute and is its own average). */
  readonly maxRounds?: number;
}

export interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
  readonly baselineName: string;
}

export interface RunOptions {
  readonly rounds: number;
  readonly roundMs: number;
  readonly warmupMs: number;
}

let sink: unknown;

/** Operations per second of `fn` over about `ms` milliseconds. */
export function rate(fn: () => unknown, ms: number): number {
  // Calibrate a batch size that takes ~1 ms so the clock is read rarely.
  let batch = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < batch; i++) sink = fn();
    if (performance.now() - t0 >= 1 || batch >= 1 << 24) break;
    batch *= 2;
  }
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < batch; i++) sink = fn();
    ops += batch;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

/** Operations per second of an async `fn`, awaited one after the other, over about `ms`. */
export async function rateAsync(fn: () => unknown, ms: number): Promise<number> {
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    sink = await fn();
    ops++;
    now = performance.now();
  }
  return (ops * 1000) / (now - start);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export async function runBenchmark(b: Benchmark, o: RunOptions): Promise<Result> {
  const measure =
    b.measure ?? ((side: Side) => (b.async ? rateAsync(side.fn, o.roundMs) : rate(side.fn, o.roundMs)));
  for (const side of [b.ours, b.baseline]) await side.setup?.();
  try {
    if (!b.measure) {
      for (const side of [b.ours, b.baseline]) {
        if (b.async) await rateAsync(side.fn, o.warmupMs);
        else rate(side.fn, o.warmupMs);
      }
    }
    const ours: number[] = [];
    const base: number[] = [];
    const rounds = Math.min(o.rounds, b.maxRounds ?? o.rounds);
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        ours.push(await measure(b.ours));
        base.push(await measure(b.baseline));
      } else {
        base.push(await measure(b.baseline));
        ours.push(await measure(b.ours));
      }
    }
    const value = median(ours);
    const baseline = median(base);
    return {
      name: b.name,
      value,
      unit: b.unit ?? "ops/s",
      baseline,
      ratio: value / baseline,
      baselineName: b.baseline.name,
    };
  } finally {
    for (const side of [b.ours, b.baseline]) await side.teardown?.();
  }
}

export function formatTable(results: readonly Result[]): string {
  const rows = results.map((r) => [
    r.name,
    `${fmt(r.value)} ${r.unit}`,
    `${r.baselineName}: ${fmt(r.baseline)} ${r.unit}`,
    r.ratio.toFixed(2),
  ]);
  const head = ["benchmark", "ours", "baseline (same run)", "ratio"];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

function fmt(n: number): string {
  return n >= 100 ? Math.round(n).toLocaleString("en-US") : n.toPrecision(3);
}

/** Keeps the last result reachable so nothing is dead code. */
export function blackhole(): unknown {
  return sink;
}
