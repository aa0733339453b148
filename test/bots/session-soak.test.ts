/**
 * BotSession over a long life, at an accelerated rate (issue #14 point 8): thousands of
 * reconnects and tens of thousands of calls in one process (server and session both), with the
 * heap after full GC and the RSS compared between the first and the last window of cycles.
 * Bounds are ratios, not times: a session that kept one object per reconnect (a bot, a waiter,
 * a listener, a timer) would fail them many times over.
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import test from "ava";

const run = promisify(execFile);
const fixture = fileURLToPath(new URL("./fixtures/session-soak.ts", import.meta.url));

interface Soak {
  cycles: number;
  calls: number;
  seconds: number;
  handled: number;
  frames: number;
  rejectedWaits: number;
  errors: number;
  players: number;
  sessionListeners: number;
  samples: { cycle: number; heapUsed: number; rss: number }[];
}

test("3,000 reconnects and 21,000 calls: flat heap after GC, bounded RSS, nothing left behind; the process then exits by itself", async (t) => {
  t.timeout(110_000);
  const cycles = 3000;
  // Exits by itself after stop(): no timer, socket or listener of the session keeps it alive
  // (execFile's timeout would kill a process that lingers, and the test fails).
  const { stdout } = await run(
    process.execPath,
    ["--expose-gc", "--import=tsx", "--conditions=source", fixture, String(cycles), "10", "5"],
    { timeout: 100_000 },
  );
  const soak = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Soak;
  t.log(
    `${soak.cycles} cycles, ${soak.calls} calls in ${soak.seconds} s; heap MB by window:`,
    soak.samples.map((s) => (s.heapUsed / 1e6).toFixed(2)).join(" "),
    "; RSS MB:",
    soak.samples.map((s) => (s.rss / 1e6).toFixed(0)).join(" "),
  );
  t.is(soak.handled, cycles, "each cycle's handler call ran, on each new bot");
  t.is(soak.rejectedWaits, cycles, "each lost bot's pending wait was rejected");
  t.is(soak.errors, 0);
  t.true(soak.frames > 0);
  t.is(soak.players, 0, "the server forgot every player");
  t.is(soak.sessionListeners, 0);
  t.is(soak.samples.length, 10);
  const first = soak.samples[0];
  const last = soak.samples.at(-1);
  if (!first || !last) return t.fail("no samples");
  const heapRatio = last.heapUsed / first.heapUsed;
  const perCycle = (last.heapUsed - first.heapUsed) / (last.cycle - first.cycle);
  t.true(heapRatio < 1.2, `heap after GC, last/first window: ${heapRatio.toFixed(3)}`);
  // One bot kept per reconnect would be tens of KB a cycle; the JIT's code alone is a few hundred bytes early on.
  t.true(perCycle < 1024, `heap growth per reconnect: ${perCycle.toFixed(0)} B`);
  const rssRatio = last.rss / first.rss;
  t.true(rssRatio < 1.5, `RSS, last/first window: ${rssRatio.toFixed(3)}`);
});
