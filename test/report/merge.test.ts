/**
 * Merging shard results is exact: a swarm split into shards and merged back has exactly the
 * counters and percentiles of the unsplit run, because histograms are added, never averaged.
 */
import test from "ava";
import {
  decodeHistogram,
  encodeHistogram,
  type LatencySummary,
  summarize,
} from "../../src/bots/histogram.js";
import { mergeResults, parseSwarmResult, SwarmResultFormatError } from "../../src/bots/merge.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { fabricateResult, fabricateSwarm, resultOf, shardBots } from "./fabricate.js";

const lat = (enc: string | undefined): LatencySummary => summarize(decodeHistogram(enc ?? ""));

/** Everything a result says, with histograms read as their summaries and exact counts per value. */
function content(r: SwarmResult) {
  const hist = (enc: string) => {
    const h = decodeHistogram(enc);
    // Re-encoded under the same settings: equal strings mean equal counts at every value.
    return { ...summarize(h), values: encodeHistogram(h) };
  };
  return {
    bots: r.bots,
    connect: hist(r.connectMs),
    join: hist(r.joinMs),
    rtt: hist(r.rttMs),
    connectFailures: r.connectFailures,
    errors: r.errors,
    closes: r.closes,
    methods: Object.fromEntries(
      Object.entries(r.methods).map(([k, m]) => [
        k,
        { ...m, rtt: m.rtt === undefined ? undefined : hist(m.rtt) },
      ]),
    ),
    seconds: r.seconds.map((s) => ({ ...s, rtt: hist(s.rtt), lagMaxMs: 0, cpuPercent: 0 })),
    series: r.series && {
      bucketMs: r.series.bucketMs,
      buckets: r.series.buckets.map((b) => ({
        ...b,
        connect: b.connect === undefined ? undefined : hist(b.connect),
        join: b.join === undefined ? undefined : hist(b.join),
        methods:
          b.methods === undefined
            ? undefined
            : Object.fromEntries(Object.entries(b.methods).map(([k, m]) => [k, hist(m)])),
      })),
    },
  };
}

test("a swarm split into 3 shards and merged has exactly the unsplit run's counters and percentiles", (t) => {
  const swarm = fabricateSwarm({ bots: 90, seconds: 15, seed: 7 });
  const whole = resultOf(swarm, swarm.bots);
  const shards = shardBots(swarm, 3).map((bots, index) =>
    resultOf(swarm, bots, { shard: { index, count: 3 } }),
  );
  const merged = mergeResults(shards);

  t.true(lat(whole.rttMs).count > 1000, "a realistic number of round trips");
  t.deepEqual(content(merged), content(whole));
  t.deepEqual(lat(merged.rttMs), lat(whole.rttMs));
  for (const key of Object.keys(whole.methods)) {
    t.deepEqual(lat(merged.methods[key]?.rtt), lat(whole.methods[key]?.rtt), key);
  }
  // What averaging the shards' percentiles would have given is not the swarm's p99.
  const averaged = shards.map((s) => lat(s.rttMs).p99).reduce((a, b) => a + b, 0) / shards.length;
  t.not(averaged, lat(whole.rttMs).p99);
});

test("merging one result changes nothing it measured", (t) => {
  const r = fabricateResult({ seed: 3 });
  const m = mergeResults([r]);
  t.deepEqual(content(m), content(r));
  t.deepEqual(m.shards, r.shards);
  t.is(m.startedAt, r.startedAt);
  t.is(m.endedAt, r.endedAt);
  t.deepEqual(m.config, r.config);
  t.deepEqual(m.generator.cpuMaxPercent, r.generator.cpuMaxPercent);
});

test("a merge of merges equals the merge of all shards", (t) => {
  const swarm = fabricateSwarm({ bots: 60, seconds: 10, seed: 11 });
  const parts = shardBots(swarm, 4).map((bots, index) =>
    resultOf(swarm, bots, { shard: { index, count: 4 } }),
  );
  const left = mergeResults(parts.slice(0, 2));
  const right = mergeResults(parts.slice(2));
  t.deepEqual(content(mergeResults([left, right])), content(mergeResults(parts)));
  t.is(mergeResults([left, right]).shards.length, 4);
});

