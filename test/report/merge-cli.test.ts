/**
 * `godot-peer merge` as CI runs it: shard files in, the merged summary and reports out,
 * thresholds judged on the merge, and the documented exit codes (0 pass, 1 broken, 2 usage).
 */
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { decodeHistogram, summarize } from "../../src/bots/histogram.js";
import { mergeResults, parseSwarmResult } from "../../src/bots/merge.js";
import { type SwarmReport, toReport } from "../../src/bots/report/index.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { type CliRun, runCli } from "../harness/cli.js";
import { fabricateSwarm, resultOf, shardBots } from "./fabricate.js";

function merge(args: readonly string[]): Promise<CliRun> {
  return runCli(["merge", ...args]);
}

/** Three shard files of one swarm (with bot errors unless `clean`). */
async function shardFiles(clean = false): Promise<{ dir: string; files: string[]; parts: SwarmResult[] }> {
  const dir = await mkdtemp(join(tmpdir(), "gp-merge-"));
  const swarm = fabricateSwarm({ bots: 45, seconds: 8, seed: 12, errorRate: clean ? 0 : 0.02 });
  const parts = shardBots(swarm, 3).map((bots, index) =>
    resultOf(swarm, bots, { shard: { index, count: 3 } }),
  );
  const files = await Promise.all(
    parts.map(async (p, i) => {
      const f = join(dir, `${i}.json`);
      await writeFile(f, JSON.stringify(p));
      return f;
    }),
  );
  return { dir, files, parts };
}

test("merges shard files exactly, prints the summary, writes every report, exit 0", async (t) => {
  const { dir, files, parts } = await shardFiles(true);
  const out = (name: string) => join(dir, name);
  const r = await merge([
    ...files,
    "--json",
    out("all.json"),
    "--junit",
    out("all.xml"),
    "--html",
    out("all.html"),
    "--threshold",
    "bots.connected>0",
    "--threshold",
    "rtt.p99 < 10s",
    // The fabricated shards have bots refused at connect: let them through.
    "--allow-errors",
  ]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stderr, "");
  const all = JSON.parse(await readFile(out("all.json"), "utf8")) as SwarmReport;
  const exact = mergeResults(parts, files);
  // The merged JSON is the run's report of the merge: the result, its plain numbers, over time…
  const { latency, counters, rates, overTime, stages, perScenario, thresholds, verdict, ...bare } = all;
  t.deepEqual(bare, JSON.parse(JSON.stringify(exact)));
  const expected = toReport(exact);
  t.deepEqual(latency, JSON.parse(JSON.stringify(expected.latency)));
  t.is(latency.rtt.p95, summarize(decodeHistogram(exact.rttMs)).p95);
  t.deepEqual(counters, expected.counters);
  t.deepEqual(overTime, JSON.parse(JSON.stringify(expected.overTime)));
  t.is(overTime?.buckets.length, 8);
  t.is(thresholds.length, 2);
  t.true(verdict.passed);
  t.is(stages, undefined);
  t.is(perScenario, undefined);
  t.deepEqual(rates, {});
  // …and itself mergeable: merged again, it is the same result.
  t.deepEqual(
    JSON.parse(JSON.stringify(mergeResults([parseSwarmResult(all, "all.json")]))),
    JSON.parse(JSON.stringify(mergeResults([exact]))),
  );
  const p99 = summarize(decodeHistogram(all.rttMs)).p99;
  t.regex(r.stdout, /Swarm summary: .*3 shards merged/);
  t.regex(r.stdout, /Thresholds: 2 passed, 0 broken/);
  t.regex(
    r.stdout,
    new RegExp(
      `rtt\\.p99 = ${p99
        .toFixed(3)
        .replace(/\.?0+$/, "")
        .replace(".", "\\.")} ms`,
    ),
  );
  t.regex(
    await readFile(out("all.xml"), "utf8"),
    /<testsuites name="godot-peer swarm" tests="3" failures="0"/,
  );
  t.regex(await readFile(out("all.html"), "utf8"), /^<!doctype html>[\s\S]*data-chart="latency"/);
});

