/**
 * Stages, k6's shape: `[{ duration: "30s", target: 200 }, { duration: "2m", target: 200 },
 * { duration: "20s", target: 0 }]`. The target moves linearly from the previous stage's (0 at
 * the start) to its own over each stage: bots (closed model) or arrivals per second (open model).
 */
export interface Stage {
  readonly durationMs: number;
  readonly target: number;
}

/** The whole run's length. */
export function stagesMs(stages: readonly Stage[]): number {
  return stages.reduce((n, s) => n + s.durationMs, 0);
}

/** The target `t` ms into the run (the last target after the end). */
export function targetAt(stages: readonly Stage[], t: number): number {
  let from = 0;
  let start = 0;
  for (const s of stages) {
    if (t < start + s.durationMs) return from + ((s.target - from) * (t - start)) / s.durationMs;
    from = s.target;
    start += s.durationMs;
  }
  return from;
}

/** Of a swarm-wide bot target, the bots shard i/n runs (indices i, i+n, … below the target). */
export function shardShare(
  target: number,
  shard: { readonly index: number; readonly count: number },
): number {
  return Math.max(0, Math.ceil((Math.floor(target) - shard.index) / shard.count));
}
