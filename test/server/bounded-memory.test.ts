/**
 * The server's memory is bounded under churn and abuse: what it keeps for a peer goes with the
 * peer, what it keeps for a node goes with the node, and its caches are bounded in bytes — a
 * limit reached is a named drop.
 */
import test from "ava";
import WebSocket from "ws";
import { makeFrame, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import {
  cstringCacheBytes,
  DEFAULT_MAX_PATH_CACHE_UNITS,
  encodeRemote,
  encodeSimplifyPath,
  NetworkCommand,
} from "../../src/scene/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { Vector2 } from "../../src/variant/index.js";
import { joinGame, ownPlayer, until } from "../bots/game.js";

test("connect-and-leave cycles: the per-peer and per-node counters stay as many as after the first cycle", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const stats = g.multiplayer.stats;
  const cycle = async (i: number) => {
    const gb = await joinGame(t, port, `p${i}`);
    ownPlayer(gb);
    gb.bot.node(`Game/Players/${gb.bot.id}`).rpcId(1, "update_position", new Vector2(i, 0));
    await until(() => stats.byMethod.has(`Game/Players/${gb.bot.id}:update_position`), "the update");
    gb.bot.disconnect();
    await until(() => !g.players.has(gb.bot.id), "the leave");
  };
  await cycle(0);
  const peers = stats.byPeer.size;
  const methods = stats.byMethod.size;
  for (let i = 1; i <= 150; i++) await cycle(i);
  t.is(stats.byPeer.size, peers, [...stats.byPeer.keys()].slice(0, 10).join(" "));
  t.is(stats.byMethod.size, methods, [...stats.byMethod.keys()].slice(0, 10).join(" "));
  t.is(g.multiplayer.getNetworkConnectedPeers().length, 0);
});

test("a peer's path cache is bounded in size: past it, SIMPLIFY_PATH is a named drop; the shared name cache keeps no long path", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const drops: string[] = [];
  g.multiplayer.on("packet_dropped", (d) => drops.push(d.reason));
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  t.teardown(() => ws.terminate());
  const id = await new Promise<number>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("message", (data: Buffer) => resolve(readSysPeerId(new Uint8Array(data))));
  });
  const before = cstringCacheBytes();
  const long = (i: number) => `Game/${String(i).padStart(6, "0")}${"x".repeat(60_000)}`;
  const fit = Math.floor(DEFAULT_MAX_PATH_CACHE_UNITS / long(0).length);
  for (let i = 0; i < fit + 3; i++)
    ws.send(makeFrame(SysType.NONE, id, 1, encodeSimplifyPath(10 + i, long(i))));
  await until(() => drops.length === 3, "three drops");
  t.deepEqual(drops, ["path-cache-full", "path-cache-full", "path-cache-full"]);
  t.true(
    cstringCacheBytes() - before < 1_000,
    `${cstringCacheBytes() - before} bytes more in the shared cache`,
  );
  // Replacing a cached id frees its room: a short path under an id already used fits again.
  ws.send(makeFrame(SysType.NONE, id, 1, encodeSimplifyPath(10, "Game")));
  ws.send(makeFrame(SysType.NONE, id, 1, encodeSimplifyPath(99, "Game")));
  const ping = encodeRemote(NetworkCommand.REMOTE_CALL, { cacheId: 99 }, "ping", [1]);
  const pongs: Buffer[] = [];
  ws.on("message", (data: Buffer) => {
    if (data.includes(Buffer.from("pong"))) pongs.push(data);
  });
  ws.send(makeFrame(SysType.NONE, id, 1, ping));
  await until(() => pongs.length === 1, "the pong to a call through the cache");
  t.is(drops.length, 3);
});
