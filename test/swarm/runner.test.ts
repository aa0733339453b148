/**
 * Issue #13, as a user meets it: one bot's bug never sinks the run, every failure is counted and
 * explained, and the exit code means what it says. Each test runs the CLI against a real server
 * (the embedded one, small misbehaving ones, a real Godot 3.6.2) and reads what a user reads:
 * the exit code, stdout/stderr and the reports.
 */
import type { ChildProcess } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import type { SwarmReport } from "../../src/bots/report/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { runCli as runCliRaw } from "../harness/cli.js";
import { startFixture } from "../harness/godot.js";
import {
  blackHole,
  garbageAfterUpgrade,
  hangEverySecond,
  kicker,
  nothingListening,
  shortFrameAfterUpgrade,
  upgradeThenSilent,
} from "./servers.js";

const FIX = "test/swarm/fixtures";

// At most three runs at once: each is a process with its own bots and timers, on a shared machine.
let slots = 3;
const queue: (() => void)[] = [];
async function limited<T>(fn: () => Promise<T>): Promise<T> {
  if (slots === 0) await new Promise<void>((resolve) => queue.push(resolve));
  else slots--;
  try {
    return await fn();
  } finally {
    const next = queue.shift();
    if (next) next();
    else slots++;
  }
}
const runCli: typeof runCliRaw = (args, options) => limited(() => runCliRaw(args, options));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  /** Epoch ms when the process had exited. */
  readonly exitedAt: number;
  readonly dir: string;
  readonly res: SwarmReport;
}

async function embedded(t: ExecutionContext): Promise<string> {
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await game.listen(0);
  t.teardown(() => game.stop());
  return `ws://127.0.0.1:${port}`;
}

/** Runs `godot-peer swarm` with every report asked for; reads the JSON back. */
async function swarm(args: readonly string[], onSpawn?: (c: ChildProcess) => void): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "gp-swarm-"));
  const started = Date.now();
  const r = await runCli(
    [
      "swarm",
      "--progress",
      "none",
      "--json",
      join(dir, "r.json"),
      "--html",
      join(dir, "r.html"),
      "--junit",
      join(dir, "r.xml"),
      ...args,
    ],
    onSpawn ? { onSpawn } : {},
  );
  const exitedAt = Date.now();
  const ms = exitedAt - started;
  let res: SwarmReport;
  try {
    res = JSON.parse(await readFile(join(dir, "r.json"), "utf8")) as SwarmReport;
  } catch (err) {
    throw new Error(`no JSON report (exit ${r.code}): ${(err as Error).message}\n${r.stdout}\n${r.stderr}`);
  }
  return { ...r, ms, exitedAt, dir, res };
}

/** Every started bot is exactly one of: ended normally, failed to join, errored, disconnected. */
function accounted(t: ExecutionContext, res: SwarmReport): void {
  const b = res.bots;
  t.is(
    b.started,
    (b.ended ?? -1) + b.failed + (b.errored ?? -1) + (b.disconnected ?? -1),
    `bots ${JSON.stringify(b)}`,
  );
  // …and every bot that joined ended one of the three ways a joined bot can.
  t.is(b.connected, (b.ended ?? -1) + (b.errored ?? -1) + (b.disconnected ?? -1));
}

async function reports(run: Run): Promise<{ html: string; junit: string }> {
  return {
    html: await readFile(join(run.dir, "r.html"), "utf8"),
    junit: await readFile(join(run.dir, "r.xml"), "utf8"),
  };
}

// ---- 1. Containment ----

