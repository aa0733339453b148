/**
 * Issue #16 point 9, from a real run against the example game: the result carries its load shape
 * and a series whose buckets hold every connect, join, round trip and error the run counted, in
 * the buckets of the wall-clock time they happened; two shards merged hold exactly what both ran.
 */
import test from "ava";
import {
  decodeHistogram,
  mergeResults,
  RpcMode,
  runSwarm,
  type SwarmResult,
  toReport,
} from "../../src/index.js";
import { exampleGame as game } from "./servers.js";

/** Sums of a series: histogram counts by field and method, errors and connect failures by kind. */
function totals(r: SwarmResult) {
  const out = {
    connect: 0,
    join: 0,
    methods: {} as Record<string, number>,
    errors: {} as Record<string, number>,
    connectFailures: {} as Record<string, number>,
  };
  for (const b of r.series?.buckets ?? []) {
    if (b.connect) out.connect += decodeHistogram(b.connect).totalCount;
    if (b.join) out.join += decodeHistogram(b.join).totalCount;
    for (const [k, enc] of Object.entries(b.methods ?? {}))
      out.methods[k] = (out.methods[k] ?? 0) + decodeHistogram(enc).totalCount;
    for (const [k, n] of Object.entries(b.errors ?? {})) out.errors[k] = (out.errors[k] ?? 0) + n;
    for (const [k, n] of Object.entries(b.connectFailures ?? {}))
      out.connectFailures[k] = (out.connectFailures[k] ?? 0) + n;
  }
  return out;
}

const script: Parameters<typeof runSwarm>[0]["script"] = async (bot, ctx) => {
  bot.handle("Game", "pong", RpcMode.PUPPET, () => {});
  for (let i = 0; i < 3; i++) {
    await bot.request(1, "Game", "ping", [ctx.index * 10 + i], {
      method: "pong",
      match: (a) => a[0] === ctx.index * 10 + i,
    });
    await ctx.sleep(50);
  }
  // Every third bot fails its script: an error of kind "script".
  if (ctx.index % 3 === 0) throw new Error("planned failure");
};

test("a real run's series holds every connect, join, round trip and error it counted, and its shape", async (t) => {
  const url = await game(t);
  const result = await runSwarm({
    url,
    bots: 0,
    durationMs: 2200,
    stages: [
      { durationMs: 600, target: 6 },
      { durationMs: 1600, target: 6 },
    ],
    iterations: 1,
    script,
  });
  t.deepEqual(result.shape, {
    model: "closed",
    bots: 0,
    durationMs: 2200,
    stages: [
      { durationMs: 600, target: 6 },
      { durationMs: 1600, target: 6 },
    ],
    iterations: 1,
  });
  const series = result.series;
  if (!series) return t.fail("no series");
  t.is(series.bucketMs, 1000);
  // Consecutive epoch-aligned seconds from the run's start to its end.
  t.is(series.buckets[0]?.t, Math.floor(result.startedAt / 1000) * 1000);
  t.is(series.buckets.at(-1)?.t, Math.floor(result.endedAt / 1000) * 1000);
  for (const [i, b] of series.buckets.entries()) t.is(b.t, (series.buckets[0]?.t ?? 0) + i * 1000);
  const sum = totals(result);
  t.is(sum.connect, result.bots.connected);
  t.is(sum.join, result.bots.connected);
  t.true(result.bots.connected >= 6);
  for (const [k, m] of Object.entries(result.methods)) {
    if (m.rtt) t.is(sum.methods[k], decodeHistogram(m.rtt).totalCount, k);
  }
  t.true((sum.methods["Game:ping"] ?? 0) >= 18);
  t.deepEqual(sum.errors, result.errors);
  t.true((result.errors.script ?? 0) >= 2);
  // The JSON's stages: two, with their round trips.
  const rep = toReport(result);
  t.is(rep.stages?.length, 2);
  t.is(
    rep.stages?.reduce((n, s) => n + s.rpcs, 0),
    result.seconds.reduce((n, s) => n + s.rpcs, 0),
  );
  t.is(rep.overTime?.buckets.length, series.buckets.length);
});

test("two real shards merged: the series holds both shards' events, connect failures included", async (t) => {
  const url = await game(t);
  const run = (index: number, target: string) =>
    runSwarm({
      url: target,
      bots: 4,
      durationMs: 1200,
      shard: { index, count: 2 },
      script,
    });
  // Shard 1 aims at a port nothing listens on: its connects fail.
  const [a, b] = await Promise.all([run(0, url), run(1, "ws://127.0.0.1:1")]);
  const merged = mergeResults([a, b]);
  const sum = totals(merged);
  t.is(sum.connect, a.bots.connected + b.bots.connected);
  t.deepEqual(sum.connectFailures, merged.connectFailures);
  t.true((merged.connectFailures.refused ?? 0) >= 1);
  t.deepEqual(sum.errors, merged.errors);
  t.deepEqual(merged.shape, a.shape, "shards of one run keep its shape");
});
