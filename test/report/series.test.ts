/**
 * The run over time (series.ts): events land in epoch-aligned buckets; a long run coarsens its
 * buckets without losing a count; shards merged give exactly the series of one run with all bots.
 */
import test from "ava";
import fc from "fast-check";
import {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  newHistogram,
  recordMs,
} from "../../src/bots/histogram.js";
import { mergeResults, parseSwarmResult, SwarmResultFormatError } from "../../src/bots/merge.js";
import {
  MAX_BUCKETS,
  mergeSeries,
  SERIES_BUCKET_MS,
  SeriesRecorder,
  type TimeSeries,
  widthFor,
} from "../../src/bots/series.js";
import { fabricateResult, fabricateSwarm, resultOf, shardBots } from "./fabricate.js";

type Event =
  | { readonly t: number; readonly kind: "join"; readonly connectMs: number; readonly joinMs: number }
  | { readonly t: number; readonly kind: "rtt"; readonly method: string; readonly ms: number }
  | { readonly t: number; readonly kind: "error"; readonly what: string }
  | { readonly t: number; readonly kind: "fail"; readonly what: string };

function record(rec: SeriesRecorder, events: readonly Event[]): void {
  for (const e of [...events].sort((a, b) => a.t - b.t)) {
    if (e.kind === "join") rec.joined(e.connectMs, e.joinMs, e.t);
    else if (e.kind === "rtt") rec.roundTrip(e.method, e.ms, e.t);
    else if (e.kind === "error") rec.error(e.what, e.t);
    else rec.connectFailed(e.what, e.t);
  }
}

/** The series built the plain way: every event into the bucket of its time at width `w`. */
function reference(events: readonly Event[], start: number, end: number, w: number): TimeSeries {
  const from = Math.floor(start / w);
  const n = Math.floor(end / w) - from + 1;
  const hs = Array.from({ length: n }, () => ({
    connect: null as Histogram | null,
    join: null as Histogram | null,
    methods: new Map<string, Histogram>(),
    errors: {} as Record<string, number>,
    connectFailures: {} as Record<string, number>,
  }));
  for (const e of events) {
    const b = hs[Math.floor(e.t / w) - from];
    if (!b) throw new Error(`event at ${e.t} outside ${start}…${end}`);
    if (e.kind === "join") {
      b.connect ??= newHistogram();
      b.join ??= newHistogram();
      recordMs(b.connect, e.connectMs);
      recordMs(b.join, e.joinMs);
    } else if (e.kind === "rtt") {
      const h = b.methods.get(e.method) ?? newHistogram();
      b.methods.set(e.method, h);
      recordMs(h, e.ms);
    } else if (e.kind === "error") b.errors[e.what] = (b.errors[e.what] ?? 0) + 1;
    else b.connectFailures[e.what] = (b.connectFailures[e.what] ?? 0) + 1;
  }
  const sorted = (rec: Record<string, number>) =>
    Object.keys(rec).length === 0
      ? undefined
      : Object.fromEntries(Object.entries(rec).sort(([a], [b]) => a.localeCompare(b)));
  return {
    bucketMs: w,
    buckets: hs.map((b, k) => ({
      t: (from + k) * w,
      connect: b.connect ? encodeHistogram(b.connect) : undefined,
      join: b.join ? encodeHistogram(b.join) : undefined,
      methods:
        b.methods.size === 0
          ? undefined
          : Object.fromEntries(
              [...b.methods].sort(([a], [c]) => a.localeCompare(c)).map(([m, h]) => [m, encodeHistogram(h)]),
            ),
      errors: sorted(b.errors),
      connectFailures: sorted(b.connectFailures),
    })),
  };
}

/** A series with every histogram re-encoded under the same settings (equal strings: equal counts) and absent fields explicit. */
function normal(s: TimeSeries) {
  const h = (enc: string | undefined) =>
    enc === undefined ? undefined : encodeHistogram(decodeHistogram(enc));
  return {
    bucketMs: s.bucketMs,
    buckets: s.buckets.map((b) => ({
      t: b.t,
      connect: h(b.connect),
      join: h(b.join),
      methods: b.methods && Object.fromEntries(Object.entries(b.methods).map(([k, v]) => [k, h(v)])),
      errors: b.errors,
      connectFailures: b.connectFailures,
    })),
  };
}

const T0 = 1_800_000_000_000;

/** A run: start, end, and events in between. */
const runArb = (maxSpanMs: number) =>
  fc
    .record({
      start: fc.integer({ min: T0, max: T0 + 5_000 }),
      span: fc.integer({ min: 0, max: maxSpanMs }),
    })
    .chain(({ start, span }) =>
      fc.record({
        start: fc.constant(start),
        end: fc.constant(start + span),
        events: fc.array(
          fc.oneof(
            fc.record({
              t: fc.integer({ min: start, max: start + span }),
              kind: fc.constant("join" as const),
              connectMs: fc.double({ min: 0.001, max: 5_000, noNaN: true }),
              joinMs: fc.double({ min: 0.001, max: 5_000, noNaN: true }),
            }),
            fc.record({
              t: fc.integer({ min: start, max: start + span }),
              kind: fc.constant("rtt" as const),
              method: fc.constantFrom("Game:ping", "Game:chat", "World/Players/*:move"),
              ms: fc.double({ min: 0.001, max: 60_000, noNaN: true }),
            }),
            fc.record({
              t: fc.integer({ min: start, max: start + span }),
              kind: fc.constant("error" as const),
              what: fc.constantFrom("timeout", "script", "disconnected"),
            }),
            fc.record({
              t: fc.integer({ min: start, max: start + span }),
              kind: fc.constant("fail" as const),
              what: fc.constantFrom("refused", "join-timeout"),
            }),
          ),
          { maxLength: 60 },
        ),
      }),
    );

