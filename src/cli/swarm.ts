/**
 * `godot-peer swarm <bot-script>`: runs a swarm of scripted bots against a Godot server (or the
 * embedded example game), shows live progress, prints a summary, writes reports and judges
 * thresholds. Exit codes: 0 pass, 1 a threshold broke or bots had errors, 2 usage error, 3 the run
 * could not happen (script did not load, no bot could connect).
 */
import { writeFile } from "node:fs/promises";
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
import { summaryTable, toHtml, toJUnit } from "../bots/report/index.js";
import { evaluateThresholds, metricsHelp, type Threshold, UnknownMetricError } from "../bots/thresholds.js";
import { ExampleGame, ExampleGame4 } from "../server/index.js";
import { parseCount, parseDuration, parseRate, parseShard, parseThresholdFlags, UsageError } from "./args.js";
import { BotScriptError, loadBotScript } from "./load-script.js";
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
  --allow-errors        bot script errors do not fail the run
  --progress MODE       tty (a live line), plain (a line every 5 s), none; default: tty
                        when stdout is a terminal, plain otherwise
  -h, --help            this text

Exit codes: 0 pass, 1 a threshold broke or bots had errors, 2 usage error,
3 the run could not happen (script did not load, no bot could connect).
Ctrl-C stops the run cleanly and still writes the summary and reports; twice quits at once.
`;

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
    throw new UsageError((err as Error).message);
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
  if (v.url !== undefined && !/^wss?:\/\/./.test(v.url))
    throw new UsageError(`--url: "${v.url}" is not a ws:// or wss:// URL`);
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
    stop.addEventListener("abort", () => worker.postMessage({ type: "stop" }), { once: true });
    return new Promise<SwarmResult>((resolve, reject) => {
      worker.on(
        "message",
        (m: { type: "live"; stats: LiveStats } | { type: "result"; result: SwarmResult }) => {
          if (m.type === "live") {
            live.set(w, m.stats);
            onLive(sumLive([...live.values()]));
          } else {
            resolve(m.result);
          }
        },
      );
      worker.once("error", reject);
      worker.once("exit", (code) => reject(new Error(`worker ${w} exited with ${code} before its result`)));
    });
  });
  return mergeResults(await Promise.all(runs));
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
      process.stderr.write(`godot-peer swarm: ${err.message}\n\n${SWARM_USAGE}`);
      return 2;
    }
    throw err;
  }
  if (a.manifest !== undefined) {
    // Read (and checked) once here, so a bad file fails the run before any bot starts.
    try {
      loadManifest(a.manifest);
    } catch (err) {
      process.stderr.write(`godot-peer swarm: --manifest: ${(err as Error).message}\n`);
      return 3;
    }
  }
  let script: Awaited<ReturnType<typeof loadBotScript>>;
  try {
    script = await loadBotScript(a.scriptPath);
  } catch (err) {
    if (err instanceof BotScriptError) {
      process.stderr.write(`godot-peer swarm: ${err.message}\n`);
      return 3;
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

  // Ctrl-C: stop cleanly (reports still written); a second one quits at once.
  const stop = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts > 1) process.exit(130);
    process.stderr.write("\nStopping (Ctrl-C again to quit at once)…\n");
    stop.abort();
  };
  process.on("SIGINT", onSigint);

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

  let result: SwarmResult;
  try {
    if (a.workers > 1) {
      result = await runInWorkers(a, url, config, stop.signal, show);
    } else {
      let metrics: SwarmMetrics | undefined;
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
  } finally {
    if (ticker) clearInterval(ticker);
    if (a.progress === "tty") process.stdout.write("\n");
    process.off("SIGINT", onSigint);
    await embedded?.stop();
  }
  if (stop.signal.aborted) result.config.interrupted = true;

  let outcomes: ReturnType<typeof evaluateThresholds>;
  try {
    outcomes = evaluateThresholds(result, a.thresholds);
  } catch (err) {
    if (err instanceof UnknownMetricError) {
      process.stderr.write(`godot-peer swarm: --threshold: ${err.message}\n`);
      if (a.json) await writeFile(a.json, JSON.stringify(result));
      return 2;
    }
    throw err;
  }
  process.stdout.write(`${summaryTable(result, outcomes)}\n`);
  if (a.json) await writeFile(a.json, JSON.stringify(result));
  if (a.junit) await writeFile(a.junit, toJUnit(result, outcomes, { allowErrors: a.allowErrors }));
  if (a.html) await writeFile(a.html, toHtml(result, outcomes));

  if (result.bots.connected === 0) {
    process.stderr.write("godot-peer swarm: no bot could connect: the run did not happen\n");
    return 3;
  }
  const errors = Object.values(result.errors).reduce((n, x) => n + x, 0);
  const broken = outcomes.filter((o) => !o.passed);
  for (const o of broken) process.stderr.write(`threshold broken: ${o.message}\n`);
  if (errors > 0 && !a.allowErrors) {
    process.stderr.write(`${errors} bot error(s) (see the summary; --allow-errors to accept them)\n`);
  }
  return broken.length > 0 || (errors > 0 && !a.allowErrors) ? 1 : 0;
}
