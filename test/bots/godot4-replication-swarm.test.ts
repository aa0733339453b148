/**
 * Swarm metrics of Godot 4 replication (issue #15, point 6), on the real 4.6.3 repl4 game: the
 * result's spawns, despawns and syncs (overall and per synchronizer, as declared) are the sums of
 * what the bots counted and hold, thresholds read them, and two shards merged give exactly the
 * sums of their bots.
 */
import test from "ava";
import {
  type BotScript,
  defineBot,
  evaluateThresholds,
  type Godot4Bot,
  mergeResults,
  parseSwarmResult,
  parseThreshold,
  type ReplicationCounts,
  runSwarm,
  type SwarmResult,
  type SynchronizerResult,
  summaryTable,
  ThresholdSyntaxError,
  toReport,
} from "../../src/bots/index.js";
import { Vector2 } from "../../src/variant/index.js";
import { startFixture } from "../harness/godot.js";
import { GODOT4_VERSION } from "../harness/godot4-game.js";
import { ownPlayers, REPL4_MANIFEST } from "./repl4.js";

const PLAYERS = "Main/World/Players/*/Sync";
const OBJECTS = "Main/World/Objects/*/ServerSync";

interface Seen {
  readonly id: number;
  readonly counts: ReplicationCounts;
  readonly bySync: Record<string, { syncsIn: number; deltasIn: number; syncsOut: number; deltasOut: number }>;
  /** Spawned nodes the bot held when it left. */
  readonly held: number;
}

/** Each bot moves its player, sees the server's crate, lets syncs flow, then leaves: its counters as it left. */
function scriptInto(seen: Seen[]): BotScript {
  return defineBot(async (anyBot, ctx) => {
    if (anyBot.godot !== 4) throw new Error("not a Godot 4 server");
    const bot = anyBot as Godot4Bot;
    ownPlayers(bot);
    const r = bot.replication;
    const me = await r.waitForSpawn(`Main/World/Players/${bot.id}`);
    me.set("position", new Vector2(300 + (bot.id % 1000), 4));
    me.set("hp", 60);
    await r.waitForProperty("Main/World/Objects/Crate", "position", (v) => v instanceof Vector2);
    await ctx.sleep(1_200);
    // Held now (leaving clears them), counted as the swarm's metrics read it when the bot is gone.
    const id = bot.id;
    const held = [...r.nodes.values()].filter((n) => n.spawner !== null).length;
    bot.once("disconnected", () => {
      const c = bot.telemetry.replication as ReplicationCounts;
      const bySync: Seen["bySync"] = {};
      for (const [k, s] of c.synchronizers ?? []) bySync[k] = { ...s };
      seen.push({ id, counts: { ...c }, bySync, held });
    });
    bot.disconnect();
  });
}

function sum(seen: readonly Seen[], f: (s: Seen) => number): number {
  return seen.reduce((n, s) => n + f(s), 0);
}

/** The result's replication is the field-by-field sum of the bots' own counters. */
function assertSums(t: import("ava").ExecutionContext, result: SwarmResult, seen: readonly Seen[]): void {
  const r = result.replication;
  if (!r) return void t.fail("no replication in the result");
  t.is(
    r.spawns,
    sum(seen, (s) => s.counts.spawnsIn),
  );
  t.is(
    r.despawns,
    sum(seen, (s) => s.counts.despawnsIn),
  );
  t.is(
    r.syncsIn,
    sum(seen, (s) => s.counts.syncsIn),
  );
  t.is(
    r.deltasIn,
    sum(seen, (s) => s.counts.deltasIn),
  );
  t.is(
    r.syncsStale,
    sum(seen, (s) => s.counts.syncsStale),
  );
  t.is(
    r.syncsOut,
    sum(seen, (s) => s.counts.syncsOut),
  );
  t.is(
    r.deltasOut,
    sum(seen, (s) => s.counts.deltasOut),
  );
  t.is(
    r.bytesIn,
    sum(seen, (s) => s.counts.bytesIn),
  );
  t.is(
    r.bytesOut,
    sum(seen, (s) => s.counts.bytesOut),
  );
  t.deepEqual(Object.keys(r.synchronizers).sort(), [OBJECTS, PLAYERS]);
  for (const k of [PLAYERS, OBJECTS]) {
    const s: SynchronizerResult | undefined = r.synchronizers[k];
    t.is(
      s?.syncsIn,
      sum(seen, (x) => x.bySync[k]?.syncsIn ?? 0),
      `${k} full in`,
    );
    t.is(
      s?.deltasIn,
      sum(seen, (x) => x.bySync[k]?.deltasIn ?? 0),
      `${k} delta in`,
    );
    t.is(
      s?.syncsOut,
      sum(seen, (x) => x.bySync[k]?.syncsOut ?? 0),
      `${k} full out`,
    );
  }
  // The per-synchronizer entries add up to the whole (full and delta entries in).
  t.is(r.syncsIn, (r.synchronizers[PLAYERS]?.syncsIn ?? 0) + (r.synchronizers[OBJECTS]?.syncsIn ?? 0));
  t.is(r.deltasIn, (r.synchronizers[PLAYERS]?.deltasIn ?? 0) + (r.synchronizers[OBJECTS]?.deltasIn ?? 0));
}

