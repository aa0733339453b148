/**
 * The repl4 benchmark's contract (never its figure: timings are not asserted): run small, it
 * prints a {name, value, unit, baseline, ratio} line for the reading followers, one for the
 * followers that read nothing and one for bare `ws` clients receiving the same frames (the floor);
 * its clients applied SYNCs (a window with none is an error, not a figure) and say how much they
 * read, and its server and bots' processes are gone when it ends.
 */
import test from "ava";
import { MarkedBenchRun } from "./contract.js";

test("repl4/follow-100-entities (read at 20 Hz), -unread and receive-only-ws with 20 clients: a line each beside the bare decode, no process left behind", async (t) => {
  t.timeout(5 * 60_000);
  const bench = new MarkedBenchRun();
  const { lines, stderr } = await bench.quick("^repl4/", { GP_REPL4_BOTS: "20" });
  t.deepEqual(
    lines.map((l) => l.name),
    ["repl4/follow-100-entities", "repl4/follow-100-entities-unread", "repl4/receive-only-ws"],
  );
  for (const l of lines) {
    t.true(l.value > 0 && l.baseline > 0);
    t.is(l.ratio, l.value / l.baseline);
    t.regex(l.unit, /lower is better/);
  }
  const windows = [...stderr.matchAll(/entries\/s applied .*, 0 unknown; ([\d.]+) reads a value received/g)];
  t.true(windows.length >= 3, "every window says what it applied and read");
  // The unread row's and the floor's windows come last: nothing reads there.
  t.is(windows.at(-1)?.[1], "0.00");
  t.deepEqual(
    await bench.children((cmd) => cmd.includes("test/bench/fixtures/repl4-")),
    [],
    "child processes left running",
  );
});