for (const workers of ["1", "2"]) {
  test(`an un-awaited request that times out ends only its bot; the run and its reports complete (--workers ${workers})`, async (t) => {
    const url = await embedded(t);
    const run = await swarm([
      `${FIX}/floating-timeout.ts`,
      "--url",
      url,
      "--bots",
      "5",
      "--duration",
      "2s",
      "--workers",
      workers,
    ]);
    t.is(run.code, 1, run.stderr);
    t.is(run.res.bots.started, 5);
    t.is(run.res.bots.errored, 1);
    t.is(run.res.bots.ended, 4);
    t.deepEqual(run.res.errors, { timeout: 1 });
    accounted(t, run.res);
    const m = run.res.messages?.find((x) => x.kind === "timeout");
    t.deepEqual(m?.bots, ["bot-2"]);
    t.regex(run.stdout, /Swarm summary/);
    t.regex(run.stdout, /no never_sent on \/root\/Game within 200 ms/);
    const { html, junit } = await reports(run);
    t.regex(html, /no never_sent on \/root\/Game within 200 ms/);
    t.regex(junit, /no never_sent on \/root\/Game within 200 ms/);
  });

  test(`a throw inside a setTimeout of one bot is charged to it as errors.script (--workers ${workers})`, async (t) => {
    const url = await embedded(t);
    const run = await swarm([
      `${FIX}/timer-throw.ts`,
      "--url",
      url,
      "--bots",
      "3",
      "--duration",
      "2s",
      "--workers",
      workers,
    ]);
    t.is(run.code, 1, run.stderr);
    t.deepEqual(run.res.errors, { script: 1 });
    t.is(run.res.bots.errored, 1);
    t.is(run.res.bots.ended, 2);
    accounted(t, run.res);
    t.deepEqual(run.res.messages?.find((x) => x.kind === "script")?.bots, ["bot-1"]);
    t.regex(run.stdout, /boom in a timer of bot-1/);
  });
}

test("a bot that errors between two iterations runs no further one; the others run all theirs", async (t) => {
  const url = await embedded(t);
  const run = await swarm([
    `${FIX}/error-between-iterations.ts`,
    "--url",
    url,
    "--bots",
    "3",
    "--duration",
    "2s",
  ]);
  t.is(run.code, 1, run.stderr);
  t.deepEqual(run.res.errors, { script: 1 });
  t.is(run.res.bots.errored, 1);
  t.is(run.res.bots.ended, 2);
  accounted(t, run.res);
  t.deepEqual(run.res.messages?.find((x) => x.kind === "script")?.bots, ["bot-2"]);
  // bot-1 and bot-3: three runs each; bot-2: its first only (its end is not run over).
  t.like(run.res.custom?.script_runs, { type: "counter", count: 7 });
});

test("a handler that throws ends its bot, charged as errors.handler", async (t) => {
  const url = await embedded(t);
  const run = await swarm([`${FIX}/handler-throw.ts`, "--url", url, "--bots", "2", "--duration", "2s"]);
  t.is(run.code, 1, run.stderr);
  t.deepEqual(run.res.errors, { handler: 2 });
  t.is(run.res.bots.errored, 2);
  accounted(t, run.res);
  t.regex(run.stdout, /handler bug in bot-1/);
});

test("a fault in no bot's context is the runner's own failure: reports written, exit 4", async (t) => {
  const url = await embedded(t);
  const run = await swarm([`${FIX}/runner-fault.ts`, "--url", url, "--bots", "2", "--duration", "3s"]);
  t.is(run.code, 4, run.stderr);
  t.regex(run.stderr, /runner itself failed.*fault outside any bot/);
  t.regex(run.res.stopped ?? "", /^fatal: fault outside any bot/);
  accounted(t, run.res);
  t.regex(run.stdout, /Swarm summary/);
});

test("a worker thread lost is the runner's own failure: the other workers' bots are reported, exit 4", async (t) => {
  const url = await embedded(t);
  const run = await swarm([
    `${FIX}/worker-exit.ts`,
    "--url",
    url,
    "--bots",
    "4",
    "--duration",
    "2s",
    "--workers",
    "2",
  ]);
  t.is(run.code, 4, run.stderr);
  t.regex(run.res.stopped ?? "", /fatal: worker 0 exited with 9 before its result/);
  // Worker 1 ran bots 2 and 4 (sub-shard 1/2): both ended normally.
  t.is(run.res.bots.started, 2);
  t.is(run.res.bots.ended, 2);
  accounted(t, run.res);
});

