/**
 * A bot module's `export const options` (TestOptions), checked key by key before the run: an
 * unknown key, a wrong type or a bad value is an OptionsError naming the key (`options.stages[1].target`),
 * with the closest known key for a typo. Flags win over options; this file turns both into ms and
 * per-second numbers the runner takes.
 */
import type {
  BotConnect,
  DataOrder,
  ScenarioOptions,
  ShapeOptions,
  Stage,
  TestOptions,
  ThinkTime,
} from "../bots/index.js";
import { thinkAround, thinkProblem } from "../bots/index.js";
import { DurationSyntaxError, durationMs } from "./durations.js";
import { closest } from "./suggest.js";

/** A bad `options` export: printed as a usage error (exit 2), naming the key. */
export class OptionsError extends Error {
  override readonly name = "OptionsError";
}

type Json = unknown;
const isRecord = (v: Json): v is Record<string, Json> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const SHAPE_KEYS = [
  "bots",
  "ramp",
  "duration",
  "arrivalRate",
  "stages",
  "arrivalStages",
  "iterations",
  "reuseConnection",
  "think",
  "connect",
  "data",
] as const;
const TEST_KEYS = [
  ...SHAPE_KEYS,
  "url",
  "workers",
  "shard",
  "thresholds",
  "json",
  "junit",
  "html",
  "allowErrors",
  "env",
  "scenarios",
  "metricsPort",
  "metricsHost",
  "metricsLinger",
] as const;
const SCENARIO_KEYS = [...SHAPE_KEYS, "exec", "script", "weight", "tags"] as const;
const DATA_ORDERS: readonly DataOrder[] = ["index", "round-robin", "random", "unique"];

function fail(at: string, message: string): never {
  throw new OptionsError(`${at}: ${message}`);
}

function keysOf(v: Record<string, Json>, known: readonly string[], at: string): void {
  for (const k of Object.keys(v)) {
    if (!known.includes(k)) {
      const near = closest(k, known);
      fail(
        `${at}.${k}`,
        `unknown option${near ? `; did you mean "${near}"?` : ` (known: ${known.join(", ")})`}`,
      );
    }
  }
}

/** "30s", "1m30s", "250ms", or a number of ms (> 0). */
export function optionMs(v: Json, at: string, { zero = false } = {}): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0 || (v === 0 && !zero)) fail(at, `${v} is not a duration in ms > 0`);
    return v;
  }
  if (typeof v !== "string") return fail(at, `a duration ("30s", "250ms") or a number of ms expected`);
  if (zero && /^\s*0\s*(ms|s|m|h)?\s*$/.test(v)) return 0;
  try {
    return durationMs(v);
  } catch (err) {
    if (err instanceof DurationSyntaxError) fail(at, err.message);
    throw err;
  }
}

/** "50/s", "300/m", or a number per second (> 0). */
export function optionRate(v: Json, at: string): number {
  if (typeof v === "number") {
    if (!(Number.isFinite(v) && v > 0)) fail(at, `${v} is not a rate > 0 per second`);
    return v;
  }
  const m = typeof v === "string" ? /^(\d+(?:\.\d+)?)(?:\/(s|m))?$/.exec(v.trim()) : null;
  if (!m) return fail(at, `${JSON.stringify(v)} is not a rate (50/s, 300/m or a number per second)`);
  const perSec = Number(m[1]) / (m[2] === "m" ? 60 : 1);
  if (!(perSec > 0)) fail(at, "must be more than zero");
  return perSec;
}

function whole(v: Json, at: string, min: number, max = 10_000_000): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(at, `${JSON.stringify(v)} is not a whole number from ${min} to ${max}`);
  }
  return v;
}

function str(v: Json, at: string): string {
  if (typeof v !== "string" || v === "") fail(at, "a non-empty string expected");
  return v;
}

function stages(v: Json, at: string): Stage[] {
  if (!Array.isArray(v) || v.length === 0) fail(at, "a non-empty array of { duration, target } expected");
  return v.map((s, i) => {
    const here = `${at}[${i}]`;
    if (!isRecord(s)) fail(here, "{ duration, target } expected");
    keysOf(s, ["duration", "target"], here);
    const target = s.target;
    if (typeof target !== "number" || !Number.isFinite(target) || target < 0) {
      fail(`${here}.target`, `${JSON.stringify(target)} is not a number ≥ 0`);
    }
    return { durationMs: optionMs(s.duration, `${here}.duration`), target };
  });
}