test("per-second samples align by epoch second; traffic sums, generator lag and CPU take the max", (t) => {
  const a = fabricateResult(
    { seed: 1, seconds: 6, t0: 1_800_000_000 },
    { lagMs: () => 3, cpuPercent: () => 40 },
  );
  // Started 2 s later on another machine: overlapping seconds 2..5.
  const b = fabricateResult(
    { seed: 2, seconds: 6, t0: 1_800_000_002 },
    { lagMs: () => 9, cpuPercent: () => 15 },
  );
  const m = mergeResults([a, b]);
  t.deepEqual(
    m.seconds.map((s) => s.t),
    [0, 1, 2, 3, 4, 5, 6, 7].map((i) => 1_800_000_000 + i),
  );
  for (const s of m.seconds) {
    const sa = a.seconds.find((x) => x.t === s.t);
    const sb = b.seconds.find((x) => x.t === s.t);
    t.is(s.msgsIn, (sa?.msgsIn ?? 0) + (sb?.msgsIn ?? 0));
    t.is(s.bytesOut, (sa?.bytesOut ?? 0) + (sb?.bytesOut ?? 0));
    t.is(s.connected, (sa?.connected ?? 0) + (sb?.connected ?? 0));
    t.is(s.rpcs, (sa?.rpcs ?? 0) + (sb?.rpcs ?? 0));
    t.is(lat(s.rtt).count, s.rpcs);
    t.is(s.lagMaxMs, sb ? 9 : 3);
    t.is(s.cpuPercent, sa ? 40 : 15);
  }
  t.is(m.startedAt, a.startedAt);
  t.is(m.endedAt, b.endedAt);
  t.is(m.generator.cpuMaxPercent, 40);
  t.is(lat(m.generator.lagMs).count, a.seconds.length + b.seconds.length);
});

test("peak is the largest per-second sum of connected bots, not the sum of the shards' peaks", (t) => {
  const swarm = fabricateSwarm({ bots: 4, seconds: 4, seed: 5, failRate: 0 });
  const base = resultOf(swarm, swarm.bots);
  const withConnected = (r: SwarmResult, connected: number[], index: number): SwarmResult => ({
    ...r,
    shards: [{ ...(r.shards[0] as SwarmResult["shards"][number]), index, count: 2 }],
    bots: { ...r.bots, peak: Math.max(...connected) },
    seconds: r.seconds.map((s, i) => ({ ...s, connected: connected[i] ?? 0 })),
  });
  // Shard 0 peaks early, shard 1 late: never 10 + 10 at once.
  const a = withConnected(base, [10, 10, 2, 0], 0);
  const b = withConnected(base, [0, 3, 9, 10], 1);
  const m = mergeResults([a, b]);
  t.deepEqual(
    m.seconds.map((s) => s.connected),
    [10, 13, 11, 10],
  );
  t.is(m.bots.peak, 13);
});

test("a second an input closed twice counts its traffic twice but its connected bots once", (t) => {
  const r = fabricateResult({ seed: 9, seconds: 4 });
  const last = r.seconds.at(-1) as SwarmResult["seconds"][number];
  const again = { ...last, msgsIn: 5, connected: last.connected - 1 };
  const twice: SwarmResult = { ...r, seconds: [...r.seconds, again] };
  const m = mergeResults([twice]);
  const s = m.seconds.at(-1) as SwarmResult["seconds"][number];
  t.is(m.seconds.length, r.seconds.length);
  t.is(s.msgsIn, last.msgsIn + 5);
  t.is(s.connected, last.connected - 1);
});

test("config: agreed values are kept, differing ones listed", (t) => {
  const a = fabricateResult({ seed: 1 });
  const b = fabricateResult({ seed: 2 });
  a.config = { url: "ws://x", bots: 100, script: "bots/chat.ts" };
  b.config = { url: "ws://x", bots: 100, script: "bots/move.ts", interrupted: true };
  b.shards = [{ ...(b.shards[0] as SwarmResult["shards"][number]), index: 1, count: 2 }];
  t.deepEqual(mergeResults([a, b]).config, {
    url: "ws://x",
    bots: 100,
    script: "bots/chat.ts | bots/move.ts",
    interrupted: true,
  });
});

