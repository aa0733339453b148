/**
 * `godot-peer swarm <bot-script>`: runs a swarm of scripted bots against a Godot server (or the
 * embedded example game), shows live progress, prints a summary, writes reports and judges
 * thresholds. Exit codes (EXIT): 0 pass, 1 a threshold broke or bots failed, 2 usage error, 3 the
 * run could not happen, 4 the runner itself failed, 130 / 143 interrupted by SIGINT / SIGTERM.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  type LiveStats,
  loadManifest,
  type SharedData,
  type SwarmMetrics,
  type SwarmResult,
  shareData,
} from "../bots/index.js";
import { mergeResults } from "../bots/merge.js";
import { checkReportPaths, summaryTable, writeReports } from "../bots/report/index.js";
import {
  evaluateThresholds,
  judgeRun,
  metricsHelp,
  thresholdMethods,
  UnknownMetricError,
} from "../bots/thresholds.js";
import { ExampleGame, ExampleGame4, game4Manifest } from "../server/index.js";
import { parseCount, parseDuration, parseRate, parseShard, UsageError } from "./args.js";
import { familiesOfParts, type MetricFamily } from "./live-metrics.js";
import { type BotModule, BotScriptError, loadBotModule } from "./load-script.js";
import { MetricsServer, MetricsServerError } from "./metrics-server.js";
import { explainUnknownOption } from "./suggest.js";
import { OptionsError, parseEnvFlags } from "./swarm-options.js";
import {
  type AbortRule,
  planRun,
  type RunPlan,
  runPlanHere,
  type SwarmFlags,
  sumLive,
} from "./swarm-plan.js";
import type { WorkerInput } from "./swarm-worker.js";

export const SWARM_USAGE = `Usage: godot-peer swarm <bot-script> [options]

Runs <bot-script> (a TypeScript or JavaScript module whose default export is
defineBot(async (bot, ctx) => …)) in many bots against one server. The module
may export \`options\` (stages, scenarios, iterations, connection options, data,
thresholds, …: see the README); a flag given here wins over its option.

Target:
  --url URL             ws:// or wss:// of the Godot server (default: start the
                        embedded Node server with the example game;
                        GODOT_PEER_EMBEDDED=godot4: its Godot 4 flavour)
Load (closed model: N bots for a duration):
  --bots N              bots in the swarm (default 10)
  --ramp R/s            bots started per second (default: all at once)
  --duration T          how long the run lasts, ramp included (default 30s; 250ms, 60s, 2m)
  --think T             mean think time handed to scripts as ctx.think() (default 0)
  --env KEY=VAL         a variable for ctx.env, over the process environment (repeatable)
  --manifest FILE       the game's RPC manifest (godot-peer manifest) for Godot 4
                        bots: every node's RPC names, checked against the server
Load (open model: arrivals at a fixed rate, whatever the server's speed):
  --arrival-rate A/s    new bots per second; each runs its script and leaves.
                        --bots is then the most alive at once (a generator guard)
Scale:
  --workers K           spread the bots over K worker threads (default 1)
  --shard i/n           run shard i (0-based) of n: every n-th bot, for n machines;
                        auto/n takes i from $JOB_COMPLETION_INDEX (Kubernetes Indexed Job)
Reports and CI:
  --json FILE           everything measured, histograms included (input of godot-peer merge)
  --junit FILE          JUnit XML, one test case per threshold
  --html FILE           one self-contained page with charts
  --threshold EXPR      e.g. 'rtt.p99<50ms', 'errors==0' (repeatable; metrics below)
  --allow-errors        bots that failed to join, errored or were disconnected do
                        not fail the run (they are still reported)
  --progress MODE       tty (a live line), plain (a line every 5 s), none; default: tty
                        when stdout is a terminal, plain otherwise
Live metrics (Prometheus):
  --metrics-port N      serve the run's metrics at http://HOST:N/metrics while it
                        runs (0: any free port; the address is printed on stderr)
  --metrics-host H      the address to listen on (default 0.0.0.0, every interface)
  --metrics-linger T    after the run, keep serving until a scrape has read the
                        final values, at most T (default 0: exit at once)
  -h, --help            this text

Exit codes: 0 pass, 1 bots failed or a threshold broke, 2 usage error, 3 no run,
4 runner failure, 130 / 143 interrupted by SIGINT / SIGTERM:
  1    a threshold broke, or bots failed to join, ended by an error, or were
       disconnected unexpectedly (--allow-errors lets the bots through)
  2    usage error, also what is found before the run: an unwritable report
       path, an unknown metric, a bad URL
  3    the run could not happen: the script did not load, no bot could connect
  4    the runner itself failed (every report written with what was measured)
  130  interrupted by SIGINT (Ctrl-C), 143 by SIGTERM: every report still written
Ctrl-C twice quits at once. When the time is up, bots get 2 s to finish and leave.
`;

/** What follows a usage error: a pointer to the options, not all of them. */
const SWARM_HINT = `Run "godot-peer swarm --help" for the options.\n`;
/** The exit codes of `godot-peer swarm`. */
export const EXIT = {
  PASS: 0,
  FAILED: 1,
  USAGE: 2,
  NO_RUN: 3,
  RUNNER_FAILED: 4,
  SIGINT: 130,
  SIGTERM: 143,
} as const;