// ---- 2. Errors you can read ----

test("distinct messages with counts, first bots and a stack starting in the user's file, everywhere", async (t) => {
  const url = await embedded(t);
  const run = await swarm([`${FIX}/boom.ts`, "--url", url, "--bots", "5", "--duration", "2s"]);
  t.is(run.code, 1, run.stderr);
  t.deepEqual(run.res.errors, { script: 5 });
  accounted(t, run.res);
  const boom = run.res.messages?.find((m) => m.message === "boom from bot-2");
  t.is(boom?.count, 3);
  t.deepEqual(boom?.bots, ["bot-1", "bot-2", "bot-3"]);
  const firstFrame = boom?.stack?.split("\n").find((l) => /^\s+at /.test(l));
  t.regex(firstFrame ?? "", /fixtures\/boom\.ts/);
  t.is(run.res.messages?.find((m) => m.message === "other failure")?.count, 2);
  t.regex(run.stdout, /×3 {2}script {2}boom from bot-2 {2}first: bot-1, bot-2, bot-3/);
  t.regex(run.stdout, /×2 {2}script {2}other failure/);
  t.regex(run.stdout, /boom\.ts/);
  t.regex(run.stderr, /most frequent: "boom from bot-2" ×3/);
  const { html, junit } = await reports(run);
  t.regex(
    html,
    /data-table="messages-errors"[\s\S]*boom from bot-2[\s\S]*bot-1, bot-2, bot-3[\s\S]*boom\.ts/,
  );
  t.regex(junit, /×3 script: boom from bot-2 \(first: bot-1, bot-2, bot-3\)[\s\S]*boom\.ts/);
});

test("the live line names the most frequent error", async (t) => {
  const url = await embedded(t);
  const dir = await mkdtemp(join(tmpdir(), "gp-swarm-"));
  const r = await runCli([
    "swarm",
    `${FIX}/boom.ts`,
    "--url",
    url,
    "--bots",
    "5",
    "--duration",
    "3s",
    "--progress",
    "plain",
    "--json",
    join(dir, "r.json"),
  ]);
  t.is(r.code, 1);
  t.regex(r.stdout, /^t=\d+s .*errors \d+ .*most: "boom from bot-2" ×3/m);
});

// ---- 3 & 4. Every bot accounted for; a gate that means what it says ----

test("a TCP black hole: no bot can join, the run stops early, exit 3 with the reason", async (t) => {
  const s = await blackHole(t);
  const run = await swarm([`${FIX}/stay.ts`, "--url", s.url, "--bots", "4", "--duration", "30s"]);
  t.is(run.code, 3, run.stderr);
  t.is(run.res.stopped, "no-connect");
  t.is(run.res.bots.failed, 4);
  t.deepEqual(run.res.connectFailures, { unfinished: 4 });
  accounted(t, run.res);
  t.regex(run.stderr, /no bot could connect .*unfinished 4/);
  t.true(run.res.endedAt - run.res.startedAt < 10_000, "a run that stops early");
});

test("a server that upgrades then stays silent: bots that never join are counted, exit 1 or 3, never 0", async (t) => {
  const s = await upgradeThenSilent(t);
  const run = await swarm([`${FIX}/stay.ts`, "--url", s.url, "--bots", "3", "--duration", "2s"]);
  t.is(run.code, 3, run.stderr);
  t.is(run.res.bots.failed, 3);
  accounted(t, run.res);
});

