/**
 * The end-of-run summary and the JUnit report say what the result holds: the percentiles of its
 * histograms, every method, the rates, errors, closes, failures, a loud saturation warning, and
 * one test case per threshold.
 */
import test from "ava";
import { decodeHistogram, summarize } from "../../src/bots/histogram.js";
import { ms, num } from "../../src/bots/report/format.js";
import { summaryTable, toJUnit, xmlEscape } from "../../src/bots/report/index.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { evaluateThresholds, parseThreshold } from "../../src/bots/thresholds.js";
import { fabricateResult } from "./fabricate.js";

const result = fabricateResult({ bots: 60, seconds: 10, seed: 8, errorRate: 0.02, failRate: 0.1 });
const outcomes = evaluateThresholds(result, ["rtt.p99<1s", "errors==0"].map(parseThreshold));

function line(text: string, start: string): string {
  const l = text.split("\n").find((x) => x.trimStart().startsWith(start));
  if (l === undefined) throw new Error(`no line starting with ${start}:\n${text}`);
  return l;
}

test("the summary shows the histograms' percentiles for connect, join and round trips", (t) => {
  const text = summaryTable(result, outcomes);
  for (const [label, enc] of [
    ["connect", result.connectMs],
    ["join", result.joinMs],
    ["round trip", result.rttMs],
  ] as const) {
    const s = summarize(decodeHistogram(enc));
    const cells = line(text, label)
      .trim()
      .split(/\s{2,}/);
    t.deepEqual(cells, [
      label,
      num(s.count),
      ms(s.min),
      ms(s.mean),
      ms(s.p50),
      ms(s.p90),
      ms(s.p95),
      ms(s.p99),
      ms(s.p999),
      ms(s.max),
    ]);
  }
});

test("the summary has every method, bots, traffic, errors, closes and connect failures", (t) => {
  const text = summaryTable(result, outcomes);
  for (const [key, m] of Object.entries(result.methods)) {
    const cells = line(text, key)
      .trim()
      .split(/\s{2,}/);
    t.is(cells[1], num(m.callsOut));
    t.is(cells[2], num(m.packetsOut ?? m.callsOut));
    t.is(cells[3], num(m.callsIn));
    t.is(cells[6], num(summarize(decodeHistogram(m.rtt ?? "")).count));
  }
  const bots = text.split("\n")[text.split("\n").indexOf("Bots") + 2]?.trim().split(/\s+/);
  t.deepEqual(
    bots,
    [result.bots.started, result.bots.connected, result.bots.failed, result.bots.peak].map((n) => num(n)),
  );
  const msgsIn = result.seconds.reduce((a, s) => a + s.msgsIn, 0);
  const peakIn = Math.max(...result.seconds.map((s) => s.msgsIn));
  t.deepEqual(
    line(text, "messages in")
      .trim()
      .split(/\s{2,}/),
    ["messages in", num(msgsIn), num(msgsIn / ((result.endedAt - result.startedAt) / 1000), 1), num(peakIn)],
  );
  const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
  t.true(errors > 0);
  t.true(line(text, "Errors:").startsWith(`Errors: ${errors} (`));
  for (const [k, n] of Object.entries(result.errors)) t.true(line(text, "Errors:").includes(`${k} ${n}`));
  for (const [k, n] of Object.entries(result.connectFailures))
    t.true(line(text, "Connect failures:").includes(`${k} ${n}`));
  for (const [k, n] of Object.entries(result.closes))
    t.true(line(text, "Closes by code:").includes(`${k} ${n}`));
});

test("the summary lists the thresholds, pass and fail, and is quiet about a healthy generator", (t) => {
  const text = summaryTable(result, outcomes);
  t.is(line(text, "Thresholds:"), "Thresholds: 1 passed, 1 broken");
  t.true(line(text, "PASS").includes("rtt.p99<1s"));
  t.true(line(text, "FAIL").includes("errors==0: errors = "));
  t.false(text.includes("SATURATED"));
  t.false(summaryTable(result).includes("Thresholds"));
});

test("a saturated generator is said loudly: its latencies are suspect", (t) => {
  const r: SwarmResult = { ...result, generator: { ...result.generator, saturatedSeconds: 7 } };
  const text = summaryTable(r, []);
  t.regex(text, /!!! THE LOAD GENERATOR WAS SATURATED for 7 s: its latency figures are suspect/);
  t.regex(line(text, "Generator:"), /saturated 7 s$/);
});

test("a run with no round trips shows dashes, not zeros or NaN", (t) => {
  const r = fabricateResult({ bots: 0, seconds: 2 });
  const text = summaryTable(r, []);
  t.false(text.includes("NaN"));
  t.deepEqual(
    line(text, "round trip")
      .trim()
      .split(/\s{2,}/),
    ["round trip", "0", "–", "–", "–", "–", "–", "–", "–", "–"],
  );
  t.true(text.includes("none called"));
});

test("JUnit: one test case per threshold, failures carry the message, plus the bot errors case", (t) => {
  const xml = toJUnit(result, outcomes);
  t.true(
    xml.startsWith(
      '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="godot-peer swarm" tests="3" failures="2"',
    ),
  );
  const cases = [
    ...xml.matchAll(/<testcase classname="([^"]+)" name="([^"]+)"[^>]*>([\s\S]*?)<\/testcase>/g),
  ];
  t.deepEqual(
    cases.map((c) => [c[1], c[2], /<failure/.test(c[3] as string)]),
    [
      ["thresholds", "rtt.p99&lt;1s", false],
      ["thresholds", "errors==0", true],
      ["bots", "bot errors", true],
    ],
  );
  t.true(
    String(cases[1]?.[3]).includes(
      `<failure message="${xmlEscape(outcomes[1]?.message ?? "")}" type="threshold">`,
    ),
  );
  t.regex(
    cases[2]?.[3] as string,
    /<failure message="\d+ bots failed to connect or join \(.*\); \d+ bots ended by an error \((timeout|script) \d+/,
  );
  t.regex(xml, /<system-out>Swarm summary: /);
});

test("JUnit: --allow-errors turns the bot errors case into a pass that still reports them", (t) => {
  const xml = toJUnit(result, outcomes, { allowErrors: true });
  t.regex(xml, /tests="3" failures="1"/);
  t.regex(
    xml,
    /<testcase classname="bots" name="bot errors" time="0">\n\s*<system-out>\d+ bots failed .* \(allowed\)/,
  );
  const clean: SwarmResult = { ...result, errors: {}, bots: { ...result.bots, failed: 0 } };
  t.regex(
    toJUnit(clean, []),
    /tests="1" failures="0"[\s\S]*<system-out>every bot joined, ran and ended normally<\/system-out>/,
  );
});

test("xmlEscape leaves nothing XML cannot hold", (t) => {
  t.is(xmlEscape(`a<b>&"c'`), "a&lt;b&gt;&amp;&quot;c&apos;");
  t.is(xmlEscape("x\u0000y\u001Fz\uFFFE"), "x\uFFFDy\uFFFDz\uFFFD");
  t.is(xmlEscape("\uD800 lone, \uD83D\uDE00 paired"), "\uFFFD lone, \uD83D\uDE00 paired");
  t.is(xmlEscape("tab\tnew\nline\r"), "tab\tnew\nline\r");
});
