/**
 * What the runner itself costs (issue 16, point 10): a real `godot-peer swarm` run (the CLI, as
 * users run it, in a process of its own) against bare Bots (src/bots' index) in a plain process,
 * both against the Godot 3 example game (the default embedded one) served by a third process.
 * Everything is measured from outside the CLI: its RSS in /proc, its round trips and CPU as its
 * bot script prints them. See protocol-notes/benchmarks.md ("The runner's own cost").
 *
 * - runner/memory-per-idle-bot: V8 heap used, slope per idle bot between N1 and N2 bots (each
 *   a fresh process, settled: every bot told of every other, idle, two forced GCs), swarm ÷ bare.
 *   Lower is better; the target is ≤ 1.2. The RSS slope (read from outside) is printed beside it:
 *   at a few hundred bots it is mostly the allocator's and V8's page-level noise (slopes from
 *   −28 to +35 KB a bot were seen), so the heap the bots' objects take is the honest measure.
 * - runner/round-trips-per-cpu-second: Game.ping → Game.pong round trips per CPU-second of the
 *   generator process, a swarm whose script checks each reply (ctx.check) and records it in a
 *   custom Trend and Counter, live metrics on (--metrics-port, scraped each second, when the CLI
 *   has it), ÷ bare Bot.request loops. Higher is better; the target is ≥ 0.9.
 * - runner/round-trips-plain-script: the same with a bare request loop as the swarm's script and
 *   live metrics off: the runner's own share of the above (no target of its own).
 *
 * --quick shrinks both (for the contract test); its figures are not the ones to quote.
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { SWARM_USAGE } from "../../src/cli/swarm.js";
import type { Benchmark, Side } from "./harness.js";
import { type Child, fixture, startChild, startServer } from "./procs.js";

const quick = process.argv.includes("--quick");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The process's resident set, bytes, read from outside. */
function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

/** The CLI as users run it, from source: `godot-peer swarm <script> …`. */
function swarmCli(script: string, args: readonly string[], nodeArgs = ["--expose-gc"]): Child {
  return startChild("runner-cli.ts", ["swarm", fixture(script), ...args], nodeArgs);
}

function kill(c: Child): Promise<void> {
  c.process.kill("SIGKILL");
  return c.stop();
}

// ---- memory per idle bot -------------------------------------------------------------------------

const N1 = 100;
const N2 = quick ? 300 : 500;
/** Bots started per second, both sides (the swarm's --ramp). */
const RAMP = 400;
/** Idle after settling, before the sample: V8 shrinks a young generation a burst grew only then. */
const IDLE_MS = quick ? 500 : 3_000;
const SETTLE_TIMEOUT_MS = 240_000;

/**
 * Both sides' V8 young generation, fixed: how far a join storm grows it (up to 32 MiB, given back
 * only sometimes) otherwise outweighs the bots themselves in a slope between two processes.
 */
const IDLE_NODE_ARGS = ["--expose-gc", "--min-semi-space-size=16", "--max-semi-space-size=16"];

interface IdleSample {
  /** RSS, read from outside (/proc). */
  readonly rss: number;
  /** V8 heap used after the forced GCs, as the process printed it. */
  readonly heapUsed: number;
}

async function idleSample(kind: "swarm" | "bare", n: number): Promise<IdleSample> {
  const server = await startServer("game-server.ts");
  const url = `ws://127.0.0.1:${server.port}`;
  const holder =
    kind === "swarm"
      ? swarmCli(
          "runner-idle.bot.ts",
          [
            ...["--url", url, "--bots", String(n), "--ramp", String(RAMP)],
            ...["--duration", "10m", "--progress", "none"],
            ...["--env", `RUNNER_N=${n}`, "--env", `RUNNER_IDLE_MS=${IDLE_MS}`],
          ],
          IDLE_NODE_ARGS,
        )
      : startChild("runner-bare.ts", ["idle", url, String(n), String(IDLE_MS), String(RAMP)], IDLE_NODE_ARGS);
  try {
    const m = await holder.line(/^SETTLED \d+ (.*)$/, SETTLE_TIMEOUT_MS);
    const rss = rssOf(holder.process.pid as number);
    const inside = JSON.parse(m[1] ?? "{}") as { heapUsed: number; heapTotal: number; external: number };
    console.error(
      `  ${kind} ×${n}: RSS ${(rss / 2 ** 20).toFixed(1)} MiB (heap used ${(inside.heapUsed / 2 ** 20).toFixed(1)} of ${(inside.heapTotal / 2 ** 20).toFixed(1)} MiB, external ${(inside.external / 2 ** 20).toFixed(1)} MiB)`,
    );
    return { rss, heapUsed: inside.heapUsed };
  } finally {
    await kill(holder);
    await server.child.stop();
  }
}

/** Heap used per idle bot, N1 → N2 (the RSS slope printed beside it). */
async function idleSlope(kind: "swarm" | "bare"): Promise<number> {
  const low = await idleSample(kind, N1);
  const high = await idleSample(kind, N2);
  const heap = (high.heapUsed - low.heapUsed) / (N2 - N1);
  const rss = (high.rss - low.rss) / (N2 - N1);
  console.error(
    `  ${kind}: ${Math.round(heap)} B heap used per idle bot (${N1} → ${N2}; RSS ${Math.round(rss)} B)`,
  );
  return heap;
}