test("a proxy that hangs every second connection: the hung bots fail the gate, exit 1, and the run ends on time", async (t) => {
  const url = await embedded(t);
  const proxy = await hangEverySecond(t, Number(new URL(url).port));
  const run = await swarm([
    `${FIX}/stay.ts`,
    "--url",
    proxy.url,
    "--bots",
    "6",
    "--duration",
    "3s",
    "--threshold",
    "connect_failures==0",
  ]);
  t.is(run.code, 1, run.stderr);
  t.is(run.res.bots.started, 6);
  t.is(run.res.bots.connected, 3);
  t.is(run.res.bots.failed, 3);
  t.is(run.res.bots.ended, 3);
  accounted(t, run.res);
  t.is(run.res.thresholds[0]?.passed, false);
  t.regex(run.stderr, /3 bots failed to connect or join/);
  // The run ends at 3 s + at most 2 s of grace (its summary at 9.7 s before), and the process
  // right after its summary (it used to take 40 s).
  t.true(run.res.endedAt - run.res.startedAt < 3_000 + 2_000 + 1_500, "the run's bounded end");
  t.true(run.exitedAt - run.res.endedAt < 5_000, "exit right after the summary");
});

test("a server that kicks every bot mid-run: errors.disconnected with code, reason and who; exit 1", async (t) => {
  const s = await kicker(t, 500);
  const run = await swarm([`${FIX}/stay.ts`, "--url", s.url, "--bots", "4", "--duration", "2s"]);
  t.is(run.code, 1, run.stderr);
  t.deepEqual(run.res.errors, { disconnected: 4 });
  t.is(run.res.bots.disconnected, 4);
  accounted(t, run.res);
  const m = run.res.messages?.find((x) => x.kind === "disconnected");
  t.is(m?.message, 'closed by the server with 4000 "kicked"');
  t.is(m?.count, 4);
  t.regex(
    run.stderr,
    /4 bots disconnected unexpectedly; most frequent: "closed by the server with 4000 \\"kicked\\"|4 bots disconnected unexpectedly; most frequent: "closed by the server with 4000 "kicked"" ×4/,
  );
  const allowed = await swarm([
    `${FIX}/stay.ts`,
    "--url",
    s.url,
    "--bots",
    "2",
    "--duration",
    "2s",
    "--allow-errors",
  ]);
  t.is(allowed.code, 0, allowed.stderr);
  t.is(allowed.res.bots.disconnected, 2);
});

test("a script that expects the close: the kick ends its bot normally", async (t) => {
  const s = await kicker(t, 300);
  const run = await swarm([`${FIX}/expect-close.ts`, "--url", s.url, "--bots", "3", "--duration", "2s"]);
  t.is(run.code, 0, run.stderr);
  t.is(run.res.bots.ended, 3);
  t.deepEqual(run.res.errors, {});
  accounted(t, run.res);
});

test("nothing listening: the run stops at once (not after its 30 s), exit 3, refused counted and named", async (t) => {
  const url = await nothingListening();
  const run = await swarm([`${FIX}/stay.ts`, "--url", url, "--bots", "5", "--duration", "30s"]);
  t.is(run.code, 3, run.stderr);
  t.deepEqual(run.res.connectFailures, { refused: 5 });
  accounted(t, run.res);
  t.regex(run.stderr, /no bot could connect to ws:\/\/127\.0\.0\.1:\d+ \(refused 5\): .*ECONNREFUSED/);
  t.true(run.res.endedAt - run.res.startedAt < 10_000, "a run that stops early");
});

for (const [what, server] of [
  ["bytes that are no WebSocket frame", garbageAfterUpgrade],
  ["a frame too short for a Godot packet", shortFrameAfterUpgrade],
] as const) {
  test(`${what} right after the 101 fails the bot at once with reason protocol`, async (t) => {
    const s = await server(t);
    const run = await swarm([`${FIX}/stay.ts`, "--url", s.url, "--bots", "3", "--duration", "20s"]);
    t.is(run.code, 3, run.stderr);
    t.deepEqual(run.res.connectFailures, { protocol: 3 });
    accounted(t, run.res);
    // At once: not after a 10 s join timeout (the run stops when every attempt has failed).
    t.true(run.res.endedAt - run.res.startedAt < 8_000, "failed at once");
  });
}