test("a broken threshold on the merge exits 1 and names what broke", async (t) => {
  const { files, parts } = await shardFiles(true);
  const connected = parts.reduce((n, p) => n + p.bots.connected, 0);
  const r = await merge([...files, "--threshold", `bots.connected>${connected}`, "--threshold", "errors==0"]);
  t.is(r.code, 1);
  t.regex(
    r.stderr,
    new RegExp(
      `threshold broken: bots\\.connected>${connected}: bots\\.connected = ${connected}, broke the limit > ${connected}`,
    ),
  );
  t.false(r.stderr.includes("errors==0"));
});

test("a method no shard called fails its threshold (a typo), naming the methods", async (t) => {
  const { files } = await shardFiles(true);
  const r = await merge([...files, "--allow-errors", "--threshold", "method.Game:pnig.calls_out>0"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /no method "Game:pnig" in this run; methods: Game:chat, Game:ping/);
});

test("bot errors fail the merge unless --allow-errors", async (t) => {
  const { files, parts } = await shardFiles(false);
  const errors = parts.reduce((n, p) => n + Object.values(p.errors).reduce((a, b) => a + b, 0), 0);
  t.true(errors > 0);
  const r = await merge(files);
  t.is(r.code, 1);
  t.regex(r.stderr, /^\d+ bots ended by an error \(.*\)[\s\S]*--allow-errors lets bot failures through/m);
  t.is((await merge([...files, "--allow-errors"])).code, 0);
});

test("usage errors exit 2 with a clear message: thresholds, flags, files", async (t) => {
  const { dir, files } = await shardFiles(true);
  const cases: [string[], RegExp][] = [
    [[...files, "--threshold", "rtt.p99<50"], /--threshold: "rtt\.p99<50": rtt\.p99 is a duration/],
    [[...files, "--threshold", "erors==0"], /--threshold: unknown metric "erors"\. Did you mean "errors"\?/],
    [[...files, "--bogus"], /unknown option --bogus/],
    [[], /no result files to merge/],
    [[join(dir, "missing.json")], /cannot read .*missing\.json: ENOENT/],
  ];
  await writeFile(join(dir, "text.json"), "hello");
  cases.push([[join(dir, "text.json")], /text\.json: not JSON/]);
  await writeFile(join(dir, "other.json"), JSON.stringify({ some: "thing" }));
  cases.push([[...files, join(dir, "other.json")], /other\.json: not a swarm result/]);
  const v2 = { ...JSON.parse(await readFile(files[0] as string, "utf8")), format: "godot-peer-swarm/2" };
  await writeFile(join(dir, "v2.json"), JSON.stringify(v2));
  cases.push([[join(dir, "v2.json")], /v2\.json: format godot-peer-swarm\/2 is not godot-peer-swarm\/1/]);
  cases.push([
    [files[0] as string, files[0] as string],
    /0\.json: shard 0\/3 of host-0 is also in .*0\.json/,
  ]);
  for (const [args, re] of cases) {
    const r = await merge(args);
    t.is(r.code, 2, `${args.join(" ")}: ${r.stderr}`);
    t.regex(r.stderr, re);
    t.regex(r.stderr, /^godot-peer merge: /);
    t.is(r.stdout, "", "nothing merged, nothing printed");
  }
});

test("--help shows the options, the metric table and the exit codes", async (t) => {
  const r = await merge(["--help"]);
  t.is(r.code, 0);
  for (const s of [
    "--json FILE",
    "--junit FILE",
    "--html FILE",
    "--threshold EXPR",
    "--allow-errors",
    "generator.cpu_max",
    "method.<path:method>",
    "Exit codes: 0",
  ]) {
    t.true(r.stdout.includes(s), s);
  }
});

test("a merge missing some shards says so, and still merges", async (t) => {
  const { files } = await shardFiles(true);
  const r = await merge([files[0] as string, files[2] as string, "--allow-errors"]);
  t.is(r.code, 0, r.stderr);
  t.regex(r.stderr, /warning: shard\(s\) 1 of 3 are missing from this merge/);
});
