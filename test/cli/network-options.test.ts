/** Issue #16 point 8: a module's `network` options, checked before the run; a bad value names its key. */
import test from "ava";
import { OptionsError, validateOptions } from "../../src/cli/swarm-options.js";

test("network options: a bad value, anywhere, is an OptionsError naming the key", (t) => {
  const cases: [unknown, RegExp][] = [
    [{ network: { latency: "fast" } }, /^options\.network\.latency: /],
    [{ network: { bandwidth: { up: "1mbps" } } }, /^options\.network\.bandwidth\.up: .*ambiguous/],
    [
      { network: { drops: [{ at: "1s", every: "1s", rejoinAfter: "2s" }] } },
      /^options\.network\.drops\[0\]\.rejoinAfter: /,
    ],
    [
      { network: { drops: [{ at: "1s", rejoinAfter: "1s", when: 3 }] } },
      /^options\.network\.drops\[0\]\.when: unknown key/,
    ],
    [
      { scenarios: { chat: { network: { jitterDistribution: "pareto" } } } },
      /^options\.scenarios\.chat\.network\.jitterDistribution: /,
    ],
    [{ connect: { network: { latency: -1 } } }, /^options\.connect\.network\.latency: /],
    [{ netwrok: {} }, /^options\.netwrok: unknown option; did you mean "network"\?/],
  ];
  for (const [options, message] of cases) {
    t.throws(() => validateOptions(options), { instanceOf: OptionsError, message }, JSON.stringify(options));
  }
  t.notThrows(() =>
    validateOptions({
      network: {
        latency: "50ms",
        jitter: "10ms",
        jitterDistribution: "normal",
        bandwidth: { up: "256kbit", down: "1mbit" },
        drops: [{ at: "5s", every: "10s", rejoinAfter: "1s" }],
      },
    }),
  );
});
