/**
 * 1,000 bots on the Node server in one run: every RPC arrives, none twice, none out of order —
 * and the server keeps serving while a hundred of them drop their connections at once.
 */
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { RpcMode } from "../../src/scene/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { until } from "../bots/game.js";

const BOTS = 1000;
const ABRUPT = 100;
const ROUNDS = 10;

test("1,000 bots, 10 pings each, in order; 100 drop abruptly and the rest play on", async (t) => {
  t.timeout(5 * 60_000);
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await game.listen(0);
  t.teardown(() => game.stop());
  const url = `ws://127.0.0.1:${port}`;

  const bots: Bot[] = [];
  const pongs = new Map<Bot, number[]>();
  for (let i = 0; i < BOTS; i += 100) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(100, BOTS - i) }, () => Bot.connect({ url })),
    );
    for (const bot of batch) {
      const got: number[] = [];
      pongs.set(bot, got);
      bot.handle("Game", "pong", RpcMode.PUPPET, (seq: number) => got.push(seq));
      bots.push(bot);
    }
  }
  t.teardown(() => Promise.all(bots.map((b) => b.disconnect())));
  t.is(game.server.getPeerIds().length, BOTS);
  await until(() => bots.every((b) => b.peers.length === BOTS), "every bot to see every other", 60_000);

  const send = (who: Bot[], from: number, to: number) => {
    for (let seq = from; seq < to; seq++) for (const b of who) b.node("Game").rpcId(1, "ping", seq);
  };
  send(bots, 0, ROUNDS);
  await until(() => bots.every((b) => pongs.get(b)!.length === ROUNDS), "every pong", 60_000);
  const expected = Array.from({ length: ROUNDS }, (_, i) => i);
  for (const b of bots) t.deepEqual(pongs.get(b), expected);
  t.is(game.multiplayer.stats.byMethod.get("Game:ping")?.callsIn, BOTS * ROUNDS);

  // A hundred drop without a close frame while the others go on pinging.
  const leaving = bots.slice(0, ABRUPT);
  const staying = bots.slice(ABRUPT);
  const gone = Promise.all(leaving.map((b) => b.terminate()));
  send(staying, ROUNDS, 2 * ROUNDS);
  await gone;
  await until(
    () => game.server.getPeerIds().length === BOTS - ABRUPT,
    "the server to drop the hundred",
    60_000,
  );
  await until(
    () => staying.every((b) => pongs.get(b)!.length === 2 * ROUNDS),
    "the second round of pongs",
    60_000,
  );
  const expected2 = Array.from({ length: 2 * ROUNDS }, (_, i) => i);
  for (const b of staying) t.deepEqual(pongs.get(b), expected2);
  await until(
    () => staying.every((b) => b.peers.length === BOTS - ABRUPT),
    "SYS_DEL of the hundred everywhere",
    60_000,
  );
  t.is(game.multiplayer.stats.byMethod.get("Game:ping")?.callsIn, BOTS * ROUNDS + (BOTS - ABRUPT) * ROUNDS);
  t.deepEqual([...game.server.badInput], []);
  t.deepEqual([...game.multiplayer.stats.dropped], []);
});
