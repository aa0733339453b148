/**
 * Replication metrics without an engine: merging is exact field by field and per synchronizer (a
 * result without replication, a Godot 3 run's, adds nothing), a malformed replication block is
 * refused by name, and the thresholds read sums, per-synchronizer values and rates.
 */
import test from "ava";
import {
  evaluateThresholds,
  mergeResults,
  parseSwarmResult,
  parseThreshold,
  type ReplicationResult,
  SwarmResultFormatError,
} from "../../src/bots/index.js";
import { fabricateResult } from "../report/fabricate.js";

const P = "Main/World/Players/*/Sync";
const O = "Main/World/Objects/*/ServerSync";

function repl(k: number, withObjects: boolean): ReplicationResult {
  const sync = (n: number) => ({
    syncsIn: 10 * n,
    deltasIn: n,
    syncsStale: n % 3,
    syncsOut: 5 * n,
    deltasOut: 2 * n,
    bytesIn: 200 * n,
    bytesOut: 90 * n,
  });
  return {
    spawns: 4 * k,
    despawns: k,
    syncsIn: 10 * k + (withObjects ? 30 : 0),
    deltasIn: k + (withObjects ? 3 : 0),
    syncsStale: k % 3,
    syncsUnknown: 1,
    syncsOut: 6 * k,
    deltasOut: 2 * k,
    bytesIn: 1000 * k,
    bytesOut: 100 * k,
    synchronizers: withObjects ? { [P]: sync(k), [O]: sync(3) } : { [P]: sync(k) },
  };
}

test("merging results sums replication exactly, per synchronizer too; a result without replication adds nothing", (t) => {
  const a = { ...fabricateResult({ seed: 1 }), replication: repl(2, true) };
  const b = { ...fabricateResult({ seed: 2 }, { host: "host-b" }), replication: repl(5, false) };
  const g3 = fabricateResult({ seed: 3 }, { host: "host-c" });
  t.is(g3.replication, undefined);
  const m = mergeResults([a, b, g3]).replication as ReplicationResult;
  for (const f of [
    "spawns",
    "despawns",
    "syncsIn",
    "deltasIn",
    "syncsStale",
    "syncsUnknown",
    "syncsOut",
    "deltasOut",
    "bytesIn",
    "bytesOut",
  ] as const)
    t.is(m[f], a.replication[f] + b.replication[f], f);
  t.deepEqual(Object.keys(m.synchronizers), [O, P]);
  t.is(m.synchronizers[P]?.syncsIn, 20 + 50);
  t.is(m.synchronizers[P]?.bytesOut, 180 + 450);
  t.deepEqual(m.synchronizers[O], a.replication.synchronizers[O]);
  // The inputs are left as they were.
  t.is(a.replication.synchronizers[P]?.syncsIn, 20);
  t.is(mergeResults([g3]).replication, undefined);
});

test("a merged result's replication survives JSON; a malformed one is refused, naming the field", (t) => {
  const a = { ...fabricateResult({ seed: 1 }), replication: repl(2, true) };
  const back = parseSwarmResult(JSON.parse(JSON.stringify(mergeResults([a]))), "a.json");
  t.deepEqual(back.replication, a.replication);
  const bad = JSON.parse(JSON.stringify(a));
  bad.replication.synchronizers[P].syncsIn = -1;
  t.throws(() => parseSwarmResult(bad, "bad.json"), {
    instanceOf: SwarmResultFormatError,
    message: `bad.json: replication.synchronizers["${P}"].syncsIn is not a non-negative number`,
  });
});

test("thresholds read replication: sums, one synchronizer, per second; a Godot 3 run reads 0, and fails a synchronizer it never counted", (t) => {
  const r = { ...fabricateResult({ seed: 1 }), replication: repl(2, true) };
  const seconds = (r.endedAt - r.startedAt) / 1000;
  const [all, one, rate, stale, g3, g3one] = [
    evaluateThresholds(r, [parseThreshold("sync.in==55")]),
    evaluateThresholds(r, [parseThreshold(`sync.out{synchronizer:${O}}==21`)]),
    evaluateThresholds(r, [parseThreshold("spawns.per_second>0")]),
    evaluateThresholds(r, [parseThreshold(`sync.stale{synchronizer:${P}}==0`)]),
    evaluateThresholds(fabricateResult({ seed: 3 }), [parseThreshold("sync.in==0")]),
    evaluateThresholds(fabricateResult({ seed: 3 }), [parseThreshold(`sync.in{synchronizer:${P}}>0`)]),
  ].map((o) => o[0]!);
  t.true(all!.passed, all!.message); // 50 full + 5 delta entries
  t.true(one!.passed, one!.message);
  t.is(rate!.actual, 8 / seconds);
  t.false(stale!.passed, stale!.message);
  t.true(g3!.passed);
  t.false(g3one!.passed);
  t.regex(g3one!.message, /no Godot 4 replication/);
});
