/**
 * A run over time: fixed buckets of wall-clock time, each holding HdrHistograms of the connect and
 * join latencies and of each method's round trips completed in it, and the errors and connect
 * failures by kind counted in it. Buckets are aligned to the epoch (bucket k covers
 * [k·w, (k+1)·w) ms), so the buckets of shards started apart line up and merge exactly.
 *
 * Memory is bounded for long runs: a series never holds more than MAX_BUCKETS buckets. When a run
 * outgrows them, the width doubles (1 s, 2 s, 4 s, …) and each pair of adjacent buckets is merged
 * into one: histograms added, counts summed, so nothing is lost but resolution in time. The width
 * depends only on the span covered (the first and last bucket), never on the data, so a merge of
 * shards coarsens to exactly the width one run over the same span would have had.
 */
import { decodeHistogram, encodeHistogram, type Histogram, newHistogram, recordMs } from "./histogram.js";
import type { EncodedHistogram } from "./swarm-result.js";

/** The finest bucket, ms. */
export const SERIES_BUCKET_MS = 1000;
/** The most buckets a series holds: past it, the width doubles and pairs of buckets merge. */
export const MAX_BUCKETS = 600;

/** One bucket; a field is absent when nothing of it happened in the bucket. */
export interface SeriesBucket {
  /** Epoch ms where the bucket starts (a multiple of the series' bucketMs). */
  readonly t: number;
  /** Connect times of bots that joined in this bucket. */
  connect?: EncodedHistogram;
  /** Join times of bots that joined in this bucket. */
  join?: EncodedHistogram;
  /** Round trips completed in this bucket, by method ("Game:ping"). */
  methods?: Record<string, EncodedHistogram>;
  /** Errors by kind (as result.errors). */
  errors?: Record<string, number>;
  /** Connect failures by reason (as result.connectFailures). */
  connectFailures?: Record<string, number>;
}

export interface TimeSeries {
  /** Width of every bucket, ms: SERIES_BUCKET_MS × 2^k. */
  readonly bucketMs: number;
  /** Consecutive buckets, from the one holding the run's start to the one holding its end. */
  readonly buckets: SeriesBucket[];
}

/** A bucket being filled: live histograms. */
interface Acc {
  connect: Histogram | null;
  join: Histogram | null;
  readonly methods: Map<string, Histogram>;
  readonly errors: Record<string, number>;
  readonly connectFailures: Record<string, number>;
}