test("SIGTERM (a pod's end) writes every report and exits 143, with worker threads too", async (t) => {
  for (const workers of ["1", "2"]) {
    let child: ChildProcess | undefined;
    const url = await embedded(t);
    const running = swarm(
      [
        `${FIX}/stay.ts`,
        "--url",
        url,
        "--bots",
        "4",
        "--duration",
        "60s",
        "--workers",
        workers,
        "--progress",
        "plain",
      ],
      (c) => {
        child = c;
        // Once it reports progress (the handlers are installed), terminate it.
        const check = () => {
          c.stdout?.once("data", (d: string) =>
            /t=\d+s connected 4\//.test(d) ? c.kill("SIGTERM") : check(),
          );
        };
        check();
      },
    );
    const run = await running;
    t.truthy(child);
    t.is(run.code, 143, run.stdout + run.stderr);
    t.is(run.res.stopped, "SIGTERM");
    t.is(run.res.bots.ended, 4);
    accounted(t, run.res);
    const { html, junit } = await reports(run);
    t.regex(html, /SIGTERM/);
    t.regex(junit, /<testsuite/);
  }
});

test("checked before the run: an unwritable report path, a bad port; exit 2 at once", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-swarm-"));
  const locked = join(dir, "locked");
  await mkdir(locked);
  await chmod(locked, 0o500);
  t.teardown(() => chmod(locked, 0o700));
  const cases: [string[], RegExp][] = [
    [["--json", join(dir, "no/such/dir/r.json")], /--json .*: no directory/],
    [["--html", dir], /--html .*: is a directory/],
    [["--url", "ws://127.0.0.1:abc"], /the port "abc" is not a number/],
  ];
  if (process.getuid?.() !== 0) cases.push([["--junit", join(locked, "r.xml")], /--junit .*not writable/]);
  for (const [args, message] of cases) {
    const r = await runCli(["swarm", `${FIX}/stay.ts`, "--duration", "30s", "--progress", "none", ...args]);
    t.is(r.code, 2, args.join(" "));
    t.regex(r.stderr, message);
    t.notRegex(r.stdout, /Swarm summary/);
  }
});

test("a misspelt method threshold: warned at start, failed at the end, every report written", async (t) => {
  const url = await embedded(t);
  const run = await swarm([
    "test/cli/fixtures/pinger.ts",
    "--url",
    url,
    "--bots",
    "2",
    "--duration",
    "1s",
    "--threshold",
    "method.Game:pnig.rtt.p99<50ms",
    "--threshold",
    "errors==0",
  ]);
  t.is(run.code, 1, run.stderr);
  t.regex(run.stderr, /warning: thresholds name methods \(Game:pnig\)/);
  t.regex(run.stderr, /threshold broken: .*no method "Game:pnig" in this run; methods: .*Game:ping/);
  t.deepEqual(
    run.res.thresholds.map((x) => x.passed),
    [false, true],
  );
  const { html, junit } = await reports(run);
  t.regex(html, /Game:pnig/);
  t.regex(junit, /Game:pnig/);
});

// ---- 5. Counts that are right ----

test("one timeout per bot counts once per bot", async (t) => {
  const url = await embedded(t);
  const run = await swarm([`${FIX}/one-timeout.ts`, "--url", url, "--bots", "4", "--duration", "2s"]);
  t.is(run.code, 1);
  t.deepEqual(run.res.errors, { timeout: 4 });
  t.is(run.res.timeouts, 4);
  t.is(run.res.counters["errors.timeout"], 4);
  accounted(t, run.res);
});

