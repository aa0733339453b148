/**
 * The repl4 benchmark's contract (never its figure: timings are not asserted): run small, it
 * prints one {name, value, unit, baseline, ratio} line, its bots applied SYNCs (a window with none
 * is an error, not a figure), and its server and bots' processes are gone when it ends.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import test from "ava";

const run = promisify(execFile);
const MARK = `GODOT_PEER_BENCH_RUN=${process.pid}-${Date.now()}`;

async function fixtures(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!cmd.includes("test/bench/fixtures/repl4-")) continue;
    const env = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (env.split("\0").includes(MARK)) pids.push(Number(entry));
  }
  return pids;
}

test("repl4/follow-100-entities with 20 bots: one line beside the bare decode, no process left behind", async (t) => {
  t.timeout(5 * 60_000);
  const [key, value] = MARK.split("=") as [string, string];
  const { stdout, stderr } = await run(
    "npx",
    ["tsx", "test/bench/run.ts", "--json", "--quick", "--filter", "^repl4/"],
    { maxBuffer: 1 << 24, env: { ...process.env, [key]: value, GP_REPL4_BOTS: "20" } },
  );
  const lines = stdout
    .trim()
    .split("\n")
    .map(
      (l) => JSON.parse(l) as { name: string; value: number; unit: string; baseline: number; ratio: number },
    );
  t.deepEqual(
    lines.map((l) => l.name),
    ["repl4/follow-100-entities"],
  );
  const [l] = lines;
  t.true(l!.value > 0 && l!.baseline > 0);
  t.is(l!.ratio, l!.value / l!.baseline);
  t.regex(l!.unit, /lower is better/);
  t.regex(stderr, /entries\/s applied .*, 0 unknown/);
  t.deepEqual(await fixtures(), [], "child processes left running");
});