interface SwarmArgs extends SwarmFlags {
  readonly progress: "tty" | "plain" | "none";
}

export function parseSwarmArgs(argv: readonly string[]): SwarmArgs | "help" {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        url: { type: "string" },
        bots: { type: "string" },
        ramp: { type: "string" },
        duration: { type: "string" },
        think: { type: "string" },
        env: { type: "string", multiple: true },
        manifest: { type: "string" },
        "arrival-rate": { type: "string" },
        workers: { type: "string" },
        shard: { type: "string" },
        json: { type: "string" },
        junit: { type: "string" },
        html: { type: "string" },
        threshold: { type: "string", multiple: true },
        "allow-errors": { type: "boolean" },
        progress: { type: "string" },
        "metrics-port": { type: "string" },
        "metrics-host": { type: "string" },
        "metrics-linger": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(explainUnknownOption((err as Error).message, SWARM_USAGE));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length !== 1) {
    throw new UsageError(
      parsed.positionals.length === 0
        ? "missing <bot-script>"
        : `one bot script expected, got ${parsed.positionals.join(" ")}`,
    );
  }
  if (v.url !== undefined) checkUrl(v.url);
  if (v.ramp !== undefined && v["arrival-rate"] !== undefined) {
    throw new UsageError("--ramp (closed model) and --arrival-rate (open model) exclude each other");
  }
  const progress = v.progress ?? (process.stdout.isTTY ? "tty" : "plain");
  if (progress !== "tty" && progress !== "plain" && progress !== "none") {
    throw new UsageError(`--progress: "${progress}" is not tty, plain or none`);
  }
  let env: Record<string, string>;
  try {
    env = parseEnvFlags(v.env);
  } catch (err) {
    if (err instanceof OptionsError) throw new UsageError(err.message);
    throw err;
  }
  return {
    scriptPath: parsed.positionals[0] as string,
    manifest: v.manifest,
    url: v.url,
    env,
    bots: v.bots !== undefined ? parseCount(v.bots, "--bots") : undefined,
    rampPerSec: v.ramp !== undefined ? parseRate(v.ramp, "--ramp") : undefined,
    arrivalPerSec:
      v["arrival-rate"] !== undefined ? parseRate(v["arrival-rate"], "--arrival-rate") : undefined,
    durationMs: v.duration !== undefined ? parseDuration(v.duration, "--duration") : undefined,
    thinkMs: v.think !== undefined ? parseDuration(v.think, "--think") : undefined,
    workers:
      v.workers !== undefined
        ? parseCount(v.workers, "--workers", { max: Math.max(64, cpus().length * 4) })
        : undefined,
    shard: v.shard !== undefined ? parseShard(v.shard) : undefined,
    json: v.json,
    junit: v.junit,
    html: v.html,
    thresholds: v.threshold,
    allowErrors: v["allow-errors"],
    progress,
    metricsPort:
      v["metrics-port"] !== undefined
        ? parseCount(v["metrics-port"], "--metrics-port", { min: 0, max: 65535 })
        : undefined,
    metricsHost: v["metrics-host"],
    metricsLingerMs:
      v["metrics-linger"] !== undefined ? parseDuration(v["metrics-linger"], "--metrics-linger") : undefined,
  };
}

