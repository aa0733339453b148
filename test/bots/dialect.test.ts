/**
 * A bot learns its server's engine from the first message on the very connection it joins with
 * (or is told), and speaks it through the dialect seam: neutral rpc access mapped onto the
 * engine's own modes, its own telemetry.
 */
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import {
  Bot,
  BotConnectError,
  decodeHistogram,
  Godot3Bot,
  Godot4Bot,
  godot3Mode,
  runSwarm,
  summarize,
} from "../../src/bots/index.js";
import { RpcMode } from "../../src/scene/index.js";
import type { Variant } from "../../src/variant/index.js";
import { startGameServer } from "../harness/game-server.js";
import { joinGame, until } from "./game.js";

/** A WebSocket server that sends `greeting` (if any) to each connection and counts them and their closes. */
async function fakeServer(t: import("ava").ExecutionContext, greeting: Uint8Array | null) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  t.teardown(() => wss.close());
  await new Promise((r) => wss.once("listening", r));
  const seen = { connections: 0, closes: [] as number[] };
  wss.on("connection", (ws) => {
    seen.connections++;
    ws.on("close", (code) => seen.closes.push(code));
    if (greeting) ws.send(greeting);
  });
  return { url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`, seen };
}

test("Godot 3's modes from the neutral access: any_peer is remote, authority is puppet, callLocal the sync form", (t) => {
  t.is(godot3Mode("any_peer"), RpcMode.REMOTE);
  t.is(godot3Mode("authority"), RpcMode.PUPPET);
  t.is(godot3Mode({ access: "any_peer", callLocal: true }), RpcMode.REMOTESYNC);
  t.is(godot3Mode({ access: "authority", callLocal: true }), RpcMode.PUPPETSYNC);
  t.is(godot3Mode({ access: "authority", callLocal: false }), RpcMode.PUPPET);
  for (const mode of [RpcMode.MASTER, RpcMode.MASTERSYNC, RpcMode.DISABLED]) t.is(godot3Mode(mode), mode);
  t.throws(() => godot3Mode("anyone" as "any_peer"), {
    instanceOf: RangeError,
    message: /"any_peer" or "authority"/,
  });
  t.throws(() => godot3Mode(42 as RpcMode), {
    instanceOf: RangeError,
    message: /not a Godot 3 rpc mode: 42/,
  });
});

test("a server greeting with a bare 4-byte id is Godot 4: a Godot 4 bot joins on that one connection", async (t) => {
  const server = await fakeServer(t, Uint8Array.of(0x2a, 0, 0, 0));
  const bot = await Bot.connect({ url: server.url, joinTimeoutMs: 60_000 });
  t.true(bot instanceof Godot4Bot);
  t.is(bot.godot, 4);
  t.is(bot.id, 42);
  t.deepEqual(bot.peers, [1]);
  await bot.disconnect();
  await until(() => server.seen.closes.length === 1, "the bot to close its connection");
  t.is(server.seen.connections, 1);
  t.deepEqual(server.seen.closes, [1000]);
});

test("a Godot 4 option the bot cannot take (a manifest file that is none) fails the join at once, typed", async (t) => {
  const server = await fakeServer(t, Uint8Array.of(0x2a, 0, 0, 0));
  const err = await t.throwsAsync(
    Bot.connect({ url: server.url, manifest: "package.json", joinTimeoutMs: 60_000 }),
    {
      instanceOf: BotConnectError,
    },
  );
  t.is(err?.reason, "bad-options");
  t.regex(err?.message ?? "", /package\.json is not an RPC manifest/);
  const empty = await t.throwsAsync(Bot.connect({ url: server.url, auth: "", joinTimeoutMs: 60_000 }), {
    instanceOf: BotConnectError,
  });
  t.is(empty?.reason, "bad-options");
  t.regex(empty?.message ?? "", /an empty token/);
  await until(() => server.seen.closes.length === 2, "the bots to close their connections");
});

test("told godot: 4, a Godot 3 greeting is no 4-byte id: the join fails at once, typed", async (t) => {
  const server = await startGameServer(t, "node");
  const err = await t.throwsAsync(
    Bot.connect({ url: `ws://127.0.0.1:${server.port}`, godot: 4, joinTimeoutMs: 60_000 }),
    { instanceOf: BotConnectError },
  );
  t.is(err?.reason, "greeting-size");
  t.regex(err?.message ?? "", /Invalid ID received from server: a 13-byte first message, not 4/);
});

