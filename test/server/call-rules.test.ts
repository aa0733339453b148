/**
 * Godot's rules on calls, on the Node server: a remote call with the wrong number of arguments
 * is refused and not run (checked against the real Godot 3 servers too), a property's setter
 * (setget) can refuse or change a value without recursing, getNode() takes node()'s path forms,
 * listen() on a taken port is a typed error with Godot's code, get_network_connected_peers() is a
 * PoolIntArray, disconnect_peer is on the multiplayer peer, and kickOnBadInput kicks for
 * scene-level garbage too.
 */
import { once } from "node:events";
import test from "ava";
import type { NetworkedMultiplayerPeer } from "../../src/multiplayer/index.js";
import { MultiplayerAPI, RpcMode } from "../../src/scene/index.js";
import { ExampleGame, ListenError, WebSocketServer } from "../../src/server/index.js";
import { decode, encode, type Variant } from "../../src/variant/index.js";
import { GodotError } from "../../src/websocket/index.js";
import { joinGame, until } from "../bots/game.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";

for (const version of GAME_SERVERS) {
  test(`${version}: a remote call with too few or too many arguments is refused and not run`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "alice");
    const pongs: Variant[][] = [];
    a.bot.handle("Game", "pong", RpcMode.PUPPET, (...args: Variant[]) => {
      pongs.push(args);
    });
    a.bot.node("Game").rpcId(1, "ping");
    a.bot.node("Game").rpcId(1, "ping", 1, 2);
    a.bot.node("Game").rpcId(1, "ping", 3);
    await until(() => pongs.length > 0, "the pong to the good ping");
    t.deepEqual(pongs, [[3]]);
    const errors = server.errorLines().filter((l) => /Method expected 1 arguments?, but called with/.test(l));
    t.is(errors.length, 2, server.errorLines().join("\n"));
  });
}

test("a remote property's setter can refuse or change a value; setting it inside the setter does not recurse", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const arena = g.multiplayer.node("Arena");
  const seen: Variant[] = [];
  arena.rsetConfig("hp", RpcMode.REMOTE, 50, {
    setget: (v) => {
      seen.push(v);
      if (typeof v !== "number" || v < 0) return; // refused
      arena.set("hp", Math.min(v, 100)); // changed, stored directly
    },
  });
  const a = await joinGame(t, port, "alice");
  const node = a.bot.node("Arena");
  node.rsetConfig("hp", RpcMode.REMOTE, 0);
  node.rsetId(1, "hp", 150);
  await until(() => seen.length === 1, "the first set");
  t.is(arena.get("hp"), 100);
  node.rsetId(1, "hp", -5);
  await until(() => seen.length === 2, "the second set");
  t.is(arena.get("hp"), 100);
  node.rsetId(1, "hp", 42);
  await until(() => seen.length === 3, "the third set");
  t.is(arena.get("hp"), 42);
  t.deepEqual(seen, [150, -5, 42]);
  t.is(g.multiplayer.stats.scriptErrors, 0);
});

test("getNode() accepts the path forms node() and removeNode() accept", (t) => {
  const api = new MultiplayerAPI();
  const arena = api.node("Arena/Floor");
  t.is(api.getNode("/root/Arena/Floor"), arena);
  t.is(api.getNode("Arena/Floor/"), arena);
  t.is(api.getNode("Arena/Floor"), arena);
  t.is(api.getNode("/root/Nowhere"), undefined);
  t.true(api.removeNode("/root/Arena/Floor"));
  t.is(api.getNode("Arena/Floor"), undefined);
});

test("listen() on a taken port fails with a typed error carrying Godot's ERR_ALREADY_IN_USE", async (t) => {
  const first = new WebSocketServer({ bindIp: "127.0.0.1" });
  const port = await first.listen(0);
  t.teardown(() => first.stop());
  const second = new WebSocketServer({ bindIp: "127.0.0.1" });
  const err = await t.throwsAsync(second.listen(port), { instanceOf: ListenError });
  t.is(err?.godotError, GodotError.ERR_ALREADY_IN_USE);
  t.is(err?.port, port);
  t.false(second.isListening());
  const again = await t.throwsAsync(first.listen(0), { instanceOf: ListenError });
  t.is(again?.godotError, GodotError.ERR_ALREADY_IN_USE);
});

test("get_network_connected_peers() is a PoolIntArray, and goes out as one", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const a = await joinGame(t, port, "alice");
  const b = await joinGame(t, port, "bob");
  const peers = g.multiplayer.getNetworkConnectedPeers();
  t.true(peers instanceof Int32Array);
  t.deepEqual(
    [...peers],
    [a.bot.id, b.bot.id].sort((x, y) => x - y),
  );
  const got = a.bot.waitForRpc("Game", "welcome");
  g.multiplayer.node("Game").rpcId(a.bot.id, "welcome", a.bot.id, peers);
  const call = await got;
  t.true(call.args[1] instanceof Int32Array);
  // PoolIntArray's type id (21 in Godot 3), as Godot's own value would be written.
  t.is(decode(encode(peers)).value instanceof Int32Array, true);
  t.is(encode(peers)[0], 21);
});

test("disconnect_peer is on the multiplayer peer, as get_tree().network_peer.disconnect_peer(id)", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const a = await joinGame(t, port, "alice");
  const peer: NetworkedMultiplayerPeer | null = g.multiplayer.networkPeer;
  const gone = once(a.bot, "disconnected");
  peer?.disconnectPeer?.(a.bot.id, 4001, "bye");
  const [info] = (await gone) as [{ code: number; reason: string } | null];
  t.is(info?.code, 4001);
});

test("kickOnBadInput: a client that sends scene-level garbage (a call to a node that is not there) is closed with 1008", async (t) => {
  const g = new ExampleGame({ bindIp: "127.0.0.1", kickOnBadInput: true });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const a = await joinGame(t, port, "alice");
  const b = await joinGame(t, port, "bob");
  const gone = once(a.bot, "disconnected");
  a.bot.node("Nowhere").rpcConfig("x", RpcMode.REMOTE, () => {});
  a.bot.node("Nowhere").rpcId(1, "x");
  const [info] = (await gone) as [{ code: number } | null];
  t.is(info?.code, 1008);
  t.is(g.multiplayer.stats.dropped.get("unknown-node"), 1);
  const pong = await b.bot.request(1, "Game", "ping", [1], { method: "pong" });
  t.deepEqual(pong.args, [1]);
});
