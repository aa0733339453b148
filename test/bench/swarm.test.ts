/**
 * The swarm benchmarks' contract (never their figures: timings are not asserted): with --quick
 * each prints one {name, value, unit, baseline, ratio} line beside its baseline, and every child
 * process it started (servers, bot holders, Godot) is gone when the run ends.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";
import test from "ava";

const run = promisify(execFile);

/** Set in the environment of the run under test, and so of every process it starts. */
const MARK = `GODOT_PEER_BENCH_RUN=${process.pid}-${Date.now()}`;

/** Pids of processes running one of our fixtures or a copy of the fixture Godot project. */
async function benchChildren(): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
    if (!(cmd.includes("test/bench/fixtures/") || cmd.includes("game_client.gd"))) continue;
    // This run's only (they inherit its mark): another checkout's benchmarks on the same machine are not ours.
    const env = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
    if (env.split("\0").includes(MARK)) pids.push(Number(entry));
  }
  return pids;
}

test("--quick: the Godot 3 and Godot 4 swarm benchmarks, each beside its baseline, leave no process behind", async (t) => {
  t.timeout(8 * 60_000);
  const before = new Set(await benchChildren());
  const { stdout } = await run(
    "npx",
    ["tsx", "test/bench/run.ts", "--json", "--quick", "--filter", "^swarm4?/"],
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
    [
      "swarm/memory-per-idle-bot",
      "swarm/rpc-round-trips",
      "swarm/bot-memory-vs-godot-client",
      "swarm/largest-swarm",
      "swarm4/memory-per-idle-bot",
      "swarm4/rpc-round-trips",
      "swarm4/largest-swarm-relay-off",
      "swarm4/largest-swarm-relay-on",
    ],
  );
  for (const l of lines) {
    t.deepEqual(Object.keys(l), ["name", "value", "unit", "baseline", "ratio"]);
    t.true(l.value > 0 && l.baseline > 0, l.name);
    t.is(l.ratio, l.value / l.baseline);
  }
  const byName = new Map(lines.map((l) => [l.name, l]));
  t.regex(byName.get("swarm/memory-per-idle-bot")?.unit ?? "", /lower is better/);
  t.regex(byName.get("swarm/bot-memory-vs-godot-client")?.unit ?? "", /lower is better/);
  t.regex(byName.get("swarm4/memory-per-idle-bot")?.unit ?? "", /lower is better/);
  t.is(byName.get("swarm/rpc-round-trips")?.unit, "round trips/s");
  t.is(byName.get("swarm4/rpc-round-trips")?.unit, "round trips/s");
  // The quick swarms aim at 200 bots; what they held can be fewer, never more.
  for (const name of [
    "swarm/largest-swarm",
    "swarm4/largest-swarm-relay-off",
    "swarm4/largest-swarm-relay-on",
  ]) {
    const swarm = byName.get(name);
    t.is(swarm?.baseline, 200, name);
    t.true((swarm?.value ?? Infinity) <= 200, name);
  }
  const left = (await benchChildren()).filter((p) => !before.has(p));
  t.deepEqual(left, [], "child processes left running");
});