test("a server that never greets: the join timeout names what was awaited", async (t) => {
  const server = await fakeServer(t, null);
  const unknown = await t.throwsAsync(Bot.connect({ url: server.url, joinTimeoutMs: 200 }), {
    instanceOf: BotConnectError,
  });
  t.is(unknown?.reason, "join-timeout");
  t.regex(unknown?.message ?? "", /^no greeting from ws:/);
  const told = await t.throwsAsync(Bot.connect({ url: server.url, godot: 3, joinTimeoutMs: 200 }), {
    instanceOf: BotConnectError,
  });
  t.is(told?.reason, "join-timeout");
  t.regex(told?.message ?? "", /^no SYS_ID\/SYS_ADD from ws:/);
});

test("a Godot 3 greeting makes a Godot 3 bot on that same connection; told godot: 3 too", async (t) => {
  const server = await startGameServer(t, "node");
  const read = await Bot.connect({ url: `ws://127.0.0.1:${server.port}` });
  t.teardown(() => read.disconnect());
  t.true(read instanceof Godot3Bot);
  t.is(read.godot, 3);
  // One connection, one peer: the greeting was read on the connection the bot plays on.
  t.deepEqual(server.game?.server.getPeerIds(), [read.id]);
  const told = await Bot.connect({ url: `ws://127.0.0.1:${server.port}`, godot: 3 });
  t.teardown(() => told.disconnect());
  t.is(told.godot, 3);
  t.deepEqual(
    server.game?.server.getPeerIds(),
    [read.id, told.id].sort((a, b) => a - b),
  );
});

test("3.6.2: neutral access does what Godot 3 does: any_peer takes a peer's call, authority only the server's", async (t) => {
  const server = await startGameServer(t, "3.6.2");
  const a = await joinGame(t, server.port, "listener");
  const b = await joinGame(t, server.port, "caller");
  await until(() => b.bot.peers.includes(a.bot.id), "b to see a");
  const heard: string[] = [];
  const drops: string[] = [];
  a.bot.on("packet_dropped", (reason) => drops.push(reason));
  a.bot.handle("Game", "hear_any", "any_peer", (text: string) => heard.push(`any ${text} ${a.bot.senderId}`));
  a.bot.handle("Game", "hear_authority", "authority", (text: string) =>
    heard.push(`authority ${text} ${a.bot.senderId}`),
  );
  // From another peer, relayed by the server: any_peer runs, authority is refused as puppet is.
  b.bot.node("Game").rpcId(a.bot.id, "hear_authority", "from-b");
  b.bot.node("Game").rpcId(a.bot.id, "hear_any", "from-b");
  await until(() => heard.length === 1, "the any_peer call");
  t.deepEqual(heard, [`any from-b ${b.bot.id}`]);
  t.deepEqual(drops, ["not-allowed"]);
  t.is(a.bot.telemetry.drops.get("not-allowed"), 1);
  // From the server, the node's authority: runs.
  const args: Variant[] = [a.bot.id, "Game", "hear_authority", ["from-server"]];
  b.bot.node("Control").rpcId(1, "call_peer", ...args);
  await until(() => heard.length === 2, "the server's call");
  t.is(heard[1], "authority from-server 1");
});

