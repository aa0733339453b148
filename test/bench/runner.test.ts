/**
 * The runner benchmarks' contract (never their figures: timings are not asserted): with --quick
 * each prints one {name, value, unit, baseline, ratio} line beside its baseline, and every child
 * process it started (game servers, `godot-peer swarm` runs, bare bot holders) is gone at the end.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import test from "ava";

const run = promisify(execFile);

/** Set in the environment of the run under test, and so of every process it starts. */
const MARK = `GODOT_PEER_BENCH_RUN=${process.pid}-${Date.now()}`;

async function benchChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmd.includes("test/bench/fixtures/")) continue;
    const env = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (env.split("\0").includes(MARK)) pids.push(Number(entry));
  }
  return pids;
}

test("--quick: the two runner benchmarks, each beside its baseline, leave no process behind", async (t) => {
  t.timeout(5 * 60_000);
  const { stdout } = await run(
    "npx",
    ["tsx", "test/bench/run.ts", "--json", "--quick", "--filter", "^runner/"],
    { maxBuffer: 1 << 24, env: { ...process.env, [MARK.split("=")[0]!]: MARK.split("=")[1]! } },
  );
  const lines = stdout
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { name: string; value: number; unit: string; baseline: number; ratio: number },
    );
  t.deepEqual(
    lines.map((l) => l.name),
    ["runner/memory-per-idle-bot", "runner/round-trips-per-cpu-second"],
  );
  for (const l of lines) {
    t.deepEqual(Object.keys(l), ["name", "value", "unit", "baseline", "ratio"]);
    t.true(Number.isFinite(l.value) && Number.isFinite(l.baseline), l.name);
    t.is(l.ratio, l.value / l.baseline);
  }
  // A slope over a few hundred bots may come out at or below zero (two processes' RSS differ by
  // more than that); round trips are always counted.
  t.true((lines[1]?.value ?? 0) > 0 && (lines[1]?.baseline ?? 0) > 0);
  t.regex(lines[0]?.unit ?? "", /lower is better/);
  t.is(lines[1]?.unit, "round trips/CPU-s");
  t.deepEqual(await benchChildren(), [], "child processes left running");
});
