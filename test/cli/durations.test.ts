/** Durations on the command line: units required, compounds largest first, and what a refusal says. */
import test from "ava";
import { DurationSyntaxError, durationMs } from "../../src/cli/durations.js";

test("compound durations, largest unit first, each unit once", (t) => {
  t.is(durationMs("1m30s"), 90_000);
  t.is(durationMs("1h15m"), 4_500_000);
  t.is(durationMs("2s500ms"), 2_500);
  t.is(durationMs("1h1m1s1ms"), 3_661_001);
  t.is(durationMs(" 45s "), 45_000);
  for (const bad of ["30s1m", "1m1m", "1m 30s", "m30s", "1m30", "1.5.2s"]) {
    t.throws(() => durationMs(bad), { instanceOf: DurationSyntaxError }, bad);
  }
});

test("a bare number is refused, with what to write instead", (t) => {
  for (const bare of ["30", "1.5", "0"]) {
    const err = t.throws(() => durationMs(bare), { instanceOf: DurationSyntaxError });
    t.regex(err?.message ?? "", /has no unit: say .*s/);
  }
});