test("a bot's telemetry: its own times, the socket's traffic, the calls its engine counted", async (t) => {
  const server = await startGameServer(t, "node");
  const a = await joinGame(t, server.port, "measured");
  const tm = a.bot.telemetry;
  t.true(tm.startedAt > 0 && tm.openedAt >= tm.startedAt && tm.joinedAt >= tm.openedAt);
  t.like(tm.callsByMethod.get("Game:join"), { callsOut: 1, callsIn: 0 });
  t.like(tm.callsByMethod.get("Game:welcome"), { callsIn: 1 });
  // One home for each counter: the telemetry shows the engine's own, and the socket's.
  t.is(tm.callsByMethod, a.bot.multiplayer.stats.byMethod);
  t.is(tm.traffic, a.bot.peer.client.traffic);
  t.true(tm.traffic.msgsOut >= 1 && tm.traffic.msgsIn >= 3);
  t.is(tm.scriptErrors, 0);
  const errors: unknown[] = [];
  a.bot.on("script_error", (err) => errors.push(err));
  a.bot.handle("Game", "echoed", "authority", () => {
    throw new Error("handler bug");
  });
  a.bot.node("Game").rpcId(1, "echo", "boom");
  await until(() => errors.length === 1, "the handler's error");
  t.is(tm.scriptErrors, 1);
});

test("a bot counts its calls: request and node().rpc through the bot, a broadcast one call whatever packets it became", async (t) => {
  const server = await startGameServer(t, "node");
  const a = await joinGame(t, server.port, "talker");
  const b = await joinGame(t, server.port, "listener");
  await until(() => a.bot.peers.includes(b.bot.id), "a to see b");
  const tm = a.bot.telemetry;
  t.is(tm.callsOut.get("Game:join"), 1);
  for (let i = 0; i < 3; i++) a.bot.node("Game").rpc("chat", `line ${i}`);
  await until(
    () => a.calls.filter((c) => c.method === "chat_message").length === 3,
    "the server's 3 chat_message",
  );
  t.is(tm.callsOut.get("Game:chat"), 3);
  // The first broadcast went to each peer (the server, b) by path: the engine counted packets.
  t.true(
    (tm.callsByMethod.get("Game:chat")?.callsOut ?? 0) > 3,
    String(tm.callsByMethod.get("Game:chat")?.callsOut),
  );
  // Godot 3's own forms count too: an unreliable rpc_id to the server is one call.
  a.bot.node("Game").rpcUnreliableId(1, "chat", "fast");
  t.is(tm.callsOut.get("Game:chat"), 4);
});

test("a swarm's metrics come from the bots' telemetry: join times, calls, drops, handler errors", async (t) => {
  const server = await startGameServer(t, "node");
  let finished = 0;
  const stop = new AbortController();
  const res = await runSwarm({
    url: `ws://127.0.0.1:${server.port}`,
    bots: 2,
    durationMs: 60_000,
    script: async (bot, ctx) => {
      for (const m of ["welcome", "player_joined", "player_left"])
        bot.handle("Game", m, "authority", () => {});
      await bot.request(1, "Game", "join", [ctx.name], { method: "welcome" });
      // The server calls a method this bot never declared: dropped as Godot drops it.
      const dropped = new Promise((resolve) => bot.once("packet_dropped", resolve));
      bot.node("Control").rpcId(1, "call_peer", bot.id, "Game", "undeclared", []);
      await dropped;
      bot.handle("Game", "echoed", "authority", () => {
        throw new Error("handler bug");
      });
      // A handler that throws ends its bot (issue #13): the last bot to end ends the run.
      bot.once("script_error", () => {
        if (++finished === 2) stop.abort();
      });
      bot.node("Game").rpcId(1, "echo", "boom");
      await ctx.sleep(60_000);
    },
    signal: stop.signal,
  });
  t.deepEqual(res.bots, {
    started: 2,
    connected: 2,
    failed: 0,
    peak: 2,
    ended: 0,
    errored: 2,
    disconnected: 0,
  });
  t.is(summarize(decodeHistogram(res.connectMs)).count, 2);
  t.is(summarize(decodeHistogram(res.joinMs)).count, 2);
  t.like(res.methods["Game:join"], { callsOut: 2 });
  t.like(res.methods["Game:echoed"], { callsIn: 2 });
  t.deepEqual(res.drops, { "unknown-method": 2 });
  t.is(res.errors.handler, 2);
});