export function thinkOption(v: Json, at: string): ThinkTime {
  if (typeof v === "string" || typeof v === "number") return thinkAround(optionMs(v, at));
  if (!isRecord(v))
    return fail(at, 'a duration or { distribution: "uniform" | "normal" | "exponential", … } expected');
  const d = v.distribution;
  let t: ThinkTime;
  if (d === "uniform") {
    keysOf(v, ["distribution", "min", "max"], at);
    t = {
      distribution: d,
      minMs: optionMs(v.min, `${at}.min`, { zero: true }),
      maxMs: optionMs(v.max, `${at}.max`),
    };
  } else if (d === "normal") {
    keysOf(v, ["distribution", "mean", "stddev"], at);
    t = {
      distribution: d,
      meanMs: optionMs(v.mean, `${at}.mean`),
      stddevMs: optionMs(v.stddev, `${at}.stddev`, { zero: true }),
    };
  } else if (d === "exponential") {
    keysOf(v, ["distribution", "mean"], at);
    t = { distribution: d, meanMs: optionMs(v.mean, `${at}.mean`) };
  } else return fail(`${at}.distribution`, `${JSON.stringify(d)} is not uniform, normal or exponential`);
  const problem = thinkProblem(t);
  if (problem) fail(at, problem);
  return t;
}

/** The keys Bot.connect takes that we can check; an engine's own (auth, …) pass through as given. */
const CONNECT_TYPES: Record<string, "string" | "number" | "boolean" | "strings" | "engine" | "pem"> = {
  url: "string",
  protocols: "strings",
  customHeaders: "strings",
  joinTimeoutMs: "number",
  heartbeatIntervalMs: "number",
  heartbeatTimeoutMs: "number",
  connectTimeoutMs: "number",
  closeTimeoutMs: "number",
  verifySsl: "boolean",
  trustedSslCertificate: "pem",
  ca: "pem",
  tlsServerName: "string",
  godot: "engine",
};

function connectOption(v: Json, at: string): BotConnect {
  if (typeof v === "function") return v as BotConnect;
  if (!isRecord(v))
    return fail(at, "Bot.connect's options, or a function of the bot returning them, expected");
  for (const [k, x] of Object.entries(v)) {
    const type = CONNECT_TYPES[k];
    const here = `${at}.${k}`;
    if (k === "signal") fail(here, "the runner owns each bot's signal");
    if (type === undefined || x === undefined) continue;
    if (type === "strings") {
      if (!Array.isArray(x) || x.some((s) => typeof s !== "string"))
        fail(here, "an array of strings expected");
    } else if (type === "engine") {
      if (x !== 3 && x !== 4) fail(here, `${JSON.stringify(x)} is not 3 or 4`);
    } else if (type === "pem") {
      const one = (p: Json) => typeof p === "string" || p instanceof Uint8Array;
      if (!(x === null || one(x) || (Array.isArray(x) && x.every(one))))
        fail(here, "PEM text or bytes expected");
    } else if (typeof x !== type || (type === "number" && !(Number.isFinite(x) && (x as number) >= 0))) {
      fail(here, `a ${type} expected, got ${JSON.stringify(x)}`);
    }
    if (k === "url" && !/^wss?:\/\/./.test(x as string))
      fail(here, `"${String(x)}" is not a ws:// or wss:// URL`);
  }
  return v as BotConnect;
}

function shapeChecks(v: Record<string, Json>, at: string): void {
  if (v.bots !== undefined) whole(v.bots, `${at}.bots`, 0);
  if (v.ramp !== undefined) optionRate(v.ramp, `${at}.ramp`);
  if (v.duration !== undefined) optionMs(v.duration, `${at}.duration`);
  if (v.arrivalRate !== undefined) optionRate(v.arrivalRate, `${at}.arrivalRate`);
  if (v.stages !== undefined) stages(v.stages, `${at}.stages`);
  if (v.arrivalStages !== undefined) stages(v.arrivalStages, `${at}.arrivalStages`);
  if (v.iterations !== undefined) whole(v.iterations, `${at}.iterations`, 1);
  if (v.reuseConnection !== undefined && typeof v.reuseConnection !== "boolean") {
    fail(`${at}.reuseConnection`, "true or false expected");
  }
  if (v.think !== undefined) thinkOption(v.think, `${at}.think`);
  if (v.connect !== undefined) connectOption(v.connect, `${at}.connect`);
  if (v.data !== undefined) {
    const d = v.data;
    if (isRecord(d)) {
      keysOf(d, ["file", "order"], `${at}.data`);
      str(d.file, `${at}.data.file`);
      if (d.order !== undefined && !DATA_ORDERS.includes(d.order as DataOrder)) {
        fail(`${at}.data.order`, `${JSON.stringify(d.order)} is not ${DATA_ORDERS.join(", ")}`);
      }
    } else str(d, `${at}.data`);
  }
  const models = ["ramp", "arrivalRate", "stages", "arrivalStages"].filter((k) => v[k] !== undefined);
  if (models.includes("arrivalRate") && models.includes("arrivalStages")) {
    fail(at, "arrivalRate (a constant rate) and arrivalStages (a changing one) exclude each other");
  }
  if (models.includes("ramp") && (models.includes("arrivalRate") || models.includes("arrivalStages"))) {
    fail(at, "ramp (closed model) and arrivalRate / arrivalStages (open model) exclude each other");
  }
  if (models.includes("stages") && models.includes("ramp")) fail(at, "stages already ramp: drop ramp");
}