/** A ws:// or wss:// URL with a host and, if given, a numeric port. */
function checkUrl(url: string): void {
  if (!/^wss?:\/\/./.test(url)) throw new UsageError(`--url: "${url}" is not a ws:// or wss:// URL`);
  const port = /^wss?:\/\/(?:\[[^\]]*\]|[^/:?#]*)(?::([^/?#]*))?/.exec(url)?.[1];
  if (port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new UsageError(`--url: "${url}": the port "${port}" is not a number`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--url: "${url}" is not a valid URL`);
  }
  if (!parsed.hostname) throw new UsageError(`--url: "${url}" has no host`);
  if (port !== undefined && Number(port) > 65535)
    throw new UsageError(`--url: "${url}": port ${port} > 65535`);
}

function fmt(n: number): string {
  return Number.isNaN(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

function progressLine(durationMs: number, s: LiveStats, mode: "tty" | "plain", swarmBots: number): string {
  const t = Math.min(1, s.elapsedMs / durationMs);
  const base =
    `connected ${fmt(s.connected)}/${fmt(swarmBots)}  ${fmt(s.rps)} rpc/s  ${fmt(s.msgsPerSec)} msg/s  ` +
    `p99 ${fmt(s.p99Ms)} ms  errors ${fmt(s.errors)}  failed ${fmt(s.failed)}` +
    (s.topError ? `  most: "${s.topError.message.slice(0, 60)}" ×${fmt(s.topError.count)}` : "") +
    (s.saturated ? "  ⚠ generator saturated: latencies suspect" : "");
  if (mode === "plain") return `t=${(s.elapsedMs / 1000).toFixed(0)}s ${base}`;
  const width = 20;
  const filled = Math.round(t * width);
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(t * 100).toFixed(0).padStart(3)}%  ${base}`;
}

/** The run as it stands (for abortOnFail): what each scenario measured so far, put together. */
function snapshotOf(plan: RunPlan, parts: ReadonlyMap<string, SwarmMetrics>): SwarmResult | null {
  const named = [...parts.entries()].map(([name, m]) => ({ name, result: m.snapshot() }));
  if (named.length === 0) return null;
  if (!plan.split) return (named[0] as { result: SwarmResult }).result;
  const all = mergeResults(
    named.map((n) => n.result),
    named.map((n) => n.name),
    { sameRun: true },
  );
  delete all.tags;
  all.scenarios = {};
  for (const n of named) {
    const tags = plan.scenarios.find((s) => s.name === n.name)?.tags;
    all.scenarios[n.name] = { ...n.result, ...(tags ? { tags: { ...tags } } : {}) };
  }
  return all;
}

/**
 * k6's abortOnFail: each second after its delay, a threshold is judged on the run so far; one
 * that broke stops the run ("threshold-abort: <expr>"). A metric without data yet does not.
 */
function abortWatch(
  aborts: readonly AbortRule[],
  snapshot: () => SwarmResult | null,
  stop: AbortController,
): () => void {
  if (aborts.length === 0) return () => undefined;
  const t0 = performance.now();
  const timer = setInterval(() => {
    const elapsed = performance.now() - t0;
    const due = aborts.filter((r) => elapsed >= r.delayMs);
    if (due.length === 0 || stop.signal.aborted) return;
    const now = snapshot();
    if (!now) return;
    let outcomes: ReturnType<typeof evaluateThresholds>;
    try {
      outcomes = evaluateThresholds(
        now,
        due.map((r) => r.threshold),
      );
    } catch {
      return;
    }
    const broke = outcomes.find((o) => !o.passed && o.actual !== null);
    if (broke) {
      process.stderr.write(
        `\nStopping: threshold ${broke.threshold.expr} broke (abortOnFail): ${broke.message}\n`,
      );
      stop.abort(`threshold-abort: ${broke.threshold.expr}`);
    }
  }, 1000);
  timer.unref();
  return () => clearInterval(timer);
}

async function runInWorkers(
  a: SwarmArgs,
  plan: RunPlan,
  url: string,
  config: SwarmResult["config"],
  stop: AbortController,
  onLive: (s: LiveStats) => void,
  metrics: MetricsServer | null,
): Promise<SwarmResult> {
  const entry = new URL(
    import.meta.url.endsWith(".ts") ? "./swarm-worker-entry.mjs" : "./swarm-worker.js",
    import.meta.url,
  );
  const live = new Map<number, LiveStats>();
  const snapshots = new Map<number, SwarmResult>();
  const lost: string[] = [];
  const { progress: _progress, ...flags } = a;
  const stopWatch = abortWatch(
    plan.aborts,
    () => (snapshots.size === 0 ? null : mergeResults([...snapshots.values()])),
    stop,
  );
  // Data files: one copy in the process, in shared memory, that every worker reads.
  const data: Record<string, SharedData> = {};
  for (const s of plan.scenarios) {
    if (s.rows && s.dataPath && !data[s.dataPath]) data[s.dataPath] = shareData(s.rows);
  }
  const runs = Array.from({ length: plan.workers }, (_, w) => {
    const input: WorkerInput = {
      flags,
      data,
      url,
      // Worker w of shard i/n runs sub-shard i·K + w of n·K: together exactly shard i.
      shard: { index: plan.shard.index * plan.workers + w, count: plan.shard.count * plan.workers },
      threads: plan.workers,
      config,
      snapshots: plan.aborts.length > 0,
      metrics: metrics !== null,
    };
    const worker = new Worker(entry, { workerData: input, execArgv: [...process.execArgv] });
    stop.signal.addEventListener(
      "abort",
      () => worker.postMessage({ type: "stop", reason: stop.signal.reason }),
      { once: true },
    );
    return new Promise<SwarmResult | null>((resolve) => {
      let done = false;
      worker.on(
        "message",
        (
          m:
            | { type: "live"; stats: LiveStats }
            | { type: "snapshot"; result: SwarmResult }
            | { type: "metrics"; families: Record<string, MetricFamily[]> }
            | { type: "result"; result: SwarmResult },
        ) => {
          if (m.type === "metrics") {
            for (const [scenario, f] of Object.entries(m.families)) metrics?.update(`${w}/${scenario}`, f);
          } else if (m.type === "live") {
            live.set(w, m.stats);
            onLive(sumLive([...live.values()]));
          } else if (m.type === "snapshot") {
            snapshots.set(w, m.result);
          } else {
            done = true;
            resolve(m.result);
          }
        },
      );
      // A worker lost is a failure of the runner: the others' results still make the reports.
      worker.once("error", (err) => {
        if (done) return;
        lost.push(`worker ${w} failed: ${err.message}`);
        resolve(null);
      });
      worker.once("exit", (code) => {
        if (done) return;
        lost.push(`worker ${w} exited with ${code} before its result`);
        resolve(null);
      });
    });
  });
  const results = (await Promise.all(runs)).filter((r): r is SwarmResult => r !== null);
  stopWatch();
  if (results.length === 0) throw new Error(lost.join("; "));
  const merged = mergeResults(results);
  if (lost.length > 0) {
    merged.stopped = [merged.stopped, `fatal: ${lost.join("; ")}`].filter(Boolean).join(" | ");
  }
  return merged;
}

export async function swarmCommand(argv: readonly string[]): Promise<number> {
  const live: LiveServing = { server: null, lingerMs: 0 };
  try {
    return await swarmRun(argv, live);
  } finally {
    // The reports are out: let a scrape read how the run ended, then stop serving.
    if (live.server) {
      if (live.server.finished) await live.server.linger(live.lingerMs);
      await live.server.close();
    }
  }
}

/** The live metrics server of a run, if it serves one. */
interface LiveServing {
  server: MetricsServer | null;
  lingerMs: number;
}

async function swarmRun(argv: readonly string[], live: LiveServing): Promise<number> {
  let a: SwarmArgs;
  try {
    const parsed = parseSwarmArgs(argv);
    if (parsed === "help") {
      process.stdout.write(`${SWARM_USAGE}\n${metricsHelp()}\n`);
      return 0;
    }
    a = parsed;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`godot-peer swarm: ${err.message}\n${SWARM_HINT}`);
      return 2;
    }
    throw err;
  }
  let module: BotModule;
  try {
    module = await loadBotModule(a.scriptPath);
  } catch (err) {
    if (err instanceof BotScriptError) {
      process.stderr.write(`godot-peer swarm: ${err.message}\n`);
      return EXIT.NO_RUN;
    }
    throw err;
  }
  // The module's options and the flags, checked before anything runs.
  let plan: RunPlan;
  try {
    plan = await planRun(a, module);
  } catch (err) {
    if (err instanceof BotScriptError) {
      process.stderr.write(`godot-peer swarm: ${err.message}\n`);
      return EXIT.NO_RUN;
    }
    if (err instanceof UsageError || err instanceof OptionsError) {
      process.stderr.write(
        `godot-peer swarm: ${err.message}\n${err instanceof UsageError ? SWARM_HINT : ""}`,
      );
      return EXIT.USAGE;
    }
    throw err;
  }
  // Everything that can be checked before the run is: a 30-minute soak must not be lost at its end.
  const pathProblems = await checkReportPaths({ json: plan.json, junit: plan.junit, html: plan.html });
  if (pathProblems.length > 0) {
    for (const p of pathProblems) process.stderr.write(`godot-peer swarm: ${p}\n`);
    return EXIT.USAGE;
  }
  const methods = thresholdMethods(plan.thresholds);
  if (methods.length > 0) {
    process.stderr.write(
      `godot-peer swarm: warning: thresholds name methods (${methods.join(", ")}) that only the run can confirm; ` +
        "one it never calls fails its threshold at the end\n",
    );
  }
  if (a.manifest !== undefined) {
    // Read (and checked) once here, so a bad file fails the run before any bot starts.
    try {
      loadManifest(a.manifest);
    } catch (err) {
      process.stderr.write(`godot-peer swarm: --manifest: ${(err as Error).message}\n`);
      return EXIT.NO_RUN;
    }
  }
  if (plan.metrics) {
    // Before any bot starts: a port that cannot be had stops the run here.
    try {
      live.server = await MetricsServer.start({
        port: plan.metrics.port,
        host: plan.metrics.host,
        shard: String(plan.shard.index),
      });
    } catch (err) {
      if (!(err instanceof MetricsServerError)) throw err;
      process.stderr.write(`godot-peer swarm: ${err.message}\n`);
      return EXIT.NO_RUN;
    }
    live.lingerMs = plan.metrics.lingerMs;
    process.stderr.write(`Live metrics (Prometheus) on ${live.server.url}\n`);
  }
  const metrics = live.server;
  const shardLabel = String(plan.shard.index);
  let embedded: ExampleGame | ExampleGame4 | null = null;
  let url = plan.url;
  let manifestDir: string | null = null;
  if (url === undefined && process.env.GODOT_PEER_EMBEDDED === "godot4") {
    const game4 = new ExampleGame4({ keepLines: 0 });
    embedded = game4;
    url = `ws://127.0.0.1:${await game4.listen(0)}`;
    process.stdout.write(`Embedded server (the Godot 4 example game) on ${url}\n`);
    // The embedded game knows its RPC names: its bots need no --manifest.
    if (a.manifest === undefined) {
      manifestDir = mkdtempSync(join(tmpdir(), "godot-peer-manifest-"));
      const manifest = join(manifestDir, "game4.manifest.json");
      writeFileSync(manifest, JSON.stringify(game4Manifest()));
      a = { ...a, manifest };
    }
  }
  if (url === undefined) {
    embedded = new ExampleGame({ bindIp: "127.0.0.1" });
    url = `ws://127.0.0.1:${await embedded.listen(0)}`;
    process.stdout.write(`Embedded server (the example game) on ${url}\n`);
  }
  const open = (s: RunPlan["scenarios"][number]) =>
    s.shape.arrivalPerSec !== undefined || s.shape.arrivalStages !== undefined;
  const swarmBots = plan.scenarios.reduce(
    (n, s) => n + (open(s) ? s.shape.bots : Math.ceil(s.shape.bots / plan.shard.count)),
    0,
  );
  const first = plan.scenarios[0] as RunPlan["scenarios"][number];
  const config: SwarmResult["config"] = {
    url,
    script: a.scriptPath,
    bots: plan.scenarios.reduce((n, s) => n + s.shape.bots, 0),
    ramp: plan.split ? null : (first.shape.rampPerSec ?? null),
    arrivalRate: plan.split ? null : (first.shape.arrivalPerSec ?? null),
    durationMs: plan.durationMs,
    thinkMs: a.thinkMs ?? null,
    workers: plan.workers,
    ...(plan.split
      ? {}
      : first.shape.stages
        ? { stages: first.shape.stages.map((s) => `${s.durationMs}ms:${s.target}`).join(",") }
        : {}),
    ...(plan.split ? {} : first.shape.iterations !== undefined ? { iterations: first.shape.iterations } : {}),
  };

  // SIGINT (Ctrl-C) or SIGTERM (a Kubernetes pod's end): stop cleanly, reports still written; a
  // second signal quits at once.
  const stop = new AbortController();
  let signalled: "SIGINT" | "SIGTERM" | null = null;
  const onSignal = (sig: "SIGINT" | "SIGTERM") => {
    if (signalled) process.exit(sig === "SIGINT" ? EXIT.SIGINT : EXIT.SIGTERM);
    signalled = sig;
    process.stderr.write(`\nStopping on ${sig} (again to quit at once)…\n`);
    stop.abort(sig);
  };
  const onSigint = () => onSignal("SIGINT");
  const onSigterm = () => onSignal("SIGTERM");
  process.on("SIGINT", onSigint);
  process.on("SIGTERM", onSigterm);

  let last: LiveStats | null = null;
  const show = (s: LiveStats) => {
    last = s;
  };
  // Plain lines every 5 s (at least three in a short run); the terminal line four times a second.
  const every = a.progress === "tty" ? 250 : Math.min(5000, Math.max(1000, plan.durationMs / 3));
  const ticker =
    a.progress === "none"
      ? null
      : setInterval(() => {
          if (!last) return;
          const line = progressLine(plan.durationMs, last, a.progress === "tty" ? "tty" : "plain", swarmBots);
          if (a.progress === "tty") process.stdout.write(`\r\x1b[2K${line}`);
          else process.stdout.write(`${line}\n`);
        }, every);

  let result: SwarmResult | undefined;
  const parts = new Map<string, SwarmMetrics>();
  let runnerError: unknown;
  try {
    if (plan.workers > 1) {
      result = await runInWorkers(a, plan, url, config, stop, show, metrics);
    } else {
      const poll = setInterval(() => {
        if (parts.size > 0) show(sumLive([...parts.values()].map((m) => m.live())));
      }, 250);
      const stopWatch = abortWatch(plan.aborts, () => snapshotOf(plan, parts), stop);
      const serve = (finished: boolean) => {
        const families = familiesOfParts(parts, { shard: shardLabel, worker: "0" }, finished);
        for (const [scenario, f] of Object.entries(families)) metrics?.update(`0/${scenario}`, f);
      };
      const tick = metrics ? setInterval(() => serve(false), 1000) : null;
      try {
        result = await runPlanHere(plan, url, {
          shard: plan.shard,
          ...(a.manifest !== undefined ? { botOptions: { manifest: a.manifest } } : {}),
          config,
          signal: stop.signal,
          onMetrics: (name, m) => {
            parts.set(name, m);
          },
        });
      } finally {
        clearInterval(poll);
        if (tick) clearInterval(tick);
        stopWatch();
        if (metrics) serve(true);
      }
    }
  } catch (err) {
    // The runner itself failed: what was measured so far still makes the reports.
    runnerError = err;
    const first = [...parts.values()][0];
    if (first) {
      result = first.finish();
      first.runnerFailed(err);
    }
  } finally {
    metrics?.finish();
    if (ticker) clearInterval(ticker);
    if (a.progress === "tty") process.stdout.write("\n");
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
    await Promise.race([embedded?.stop(), new Promise((r) => setTimeout(r, 1_000).unref())]);
    if (manifestDir) rmSync(manifestDir, { recursive: true, force: true });
  }
  if (!result) {
    process.stderr.write(`godot-peer swarm: the runner failed before any result: ${String(runnerError)}\n`);
    return EXIT.RUNNER_FAILED;
  }
  if (runnerError !== undefined) {
    const msg = runnerError instanceof Error ? runnerError.message : String(runnerError);
    result.stopped = [result.stopped, `fatal: ${msg}`].filter(Boolean).join(" | ");
  }
  if (signalled) result.config.interrupted = true;

  let outcomes: ReturnType<typeof evaluateThresholds>;
  try {
    outcomes = evaluateThresholds(result, plan.thresholds);
  } catch (err) {
    // Cannot happen after planRun; kept so that nothing is ever lost at the end.
    if (!(err instanceof UnknownMetricError)) throw err;
    process.stderr.write(`godot-peer swarm: --threshold: ${err.message}\n`);
    outcomes = [];
  }
  process.stdout.write(`${summaryTable(result, outcomes)}\n`);
  const writeFailures = await writeReports(
    result,
    outcomes,
    { json: plan.json, junit: plan.junit, html: plan.html },
    { allowErrors: plan.allowErrors },
  );
  for (const f of writeFailures) process.stderr.write(`godot-peer swarm: ${f}\n`);

  const fatal = result.stopped?.includes("fatal: ") ?? false;
  if (fatal) {
    process.stderr.write(`godot-peer swarm: the runner itself failed: ${result.stopped}\n`);
    return EXIT.RUNNER_FAILED;
  }
  if (signalled) return signalled === "SIGINT" ? EXIT.SIGINT : EXIT.SIGTERM;
  if (result.bots.connected === 0) {
    const why = Object.entries(result.connectFailures)
      .sort((x, y) => y[1] - x[1])
      .map(([k, n]) => `${k} ${n}`)
      .join(", ");
    const top = (result.messages ?? [])
      .filter((m) => m.kind.startsWith("connect:"))
      .sort((x, y) => y.count - x.count)[0];
    process.stderr.write(
      `godot-peer swarm: no bot could connect to ${url}${why ? ` (${why})` : ""}${top ? `: ${top.message}` : ""}: the run did not happen\n`,
    );
    return EXIT.NO_RUN;
  }
  const verdict = judgeRun(result, outcomes, { allowErrors: plan.allowErrors });
  for (const r of verdict.reasons) process.stderr.write(`${r}\n`);
  if (verdict.reasons.some((r) => !r.startsWith("threshold broken"))) {
    process.stderr.write("(see the summary; --allow-errors lets bot failures through)\n");
  }
  return verdict.passed && writeFailures.length === 0 ? EXIT.PASS : EXIT.FAILED;
}
