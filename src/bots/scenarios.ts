/**
 * Several scenarios in one run (k6's scenarios, Artillery's weighted flows): each its own bot
 * script, load shape, options and tags, running side by side in the same shard. The result holds
 * each scenario's own figures (result.scenarios.<name>) and, at the top, all of them together,
 * merged exactly like shards are (merge.ts), so thresholds can judge the whole or one part.
 */
import { mergeResults } from "./merge.js";
import type { SwarmMetrics } from "./metrics.js";
import { runSwarm, type SwarmOptions } from "./swarm.js";
import type { SwarmResult } from "./swarm-result.js";

export interface Scenario {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>>;
  /** Its run: shard, signal and config are the run's (given to runScenarios). */
  readonly options: Omit<SwarmOptions, "shard" | "signal" | "onMetrics">;
}

/** Shares of a whole by weight, whole numbers summing to it (largest remainders). */
export function byWeight(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, b) => a + b, 0);
  const exact = weights.map((w) => (total * w) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((x, i) => [x - Math.floor(x), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (const [, i] of order) {
    if (left-- <= 0) break;
    out[i] = (out[i] as number) + 1;
  }
  return out;
}

export async function runScenarios(
  scenarios: readonly Scenario[],
  run: Pick<SwarmOptions, "shard" | "signal" | "config" | "threads"> & {
    readonly onMetrics?: (name: string, metrics: SwarmMetrics) => void;
  },
): Promise<SwarmResult> {
  if (scenarios.length === 0) throw new RangeError("no scenario to run");
  const results = await Promise.all(
    scenarios.map((sc) =>
      runSwarm({
        ...sc.options,
        ...(run.shard ? { shard: run.shard } : {}),
        ...(run.signal ? { signal: run.signal } : {}),
        ...(run.threads !== undefined ? { threads: run.threads } : {}),
        config: { ...run.config, ...sc.options.config, scenario: sc.name },
        onMetrics: (m) => run.onMetrics?.(sc.name, m),
      }),
    ),
  );
  const named: Record<string, SwarmResult> = {};
  for (const [i, sc] of scenarios.entries()) {
    const r = results[i] as SwarmResult;
    named[sc.name] = {
      ...r,
      ...(sc.tags && Object.keys(sc.tags).length > 0 ? { tags: { ...sc.tags } } : {}),
    };
  }
  const all = mergeResults(
    results,
    scenarios.map((s) => s.name),
    { sameRun: true },
  );
  delete all.tags;
  all.config = { ...(run.config ?? {}), scenarios: scenarios.map((s) => s.name).join(",") };
  all.scenarios = named;
  return all;
}
