/**
 * The repl4 benchmark's contract (never its figure: timings are not asserted): run small, it
 * prints one {name, value, unit, baseline, ratio} line, its bots applied SYNCs (a window with none
 * is an error, not a figure), and its server and bots' processes are gone when it ends.
 */
import test from "ava";
import { MarkedBenchRun } from "./contract.js";

test("repl4/follow-100-entities with 20 bots: one line beside the bare decode, no process left behind", async (t) => {
  t.timeout(5 * 60_000);
  const bench = new MarkedBenchRun();
  const { lines, stderr } = await bench.quick("^repl4/", { GP_REPL4_BOTS: "20" });
  t.deepEqual(
    lines.map((l) => l.name),
    ["repl4/follow-100-entities"],
  );
  const [l] = lines;
  t.true(l!.value > 0 && l!.baseline > 0);
  t.is(l!.ratio, l!.value / l!.baseline);
  t.regex(l!.unit, /lower is better/);
  t.regex(stderr, /entries\/s applied .*, 0 unknown/);
  t.deepEqual(
    await bench.children((cmd) => cmd.includes("test/bench/fixtures/repl4-")),
    [],
    "child processes left running",
  );
});