test("a swarm on the real 4.6.3 repl4 game: spawns and syncs in the result are what the bots counted and hold, per synchronizer; thresholds on sync.in pass and fail; the reports show them", async (t) => {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", { args: ["--", "mode=server"] });
  const seen: Seen[] = [];
  const result = await runSwarm({
    url: `ws://127.0.0.1:${proc.port}`,
    bots: 4,
    durationMs: 6_000,
    botOptions: { manifest: REPL4_MANIFEST },
    script: scriptInto(seen),
  });
  t.deepEqual(result.errors, {});
  t.is(seen.length, 4);
  assertSums(t, result, seen);
  const r = result.replication!;
  for (const s of seen) {
    // Its own player, the crate, the gem and its own secret at least; what it holds is what it was spawned less what it saw despawned.
    t.true(s.counts.spawnsIn >= 4, `spawns seen by ${s.id}`);
    t.is(s.held, s.counts.spawnsIn - s.counts.despawnsIn, `nodes held by ${s.id}`);
    t.true((s.bySync[PLAYERS]?.syncsOut ?? 0) > 0, "its player's SYNC went out");
  }
  t.true(r.synchronizers[OBJECTS]!.syncsIn > 0, "the server's crate synced in");
  t.is(r.synchronizers[OBJECTS]!.syncsOut, 0, "no bot owns the crate");
  t.deepEqual(result.drops, {});

  const judged = evaluateThresholds(result, [
    parseThreshold("sync.in>0"),
    parseThreshold(`sync.in{synchronizer:${PLAYERS}}>0`),
    parseThreshold("spawns>=16"),
    parseThreshold("sync.in.per_second>0"),
    parseThreshold(`sync.in{synchronizer:${OBJECTS}}<1`),
    parseThreshold("sync.in>1000000"),
    parseThreshold("sync.in{synchronizer:Main/Nowhere/Sync}>0"),
  ]);
  t.deepEqual(
    judged.map((o) => o.passed),
    [true, true, true, true, false, false, false],
  );
  t.is(judged[0]!.actual, r.syncsIn + r.deltasIn);
  t.is(judged[1]!.actual, r.synchronizers[PLAYERS]!.syncsIn + r.synchronizers[PLAYERS]!.deltasIn);
  t.is(judged[2]!.actual, r.spawns);
  t.regex(judged[5]!.message, /broke the limit/);
  t.regex(judged[6]!.message, /no synchronizer "Main\/Nowhere\/Sync" in this run; synchronizers: /);
  t.throws(() => parseThreshold("spawns{synchronizer:Main/World/Players/*/Sync}>0"), {
    instanceOf: ThresholdSyntaxError,
  });

  const summary = summaryTable(result);
  t.regex(summary, new RegExp(`spawns ${r.spawns}, despawns ${r.despawns}`));
  t.true(summary.includes(PLAYERS));
  const report = toReport(result);
  t.is(report.counters["sync.in"], r.syncsIn + r.deltasIn);
  t.is(report.counters.spawns, r.spawns);
});

test("two shards on the real 4.6.3 repl4 game merge to exactly the sums of their bots' replication counters (also through JSON)", async (t) => {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", { args: ["--", "mode=server"] });
  const seen: Seen[][] = [[], []];
  const shards = await Promise.all(
    [0, 1].map((index) =>
      runSwarm({
        url: `ws://127.0.0.1:${proc.port}`,
        bots: 6,
        shard: { index, count: 2 },
        durationMs: 6_000,
        botOptions: { manifest: REPL4_MANIFEST },
        script: scriptInto(seen[index] as Seen[]),
      }),
    ),
  );
  for (const [i, s] of shards.entries()) assertSums(t, s, seen[i] as Seen[]);
  const merged = mergeResults(shards.map((s) => parseSwarmResult(JSON.parse(JSON.stringify(s)), "shard")));
  assertSums(t, merged, seen.flat());
  t.is(merged.replication!.spawns, shards[0]!.replication!.spawns + shards[1]!.replication!.spawns);
});
