/**
 * The runner benchmarks' contract (never their figures: timings are not asserted): with --quick
 * each prints one {name, value, unit, baseline, ratio} line beside its baseline, and every child
 * process it started (game servers, `godot-peer swarm` runs, bare bot holders) is gone at the end.
 */
import test from "ava";
import { MarkedBenchRun } from "./contract.js";

test("--quick: the three runner benchmarks, each beside its baseline, leave no process behind", async (t) => {
  t.timeout(5 * 60_000);
  const bench = new MarkedBenchRun();
  const { lines } = await bench.quick("^runner/");
  t.deepEqual(
    lines.map((l) => l.name),
    ["runner/memory-per-idle-bot", "runner/round-trips-per-cpu-second", "runner/round-trips-plain-script"],
  );
  for (const l of lines) {
    t.deepEqual(Object.keys(l), ["name", "value", "unit", "baseline", "ratio"]);
    t.true(Number.isFinite(l.value) && Number.isFinite(l.baseline), l.name);
    t.is(l.ratio, l.value / l.baseline);
  }
  // Memory is the heap the bots' objects take (an RSS slope over a few hundred bots may come out
  // at or below zero: two processes' RSS differ by more than that): every bot adds to it.
  t.true((lines[0]?.value ?? 0) > 0 && (lines[0]?.baseline ?? 0) > 0, JSON.stringify(lines[0]));
  t.true((lines[1]?.value ?? 0) > 0 && (lines[1]?.baseline ?? 0) > 0);
  t.true((lines[2]?.value ?? 0) > 0 && (lines[2]?.baseline ?? 0) > 0);
  t.regex(lines[0]?.unit ?? "", /^B heap used\/idle bot.*lower is better/);
  t.is(lines[1]?.unit, "round trips/CPU-s");
  t.is(lines[2]?.unit, "round trips/CPU-s");
  t.deepEqual(
    await bench.children((cmd) => cmd.includes("test/bench/fixtures/")),
    [],
    "child processes left running",
  );
});
