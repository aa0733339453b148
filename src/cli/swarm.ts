/**
 * `godot-peer swarm <bot-script>`: runs a swarm of scripted bots against a Godot server (or the
 * embedded example game), shows live progress, prints a summary, writes reports and judges
 * thresholds. Exit codes (EXIT): 0 pass, 1 a threshold broke or bots failed, 2 usage error, 3 the
 * run could not happen, 4 the runner itself failed, 130 / 143 interrupted by SIGINT / SIGTERM.
 */
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import { Worker } from "node:worker_threads";
import {
  type LiveStats,
  loadManifest,
  runSwarm,
  type Shard,
  type SwarmLoad,
  type SwarmMetrics,
  type SwarmResult,
} from "../bots/index.js";
import { mergeResults } from "../bots/merge.js";
import { checkReportPaths, summaryTable, writeReports } from "../bots/report/index.js";
import {
  evaluateThresholds,
  judgeRun,
  metricsHelp,
  type Threshold,
  thresholdMethods,
  UnknownMetricError,
} from "../bots/thresholds.js";
import { ExampleGame, ExampleGame4 } from "../server/index.js";
import { parseCount, parseDuration, parseRate, parseShard, parseThresholdFlags, UsageError } from "./args.js";
import { BotScriptError, loadBotScript } from "./load-script.js";
import { explainUnknownOption } from "./suggest.js";
import type { WorkerInput } from "./swarm-worker.js";

