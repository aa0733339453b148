/**
 * Thresholds for CI: readable syntax, limits judged against the result's real numbers, an unknown
 * metric is an error (never a silent pass), and a metric without data fails.
 */
import test from "ava";
import { decodeHistogram, encodeHistogram, newHistogram, summarize } from "../../src/bots/histogram.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import {
  evaluateThresholds,
  METRICS,
  metricsHelp,
  parseThreshold,
  ThresholdSyntaxError,
  UnknownMetricError,
} from "../../src/bots/thresholds.js";
import { fabricateResult } from "./fabricate.js";

const result = fabricateResult({ bots: 50, seconds: 12, seed: 4, errorRate: 0.03, failRate: 0.1 });
const rtt = summarize(decodeHistogram(result.rttMs));
const judge = (expr: string, r: SwarmResult = result) => {
  const [o] = evaluateThresholds(r, [parseThreshold(expr)]);
  if (!o) throw new Error("no outcome");
  return o;
};

test("parses metric OP value[unit], with or without spaces", (t) => {
  t.like(parseThreshold("rtt.p99<50ms"), { metric: "rtt.p99", op: "<", value: 50, unit: "ms" });
  t.like(parseThreshold("  rtt.p99  <=  1.5s "), {
    metric: "rtt.p99",
    op: "<=",
    value: 1500,
    expr: "rtt.p99  <=  1.5s",
  });
  t.like(parseThreshold("errors==0"), { metric: "errors", op: "==", value: 0, unit: "count" });
  t.like(parseThreshold("bots.connected >= 100"), { op: ">=", value: 100 });
  t.like(parseThreshold("generator.cpu_max<80%"), { value: 80, unit: "percent" });
  t.like(parseThreshold("rps>12.5/s"), { value: 12.5, unit: "per-second" });
  t.like(parseThreshold("closes.1006 != 3"), { metric: "closes.1006", op: "!=" });
  t.like(parseThreshold("method.World/Players:move.rtt.p90<2e2ms"), {
    metric: "method.World/Players:move.rtt.p90",
    value: 200,
  });
  t.like(parseThreshold("errors.dropped:spoofed-from==0"), { metric: "errors.dropped:spoofed-from" });
});

test("bad syntax is a ThresholdSyntaxError that says how to write one", (t) => {
  for (const expr of [
    "rtt.p99 50ms",
    "rtt.p99<fast",
    "<50ms",
    "rtt.p99<",
    "rtt.p99 =< 5ms",
    "",
    "errors==0 and more",
  ]) {
    const err = t.throws(() => parseThreshold(expr), { instanceOf: ThresholdSyntaxError }, expr);
    t.false(err instanceof UnknownMetricError, expr);
    t.regex(err.message, /metric OP value/, expr);
  }
  t.throws(() => parseThreshold("errors=0"), { instanceOf: ThresholdSyntaxError, message: /write ==/ });
});

test("a unit must fit its metric: durations need ms or s, counts take none", (t) => {
  t.throws(() => parseThreshold("rtt.p99<50"), {
    instanceOf: ThresholdSyntaxError,
    message: /duration: give its unit.*rtt\.p99<50ms/,
  });
  t.throws(() => parseThreshold("errors<5ms"), {
    instanceOf: ThresholdSyntaxError,
    message: /errors is a count: its limit takes no unit/,
  });
  t.throws(() => parseThreshold("bytes_in>5%"), { instanceOf: ThresholdSyntaxError, message: /byte count/ });
  t.throws(() => parseThreshold("generator.cpu_max<5ms"), {
    instanceOf: ThresholdSyntaxError,
    message: /percentage/,
  });
  t.throws(() => parseThreshold("rps>5ms"), { instanceOf: ThresholdSyntaxError, message: /per second/ });
  t.like(parseThreshold("rtt.count>5"), { unit: "count" });
});