test("every event lands in the epoch-aligned bucket of its time; a long run coarsens exactly (fast-check)", (t) => {
  fc.assert(
    fc.property(runArb(40_000), fc.integer({ min: 2, max: 12 }), ({ start, end, events }, cap) => {
      const rec = new SeriesRecorder(start, cap);
      record(rec, events);
      const got = rec.finish(end);
      const w = widthFor(start, end, SERIES_BUCKET_MS, cap);
      t.true(got.buckets.length <= cap);
      t.deepEqual(normal(got), normal(reference(events, start, end, w)));
    }),
    { numRuns: 150 },
  );
});

test("shards merged give exactly the series of one run with all their bots (fast-check)", (t) => {
  fc.assert(
    fc.property(
      fc.array(runArb(30_000), { minLength: 1, maxLength: 4 }),
      fc.integer({ min: 2, max: 10 }),
      (shards, cap) => {
        const parts = shards.map(({ start, end, events }) => {
          const rec = new SeriesRecorder(start, cap);
          record(rec, events);
          return rec.finish(end);
        });
        const all = new SeriesRecorder(Math.min(...shards.map((s) => s.start)), cap);
        record(
          all,
          shards.flatMap((s) => s.events),
        );
        const whole = all.finish(Math.max(...shards.map((s) => s.end)));
        const merged = mergeSeries(parts, undefined, cap);
        t.deepEqual(normal(merged), normal(whole));
        // And in any grouping: a merge of merges is the same.
        if (parts.length > 1) {
          const left = mergeSeries(parts.slice(0, 1), undefined, cap);
          const right = mergeSeries(parts.slice(1), undefined, cap);
          t.deepEqual(normal(mergeSeries([right, left], undefined, cap)), normal(whole));
        }
      },
    ),
    { numRuns: 150 },
  );
});

test("an hour-long run holds at most MAX_BUCKETS buckets, of 8 s, and every count", (t) => {
  const start = T0 + 250;
  const rec = new SeriesRecorder(start);
  let errors = 0;
  for (let s = 0; s < 3600; s++) {
    rec.roundTrip("Game:ping", 5 + (s % 7), start + s * 1000);
    if (s % 10 === 0) {
      rec.error("timeout", start + s * 1000 + 1);
      errors++;
    }
  }
  const series = rec.finish(start + 3600 * 1000);
  t.is(series.bucketMs, 8000);
  t.true(series.buckets.length <= MAX_BUCKETS);
  t.is(
    series.buckets.reduce((n, b) => n + (b.errors?.timeout ?? 0), 0),
    errors,
  );
  t.is(
    series.buckets.reduce(
      (n, b) => n + (b.methods ? decodeHistogram(b.methods["Game:ping"] ?? "").totalCount : 0),
      0,
    ),
    3600,
  );
  for (const [i, b] of series.buckets.entries()) t.is(b.t, (series.buckets[0]?.t ?? 0) + i * 8000);
});

test("merged shard results carry exactly the series of the unsplit run; it survives JSON and is checked when read", (t) => {
  const swarm = fabricateSwarm({ bots: 60, seconds: 12, seed: 4, errorRate: 0.05, failRate: 0.1 });
  const whole = resultOf(swarm, swarm.bots);
  const shards = shardBots(swarm, 3).map((bots, index) =>
    resultOf(swarm, bots, { shard: { index, count: 3 } }),
  );
  const read = shards.map((s, i) => parseSwarmResult(JSON.parse(JSON.stringify(s)), `s${i}.json`));
  const merged = mergeResults(read);
  t.truthy(whole.series);
  t.is(whole.series?.buckets.length, 12);
  t.deepEqual(normal(merged.series as TimeSeries), normal(whole.series as TimeSeries));
  // The series' errors add up to the result's.
  const sum: Record<string, number> = {};
  for (const b of merged.series?.buckets ?? [])
    for (const [k, n] of Object.entries(b.errors ?? {})) sum[k] = (sum[k] ?? 0) + n;
  t.deepEqual(sum, merged.errors);

  const bad = (series: unknown) => () =>
    parseSwarmResult({ ...JSON.parse(JSON.stringify(whole)), series }, "x.json");
  const w = whole.series as TimeSeries;
  t.throws(bad({ ...w, bucketMs: 1500 }), {
    instanceOf: SwarmResultFormatError,
    message: /series\.bucketMs 1500/,
  });
  t.throws(bad({ ...w, buckets: [w.buckets[1], w.buckets[0]] }), {
    message: /series\.buckets\[1\]\.t .* does not follow/,
  });
  t.throws(bad({ ...w, buckets: [{ t: w.buckets[0]?.t, connect: 7 }] }), {
    message: /series\.buckets\[0\]\.connect is not a serialized histogram/,
  });
  const corrupt = structuredClone(whole);
  (corrupt.series?.buckets[2] as { join?: string }).join = "bm90IGEgaGlzdG9ncmFt";
  t.throws(() => mergeResults([corrupt], ["c.json"]), {
    message: /^c\.json: series\[t=\d+\]\.join: not a serialized HdrHistogram/,
  });
});

test("a result without a series (older) merges without one rather than with a partial one", (t) => {
  const a = fabricateResult({ seed: 1 });
  const b = {
    ...fabricateResult({ seed: 2 }),
    shards: [{ index: 1, count: 2, host: "h", startedAt: 1, endedAt: 2 }],
  };
  delete (b as { series?: unknown }).series;
  t.is(mergeResults([a, b]).series, undefined);
  t.truthy(mergeResults([a]).series);
});
