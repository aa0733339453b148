/**
 * Issue #16 point 5 (reports): checks, custom metrics, iterations and scenarios are in the
 * summary, the JSON and the HTML page, and survive a merge.
 */
import test from "ava";
import {
  decodeHistogram,
  encodeHistogram,
  newHistogram,
  recordMs,
  summarize,
} from "../../src/bots/histogram.js";
import { mergeResults } from "../../src/bots/merge.js";
import { summaryTable, toHtml, toJUnit, toReport } from "../../src/bots/report/index.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { fabricateResult, fabricateSwarm, resultOf, shardBots } from "./fabricate.js";

function withExtras(): SwarmResult {
  const base = fabricateResult();
  const h = newHistogram();
  for (const ms of [10, 20, 30, 40]) recordMs(h, ms);
  const enc = encodeHistogram(h);
  return {
    ...base,
    iterationMs: enc,
    checks: { "welcome has a spawn point": { passes: 9, fails: 1 } },
    custom: {
      chat_sent: { type: "counter", count: 42 },
      joined: { type: "rate", passes: 3, total: 4 },
      room_size: { type: "gauge", value: 7, min: 1, max: 9, at: base.endedAt },
      move_ack: { type: "trend", hist: enc },
    },
    scenarios: { chat: { ...base, tags: { room: "a" } } },
  };
}

test("the summary shows iterations, scenarios, checks and custom metrics", (t) => {
  const text = summaryTable(withExtras());
  t.regex(text, /Iterations \(script runs that returned, ms\)/);
  t.regex(text, /Scenarios\n.*tags.*\n\s+chat\s+room:a/);
  t.regex(text, /Checks: 90% \(9\/10\) passed/);
  t.regex(text, /✗ welcome has a spawn point\s+9\s+1\s+90% \(9\/10\)/);
  t.regex(text, /chat_sent\s+counter\s+count 42/);
  t.regex(text, /joined\s+rate\s+75% \(3\/4\)/);
  t.regex(text, /room_size\s+gauge\s+value 7 {2}min 1 {2}max 9/);
  t.regex(text, /move_ack\s+trend\s+n 4/);
});

test("the JSON has their plain numbers; the HTML their tables; a merge keeps them", (t) => {
  const r = withExtras();
  const rep = toReport(r);
  t.is(rep.counters.chat_sent, 42);
  t.is(rep.counters["checks.welcome has a spawn point.fails"], 1);
  t.is(rep.latency.custom?.move_ack?.count, 4);
  t.is(rep.latency.iteration?.count, 4);
  const html = toHtml(r);
  for (const id of ["iterations", "scenarios", "checks", "custom"])
    t.true(html.includes(`data-table="${id}"`), id);
  // The same run again as another shard: its scenarios are that shard's too.
  const later = (x: SwarmResult) => x.shards.map((s) => ({ ...s, startedAt: s.startedAt + 1 }));
  const chat = r.scenarios?.chat as SwarmResult;
  const other = { ...r, shards: later(r), scenarios: { chat: { ...chat, shards: later(chat) } } };
  const m = mergeResults([r, other]);
  t.deepEqual(m.checks, { "welcome has a spawn point": { passes: 18, fails: 2 } });
  t.like(m.custom?.chat_sent, { count: 84 });
  t.like(m.custom?.joined, { passes: 6, total: 8 });
  t.like(m.custom?.room_size, { value: 7, min: 1, max: 9 });
  t.is(toReport(m).latency.custom?.move_ack?.count, 8);
  t.is(m.scenarios?.chat?.bots.started, r.bots.started * 2);
  t.deepEqual(m.scenarios?.chat?.tags, { room: "a" });
});

/** A run of two scenarios with stages, iterations, checks and custom metrics, as shard `index` of 2. */
function staged(index: number): SwarmResult {
  const swarm = fabricateSwarm({ bots: 60, seconds: 12, seed: 17, errorRate: 0.02 });
  const mine = shardBots(swarm, 2)[index] ?? [];
  const r = resultOf(swarm, mine, { shard: { index, count: 2 } });
  const h = newHistogram();
  for (const ms of [10 + index, 20, 30, 45]) recordMs(h, ms);
  const extras = {
    shape: {
      model: "closed" as const,
      bots: 60,
      durationMs: 12_000,
      stages: [
        { durationMs: 4_000, target: 60 },
        { durationMs: 6_000, target: 60 },
        { durationMs: 2_000, target: 0 },
      ],
    },
    iterationMs: encodeHistogram(h),
    checks: { "welcome has a spawn point": { passes: 9 + index, fails: 1 } },
    custom: {
      joined: { type: "rate" as const, passes: 3, total: 4 },
      move_ack: { type: "trend" as const, hist: encodeHistogram(h) },
    },
  };
  const chat = { ...r, ...extras, tags: { room: "a" } };
  return { ...r, ...extras, scenarios: { chat } };
}

