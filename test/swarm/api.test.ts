/**
 * Issue #13, the parts a program reads: the API exports what judges and writes a run, the
 * event-loop lag is corrected for the monitor's resolution, the saturation advice names the
 * machine's other load, and the JSON's plain numbers are those of the histograms.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import test from "ava";
import {
  correctedLagMs,
  decodeHistogram,
  evaluateThresholds,
  judgeRun,
  LAG_RESOLUTION_MS,
  parseThreshold,
  type SwarmReport,
  type SwarmResult,
  summarize,
  summaryTable,
  toReport,
  writeReports,
} from "../../src/bots/index.js";
import {
  checkReportPaths as entryCheckReportPaths,
  evaluateThresholds as entryEvaluate,
  toHtml as entryHtml,
  toJson as entryJson,
  toJUnit as entryJUnit,
  judgeRun as entryJudge,
  mergeResults as entryMerge,
  parseThreshold as entryParse,
  runSwarm as entryRun,
  summaryTable as entrySummary,
  writeReports as entryWrite,
} from "../../src/index.js";
import { fabricateResult } from "../report/fabricate.js";

test("the package exports the functions that judge thresholds and write the reports", (t) => {
  const exported = {
    parseThreshold: entryParse,
    evaluateThresholds: entryEvaluate,
    judgeRun: entryJudge,
    summaryTable: entrySummary,
    toJson: entryJson,
    toHtml: entryHtml,
    toJUnit: entryJUnit,
    writeReports: entryWrite,
    checkReportPaths: entryCheckReportPaths,
    mergeResults: entryMerge,
    runSwarm: entryRun,
  };
  for (const [name, fn] of Object.entries(exported)) t.is(typeof fn, "function", name);
});

test("writeReports writes each report; one bad path does not lose the others", async (t) => {
  const result = fabricateResult();
  const outcomes = evaluateThresholds(result, [parseThreshold("rtt.p99<10s")]);
  const dir = await mkdtemp(join(tmpdir(), "gp-api-"));
  const failures = await writeReports(result, outcomes, {
    json: join(dir, "no/such/dir/r.json"),
    junit: join(dir, "r.xml"),
    html: join(dir, "r.html"),
  });
  t.is(failures.length, 1);
  t.regex(failures[0] ?? "", /cannot write --json/);
  t.regex(await readFile(join(dir, "r.xml"), "utf8"), /<testsuite /);
  t.regex(await readFile(join(dir, "r.html"), "utf8"), /^<!doctype html>/);
});

test("the JSON's plain numbers are the histograms' own, and each threshold carries its verdict", (t) => {
  const result = fabricateResult();
  const outcomes = evaluateThresholds(result, [
    parseThreshold("rtt.p99<1ms"),
    parseThreshold("bots.started>0"),
  ]);
  const report = JSON.parse(JSON.stringify(toReport(result, outcomes))) as SwarmReport;
  const rtt = summarize(decodeHistogram(result.rttMs));
  t.is(report.latency.rtt.p99, rtt.p99);
  t.is(report.latency.rtt.p95, rtt.p95);
  t.is(report.latency.rtt.count, rtt.count);
  t.is(
    report.counters.errors,
    Object.values(result.errors).reduce((a, b) => a + b, 0),
  );
  t.deepEqual(
    report.thresholds.map((x) => x.passed),
    [false, true],
  );
  t.false(report.verdict.passed);
});

test("the gate names why a run fails, and --allow-errors lets bot failures through but not thresholds", (t) => {
  const result: SwarmResult = {
    ...fabricateResult(),
    bots: { started: 10, connected: 8, failed: 2, peak: 8, ended: 5, errored: 2, disconnected: 1 },
    connectFailures: { refused: 2 },
    errors: { script: 2, disconnected: 1 },
    messages: [
      { kind: "script", message: "boom", count: 2, bots: ["bot-1", "bot-3"] },
      { kind: "disconnected", message: 'closed by the server with 4000 "kicked"', count: 1, bots: ["bot-4"] },
      { kind: "connect:refused", message: "connect ECONNREFUSED", count: 2, bots: ["bot-9"] },
    ],
  };
  const v = judgeRun(result, []);
  t.false(v.passed);
  t.deepEqual(v.reasons, [
    '2 bots failed to connect or join (refused 2); most frequent: "connect ECONNREFUSED" ×2',
    '2 bots ended by an error (script 2); most frequent: "boom" ×2',
    '1 bot disconnected unexpectedly; most frequent: "closed by the server with 4000 "kicked"" ×1',
  ]);
  const allowed = judgeRun(result, [], { allowErrors: true });
  t.true(allowed.passed);
  t.is(allowed.allowed.length, 3);
  const broken = evaluateThresholds(result, [parseThreshold("bots.started>10")]);
  t.false(judgeRun(result, broken, { allowErrors: true }).passed);
});

test("event-loop lag: the monitor's delays include its resolution, which the figures take off", async (t) => {
  const h = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  h.enable();
  // Until it has a few samples (a busy machine may delay the first ones).
  while (h.count < 10) await new Promise((r) => setTimeout(r, 50));
  h.disable();
  // Every delay the monitor records holds its own interval (a timer may fire a hair early), so a
  // loop with no lag at all would still show the resolution: the figures must take it off. (How
  // far above it the smallest delay lies is the machine's load, not ours to assert.)
  t.true(h.min / 1e6 >= LAG_RESOLUTION_MS * 0.9, String(h.min / 1e6));
  t.is(correctedLagMs(LAG_RESOLUTION_MS * 1e6), 0);
  t.is(correctedLagMs(5e6), 0);
  t.is(correctedLagMs(62e6), 52);
});

test("saturation advice names the machine's other load when the generator's own CPU was low", (t) => {
  const base = fabricateResult();
  const starved: SwarmResult = {
    ...base,
    generator: { ...base.generator, saturatedSeconds: 4, cpuMaxPercent: 12, loadMax: 7.5, cores: 2 },
  };
  const text = summaryTable(starved);
  t.regex(text, /its own CPU peaked at 12% while the machine's load average reached 7\.5 on 2 cores/);
  t.regex(text, /other processes took the CPU/);
  t.notRegex(text, /Use more --workers/);
  const busy: SwarmResult = {
    ...base,
    generator: { ...base.generator, saturatedSeconds: 4, cpuMaxPercent: 99, loadMax: 1, cores: 2 },
  };
  t.regex(summaryTable(busy), /Use more --workers/);
});