function emptyAcc(): Acc {
  return { connect: null, join: null, methods: new Map(), errors: {}, connectFailures: {} };
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>> | undefined): void {
  if (from) for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Adds an encoded bucket into an accumulator (histograms decoded and added: exact). */
function addBucket(
  acc: Acc,
  b: SeriesBucket,
  decode: (enc: EncodedHistogram, what: string) => Histogram,
): void {
  if (b.connect !== undefined) {
    acc.connect ??= newHistogram();
    acc.connect.add(decode(b.connect, "connect"));
  }
  if (b.join !== undefined) {
    acc.join ??= newHistogram();
    acc.join.add(decode(b.join, "join"));
  }
  for (const [k, enc] of Object.entries(b.methods ?? {})) {
    let h = acc.methods.get(k);
    if (!h) {
      h = newHistogram();
      acc.methods.set(k, h);
    }
    h.add(decode(enc, `methods["${k}"]`));
  }
  addCounts(acc.errors, b.errors);
  addCounts(acc.connectFailures, b.connectFailures);
}

function encodeAcc(t: number, acc: Acc): SeriesBucket {
  const b: SeriesBucket = { t };
  if (acc.connect && acc.connect.totalCount > 0) b.connect = encodeHistogram(acc.connect);
  if (acc.join && acc.join.totalCount > 0) b.join = encodeHistogram(acc.join);
  const keys = [...acc.methods.keys()].filter((k) => (acc.methods.get(k) as Histogram).totalCount > 0).sort();
  if (keys.length > 0) {
    b.methods = {};
    for (const k of keys) b.methods[k] = encodeHistogram(acc.methods.get(k) as Histogram);
  }
  const counts = (rec: Record<string, number>) => {
    const ks = Object.keys(rec).filter((k) => (rec[k] as number) > 0);
    return ks.length === 0 ? undefined : Object.fromEntries(ks.sort().map((k) => [k, rec[k] as number]));
  };
  const e = counts(acc.errors);
  if (e) b.errors = e;
  const f = counts(acc.connectFailures);
  if (f) b.connectFailures = f;
  return b;
}

/** Buckets needed at width `w` to cover bucket starts `first`…`last` (epoch ms). */
function spanAt(first: number, last: number, w: number): number {
  return Math.floor(last / w) - Math.floor(first / w) + 1;
}

/** The width a series covering `first`…`last` has: the finest under MAX_BUCKETS, at least `atLeast`. */
export function widthFor(first: number, last: number, atLeast = SERIES_BUCKET_MS, cap = MAX_BUCKETS): number {
  let w = Math.max(SERIES_BUCKET_MS, atLeast);
  while (spanAt(first, last, w) > cap) w *= 2;
  return w;
}

const plainDecode = (enc: EncodedHistogram) => decodeHistogram(enc);

/**
 * Several series (shards, worker threads, scenarios) as one, exactly: regrouped at the width one
 * series over their whole span would have, buckets aligned by wall clock, histograms added.
 * `decode` may name a corrupt histogram's input (merge.ts).
 */
export function mergeSeries(
  inputs: readonly TimeSeries[],
  decode: (enc: EncodedHistogram, input: number, what: string) => Histogram = plainDecode,
  cap = MAX_BUCKETS,
): TimeSeries {
  const present = inputs.filter((s) => s.buckets.length > 0);
  const coarsest = Math.max(SERIES_BUCKET_MS, ...inputs.map((s) => s.bucketMs));
  if (present.length === 0) return { bucketMs: coarsest, buckets: [] };
  const first = Math.min(...present.map((s) => (s.buckets[0] as SeriesBucket).t));
  const last = Math.max(...present.map((s) => (s.buckets.at(-1) as SeriesBucket).t));
  const w = widthFor(first, last, coarsest, cap);
  const from = Math.floor(first / w);
  const accs = Array.from({ length: Math.floor(last / w) - from + 1 }, emptyAcc);
  for (const [i, s] of inputs.entries()) {
    for (const b of s.buckets) {
      const acc = accs[Math.floor(b.t / w) - from] as Acc;
      addBucket(acc, b, (enc, what) => decode(enc, i, `series[t=${b.t}].${what}`));
    }
  }
  return { bucketMs: w, buckets: accs.map((acc, k) => encodeAcc((from + k) * w, acc)) };
}

/**
 * Records a run's series as it goes: events land in the bucket of the wall-clock time they are
 * recorded at; a bucket is encoded when time moves past it, its histograms reset and reused.
 */
export class SeriesRecorder {
  #w = SERIES_BUCKET_MS;
  /** Epoch ms the run started (the first bucket holds it). */
  readonly #start: number;
  #closed: SeriesBucket[] = [];
  /** Index (t / w) of the open bucket. */
  #index: number;
  #open: Acc = emptyAcc();
  /** Histograms of closed buckets, reset, for the next ones. */
  readonly #pool: Histogram[] = [];
  #finished: TimeSeries | null = null;

  constructor(
    startedAt: number,
    readonly cap = MAX_BUCKETS,
  ) {
    this.#start = startedAt;
    this.#index = Math.floor(startedAt / this.#w);
  }

  #hist(): Histogram {
    return this.#pool.pop() ?? newHistogram();
  }

  /** The open bucket for time `now`: buckets passed are closed first (empty ones too). */
  #at(now: number): Acc {
    // Finished: nothing more is recorded.
    if (this.#finished) return this.#open;
    const idx = Math.floor(now / this.#w);
    // A clock stepped back: the open bucket takes it.
    if (idx <= this.#index) return this.#open;
    this.#close();
    for (let k = this.#index + 1; k < idx; k++) this.#closed.push({ t: k * this.#w });
    this.#index = idx;
    this.#coarsen();
    return this.#open;
  }

  #close(): void {
    const acc = this.#open;
    this.#closed.push(encodeAcc(this.#index * this.#w, acc));
    for (const h of [acc.connect, acc.join, ...acc.methods.values()]) {
      if (h) {
        h.reset();
        this.#pool.push(h);
      }
    }
    this.#open = emptyAcc();
  }

  /** Doubles the width while the span is over the cap, merging closed buckets pairwise (exact). */
  #coarsen(): void {
    while (spanAt(this.#start, this.#index * this.#w, this.#w) > this.cap) {
      const w = this.#w * 2;
      const regrouped: SeriesBucket[] = [];
      let acc: Acc | null = null;
      let accT = 0;
      for (const b of this.#closed) {
        const t = Math.floor(b.t / w) * w;
        if (acc && t !== accT) {
          regrouped.push(encodeAcc(accT, acc));
          acc = null;
        }
        acc ??= emptyAcc();
        accT = t;
        addBucket(acc, b, plainDecode);
      }
      const openIndex = Math.floor(this.#index / 2);
      if (acc) {
        // The last closed bucket shares the open one's new bucket: it goes back into the open one.
        if (accT === openIndex * w) this.#merge(acc);
        else regrouped.push(encodeAcc(accT, acc));
      }
      this.#closed = regrouped;
      this.#w = w;
      this.#index = openIndex;
    }
  }

  /** Adds an accumulator into the open bucket. */
  #merge(from: Acc): void {
    const o = this.#open;
    if (from.connect) {
      o.connect ??= this.#hist();
      o.connect.add(from.connect);
    }
    if (from.join) {
      o.join ??= this.#hist();
      o.join.add(from.join);
    }
    for (const [k, h] of from.methods) this.#method(o, k).add(h);
    addCounts(o.errors, from.errors);
    addCounts(o.connectFailures, from.connectFailures);
  }

  #method(acc: Acc, key: string): Histogram {
    let h = acc.methods.get(key);
    if (!h) {
      h = this.#hist();
      acc.methods.set(key, h);
    }
    return h;
  }

  /** A bot joined at `now` (epoch ms). */
  joined(connectMs: number, joinMs: number, now = Date.now()): void {
    const acc = this.#at(now);
    acc.connect ??= this.#hist();
    acc.join ??= this.#hist();
    recordMs(acc.connect, connectMs);
    recordMs(acc.join, joinMs);
  }

  roundTrip(method: string, ms: number, now = Date.now()): void {
    recordMs(this.#method(this.#at(now), method), ms);
  }

  error(kind: string, now = Date.now()): void {
    const e = this.#at(now).errors;
    e[kind] = (e[kind] ?? 0) + 1;
  }

  connectFailed(reason: string, now = Date.now()): void {
    const f = this.#at(now).connectFailures;
    f[reason] = (f[reason] ?? 0) + 1;
  }

  /** The buckets closed so far (the run going on). */
  snapshot(): TimeSeries {
    if (this.#finished) return { ...this.#finished, buckets: this.#finished.buckets.slice() };
    return { bucketMs: this.#w, buckets: this.#closed.slice() };
  }

  /** Closes every bucket up to the one holding `endedAt`; the series is complete. */
  finish(endedAt = Date.now()): TimeSeries {
    if (!this.#finished) {
      this.#at(endedAt);
      this.#close();
      this.#finished = { bucketMs: this.#w, buckets: this.#closed };
    }
    return this.snapshot();
  }
}