function thresholdsCheck(v: Json, at: string): void {
  const entry = (e: Json, here: string) => {
    if (typeof e === "string") return;
    if (!isRecord(e))
      fail(here, "a threshold expression or { threshold, abortOnFail, delayAbortEval } expected");
    keysOf(e, ["threshold", "abortOnFail", "delayAbortEval"], here);
    str(e.threshold, `${here}.threshold`);
    if (e.abortOnFail !== undefined && typeof e.abortOnFail !== "boolean")
      fail(`${here}.abortOnFail`, "true or false expected");
    if (e.delayAbortEval !== undefined) optionMs(e.delayAbortEval, `${here}.delayAbortEval`, { zero: true });
  };
  if (Array.isArray(v)) {
    for (const [i, e] of v.entries()) entry(e, `${at}[${i}]`);
  } else if (isRecord(v)) {
    for (const [metric, list] of Object.entries(v)) {
      if (!Array.isArray(list))
        fail(`${at}["${metric}"]`, 'an array of conditions expected, e.g. ["p(95)<50ms"]');
      for (const [i, e] of list.entries()) entry(e, `${at}["${metric}"][${i}]`);
    }
  } else fail(at, "an array of expressions or a record of metric → conditions expected");
}

/** Checks a module's `options` export; returns it typed. */
export function validateOptions(v: Json, at = "options"): TestOptions {
  if (!isRecord(v)) fail(at, "an object expected");
  keysOf(v, TEST_KEYS, at);
  shapeChecks(v, at);
  if (v.url !== undefined && !/^wss?:\/\/./.test(str(v.url, `${at}.url`))) {
    fail(`${at}.url`, `"${String(v.url)}" is not a ws:// or wss:// URL`);
  }
  if (v.workers !== undefined) whole(v.workers, `${at}.workers`, 1, 256);
  if (v.shard !== undefined) str(v.shard, `${at}.shard`);
  for (const k of ["json", "junit", "html"] as const) if (v[k] !== undefined) str(v[k], `${at}.${k}`);
  if (v.allowErrors !== undefined && typeof v.allowErrors !== "boolean")
    fail(`${at}.allowErrors`, "true or false expected");
  if (v.thresholds !== undefined) thresholdsCheck(v.thresholds, `${at}.thresholds`);
  if (v.metricsPort !== undefined) whole(v.metricsPort, `${at}.metricsPort`, 0, 65535);
  if (v.metricsHost !== undefined) str(v.metricsHost, `${at}.metricsHost`);
  if (v.metricsLinger !== undefined) optionMs(v.metricsLinger, `${at}.metricsLinger`, { zero: true });
  if (v.env !== undefined) {
    if (!isRecord(v.env)) fail(`${at}.env`, "a record of strings expected");
    for (const [k, x] of Object.entries(v.env))
      if (typeof x !== "string") fail(`${at}.env.${k}`, "a string expected");
  }
  if (v.scenarios !== undefined) {
    if (!isRecord(v.scenarios) || Object.keys(v.scenarios).length === 0) {
      fail(`${at}.scenarios`, "a record of scenario name → its options expected");
    }
    for (const [name, sc] of Object.entries(v.scenarios)) {
      const here = `${at}.scenarios.${name}`;
      if (!/^[A-Za-z_][\w-]*$/.test(name)) fail(here, "a scenario name is letters, digits, _ and -");
      if (!isRecord(sc)) fail(here, "its options expected");
      keysOf(sc, SCENARIO_KEYS, here);
      shapeChecks(sc, here);
      if (sc.exec !== undefined) str(sc.exec, `${here}.exec`);
      if (sc.script !== undefined) str(sc.script, `${here}.script`);
      if (sc.exec !== undefined && sc.script !== undefined)
        fail(here, "exec (an export here) or script (another file), not both");
      if (
        sc.weight !== undefined &&
        !(typeof sc.weight === "number" && sc.weight > 0 && Number.isFinite(sc.weight))
      ) {
        fail(`${here}.weight`, "a number > 0 expected");
      }
      if (sc.tags !== undefined) {
        if (!isRecord(sc.tags)) fail(`${here}.tags`, "a record of strings expected");
        for (const [k, x] of Object.entries(sc.tags)) {
          if (typeof x !== "string") fail(`${here}.tags.${k}`, "a string expected");
          if (k === "scenario") fail(`${here}.tags.scenario`, "the scenario tag is its name");
        }
      }
    }
  }
  return v as TestOptions;
}