test("counters of every family are summed; saturated seconds add up as generator-seconds", (t) => {
  const a = fabricateResult({ seed: 1, errorRate: 0.05, failRate: 0.2 }, { saturatedSeconds: 2 });
  const b = fabricateResult(
    { seed: 2, errorRate: 0.05, failRate: 0.2 },
    { saturatedSeconds: 3, shard: { index: 1, count: 2 } },
  );
  const m = mergeResults([a, b]);
  for (const fam of ["errors", "closes", "connectFailures"] as const) {
    for (const k of new Set([...Object.keys(a[fam]), ...Object.keys(b[fam])])) {
      t.is(m[fam][k], (a[fam][k] ?? 0) + (b[fam][k] ?? 0), `${fam}.${k}`);
    }
  }
  t.true(Object.keys(m.errors).length > 0 && Object.keys(m.connectFailures).length > 0);
  t.is(m.bots.started, a.bots.started + b.bots.started);
  t.is(m.bots.failed, a.bots.failed + b.bots.failed);
  t.is(m.generator.saturatedSeconds, 5);
  t.deepEqual(
    m.shards.map((s) => `${s.index}/${s.count}`),
    ["0/1", "1/2"],
  );
});

test("the same shard twice is refused: it would count twice", (t) => {
  const r = fabricateResult();
  const err = t.throws(() => mergeResults([r, structuredClone(r)], ["a.json", "b.json"]), {
    instanceOf: SwarmResultFormatError,
  });
  t.regex(err.message, /^b\.json: shard 0\/1 of host-0 is also in a\.json/);
});

test("a corrupt histogram is refused, naming the file and the field", (t) => {
  const r = fabricateResult();
  const bad: SwarmResult = { ...r, rttMs: "not-a-histogram" };
  const err = t.throws(() => mergeResults([bad], ["shard-3.json"]), { instanceOf: SwarmResultFormatError });
  t.regex(err.message, /^shard-3\.json: rttMs: not a serialized HdrHistogram/);
});

test("parseSwarmResult accepts a result read back from JSON", (t) => {
  const r = fabricateResult();
  t.deepEqual(parseSwarmResult(JSON.parse(JSON.stringify(r)), "r.json"), r);
});

test("parseSwarmResult refuses what is not a swarm result of this version, naming the file", (t) => {
  const r = JSON.parse(JSON.stringify(fabricateResult())) as Record<string, unknown>;
  const cases: [unknown, RegExp][] = [
    [[1, 2], /^x\.json: not a swarm result/],
    [null, /^x\.json: not a swarm result/],
    [{ hello: "world" }, /^x\.json: not a swarm result \(no "format"/],
    [
      { ...r, format: "godot-peer-swarm/2" },
      /^x\.json: format godot-peer-swarm\/2 is not godot-peer-swarm\/1/,
    ],
    [
      { ...r, bots: { ...(r.bots as object), connected: "7" } },
      /^x\.json: bots\.connected is not a non-negative number/,
    ],
    [{ ...r, seconds: [{}] }, /^x\.json: seconds\[0\]\.t is not/],
    [{ ...r, errors: { script: -1 } }, /^x\.json: errors\.script is not a non-negative number/],
    [{ ...r, methods: { "Game:ping": { callsOut: 1 } } }, /^x\.json: methods\["Game:ping"\]\.callsIn/],
    [{ ...r, shards: [] }, /^x\.json: shards is not a non-empty array/],
    [{ ...r, rttMs: 5 }, /^x\.json: rttMs is not a serialized histogram/],
    [{ ...r, config: { nested: { a: 1 } } }, /^x\.json: config\.nested is not a plain value/],
  ];
  for (const [value, re] of cases) {
    const err = t.throws(() => parseSwarmResult(value, "x.json"), { instanceOf: SwarmResultFormatError });
    t.regex(err.message, re);
    t.is(err.source, "x.json");
  }
});

test("nothing to merge is an error, not an empty result", (t) => {
  t.throws(() => mergeResults([]), { instanceOf: SwarmResultFormatError, message: /nothing to merge/ });
});
