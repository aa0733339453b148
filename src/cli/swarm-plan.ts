/**
 * From the command line's flags and the bot module's `options` to what runs: the scenarios (one
 * when the module declares none), each with its script, load shape, connection options, data rows
 * and tags; the thresholds; the environment. Flags win over options. The main thread and every
 * worker thread plan the same way from the same inputs, so they run the same test.
 */
import { dirname, resolve } from "node:path";
import {
  type BotScript,
  byWeight,
  DataFileError,
  type DataRows,
  type LiveStats,
  loadData,
  parseThreshold,
  runScenarios,
  runSwarm,
  type ScenarioOptions,
  type ShapeOptions,
  type Shard,
  type SwarmMetrics,
  type SwarmOptions,
  type SwarmResult,
  type TestOptions,
  type Threshold,
  ThresholdSyntaxError,
} from "../bots/index.js";
import { parseShard, parseThresholdFlags, UsageError } from "./args.js";
import { type BotModule, BotScriptError, defaultScript, loadBotModule } from "./load-script.js";
import {
  OptionsError,
  optionMs,
  type ResolvedShape,
  resolveShape,
  thresholdEntries,
  validateOptions,
} from "./swarm-options.js";

/** The flags as given (undefined: not given, so the module's options or the default hold). */
export interface SwarmFlags {
  readonly scriptPath: string;
  /** --manifest: the RPC manifest file Godot 4 bots load. */
  readonly manifest?: string | undefined;
  readonly url?: string | undefined;
  readonly bots?: number | undefined;
  readonly rampPerSec?: number | undefined;
  readonly arrivalPerSec?: number | undefined;
  readonly durationMs?: number | undefined;
  readonly thinkMs?: number | undefined;
  readonly workers?: number | undefined;
  readonly shard?: Shard | undefined;
  readonly json?: string | undefined;
  readonly junit?: string | undefined;
  readonly html?: string | undefined;
  readonly thresholds?: readonly string[] | undefined;
  readonly allowErrors?: boolean | undefined;
  readonly env: Readonly<Record<string, string>>;
  /** --metrics-port, --metrics-host, --metrics-linger: live metrics for Prometheus. */
  readonly metricsPort?: number | undefined;
  readonly metricsHost?: string | undefined;
  readonly metricsLingerMs?: number | undefined;
}

/** A threshold that stops the run when it breaks (k6's abortOnFail), judged after `delayMs`. */
export interface AbortRule {
  readonly threshold: Threshold;
  readonly delayMs: number;
}

export interface PlannedScenario {
  readonly name: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly script: BotScript;
  readonly shape: ResolvedShape;
  readonly rows?: DataRows | undefined;
  /** The data file's absolute path (worker threads get its rows shared under it). */
  readonly dataPath?: string | undefined;
}

export interface RunPlan {
  readonly url: string | undefined;
  readonly workers: number;
  readonly shard: Shard;
  readonly json: string | undefined;
  readonly junit: string | undefined;
  readonly html: string | undefined;
  readonly allowErrors: boolean;
  readonly thresholds: Threshold[];
  readonly aborts: AbortRule[];
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Declared by the module (a split result), or the one implicit scenario. */
  readonly split: boolean;
  readonly scenarios: readonly PlannedScenario[];
  /** The longest scenario's time. */
  readonly durationMs: number;
  /** Live metrics for Prometheus (absent: none served). */
  readonly metrics?: { readonly port: number; readonly host?: string | undefined; readonly lingerMs: number };
}

const MODEL_KEYS = ["ramp", "arrivalRate", "stages", "arrivalStages"] as const;

function hasModel(o: ShapeOptions): boolean {
  return MODEL_KEYS.some((k) => o[k] !== undefined);
}

function without<T extends object>(o: T, keys: readonly string[]): T {
  const out = { ...o } as Record<string, unknown>;
  for (const k of keys) delete out[k];
  return out as T;
}

/** The module's options with the flags over them. */
function withFlags(o: TestOptions, f: SwarmFlags): TestOptions {
  let out: TestOptions = { ...o };
  if (f.rampPerSec !== undefined || f.arrivalPerSec !== undefined) {
    // A model on the command line replaces the module's.
    out = without(out, MODEL_KEYS);
    if (f.rampPerSec !== undefined) out = { ...out, ramp: f.rampPerSec };
    if (f.arrivalPerSec !== undefined) out = { ...out, arrivalRate: f.arrivalPerSec };
  }
  if (f.durationMs !== undefined) {
    if (out.stages !== undefined || out.arrivalStages !== undefined) {
      throw new UsageError("--duration: the module's options.stages already set the run's length (drop one)");
    }
    out = { ...out, duration: f.durationMs };
  }
  if (f.bots !== undefined) out = { ...out, bots: f.bots };
  if (f.thinkMs !== undefined) out = { ...out, think: f.thinkMs };
  return out;
}

