/** The swarm command's values: durations, rates, counts and shards, and their usage errors. */
import test from "ava";
import { parseCount, parseDuration, parseRate, parseShard, UsageError } from "../../src/cli/args.js";

test("durations: ms, s, m, h, compounds; a bare number is refused", (t) => {
  t.is(parseDuration("250ms", "--d"), 250);
  t.is(parseDuration("60s", "--d"), 60_000);
  t.is(parseDuration("1.5m", "--d"), 90_000);
  t.is(parseDuration("2h", "--d"), 7_200_000);
  t.is(parseDuration("1m30s", "--d"), 90_000);
  for (const bad of ["", "s", "-1s", "0s", "1d", "1 s s", "3"])
    t.throws(() => parseDuration(bad, "--d"), { instanceOf: UsageError });
});

test("rates: per second or per minute", (t) => {
  t.is(parseRate("50/s", "--r"), 50);
  t.is(parseRate("50", "--r"), 50);
  t.is(parseRate("120/m", "--r"), 2);
  for (const bad of ["0/s", "fast", "5/h", "-2"])
    t.throws(() => parseRate(bad, "--r"), { instanceOf: UsageError });
});

test("counts are whole numbers in range", (t) => {
  t.is(parseCount("10", "--bots"), 10);
  for (const bad of ["0", "1.5", "x", "-3", "99999999999"])
    t.throws(() => parseCount(bad, "--bots"), { instanceOf: UsageError });
});

test("shards: i/n, or auto/n from JOB_COMPLETION_INDEX", (t) => {
  t.deepEqual(parseShard("0/4"), { index: 0, count: 4 });
  t.deepEqual(parseShard("auto/3", { JOB_COMPLETION_INDEX: "2" }), { index: 2, count: 3 });
  t.throws(() => parseShard("auto/3", {}), { message: /JOB_COMPLETION_INDEX/ });
  t.throws(() => parseShard("auto/3", { JOB_COMPLETION_INDEX: "3" }), { message: /not in 0\.\.2/ });
  for (const bad of ["4/4", "1/0", "a/b", "1"])
    t.throws(() => parseShard(bad, {}), { instanceOf: UsageError });
});
