/**
 * What an idle Godot 4 bot makes only on first use (issue #12, point 10): the map of its calls,
 * its frames. Read or used for the first time after the bot sat idle, each works as if made at
 * the start; the bot's times are its own from the start.
 */
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { ExampleGame4 } from "../../src/server/index.js";
import { until } from "./game.js";
import { GAME4_MANIFEST_FILE } from "./game4.js";

async function game(t: import("ava").ExecutionContext): Promise<string> {
  const g = new ExampleGame4({ keepLines: 0 });
  t.teardown(() => g.stop());
  return `ws://127.0.0.1:${await g.listen(0)}`;
}

test("a bot's calls map: read before any call it is empty, then the same map counts each call; read only after the calls it has them", async (t) => {
  const url = await game(t);
  const early = await Bot.connect({ url, godot: 4, manifest: GAME4_MANIFEST_FILE });
  const late = await Bot.connect({ url, godot: 4, manifest: GAME4_MANIFEST_FILE });
  t.teardown(() => Promise.all([early.disconnect(), late.disconnect()]));
  const calls = early.telemetry.callsOut;
  t.is(calls.size, 0);
  for (const bot of [early, late]) {
    for (const seq of [1, 2]) {
      await bot.request(1, "Main", "ping", [seq], { method: "pong", match: (a) => a[0] === seq });
    }
    bot.node("Main").rpcId(1, "ping", 3);
  }
  t.is(early.telemetry.callsOut, calls, "the same map");
  t.is(calls.get("Main:ping"), 3);
  t.deepEqual([...late.telemetry.callsOut], [["Main:ping", 3]]);
});

test("an idle bot's times: started, opened and joined in that order, and the peer's own start and open the same", async (t) => {
  const url = await game(t);
  const before = performance.now();
  const bot = await Bot.connect({ url, godot: 4, manifest: GAME4_MANIFEST_FILE });
  t.teardown(() => bot.disconnect());
  const tm = bot.telemetry;
  t.true(tm.startedAt >= before, `${tm.startedAt} >= ${before}`);
  const times = `started ${tm.startedAt}, opened ${tm.openedAt}, joined ${tm.joinedAt}`;
  t.true(tm.openedAt >= tm.startedAt && tm.joinedAt >= tm.openedAt, times);
  t.true(tm.joinedAt <= performance.now());
  t.is(bot.peer.timings.startedAt, tm.startedAt);
  t.is(bot.peer.timings.openedAt, tm.openedAt);
});

test("a frame hook added to a bot that never had one runs each frame with the time since the last, until removed", async (t) => {
  const url = await game(t);
  const bot = await Bot.connect({ url, godot: 4, manifest: GAME4_MANIFEST_FILE });
  t.teardown(() => bot.disconnect());
  const deltas: number[] = [];
  const remove = bot.onFrame((d) => deltas.push(d), 200);
  await until(() => deltas.length >= 3, "three frames");
  remove();
  const seen = deltas.length;
  t.is(deltas[0], 0, "the first frame has no previous one");
  t.true(deltas.slice(1).every((d) => d > 0));
  // Removed: the next polls run no hook (a manual poll with no listener is no frame).
  bot.poll();
  t.is(deltas.length, seen);
});
