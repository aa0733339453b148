/** Parsing of the command line's values: durations, rates, counts, shards, thresholds. Errors are UsageErrors. */
import {
  type CustomMetricLookup,
  parseThreshold,
  parseThresholdWith,
  type Threshold,
  ThresholdSyntaxError,
} from "../bots/thresholds.js";
import { DurationSyntaxError, durationMs } from "./durations.js";

/** A bad command line: printed with the usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** "60s", "1.5m", "250ms", "2h", "1m30s" → milliseconds (see durations.ts; a bare number is refused). */
export function parseDuration(text: string, flag: string): number {
  try {
    return durationMs(text);
  } catch (err) {
    if (err instanceof DurationSyntaxError) throw new UsageError(`${flag}: ${err.message}`);
    throw err;
  }
}

/** "50/s", "50", "300/m" → per second. */
export function parseRate(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag}: "${text}" is not a rate (e.g. 50/s, 300/m)`);
  const perSec = Number(m[1]) / (m[2] === "m" ? 60 : 1);
  if (!(perSec > 0)) throw new UsageError(`${flag}: "${text}" must be more than zero`);
  return perSec;
}

export function parseCount(text: string, flag: string, { min = 1, max = 10_000_000 } = {}): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag}: "${text}" is not a whole number`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag}: ${n} is not between ${min} and ${max}`);
  return n;
}

/**
 * "i/n" (0-based i), or "auto/n": i from $JOB_COMPLETION_INDEX, the index a Kubernetes Indexed Job
 * gives each pod.
 */
export function parseShard(
  text: string,
  env: NodeJS.ProcessEnv = process.env,
): { index: number; count: number } {
  const m = /^(\d+|auto)\/(\d+)$/.exec(text.trim());
  if (!m) throw new UsageError(`--shard: "${text}" is not i/n (e.g. 0/4) or auto/n`);
  const count = Number(m[2]);
  let indexText = m[1] as string;
  if (indexText === "auto") {
    const fromEnv = env.JOB_COMPLETION_INDEX;
    if (fromEnv === undefined || !/^\d+$/.test(fromEnv)) {
      throw new UsageError("--shard auto/n needs $JOB_COMPLETION_INDEX (set by a Kubernetes Indexed Job)");
    }
    indexText = fromEnv;
  }
  const index = Number(indexText);
  if (count < 1 || index >= count) throw new UsageError(`--shard: index ${index} is not in 0..${count - 1}`);
  return { index, count };
}

/**
 * Every --threshold, parsed; a bad one (syntax, or a metric no run can have) is a usage error.
 * Custom metrics: those the loaded script declared, or `custom`'s (a merge's results).
 */
export function parseThresholdFlags(
  exprs: readonly string[] | undefined,
  custom?: CustomMetricLookup,
): Threshold[] {
  return (exprs ?? []).map((expr) => {
    try {
      return custom ? parseThresholdWith(expr, custom) : parseThreshold(expr);
    } catch (err) {
      if (err instanceof ThresholdSyntaxError) throw new UsageError(`--threshold: ${err.message}`);
      throw err;
    }
  });
}
