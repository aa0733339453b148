/**
 * The swarm benchmarks' contract (never their figures: timings are not asserted): with --quick
 * each prints one {name, value, unit, baseline, ratio} line beside its baseline, and every child
 * process it started (servers, bot holders, Godot) is gone when the run ends.
 */
import test from "ava";
import { MarkedBenchRun } from "./contract.js";

test("--quick: the Godot 3 and Godot 4 swarm benchmarks, each beside its baseline, leave no process behind", async (t) => {
  t.timeout(8 * 60_000);
  const bench = new MarkedBenchRun();
  const { lines } = await bench.quick("^swarm4?/");
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
  const left = await bench.children(
    (cmd) => cmd.includes("test/bench/fixtures/") || cmd.includes("game_client.gd"),
  );
  t.deepEqual(left, [], "child processes left running");
});
