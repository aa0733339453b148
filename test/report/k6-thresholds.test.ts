/**
 * Issue #16 point 6: the thresholds k6 users write: any percentile, rates, checks, custom
 * metrics; judged the same on one result and on the merge of its shards.
 */
import test from "ava";
import { encodeHistogram, newHistogram, recordMs } from "../../src/bots/histogram.js";
import { mergeResults } from "../../src/bots/merge.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import {
  evaluateThresholds,
  parseThreshold,
  parseThresholdWith,
  UnknownMetricError,
} from "../../src/bots/thresholds.js";
import { fabricateResult } from "./fabricate.js";

/** A result whose round trips are 1..10000 ms, one each: percentile p is p×100 ms (±0.1%). */
function uniform(): SwarmResult {
  const r = fabricateResult();
  const h = newHistogram();
  for (let ms = 1; ms <= 10_000; ms++) recordMs(h, ms);
  return { ...r, rttMs: encodeHistogram(h) };
}

const actual = (r: SwarmResult, expr: string) => evaluateThresholds(r, [parseThreshold(expr)])[0]?.actual;

test("any percentile: p(N), pNN and pDIGITS name the same statistic", (t) => {
  const r = uniform();
  const near = (x: number | null | undefined, want: number) =>
    t.true(x != null && Math.abs(x - want) / want < 0.002, `${x} ≈ ${want}`);
  near(actual(r, "rtt.p(95)<1s"), 9500);
  near(actual(r, "rtt.p95<1s"), 9500);
  near(actual(r, "rtt.p(99.99)<1s"), 9999);
  near(actual(r, "rtt.p9999<1s"), 9999);
  near(actual(r, "rtt.p(97)<1s"), 9700);
  near(actual(r, "rtt.p97<1s"), 9700);
  near(actual(r, "rtt.med<1s"), 5000);
  near(actual(r, "rtt.avg<1s"), 5000.5);
  t.is(actual(r, "rtt.p(99.99)<1s"), actual(r, "rtt.p9999<1s"));
  for (const bad of ["rtt.p(0)<1s", "rtt.p(101)<1s", "rtt.p(x)<1s", "rtt.p9<1s"]) {
    t.throws(() => parseThreshold(bad), { instanceOf: UnknownMetricError }, bad);
  }
});

test("rates take a percentage or a fraction; errors, connect failures and checks have one", (t) => {
  t.like(parseThreshold("errors.rate<1%"), { value: 1, unit: "rate" });
  t.like(parseThreshold("errors.rate<0.01"), { value: 1, unit: "rate" });
  t.throws(() => parseThreshold("errors.rate<5"), { message: /fraction from 0 to 1/ });
  t.throws(() => parseThreshold("errors.rate<5ms"), { message: /is a rate/ });
  const base = fabricateResult();
  const r: SwarmResult = {
    ...base,
    bots: { ...base.bots, started: 200, connected: 199, failed: 1, errored: 2, disconnected: 1 },
    checks: { "a b": { passes: 99, fails: 1 }, c: { passes: 1, fails: 99 } },
  };
  t.is(actual(r, "errors.rate<1%"), (3 / 199) * 100);
  t.is(actual(r, "connect_failures.rate<0.5%"), 0.5);
  t.is(actual(r, "checks.rate>99%"), 50);
  t.is(actual(r, 'checks."a b".rate>99%'), 99);
  t.is(actual(r, "checks.c.rate>99%"), 1);
  const [o] = evaluateThresholds(r, [parseThreshold("connect_failures.rate<0.5%")]);
  t.false(o?.passed);
  t.regex(o?.message ?? "", /0\.5%/);
  // A check that was never made is no data, which fails.
  t.like(evaluateThresholds(r, [parseThreshold("checks.nope.rate>1%")])[0], { actual: null, passed: false });
});

test("custom metrics: names the script did not declare are unknown; a merge's own are known", (t) => {
  t.throws(() => parseThreshold("never_declared.count>1"), { instanceOf: UnknownMetricError });
  const base = fabricateResult();
  const h = newHistogram();
  recordMs(h, 12);
  const one: SwarmResult = {
    ...base,
    custom: {
      sent: { type: "counter", count: 5 },
      ok: { type: "rate", passes: 3, total: 4 },
      lat: { type: "trend", hist: encodeHistogram(h) },
    },
  };
  const lookup = (n: string) => one.custom?.[n]?.type;
  const th = ["sent.count==10", "ok.rate==75%", "lat.p(50)<13ms", "lat.count==2"].map((e) =>
    parseThresholdWith(e, lookup),
  );
  // The same result twice as two shards (apart in time): counts double, rates and percentiles stand.
  const other: SwarmResult = {
    ...one,
    shards: one.shards.map((s) => ({ ...s, startedAt: s.startedAt + 1, endedAt: s.endedAt + 1 })),
  };
  const merged = mergeResults([one, other]);
  t.deepEqual(
    evaluateThresholds(merged, th).map((o) => o.passed),
    [true, true, true, true],
  );
  t.deepEqual(
    evaluateThresholds(one, th).map((o) => o.passed),
    [false, true, true, false],
  );
});
