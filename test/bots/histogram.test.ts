/**
 * The runner's latency histograms: recordUs finds the counts index with integer operations, and
 * must record exactly what hdr-histogram-js's recordValue records (the same encoding, so results
 * still merge exactly with any written before).
 */
import test from "ava";
import fc from "fast-check";
import { encodeHistogram, newHistogram, recordMs, recordUs } from "../../src/bots/histogram.js";

const HIGHEST_US = 3_600_000_000;

test("recordUs records what recordValue records, for any value from 1 µs to an hour, bucket edges included", (t) => {
  const edges = [
    1,
    2,
    1023,
    1024,
    2047,
    2048,
    2049,
    4095,
    4096,
    2 ** 20 - 1,
    2 ** 20,
    2 ** 31 - 1,
    2 ** 31,
    2 ** 31 + 1,
    HIGHEST_US,
  ];
  const values = fc.array(
    fc.oneof(
      fc.integer({ min: 1, max: HIGHEST_US }),
      fc.constantFrom(...edges),
      fc.integer({ min: 1, max: 5_000 }),
    ),
    {
      minLength: 1,
      maxLength: 200,
    },
  );
  fc.assert(
    fc.property(values, (vs) => {
      const ours = newHistogram();
      const theirs = newHistogram();
      for (const v of vs) {
        recordUs(ours, v);
        theirs.recordValue(v);
      }
      return (
        encodeHistogram(ours) === encodeHistogram(theirs) &&
        ours.totalCount === theirs.totalCount &&
        ours.minNonZeroValue === theirs.minNonZeroValue &&
        ours.maxValue === theirs.maxValue
      );
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test("recordMs keeps its clamps: under 1 µs is 1 µs, over an hour is an hour, NaN, ∞ and negatives are not recorded", (t) => {
  const h = newHistogram();
  for (const ms of [0, 0.0001, 5_000_000, Number.NaN, Number.POSITIVE_INFINITY, -1]) recordMs(h, ms);
  t.is(h.totalCount, 3);
  t.is(h.minNonZeroValue, 1);
  t.true(h.maxValue >= HIGHEST_US * 0.999 && h.maxValue <= HIGHEST_US * 1.001);
});