test("a name no result can have is an UnknownMetricError at parse time, with the closest name", (t) => {
  const cases: [string, string | undefined][] = [
    ["rtt.p99.9<50ms", "rtt.p999"],
    ["eror==0", "errors"],
    ["latency.p99<50ms", undefined],
    ["bots.conected>1", "bots.connected"],
    ["closes.normal==0", undefined],
    ["generator.lag.p90<5ms", "generator.lag.p99"],
    ["msgs.in>0", "msgs_in"],
  ];
  for (const [expr, suggestion] of cases) {
    const err = t.throws(() => parseThreshold(expr), { instanceOf: UnknownMetricError }, expr);
    t.true(err instanceof ThresholdSyntaxError, "rejected with bad thresholds, before any run");
    t.is(err.suggestion, suggestion, expr);
    t.regex(err.message, /^unknown metric "/);
    if (suggestion) t.true(err.message.includes(`Did you mean "${suggestion}"?`), err.message);
  }
});

test("latency thresholds are judged on the histogram's own percentiles", (t) => {
  const just = Math.ceil(rtt.p99 * 1000) / 1000;
  const pass = judge(`rtt.p99<=${just}ms`);
  t.true(pass.passed);
  t.is(pass.actual, rtt.p99);
  t.regex(pass.message, /holds$/);
  const broke = judge(`rtt.p99<${rtt.p50}ms`);
  t.false(broke.passed);
  t.is(broke.metric, "rtt.p99");
  t.true(broke.message.startsWith(`rtt.p99<${rtt.p50}ms: rtt.p99 = `), broke.message);
  t.regex(broke.message, /broke the limit < [\d.]+ ms$/);
  t.is(judge("rtt.max<1s").actual, rtt.max);
  t.is(judge("rtt.count>0").actual, rtt.count);
  const c = summarize(decodeHistogram(result.connectMs));
  t.is(judge("connect.p90<1s").actual, c.p90);
  t.is(judge("join.mean<1s").actual, summarize(decodeHistogram(result.joinMs)).mean);
});

test("counters: totals, per kind, per method, bots, traffic, rates", (t) => {
  const errors = Object.values(result.errors).reduce((a, b) => a + b, 0);
  t.true(errors > 0);
  t.is(judge("errors==0").actual, errors);
  t.false(judge("errors==0").passed);
  t.is(judge("errors.timeout>=0").actual, result.errors.timeout ?? 0);
  t.is(judge("connect_failures>=0").actual, result.bots.failed);
  t.is(judge("connect_failures.refused>=0").actual, result.connectFailures.refused ?? 0);
  t.is(judge("closes.open>=0").actual, result.closes.open ?? 0);
  t.is(
    judge("closes>=0").actual,
    Object.values(result.closes).reduce((a, b) => a + b, 0),
  );
  t.is(judge("bots.connected>=0").actual, result.bots.connected);
  t.is(judge("bots.peak>=0").actual, result.bots.peak);
  t.is(judge("rpcs>0").actual, rtt.count);
  t.is(judge("rps>0").actual, rtt.count / ((result.endedAt - result.startedAt) / 1000));
  t.is(
    judge("msgs_in>0").actual,
    result.seconds.reduce((n, s) => n + s.msgsIn, 0),
  );
  t.is(
    judge("bytes_out>0").actual,
    result.seconds.reduce((n, s) => n + s.bytesOut, 0),
  );
  const ping = result.methods["Game:ping"];
  if (!ping) return t.fail("no Game:ping");
  t.is(judge("method.Game:ping.calls_out>0").actual, ping.callsOut);
  t.is(judge("method.Game:ping.bytes_in>0").actual, ping.bytesIn);
  t.is(
    judge("method.World/Players:move.rtt.p99<1s").actual,
    summarize(decodeHistogram(result.methods["World/Players:move"]?.rtt ?? "")).p99,
  );
  t.is(judge("generator.cpu_max<=100%").actual, result.generator.cpuMaxPercent);
  t.is(judge("generator.saturated_seconds==0").actual, 0);
  t.is(judge("generator.lag.max<1s").actual, summarize(decodeHistogram(result.generator.lagMs)).max);
});

test("a kind of a known family that did not happen counts 0", (t) => {
  const o = judge("errors.handler==0");
  t.is(o.actual, 0);
  t.true(o.passed);
  t.is(judge("connect_failures.tls==0").actual, 0);
  t.is(judge("closes.4000==0").actual, 0);
});

test("a metric without data fails, saying 'no data', whatever the comparison", (t) => {
  const empty: SwarmResult = {
    ...result,
    rttMs: encodeHistogram(newHistogram()),
    methods: { "Game:ping": { callsOut: 3, callsIn: 0, bytesOut: 9, bytesIn: 0 } },
  };
  for (const expr of [
    "rtt.p99<50ms",
    "rtt.p99>=0ms",
    "rtt.p99!=1ms",
    "rtt.min<1s",
    "method.Game:ping.rtt.max<1s",
  ]) {
    const o = judge(expr, empty);
    t.false(o.passed, expr);
    t.is(o.actual, null);
    t.regex(o.message, /no data \(no round trip/, expr);
  }
  // A count without data is a count of zero: that is data.
  t.true(judge("rtt.count==0", empty).passed);
  t.true(judge("rpcs==0", empty).passed);
  const noTime: SwarmResult = { ...result, endedAt: result.startedAt };
  t.regex(judge("rps>=0", noTime).message, /no data/);
  const noSeconds: SwarmResult = {
    ...result,
    seconds: [],
    generator: { ...result.generator, lagMs: encodeHistogram(newHistogram()) },
  };
  t.false(judge("generator.cpu_max<100%", noSeconds).passed);
  t.false(judge("generator.lag.p99<1s", noSeconds).passed);
});

test("a method this run never called fails its threshold (a typo), listing the methods", (t) => {
  const [o] = evaluateThresholds(result, [parseThreshold("method.Game:pnig.rtt.p99<5ms")]);
  t.false(o?.passed);
  t.is(o?.actual, null);
  t.regex(
    o?.message ?? "",
    /no method "Game:pnig" in this run; methods: Game:chat, Game:ping, World\/Players:move\. Did you mean "method\.Game:ping\.rtt\.p99"\?/,
  );
  const none: SwarmResult = { ...result, methods: {} };
  const [n] = evaluateThresholds(none, [parseThreshold("method.Game:ping.calls_out>0")]);
  t.false(n?.passed);
  t.regex(n?.message ?? "", /called no method at all/);
});

test("an unknown method fails its own threshold only: the others are still judged", (t) => {
  const ths = [parseThreshold("errors>=0"), parseThreshold("method.Nope:x.calls_in==0")];
  t.deepEqual(
    evaluateThresholds(result, ths).map((o) => o.passed),
    [true, false],
  );
});

test("every comparison operator", (t) => {
  const n = result.bots.connected;
  const expect: [string, boolean][] = [
    [`bots.connected<${n}`, false],
    [`bots.connected<=${n}`, true],
    [`bots.connected>${n}`, false],
    [`bots.connected>=${n}`, true],
    [`bots.connected==${n}`, true],
    [`bots.connected!=${n}`, false],
    [`bots.connected<${n + 1}`, true],
    [`bots.connected>${n - 1}`, true],
  ];
  for (const [expr, passed] of expect) t.is(judge(expr).passed, passed, expr);
});

test("the METRICS table documents every family, with units, for --help", (t) => {
  const help = metricsHelp();
  for (const m of METRICS) t.true(help.includes(m.name) && help.includes(m.unit));
  for (const family of [
    "rtt.",
    "connect.",
    "join.",
    "method.",
    "errors",
    "connect_failures",
    "closes",
    "bots.",
    "rpcs",
    "rps",
    "msgs_in",
    "bytes_out",
    "generator.saturated_seconds",
    "generator.lag.",
    "generator.cpu_max",
  ]) {
    t.true(help.includes(family), family);
  }
});
