/**
 * What idle Godot 4 bots do not hold (issue #12, point 10: idle bot memory ≤ a bare `ws`
 * connection's): no WebSocketPeer (the multiplayer peer gets the frames; getPeer(1) makes one on
 * the first send), no half-read frame state once the greeting's frames are read, no close record,
 * no fault counters. Counted with v8.queryObjects (live instances after a full GC) in a swarm of
 * idle bots; then the peer is made on first use and works, and an emitter's only listener is
 * kept in a three-field record.
 */
import { queryObjects } from "node:v8";
import test from "ava";
import { Bot, type Godot4Bot } from "../../src/bots/index.js";
import { Slot } from "../../src/core/signal-emitter.js";
import { Faults4 } from "../../src/scene/godot4/scene-multiplayer.js";
import { ExampleGame4 } from "../../src/server/index.js";
import { Ending } from "../../src/websocket/connection.js";
import { WebSocketPeer } from "../../src/websocket/index.js";
import { Unfinished } from "../../src/websocket/receiver.js";
import { until } from "./game.js";
import { GAME4_MANIFEST_FILE } from "./game4.js";

const live = (ctor: abstract new (...args: never[]) => unknown): number =>
  queryObjects(ctor as unknown as () => unknown, { format: "count" }) as number;

test("a swarm of idle Godot 4 bots told of each other holds no WebSocketPeer, half-read frame, close record nor fault counters; the first call makes the bot's peer; a bot's one listener is a record, not an array", async (t) => {
  const g = new ExampleGame4({ keepLines: 0 });
  t.teardown(() => g.stop());
  const url = `ws://127.0.0.1:${await g.listen(0)}`;
  const before = [WebSocketPeer, Unfinished, Ending, Faults4].map(live);
  const n = 12;
  const bots: Godot4Bot[] = [];
  for (let i = 0; i < n; i++) bots.push(await Bot.connect({ url, godot: 4, manifest: GAME4_MANIFEST_FILE }));
  t.teardown(() => Promise.all(bots.map((b) => b.disconnect())));
  // Settled: each knows the server and the n - 1 others (server_relay on).
  await until(() => bots.every((b) => b.peers.length === n), "every bot told of every other");
  t.deepEqual([WebSocketPeer, Unfinished, Ending, Faults4].map(live), before);
  // The peer's opening times are the bot's.
  const tm = bots[0]!.telemetry;
  t.deepEqual([bots[0]!.peer.timings.startedAt, bots[0]!.peer.timings.openedAt], [tm.startedAt, tm.openedAt]);
  const bot = bots[1]!;
  await bot.request(1, "Main", "ping", [7], { method: "pong", match: (a) => a[0] === 7 });
  t.is(live(WebSocketPeer), (before[0] ?? 0) + 1, "the caller's peer, made by its first send");
  t.is(bot.telemetry.callsOut.get("Main:ping"), 1);
  // One listener on each bot (what a swarm's holder or script adds): a Slot record each, no array.
  const slots = live(Slot);
  const seen: number[] = [];
  const onPeer = (id: number) => seen.push(id);
  for (const b of bots) b.on("peer_connected", onPeer);
  t.is(live(Slot), slots + n);
  for (const b of bots) b.off("peer_connected", onPeer);
  t.is(live(Slot), slots);
});