test("calls_out counts rpc() calls, packets_out the packets they became", async (t) => {
  const url = await embedded(t);
  const run = await swarm([`${FIX}/broadcaster.ts`, "--url", url, "--bots", "3", "--duration", "2s"]);
  t.is(run.code, 0, run.stderr);
  const chat = run.res.methods["Game:chat"];
  t.is(chat?.callsOut, 15);
  // The first broadcast of each bot goes to each peer by path: more packets than calls.
  t.true((chat?.packetsOut ?? 0) > 15, String(chat?.packetsOut));
  t.is(run.res.counters.calls_out, 15);
  // The drops of the others' broadcasts show Godot's own message.
  const drop = run.res.messages?.find((m) => m.kind === "dropped:unknown-method");
  t.regex(
    drop?.message ?? "",
    /^RPC 'chat(_message)?' is not allowed on node \/root\/Game from: \d+\. Mode is 0 \(DISABLED\)/,
  );
  t.regex(run.stdout, /Refused packets \(Godot's message\)/);
});

// ---- 7. Results usable by scripts ----

test("the JSON has plain numbers beside the histograms, every counter and each verdict", async (t) => {
  const url = await embedded(t);
  const run = await swarm([
    "test/cli/fixtures/pinger.ts",
    "--url",
    url,
    "--bots",
    "2",
    "--duration",
    "1s",
    "--threshold",
    "rtt.p99<10s",
  ]);
  t.is(run.code, 0, run.stderr);
  const rtt = run.res.latency.rtt;
  for (const k of ["count", "min", "mean", "p50", "p90", "p95", "p99", "p999", "max"] as const) {
    t.is(typeof rtt[k], "number", k);
  }
  t.true((rtt.count ?? 0) > 0);
  t.is(typeof run.res.latency.connect.p99, "number");
  t.is(typeof run.res.latency.methods["Game:ping"]?.p50, "number");
  for (const k of [
    "msgs_in",
    "msgs_out",
    "bytes_in",
    "bytes_out",
    "rpcs",
    "calls_out",
    "packets_out",
    "errors",
    "bots_started",
  ]) {
    t.is(typeof run.res.counters[k], "number", k);
  }
  t.deepEqual(
    run.res.thresholds.map((x) => [x.expr, x.passed]),
    [["rtt.p99<10s", true]],
  );
  t.is(run.res.verdict.passed, true);
});

// ---- 8. Against a real Godot 3.6.2 ----

test("against a real Godot 3.6.2: a buggy bot and a floating timeout are contained and explained; hung connections fail the gate", async (t) => {
  const godot = await startFixture(t, "3.6.2", "game_server.gd");
  const url = `ws://127.0.0.1:${godot.port}`;
  const run = await swarm([`${FIX}/floating-timeout.ts`, "--url", url, "--bots", "3", "--duration", "2s"]);
  t.is(run.code, 1, run.stderr);
  t.deepEqual(run.res.errors, { timeout: 1 });
  t.is(run.res.bots.ended, 2);
  accounted(t, run.res);
  const boom = await swarm([`${FIX}/boom.ts`, "--url", url, "--bots", "4", "--duration", "2s"]);
  t.is(boom.code, 1);
  t.is(boom.res.messages?.find((m) => m.message === "boom from bot-2")?.count, 3);
  accounted(t, boom.res);
  // Behind a proxy that hangs every second connection: the hung bots fail the gate, on time.
  const proxy = await hangEverySecond(t, godot.port);
  const hung = await swarm([`${FIX}/stay.ts`, "--url", proxy.url, "--bots", "4", "--duration", "2s"]);
  t.is(hung.code, 1, hung.stderr);
  t.is(hung.res.bots.connected, 2);
  t.is(hung.res.bots.failed, 2);
  accounted(t, hung.res);
  t.true(hung.res.endedAt - hung.res.startedAt < 2_000 + 2_000 + 1_500, "the run's bounded end");
  t.deepEqual(godot.errorLines(), []);
});
