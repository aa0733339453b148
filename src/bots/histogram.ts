/**
 * Latency histograms (HdrHistogram, via hdr-histogram-js): recorded in microseconds, 3
 * significant digits, serialized compressed so that shard results merge exactly — percentiles
 * are computed from the merged histogram, never averaged.
 */
import * as hdr from "hdr-histogram-js";

export type Histogram = hdr.Histogram;

/** One hour in µs: the largest latency recorded exactly; larger values are clamped to it. */
const HIGHEST_US = 3_600_000_000;

export function newHistogram(): Histogram {
  return hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_US,
    numberOfSignificantValueDigits: 3,
  });
}

/**
 * hdr-histogram-js's recordValue, for the histograms made here (1 µs to HIGHEST_US, 3 digits:
 * sub-buckets of 2^10, unit 1): the same counts index found with clz32 and a shift instead of
 * log2, two pow and a division (one record per round trip, three in a swarm's: measurable). Any
 * other histogram, or a layout this does not expect, takes recordValue. test/bots/histogram.
 */
const SUB_BUCKET_HALF_MAGNITUDE = 10;
const fastLayout = (h: Histogram): h is hdr.JsHistogram =>
  h instanceof hdr.JsHistogram &&
  h.subBucketHalfCountMagnitude === SUB_BUCKET_HALF_MAGNITUDE &&
  h.unitMagnitude === 0;

/** Records `us` (an integer, 1 to HIGHEST_US) exactly as h.recordValue(us) does. */
export function recordUs(h: Histogram, us: number): void {
  if (!fastLayout(h)) {
    h.recordValue(us);
    return;
  }
  // floor(log2(us)) − 10, at least 0: the bucket; us >>> bucket: the sub-bucket (us < 2^32).
  const bucket = Math.max(31 - Math.clz32(us) - SUB_BUCKET_HALF_MAGNITUDE, 0);
  const index = (bucket << SUB_BUCKET_HALF_MAGNITUDE) + (us >>> bucket);
  if (index >= h.countsArrayLength) {
    h.recordValue(us);
    return;
  }
  h.incrementCountAtIndex(index);
  h.updateMinAndMax(us);
  h.incrementTotalCount();
}

/** Records a duration given in milliseconds. */
export function recordMs(h: Histogram, ms: number): void {
  if (!Number.isFinite(ms) || ms < 0) return;
  recordUs(h, Math.min(HIGHEST_US, Math.max(1, Math.round(ms * 1000))));
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

/** The last encoding of each histogram, by its count then. */
const encodings = new WeakMap<Histogram, { readonly count: number; readonly text: string }>();

/**
 * encodeHistogram, reusing the last encoding while the count is unchanged: a run's histograms
 * are only ever recorded into or added to (never reset), so an unchanged count is an unchanged
 * histogram. Snapshots taken every second (live metrics, abortOnFail) then encode only what moved.
 */
export function encodeGrowing(h: Histogram): string {
  const last = encodings.get(h);
  if (last && last.count === h.totalCount) return last.text;
  const text = encodeHistogram(h);
  encodings.set(h, { count: h.totalCount, text });
  return text;
}

/** Decodes a serialized histogram; throws a clear error for anything else. */
export function decodeHistogram(encoded: string): Histogram {
  let decoded: Histogram;
  try {
    decoded = hdr.decodeFromCompressedBase64(encoded);
  } catch (err) {
    throw new Error(`not a serialized HdrHistogram: ${(err as Error).message}`);
  }
  // Into our own settings, so that every histogram adds to every other.
  const h = newHistogram();
  h.add(decoded);
  return h;
}

export function addEncoded(into: Histogram, encoded: string): void {
  into.add(decodeHistogram(encoded));
}

/** Percentiles in milliseconds (NaN when nothing was recorded). */
export interface LatencySummary {
  readonly count: number;
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly p999: number;
  readonly max: number;
}

export function summarize(h: Histogram): LatencySummary {
  const n = h.totalCount;
  const ms = (us: number) => (n === 0 ? Number.NaN : us / 1000);
  return {
    count: n,
    min: ms(h.minNonZeroValue),
    mean: ms(h.mean),
    p50: ms(h.getValueAtPercentile(50)),
    p90: ms(h.getValueAtPercentile(90)),
    p95: ms(h.getValueAtPercentile(95)),
    p99: ms(h.getValueAtPercentile(99)),
    p999: ms(h.getValueAtPercentile(99.9)),
    max: ms(h.maxValue),
  };
}
