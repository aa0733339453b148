/**
 * Think time: how long a bot pauses between actions (ctx.think()), drawn from a distribution.
 * Uniform between two bounds, normal (clamped at 0) or exponential (a memoryless user, the
 * shape of arrivals in an open model), each in ms.
 */
export type ThinkTime =
  | { readonly distribution: "uniform"; readonly minMs: number; readonly maxMs: number }
  | { readonly distribution: "normal"; readonly meanMs: number; readonly stddevMs: number }
  | { readonly distribution: "exponential"; readonly meanMs: number };

/** The earlier `--think T`: uniform from 0.5×T to 1.5×T. */
export function thinkAround(meanMs: number): ThinkTime {
  return { distribution: "uniform", minMs: meanMs * 0.5, maxMs: meanMs * 1.5 };
}

/** One draw, ms (≥ 0); `random` returns [0, 1) like Math.random. */
export function drawThink(t: ThinkTime, random: () => number = Math.random): number {
  if (t.distribution === "uniform") return t.minMs + (t.maxMs - t.minMs) * random();
  if (t.distribution === "exponential") return -t.meanMs * Math.log(1 - random());
  // Box–Muller; 1 - u keeps the log finite.
  const u = 1 - random();
  const v = random();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return Math.max(0, t.meanMs + t.stddevMs * z);
}

/** A clear error for a distribution that cannot be drawn from, or null. */
export function thinkProblem(t: ThinkTime): string | null {
  const ok = (n: number) => typeof n === "number" && Number.isFinite(n) && n >= 0;
  if (t.distribution === "uniform") {
    if (!ok(t.minMs) || !ok(t.maxMs) || t.maxMs < t.minMs) return "uniform needs 0 ≤ min ≤ max";
  } else if (t.distribution === "normal") {
    if (!ok(t.meanMs) || !ok(t.stddevMs)) return "normal needs a mean and a standard deviation ≥ 0";
  } else if (t.distribution === "exponential") {
    if (!ok(t.meanMs) || t.meanMs === 0) return "exponential needs a mean > 0";
  } else
    return `distribution "${String((t as { distribution: unknown }).distribution)}" is not uniform, normal or exponential`;
  return null;
}
