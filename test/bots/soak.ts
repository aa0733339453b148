/**
 * The session soak's run and checks, for each engine's fixture (fixtures/session-soak*.ts): a
 * child with --expose-gc, its one JSON line, and the bounds, as ratios of the first and last
 * window (a session that kept one object per reconnect fails them many times over).
 */
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { ExecutionContext } from "ava";

const run = promisify(execFile);

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

export async function soak(t: ExecutionContext, fixture: string, cycles: number): Promise<void> {
  t.timeout(110_000);
  const file = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  // Exits by itself after stop(): no timer, socket or listener of the session keeps it alive
  // (execFile's timeout would kill a process that lingers, and the test fails).
  const { stdout } = await run(
    process.execPath,
    ["--expose-gc", "--import=tsx", "--conditions=source", file, String(cycles), "10", "5"],
    { timeout: 100_000 },
  );
  const s = JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as Soak;
  t.log(
    `${s.cycles} cycles, ${s.calls} calls in ${s.seconds} s; heap MB by window:`,
    s.samples.map((w) => (w.heapUsed / 1e6).toFixed(2)).join(" "),
    "; RSS MB:",
    s.samples.map((w) => (w.rss / 1e6).toFixed(0)).join(" "),
  );
  t.is(s.handled, cycles, "each cycle's handler call ran, on each new bot");
  t.is(s.rejectedWaits, cycles, "each lost bot's pending wait was rejected");
  t.is(s.errors, 0);
  t.true(s.frames > 0);
  t.is(s.players, 0, "the server forgot every player");
  t.is(s.sessionListeners, 0);
  t.is(s.samples.length, 10);
  const first = s.samples[0];
  const last = s.samples.at(-1);
  if (!first || !last) return t.fail("no samples");
  const heapRatio = last.heapUsed / first.heapUsed;
  const perCycle = (last.heapUsed - first.heapUsed) / (last.cycle - first.cycle);
  t.true(heapRatio < 1.2, `heap after GC, last/first window: ${heapRatio.toFixed(3)}`);
  // One bot kept per reconnect is ~8 KB a cycle; the JIT's code alone is a few hundred bytes early on.
  t.true(perCycle < 1024, `heap growth per reconnect: ${perCycle.toFixed(0)} B`);
  const rssRatio = last.rss / first.rss;
  t.true(rssRatio < 1.5, `RSS, last/first window: ${rssRatio.toFixed(3)}`);
}
