/**
 * The benchmark runner's output contract (not its figures: timings are never asserted).
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import test from "ava";
import { formatTable, runBenchmark } from "./harness.js";

const run = promisify(execFile);

test("--json prints one {name, value, unit, baseline, ratio} object per chosen benchmark", async (t) => {
  const { stdout } = await run("npx", [
    "tsx",
    "test/bench/run.ts",
    "--json",
    "--quick",
    "--filter",
    "^variant/",
  ]);
  const lines = stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  t.deepEqual(
    lines.map((l) => l.name),
    ["variant/encode rpc-mix", "variant/decode rpc-mix"],
  );
  for (const l of lines) {
    t.deepEqual(Object.keys(l), ["name", "value", "unit", "baseline", "ratio"]);
    t.is(l.unit, "ops/s");
    t.true((l.value as number) > 0 && (l.baseline as number) > 0);
    t.is(l.ratio, (l.value as number) / (l.baseline as number));
  }
});

test("an unknown --filter is an error that lists the benchmarks", async (t) => {
  const e = await t.throwsAsync(run("npx", ["tsx", "test/bench/run.ts", "--filter", "no-such-bench"]));
  t.regex(String((e as { stderr?: string }).stderr), /variant\/encode rpc-mix/);
});

test("the table names each baseline next to its figure", (t) => {
  const table = formatTable([
    { name: "x/y", value: 2000, unit: "ops/s", baseline: 1000, ratio: 2, baselineName: "other" },
  ]);
  t.regex(table, /x\/y\s+2,000 ops\/s\s+other: 1,000 ops\/s\s+2\.00/);
});

test("maxRounds caps the rounds of a slow measurement; each side is measured that often", async (t) => {
  const measured: string[] = [];
  const side = (name: string, v: number) => ({ name, fn: () => v });
  const r = await runBenchmark(
    {
      name: "x/slow",
      unit: "B",
      ours: side("ours", 3),
      baseline: side("base", 4),
      measure: (s) => {
        measured.push(s.name);
        return s.fn() as number;
      },
      maxRounds: 1,
    },
    { rounds: 7, roundMs: 1, warmupMs: 1 },
  );
  t.deepEqual(measured, ["ours", "base"]);
  t.like(r, { value: 3, baseline: 4, ratio: 0.75, unit: "B" });
});