/** The thresholds of options as expressions, k6's record form spelled out (`rtt` + `p(95)<50ms`). */
export function thresholdEntries(
  t: TestOptions["thresholds"],
): { expr: string; abortOnFail: boolean; delayAbortMs: number }[] {
  if (t === undefined) return [];
  const one = (
    e: string | { threshold: string; abortOnFail?: boolean; delayAbortEval?: string | number },
    metric?: string,
  ) => {
    const text = typeof e === "string" ? e : e.threshold;
    const expr = metric === undefined ? text : `${metric}.${text.trim()}`;
    return {
      expr,
      abortOnFail: typeof e === "string" ? false : (e.abortOnFail ?? false),
      delayAbortMs:
        typeof e === "string" || e.delayAbortEval === undefined
          ? 0
          : optionMs(e.delayAbortEval, expr, { zero: true }),
    };
  };
  if (Array.isArray(t)) return t.map((e) => one(e));
  return Object.entries(t as Record<string, readonly (string | { threshold: string })[]>).flatMap(
    ([m, list]) => list.map((e) => one(e, m)),
  );
}

/** The runner's numbers of a shape (a scenario's over the test's). */
export interface ResolvedShape {
  readonly bots: number;
  readonly rampPerSec?: number | undefined;
  readonly arrivalPerSec?: number | undefined;
  readonly arrivalStages?: Stage[] | undefined;
  readonly durationMs: number;
  readonly stages?: Stage[] | undefined;
  readonly iterations?: number | undefined;
  readonly reuseConnection?: boolean | undefined;
  readonly think?: ThinkTime | undefined;
  readonly connect?: BotConnect | undefined;
  readonly data?: { readonly file: string; readonly order: DataOrder } | undefined;
}

export function resolveShape(o: ShapeOptions | ScenarioOptions, at: string): ResolvedShape {
  const st = o.stages !== undefined ? stages(o.stages, `${at}.stages`) : undefined;
  const ast = o.arrivalStages !== undefined ? stages(o.arrivalStages, `${at}.arrivalStages`) : undefined;
  const total = (s: Stage[]) => s.reduce((n, x) => n + x.durationMs, 0);
  const durationMs = st
    ? total(st)
    : ast
      ? total(ast)
      : o.duration !== undefined
        ? optionMs(o.duration, `${at}.duration`)
        : 30_000;
  return {
    bots: o.bots ?? (st ? Math.max(...st.map((s) => s.target)) : 10),
    rampPerSec: o.ramp !== undefined ? optionRate(o.ramp, `${at}.ramp`) : undefined,
    arrivalPerSec: o.arrivalRate !== undefined ? optionRate(o.arrivalRate, `${at}.arrivalRate`) : undefined,
    arrivalStages: ast,
    durationMs,
    stages: st,
    iterations: o.iterations,
    reuseConnection: o.reuseConnection,
    think: o.think !== undefined ? thinkOption(o.think, `${at}.think`) : undefined,
    connect: o.connect,
    data:
      o.data === undefined
        ? undefined
        : typeof o.data === "string"
          ? { file: o.data, order: "index" }
          : { file: o.data.file, order: o.data.order ?? "index" },
  };
}

/** `--env KEY=VAL` flags into a record (a bad one names itself). */
export function parseEnvFlags(list: readonly string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list ?? []) {
    const at = e.indexOf("=");
    if (at <= 0) throw new OptionsError(`--env: "${e}" is not KEY=VALUE`);
    out[e.slice(0, at)] = e.slice(at + 1);
  }
  return out;
}