// ---- round trips per CPU-second ----------------------------------------------------------------

const LOOP_BOTS = quick ? 10 : 50;
const WARM_MS = quick ? 1_000 : 3_000;
const WINDOW_MS = quick ? 1_500 : 6_000;
/** Does the CLI serve live metrics (helper `prom`'s --metrics-port)? */
const liveMetrics = SWARM_USAGE.includes("--metrics-port");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject).listen(0, "127.0.0.1", () => {
      const addr = s.address();
      s.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

/** Round trips per CPU-second over WINDOW_MS, after WARM_MS of the loop, from its `RT` lines. */
async function roundTripsPerCpuSecond(kind: "swarm" | "bare" | "plain"): Promise<number> {
  const server = await startServer("game-server.ts");
  const url = `ws://127.0.0.1:${server.port}`;
  const metricsPort = kind === "swarm" && liveMetrics ? await freePort() : undefined;
  const gen =
    kind === "plain"
      ? swarmCli("runner-plain.bot.ts", [
          ...["--url", url, "--bots", String(LOOP_BOTS), "--duration", "5m", "--progress", "none"],
        ])
      : kind === "swarm"
        ? swarmCli("runner-loop.bot.ts", [
            ...["--url", url, "--bots", String(LOOP_BOTS), "--duration", "5m", "--progress", "none"],
            ...(metricsPort !== undefined ? ["--metrics-port", String(metricsPort)] : []),
          ])
        : startChild("runner-bare.ts", ["loop", url, String(LOOP_BOTS), "500"], ["--expose-gc"]);
  let scraping = true;
  let scrapes = 0;
  const scraper = (async () => {
    while (metricsPort !== undefined && scraping) {
      await sleep(1_000);
      try {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, {
          signal: AbortSignal.timeout(2_000),
        });
        if (res.ok && (await res.text()).length > 0) scrapes++;
      } catch {
        // not up yet
      }
    }
  })();
  try {
    const rt = /^RT (\d+) (\d+) (\d+)$/;
    const at = async (afterMs: number) => {
      // The first line whose loop has run afterMs since its first round trip.
      for (;;) {
        const lines = gen.lines.map((l) => l.match(rt)).filter((x): x is RegExpMatchArray => x !== null);
        const first = lines.find((x) => Number(x[1]) > 0);
        const hit = first && lines.find((x) => Number(x[3]) - Number(first[3]) >= afterMs);
        if (hit) return { count: Number(hit[1]), cpuUs: Number(hit[2]) };
        if (gen.process.exitCode !== null) throw new Error(`${kind}: the generator exited`);
        await sleep(100);
      }
    };
    const a = await at(WARM_MS);
    const b = await at(WARM_MS + WINDOW_MS);
    const perCpuS = ((b.count - a.count) * 1e6) / (b.cpuUs - a.cpuUs);
    console.error(
      `  ${kind}: ${b.count - a.count} round trips on ${((b.cpuUs - a.cpuUs) / 1e6).toFixed(2)} CPU-s: ${Math.round(perCpuS)}/CPU-s` +
        (kind === "swarm"
          ? liveMetrics
            ? ` (live metrics scraped ${scrapes}×)`
            : " (this CLI has no --metrics-port: live metrics off)"
          : ""),
    );
    return perCpuS;
  } finally {
    scraping = false;
    await scraper;
    await kill(gen);
    await server.child.stop();
  }
}

// ---- the benchmarks -----------------------------------------------------------------------------

const measured = (name: string, fn: () => Promise<number>): Side => ({ name, fn });
const byFn = (side: Side) => side.fn() as Promise<number>;

const benchmarks: Benchmark[] = [
  {
    name: "runner/memory-per-idle-bot",
    unit: "B heap used/idle bot (lower is better)",
    ours: measured(`godot-peer swarm, ${N1} → ${N2} bots`, () => idleSlope("swarm")),
    baseline: measured(`bare Bots, ${N1} → ${N2}`, () => idleSlope("bare")),
    measure: byFn,
    maxRounds: 3,
  },
  {
    name: "runner/round-trips-per-cpu-second",
    unit: "round trips/CPU-s",
    ours: measured(
      `swarm ×${LOOP_BOTS}: check + Trend + Counter${liveMetrics ? " + live metrics" : ""}`,
      () => roundTripsPerCpuSecond("swarm"),
    ),
    baseline: measured(`bare Bot.request loops ×${LOOP_BOTS}`, () => roundTripsPerCpuSecond("bare")),
    measure: byFn,
    maxRounds: 5,
  },
  {
    // Not a target of its own: what the runner alone costs, the script's checks and metrics aside.
    name: "runner/round-trips-plain-script",
    unit: "round trips/CPU-s",
    ours: measured(`swarm ×${LOOP_BOTS}: a bare request loop as its script, live metrics off`, () =>
      roundTripsPerCpuSecond("plain"),
    ),
    baseline: measured(`bare Bot.request loops ×${LOOP_BOTS}`, () => roundTripsPerCpuSecond("bare")),
    measure: byFn,
    maxRounds: 5,
  },
];

export default benchmarks;
