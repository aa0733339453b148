/**
 * Issue #16 point 1 (and the CLI side of 3, 4, 5, 6): a test as a module. `export const options`
 * holds what the flags hold, checked key by key; flags win; `--env` reaches ctx.env; scenarios,
 * data files, checks, custom metrics and abortOnFail work from the command line.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { SwarmResult } from "../../src/bots/index.js";
import { OptionsError, validateOptions } from "../../src/cli/swarm-options.js";
import { runCli } from "../harness/cli.js";

const FIX = "test/cli/fixtures/k6";

async function run(
  args: string[],
): Promise<{ code: number | null; stderr: string; stdout: string; result?: SwarmResult }> {
  const dir = await mkdtemp(join(tmpdir(), "gp-k6-"));
  const out = join(dir, "r.json");
  const r = await runCli(["swarm", ...args, "--progress", "none", "--json", out]);
  let result: SwarmResult | undefined;
  try {
    result = JSON.parse(await readFile(out, "utf8")) as SwarmResult;
  } catch {
    result = undefined;
  }
  return { ...r, ...(result ? { result } : {}) };
}

test("options are checked key by key: the error names the bad key, and the closest for a typo", (t) => {
  const cases: [unknown, RegExp][] = [
    [{ stage: [] }, /^options\.stage: unknown option; did you mean "stages"\?/],
    [
      {
        stages: [
          { duration: "1s", target: 2 },
          { duration: "1s", target: -1 },
        ],
      },
      /^options\.stages\[1\]\.target: /,
    ],
    [{ stages: [{ duration: "10", target: 2 }] }, /^options\.stages\[0\]\.duration: "10" has no unit/],
    [
      { think: { distribution: "poisson", mean: "1s" } },
      /^options\.think\.distribution: "poisson" is not uniform, normal or exponential/,
    ],
    [
      { think: { distribution: "uniform", min: "2s", max: "1s" } },
      /^options\.think: uniform needs 0 ≤ min ≤ max/,
    ],
    [{ ramp: "5/s", arrivalRate: "5/s" }, /^options: ramp \(closed model\) and arrivalRate/],
    [
      { data: { file: "x.csv", order: "shuffled" } },
      /^options\.data\.order: "shuffled" is not index, round-robin, random, unique/,
    ],
    [{ connect: { godot: 5 } }, /^options\.connect\.godot: 5 is not 3 or 4/],
    [
      { connect: { customHeaders: "Authorization: x" } },
      /^options\.connect\.customHeaders: an array of strings/,
    ],
    [
      { scenarios: { chat: { weigth: 2 } } },
      /^options\.scenarios\.chat\.weigth: unknown option; did you mean "weight"\?/,
    ],
    [{ thresholds: { rtt: "p(95)<5ms" } }, /^options\.thresholds\["rtt"\]: an array of conditions/],
    [{ bots: 2.5 }, /^options\.bots: 2\.5 is not a whole number/],
  ];
  for (const [options, message] of cases) {
    t.throws(() => validateOptions(options), { instanceOf: OptionsError, message }, JSON.stringify(options));
  }
  // An engine's own connection options (a Godot 4 auth, say) pass through as given.
  t.notThrows(() => validateOptions({ connect: { godot: 4, auth: { token: "x" } } }));
  t.notThrows(() => validateOptions({ connect: () => ({}) }));
});

test("a bad options export is a usage error (exit 2) naming the key, before any bot runs", async (t) => {
  const r = await run([`${FIX}/bad-options.ts`]);
  t.is(r.code, 2);
  t.regex(r.stderr, /options\.stage: unknown option; did you mean "stages"\?/);
});

test("options run the test; flags win over them; --env reaches ctx.env; each bot gets its data row", async (t) => {
  const r = await run([`${FIX}/module.ts`, "--bots", "2", "--env", "GREETING=hi"]);
  t.is(r.code, 0, r.stderr);
  const res = r.result as SwarmResult;
  // --bots 2 over options.bots 3; options.iterations 2 on one connection each.
  t.is(res.bots.started, 2);
  t.is(res.bots.connected, 2);
  t.is(res.checks?.["--env GREETING reaches ctx.env"]?.passes, 4);
  t.is(res.checks?.["--env GREETING reaches ctx.env"]?.fails, 0);
  t.deepEqual(res.checks?.["bot 0 has its row"], { passes: 2, fails: 0 });
  t.deepEqual(res.checks?.["bot 1 has its row"], { passes: 2, fails: 0 });
  t.like(res.custom?.module_pings, { type: "counter", count: 4 });
  // The options' thresholds were judged (k6's record form spelled out).
  t.regex(r.stdout, /checks\.rate==100%/);
  t.regex(r.stdout, /module_pings\.count>=1/);
});

test("without --env, the options' env stands under the process environment, and a failing check fails its threshold", async (t) => {
  const r = await run([`${FIX}/module.ts`, "--bots", "1"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /threshold broken: checks\.rate==100%/);
  t.deepEqual(r.result?.checks?.["--env GREETING reaches ctx.env"], { passes: 0, fails: 2 });
});

test("--threshold flags replace the options' thresholds; one on an undeclared metric is a usage error", async (t) => {
  const r = await run([`${FIX}/module.ts`, "--bots", "1", "--threshold", "module_pings.count==2"]);
  t.is(r.code, 0, r.stderr);
  const bad = await run([`${FIX}/module.ts`, "--threshold", "module_ping.count==2"]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown metric "module_ping.count"\.[^\n]*Did you mean "module_pings.count"\?/);
});

test("weighted scenarios: each its own export and tags; metrics split by scenario; thresholds select them", async (t) => {
  const r = await run([`${FIX}/scenarios.ts`]);
  t.is(r.code, 0, r.stderr);
  const res = r.result as SwarmResult;
  t.is(res.bots.started, 4);
  t.is(res.scenarios?.chat?.bots.started, 3);
  t.is(res.scenarios?.idle?.bots.started, 1);
  t.deepEqual(res.scenarios?.chat?.tags, { room: "a" });
  t.truthy(res.scenarios?.chat?.methods["Game:ping"]);
  t.falsy(res.scenarios?.idle?.methods["Game:ping"]);
  t.regex(r.stdout, /rtt\{scenario:chat\}\.p\(95\)<10s/);
  // The same thresholds judged on the scenarios of two worker threads, merged.
  const w = await run([`${FIX}/scenarios.ts`, "--workers", "2"]);
  t.is(w.code, 0, w.stderr);
  t.is(w.result?.scenarios?.chat?.bots.started, 3);
  t.is(w.result?.scenarios?.idle?.bots.started, 1);
});

test("abortOnFail: a threshold that breaks stops the run after its delay, long before its time", async (t) => {
  const r = await run([`${FIX}/abort.ts`]);
  t.is(r.code, 1);
  t.regex(r.stderr, /threshold checks\.rate>99% broke \(abortOnFail\)/);
  t.regex(r.result?.stopped ?? "", /^threshold-abort: checks\.rate>99%/);
  const res = r.result as SwarmResult;
  // Stopped by the threshold: the run is far shorter than its 20 s.
  t.true(res.endedAt - res.startedAt < 15_000, String(res.endedAt - res.startedAt));
  // With worker threads: judged on the merge of their runs so far.
  const w = await run([`${FIX}/abort.ts`, "--workers", "2"]);
  t.is(w.code, 1);
  t.regex(w.result?.stopped ?? "", /threshold-abort: checks\.rate>99%/);
  t.true((w.result as SwarmResult).endedAt - (w.result as SwarmResult).startedAt < 15_000);
});

test("data across worker threads: rows shared from the main thread, each unique row given once", async (t) => {
  const r = await run([`${FIX}/unique.ts`, "--workers", "2"]);
  t.is(r.code, 0, r.stderr);
  const res = r.result as SwarmResult;
  t.deepEqual(res.checks, {
    "got row t0": { passes: 1, fails: 0 },
    "got row t1": { passes: 1, fails: 0 },
    "got row t2": { passes: 1, fails: 0 },
  });
  t.is(res.connectFailures.data, 1);
  t.is(res.bots.failed, 1);
});