export const SWARM_USAGE = `Usage: godot-peer swarm <bot-script> [options]

Runs <bot-script> (a TypeScript or JavaScript module whose default export is
defineBot(async (bot, ctx) => …)) in many bots against one server.

Target:
  --url URL             ws:// or wss:// of the Godot server (default: start the
                        embedded Node server with the example game;
                        GODOT_PEER_EMBEDDED=godot4: its Godot 4 flavour)
Load (closed model: N bots for a duration):
  --bots N              bots in the swarm (default 10)
  --ramp R/s            bots started per second (default: all at once)
  --duration T          how long the run lasts, ramp included (default 30s; 250ms, 60s, 2m)
  --think T             mean think time handed to scripts as ctx.think() (default 0)
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

interface SwarmArgs extends SwarmLoad {
  readonly scriptPath: string;
  /** --manifest: the RPC manifest file Godot 4 bots load. */
  readonly manifest: string | undefined;
  readonly url: string | undefined;
  readonly workers: number;
  readonly shard: Shard;
  readonly json: string | undefined;
  readonly junit: string | undefined;
  readonly html: string | undefined;
  readonly thresholds: Threshold[];
  readonly allowErrors: boolean;
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
  const thresholds = parseThresholdFlags(v.threshold);
  return {
    scriptPath: parsed.positionals[0] as string,
    manifest: v.manifest,
    url: v.url,
    bots: v.bots !== undefined ? parseCount(v.bots, "--bots") : 10,
    rampPerSec: v.ramp !== undefined ? parseRate(v.ramp, "--ramp") : undefined,
    arrivalPerSec:
      v["arrival-rate"] !== undefined ? parseRate(v["arrival-rate"], "--arrival-rate") : undefined,
    durationMs: v.duration !== undefined ? parseDuration(v.duration, "--duration") : 30_000,
    thinkMs: v.think !== undefined ? parseDuration(v.think, "--think") : undefined,
    workers:
      v.workers !== undefined
        ? parseCount(v.workers, "--workers", { max: Math.max(64, cpus().length * 4) })
        : 1,
    shard: v.shard !== undefined ? parseShard(v.shard) : { index: 0, count: 1 },
    json: v.json,
    junit: v.junit,
    html: v.html,
    thresholds,
    allowErrors: v["allow-errors"] ?? false,
    progress,
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

/** Live numbers, summed over worker threads. */
function sumLive(parts: readonly LiveStats[]): LiveStats {
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

function fmt(n: number): string {
  return Number.isNaN(n) ? "–" : n.toLocaleString("en-US", { maximumFractionDigits: 1 });
}

function progressLine(a: SwarmArgs, s: LiveStats, mode: "tty" | "plain", swarmBots: number): string {
  const t = Math.min(1, s.elapsedMs / a.durationMs);
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

async function runInWorkers(
  a: SwarmArgs,
  url: string,
  config: SwarmResult["config"],
  stop: AbortSignal,
  onLive: (s: LiveStats) => void,
): Promise<SwarmResult> {
  const entry = new URL(
    import.meta.url.endsWith(".ts") ? "./swarm-worker-entry.mjs" : "./swarm-worker.js",
    import.meta.url,
  );
  const live = new Map<number, LiveStats>();
  const lost: string[] = [];
  const runs = Array.from({ length: a.workers }, (_, w) => {
    const input: WorkerInput = {
      scriptPath: a.scriptPath,
      ...(a.manifest !== undefined ? { botOptions: { manifest: a.manifest } } : {}),
      url,
      bots: a.bots,
      rampPerSec: a.rampPerSec,
      arrivalPerSec: a.arrivalPerSec,
      durationMs: a.durationMs,
      thinkMs: a.thinkMs,
      // Worker w of shard i/n runs sub-shard i·K + w of n·K: together exactly shard i.
      shard: { index: a.shard.index * a.workers + w, count: a.shard.count * a.workers },
      threads: a.workers,
      config,
    };
    const worker = new Worker(entry, { workerData: input, execArgv: [...process.execArgv] });
    stop.addEventListener("abort", () => worker.postMessage({ type: "stop", reason: stop.reason }), {
      once: true,
    });
    return new Promise<SwarmResult | null>((resolve) => {
      let done = false;
      worker.on(
        "message",
        (m: { type: "live"; stats: LiveStats } | { type: "result"; result: SwarmResult }) => {
          if (m.type === "live") {
            live.set(w, m.stats);
            onLive(sumLive([...live.values()]));
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
  if (results.length === 0) throw new Error(lost.join("; "));
  const merged = mergeResults(results);
  if (lost.length > 0) {
    merged.stopped = [merged.stopped, `fatal: ${lost.join("; ")}`].filter(Boolean).join(" | ");
  }
  return merged;
}

export async function swarmCommand(argv: readonly string[]): Promise<number> {
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
  // Everything that can be checked before the run is: a 30-minute soak must not be lost at its end.
  const pathProblems = await checkReportPaths({ json: a.json, junit: a.junit, html: a.html });
  if (pathProblems.length > 0) {
    for (const p of pathProblems) process.stderr.write(`godot-peer swarm: ${p}\n`);
    return EXIT.USAGE;
  }
  const methods = thresholdMethods(a.thresholds);
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
  let script: Awaited<ReturnType<typeof loadBotScript>>;
  try {
    script = await loadBotScript(a.scriptPath);
  } catch (err) {
    if (err instanceof BotScriptError) {
      process.stderr.write(`godot-peer swarm: ${err.message}\n`);
      return EXIT.NO_RUN;
    }
    throw err;
  }
  let embedded: ExampleGame | ExampleGame4 | null = null;
  let url = a.url;
  if (url === undefined && process.env.GODOT_PEER_EMBEDDED === "godot4") {
    const game4 = new ExampleGame4({ keepLines: 0 });
    embedded = game4;
    url = `ws://127.0.0.1:${await game4.listen(0)}`;
    process.stdout.write(`Embedded server (the Godot 4 example game) on ${url}\n`);
  }
  if (url === undefined) {
    embedded = new ExampleGame({ bindIp: "127.0.0.1" });
    url = `ws://127.0.0.1:${await embedded.listen(0)}`;
    process.stdout.write(`Embedded server (the example game) on ${url}\n`);
  }
  const swarmBots = a.arrivalPerSec !== undefined ? a.bots : Math.ceil(a.bots / a.shard.count);
  const config: SwarmResult["config"] = {
    url,
    script: a.scriptPath,
    bots: a.bots,
    ramp: a.rampPerSec ?? null,
    arrivalRate: a.arrivalPerSec ?? null,
    durationMs: a.durationMs,
    thinkMs: a.thinkMs ?? null,
    workers: a.workers,
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
  const every = a.progress === "tty" ? 250 : Math.min(5000, Math.max(1000, a.durationMs / 3));
  const ticker =
    a.progress === "none"
      ? null
      : setInterval(() => {
          if (!last) return;
          const line = progressLine(a, last, a.progress === "tty" ? "tty" : "plain", swarmBots);
          if (a.progress === "tty") process.stdout.write(`\r\x1b[2K${line}`);
          else process.stdout.write(`${line}\n`);
        }, every);

  let result: SwarmResult | undefined;
  let metrics: SwarmMetrics | undefined;
  let runnerError: unknown;
  try {
    if (a.workers > 1) {
      result = await runInWorkers(a, url, config, stop.signal, show);
    } else {
      const poll = setInterval(() => metrics && show(metrics.live()), 250);
      try {
        result = await runSwarm({
          url,
          script,
          ...(a.manifest !== undefined ? { botOptions: { manifest: a.manifest } } : {}),
          bots: a.bots,
          rampPerSec: a.rampPerSec,
          arrivalPerSec: a.arrivalPerSec,
          durationMs: a.durationMs,
          thinkMs: a.thinkMs,
          shard: a.shard,
          config,
          signal: stop.signal,
          onMetrics: (m) => {
            metrics = m;
          },
        });
      } finally {
        clearInterval(poll);
      }
    }
  } catch (err) {
    // The runner itself failed: what was measured so far still makes the reports.
    runnerError = err;
    if (metrics) {
      result = metrics.finish();
      metrics.runnerFailed(err);
    }
  } finally {
    if (ticker) clearInterval(ticker);
    if (a.progress === "tty") process.stdout.write("\n");
    process.off("SIGINT", onSigint);
    process.off("SIGTERM", onSigterm);
    await Promise.race([embedded?.stop(), new Promise((r) => setTimeout(r, 1_000).unref())]);
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
    outcomes = evaluateThresholds(result, a.thresholds);
  } catch (err) {
    // Cannot happen after parseThresholdFlags; kept so that nothing is ever lost at the end.
    if (!(err instanceof UnknownMetricError)) throw err;
    process.stderr.write(`godot-peer swarm: --threshold: ${err.message}\n`);
    outcomes = [];
  }
  process.stdout.write(`${summaryTable(result, outcomes)}\n`);
  const writeFailures = await writeReports(
    result,
    outcomes,
    { json: a.json, junit: a.junit, html: a.html },
    { allowErrors: a.allowErrors },
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
  const verdict = judgeRun(result, outcomes, { allowErrors: a.allowErrors });
  for (const r of verdict.reasons) process.stderr.write(`${r}\n`);
  if (verdict.reasons.some((r) => !r.startsWith("threshold broken"))) {
    process.stderr.write("(see the summary; --allow-errors lets bot failures through)\n");
  }
  return verdict.passed && writeFailures.length === 0 ? EXIT.PASS : EXIT.FAILED;
}