test("summary, JSON and JUnit show stages, scenarios, iterations, checks, custom metrics and p95", (t) => {
  const r = staged(0);
  const rep = toReport(r);
  const rtt = summarize(decodeHistogram(r.rttMs));
  // JSON.
  t.is(rep.latency.rtt.p95, rtt.p95);
  t.is(rep.counters.iterations, 4);
  t.is(rep.rates.checks, 0.9);
  t.is(rep.rates["checks.welcome has a spawn point"], 0.9);
  t.is(rep.rates.joined, 0.75);
  t.is(rep.stages?.length, 3);
  t.deepEqual(
    rep.stages?.map((s) => [s.fromMs, s.toMs, s.fromTarget, s.toTarget]),
    [
      [0, 4000, 0, 60],
      [4000, 10000, 60, 60],
      [10000, 12000, 60, 0],
    ],
  );
  // Every second is in exactly one stage.
  t.is(
    rep.stages?.reduce((n, s) => n + s.rpcs, 0),
    r.seconds.reduce((n, s) => n + s.rpcs, 0),
  );
  t.is(rep.perScenario?.chat?.latency.rtt.p95, rtt.p95);
  t.deepEqual(rep.perScenario?.chat?.tags, { room: "a" });
  t.is(rep.perScenario?.chat?.rates.checks, 0.9);
  t.is(rep.overTime?.buckets.length, r.series?.buckets.length);
  rep.overTime?.buckets.forEach((b, i) => {
    const enc = r.series?.buckets[i]?.methods?.["Game:ping"];
    t.is(b.methods["Game:ping"]?.p95 ?? null, enc ? summarize(decodeHistogram(enc)).p95 : null);
  });

  // Summary.
  const text = summaryTable(r);
  t.regex(text, /closed model, 60 bots, stages 4s → 60, 6s → 60, 2s → 0/);
  t.regex(
    text,
    /Stages \(the seconds of each, from the run's start\)\n.*p95.*\n\s+stage 1\s+0s\s+4s\s+0 → 60 bots/,
  );
  t.regex(text, /Latency \(ms\)\n\s+count\s+min\s+mean\s+p50\s+p90\s+p95\s+p99/);
  t.regex(text, /iterations\s+checks\s+rtt n/);
  t.regex(text, /chat\s+room:a(\s+\S+){4}\s+4\s+90% \(9\/10\)/);

  // JUnit properties.
  const xml = toJUnit(r, []);
  const prop = (name: string) =>
    new RegExp(`<property name="${name.replace(/\./g, "\\.")}" value="([^"]*)"/>`).exec(xml)?.[1];
  t.is(Number(prop("rtt.p95")), rtt.p95);
  t.is(Number(prop("scenario.chat.rtt.p95")), rtt.p95);
  t.is(Number(prop("checks.rate")), 0.9);
  t.is(Number(prop("joined.rate")), 0.75);
  t.is(Number(prop("iteration.count")), 4);
  t.is(
    Number(prop("move_ack.p95")),
    summarize(decodeHistogram(r.custom?.move_ack?.type === "trend" ? r.custom.move_ack.hist : "")).p95,
  );
  t.is(prop("stage.3.target"), "60→0 over 2000 ms");
  t.regex(prop("shape") ?? "", /^closed model, 60 bots, stages/);
  t.true(xml.indexOf("<properties>") < xml.indexOf("<testcase"), "properties come first, as the schema says");
});

test("merge keeps it all exact: the shards' stages, scenarios, iterations, checks and series are those of the whole", (t) => {
  const [a, b] = [staged(0), staged(1)];
  const m = mergeResults([a, b]);
  const rep = toReport(m);
  t.deepEqual(m.shape, a.shape);
  t.is(rep.stages?.length, 3);
  t.is(rep.counters.iterations, 8);
  t.is(rep.rates.checks, 19 / 21);
  // Stages and buckets are recomputed from the merged seconds and series, exactly.
  const swarm = fabricateSwarm({ bots: 60, seconds: 12, seed: 17, errorRate: 0.02 });
  const whole = resultOf(swarm, swarm.bots);
  const wholeRep = toReport({ ...whole, shape: a.shape });
  t.deepEqual(rep.stages, wholeRep.stages);
  t.deepEqual(rep.overTime, wholeRep.overTime);
  t.deepEqual(rep.perScenario?.chat?.latency.rtt, wholeRep.latency.rtt);
  t.deepEqual(toReport(m.scenarios?.chat as SwarmResult).overTime, wholeRep.overTime);
});

test("the HTML shows the stages, each scenario's iterations and checks, the checks' share and p95 columns", (t) => {
  const r = staged(0);
  const html = toHtml(r);
  t.regex(html, /data-metric="checks\.rate">90% \(9\/10\)</);
  t.regex(html, /<td>✗ welcome has a spawn point<\/td><td>9<\/td><td>1<\/td><td>90%<\/td>/);
  const stages = /<table data-table="stages">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
  t.is([...stages.matchAll(/<tr><td>\d<\/td>/g)].length, 3);
  t.regex(stages, /<td>10s<\/td><td>12s<\/td><td>60 → 0 bots<\/td>/);
  const sc = /<table data-table="scenarios">([\s\S]*?)<\/table>/.exec(html)?.[1] ?? "";
  t.regex(sc, /<th>iterations<\/th><th>iteration p95<\/th><th>checks<\/th>/);
  t.regex(
    sc,
    /<td>chat<\/td><td>room:a<\/td>(<td>[^<]*<\/td>){4}<td>4<\/td><td>[\d.]+<\/td><td>90% \(9\/10\)<\/td>/,
  );
  t.regex(html, /<table data-table="methods"><thead><tr>(<th>[^<]*<\/th>)*<th>p95 ms<\/th>/);
  t.regex(
    html,
    /data-table="custom"[\s\S]*move_ack<\/td><td>trend<\/td><td>n 4, p50 [\d.]+, p95 [\d.]+, p99/,
  );
});