function parseOptionThresholds(o: TestOptions): { all: Threshold[]; aborts: AbortRule[] } {
  const all: Threshold[] = [];
  const aborts: AbortRule[] = [];
  for (const e of thresholdEntries(o.thresholds)) {
    let t: Threshold;
    try {
      t = parseThreshold(e.expr);
    } catch (err) {
      if (err instanceof ThresholdSyntaxError) throw new OptionsError(`options.thresholds: ${err.message}`);
      throw err;
    }
    all.push(t);
    if (e.abortOnFail) aborts.push({ threshold: t, delayMs: e.delayAbortMs });
  }
  return { all, aborts };
}

/** Plans the run. Throws UsageError, OptionsError, BotScriptError or DataFileError, each naming the problem. */
export async function planRun(
  flags: SwarmFlags,
  module: BotModule,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunPlan> {
  const raw = module.options === undefined ? {} : validateOptions(module.options);
  const o = withFlags(raw, flags);
  const here = dirname(resolve(module.path));
  const rowsOf = (shape: ResolvedShape, at: string) => {
    if (!shape.data) return undefined;
    try {
      return loadData(resolve(here, shape.data.file));
    } catch (err) {
      if (err instanceof DataFileError) throw new OptionsError(`${at}.data: ${err.message}`);
      throw err;
    }
  };
  const scenarios: PlannedScenario[] = [];
  const split = o.scenarios !== undefined;
  const flagsOver = (s: ScenarioOptions): ScenarioOptions => {
    let out = s;
    if (flags.durationMs !== undefined && out.stages === undefined && out.arrivalStages === undefined) {
      out = { ...out, duration: flags.durationMs };
    }
    if (flags.thinkMs !== undefined) out = { ...out, think: flags.thinkMs };
    return out;
  };
  if (o.scenarios === undefined) {
    const shape = resolveShape(o, "options");
    scenarios.push({
      name: "default",
      script: defaultScript(module),
      shape,
      rows: rowsOf(shape, "options"),
      dataPath: shape.data && resolve(here, shape.data.file),
    });
  } else {
    const top = without(o, [
      "scenarios",
      "thresholds",
      "env",
      "url",
      "workers",
      "shard",
      "json",
      "junit",
      "html",
      "allowErrors",
      "metricsPort",
      "metricsHost",
      "metricsLinger",
    ]);
    const entries = Object.entries(o.scenarios);
    // Scenarios without their own load share the test's by weight (default 1 each).
    const open = o.arrivalRate !== undefined;
    const sharing = entries.filter(
      ([, s]) =>
        (open
          ? s.arrivalRate === undefined && s.arrivalStages === undefined
          : s.bots === undefined && s.stages === undefined) && !hasModel(s),
    );
    const topBots = resolveShape(top, "options").bots;
    const shares = byWeight(
      topBots,
      sharing.map(([, s]) => s.weight ?? 1),
    );
    const weightSum = sharing.reduce((n, [, s]) => n + (s.weight ?? 1), 0);
    for (const [name, s] of entries) {
      const at = `options.scenarios.${name}`;
      let merged: ScenarioOptions = { ...(hasModel(s) ? without(top, MODEL_KEYS) : top), ...s };
      const k = sharing.findIndex(([n]) => n === name);
      if (k >= 0) {
        if (open)
          merged = {
            ...merged,
            arrivalRate: (resolveShape(top, "options").arrivalPerSec ?? 0) * ((s.weight ?? 1) / weightSum),
          };
        else merged = { ...merged, bots: shares[k] as number };
      }
      merged = flagsOver(merged);
      let script: BotScript;
      if (s.exec !== undefined) {
        const fn = module.exports[s.exec];
        if (typeof fn !== "function") {
          const fns = Object.entries(module.exports)
            .filter(([, v]) => typeof v === "function")
            .map(([n]) => n);
          throw new OptionsError(
            `${at}.exec: ${module.path} has no function export "${s.exec}" (its functions: ${fns.join(", ") || "none"})`,
          );
        }
        script = fn as BotScript;
      } else if (s.script !== undefined) {
        script = defaultScript(await loadBotModule(resolve(here, s.script)));
      } else script = defaultScript(module);
      const shape = resolveShape(merged, at);
      scenarios.push({
        name,
        tags: s.tags,
        script,
        shape,
        rows: rowsOf(shape, at),
        dataPath: shape.data && resolve(here, shape.data.file),
      });
    }
  }
  const fromOptions = parseOptionThresholds(o);
  const thresholds = flags.thresholds !== undefined ? parseThresholdFlags(flags.thresholds) : fromOptions.all;
  let shard = flags.shard;
  if (shard === undefined && o.shard !== undefined) {
    try {
      shard = parseShard(o.shard, env);
    } catch (err) {
      if (err instanceof UsageError)
        throw new OptionsError(`options.shard: ${err.message.replace(/^--shard: /, "")}`);
      throw err;
    }
  }
  return {
    url: flags.url ?? o.url,
    workers: flags.workers ?? o.workers ?? 1,
    shard: shard ?? { index: 0, count: 1 },
    json: flags.json ?? o.json,
    junit: flags.junit ?? o.junit,
    html: flags.html ?? o.html,
    allowErrors: flags.allowErrors ?? o.allowErrors ?? false,
    thresholds,
    aborts: flags.thresholds !== undefined ? [] : fromOptions.aborts,
    env: { ...(o.env ?? {}), ...env, ...flags.env },
    split,
    scenarios,
    durationMs: Math.max(...scenarios.map((s) => s.shape.durationMs)),
    ...metricsOf(flags, o),
  };
}

/** Live metrics from the flags over the options (a host or linger alone serves nothing). */
function metricsOf(flags: SwarmFlags, o: TestOptions): Pick<RunPlan, "metrics"> {
  const port = flags.metricsPort ?? o.metricsPort;
  if (port === undefined) return {};
  const lingerMs =
    flags.metricsLingerMs ??
    (o.metricsLinger !== undefined ? optionMs(o.metricsLinger, "options.metricsLinger", { zero: true }) : 0);
  return { metrics: { port, host: flags.metricsHost ?? o.metricsHost, lingerMs } };
}

/** A scenario as the runner takes it. */
export function swarmOptionsOf(
  s: PlannedScenario,
  plan: RunPlan,
  url: string,
): Omit<SwarmOptions, "shard" | "signal" | "onMetrics" | "config" | "threads"> {
  const sh = s.shape;
  return {
    url,
    script: s.script,
    bots: sh.bots,
    rampPerSec: sh.rampPerSec,
    arrivalPerSec: sh.arrivalPerSec,
    arrivalStages: sh.arrivalStages,
    durationMs: sh.durationMs,
    stages: sh.stages,
    iterations: sh.iterations,
    reuseConnection: sh.reuseConnection,
    think: sh.think,
    connect: sh.connect,
    env: plan.env,
    ...(s.rows && sh.data ? { data: { rows: s.rows, order: sh.data.order } } : {}),
  };
}

/** Live numbers, summed over worker threads. */
export function sumLive(parts: readonly LiveStats[]): LiveStats {
  return {
    elapsedMs: Math.max(0, ...parts.map((p) => p.elapsedMs)),
    started: parts.reduce((n, p) => n + p.started, 0),
    connected: parts.reduce((n, p) => n + p.connected, 0),
    failed: parts.reduce((n, p) => n + p.failed, 0),
    rps: parts.reduce((n, p) => n + p.rps, 0),
    msgsPerSec: parts.reduce((n, p) => n + p.msgsPerSec, 0),
    // The worst thread's p99 (an exact swarm p99 needs the histograms: the summary has it).
    p99Ms: parts.reduce(
      (worst, p) => (Number.isNaN(p.p99Ms) || p.p99Ms <= worst ? worst : p.p99Ms),
      Number.NaN,
    ),
    errors: parts.reduce((n, p) => n + p.errors, 0),
    topError: parts.reduce<LiveStats["topError"]>(
      (best, p) => (p.topError && (!best || p.topError.count > best.count) ? p.topError : best),
      undefined,
    ),
    saturated: parts.some((p) => p.saturated),
  };
}

/** Runs a plan's scenarios in this thread (the only one, or a worker). */
export async function runPlanHere(
  plan: RunPlan,
  url: string,
  run: {
    readonly shard: RunPlan["shard"];
    readonly config: SwarmResult["config"];
    readonly signal: AbortSignal;
    readonly threads?: number;
    readonly botOptions?: SwarmOptions["botOptions"];
    readonly onMetrics: (name: string, m: SwarmMetrics) => void;
  },
): Promise<SwarmResult> {
  if (!plan.split) {
    const only = plan.scenarios[0] as RunPlan["scenarios"][number];
    return runSwarm({
      ...swarmOptionsOf(only, plan, url),
      ...(run.botOptions ? { botOptions: run.botOptions } : {}),
      shard: run.shard,
      config: run.config,
      signal: run.signal,
      ...(run.threads !== undefined ? { threads: run.threads } : {}),
      onMetrics: (m) => run.onMetrics(only.name, m),
    });
  }
  return runScenarios(
    plan.scenarios.map((s) => ({
      name: s.name,
      ...(s.tags ? { tags: s.tags } : {}),
      options: { ...swarmOptionsOf(s, plan, url), ...(run.botOptions ? { botOptions: run.botOptions } : {}) },
    })),
    {
      shard: run.shard,
      config: run.config,
      signal: run.signal,
      ...(run.threads !== undefined ? { threads: run.threads } : {}),
      onMetrics: run.onMetrics,
    },
  );
}

export { BotScriptError, OptionsError };
