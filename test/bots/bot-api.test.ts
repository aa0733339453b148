/**
 * The bot API against a real Godot 3 server: request/response that copes with replies that never
 * come, several replies and unsolicited pushes; the tick style; local calls of the *sync modes.
 */
import test from "ava";
import { Bot, BotConnectError, BotTimeoutError } from "../../src/bots/index.js";
import { RpcError, RpcMode } from "../../src/scene/index.js";
import type { Variant } from "../../src/variant/index.js";
import { startFixture } from "../harness/godot.js";
import { joinGame, until } from "./game.js";

test("a reply that never comes times out with what was awaited; the bot stays usable", async (t) => {
  const server = await startFixture(t, "3.2.3", "game_server.gd");
  const a = await joinGame(t, server.port, "patient");
  const err = await t.throwsAsync(
    a.bot.request(1, "Game", "ping", [5], {
      method: "pong",
      match: (args) => args[0] === 999,
      timeoutMs: 300,
    }),
    { instanceOf: BotTimeoutError },
  );
  t.is(err?.method, "pong");
  t.is(err?.path, "Game");
  // The unmatched pong(5) went to the ordinary handler instead.
  await until(() => a.calls.some((c) => c.method === "pong" && c.args[0] === 5), "pong(5) at the handler");
  const ok = await a.bot.request(1, "Game", "ping", [6], { method: "pong", match: (args) => args[0] === 6 });
  t.deepEqual(ok.args, [6]);
});

test("several replies: the first match resolves, the rest reach the handler; pushes are not mistaken for replies", async (t) => {
  const server = await startFixture(t, "3.6.2", "game_server.gd");
  const a = await joinGame(t, server.port, "many");
  const control = a.bot.node("Control");
  // An unsolicited push of the same method before we ask, then our request, then two more replies.
  control.rpcId(1, "call_peer", a.bot.id, "Game", "echoed", ["push"]);
  await until(() => a.calls.some((c) => c.method === "echoed" && c.args[0] === "push"), "the push");
  const reply = a.bot.request(1, "Game", "echo", ["asked", 1], {
    method: "echoed",
    match: (args) => args[0] === "asked",
  });
  control.rpcId(1, "call_peer", a.bot.id, "Game", "echoed", ["asked", 2]);
  control.rpcId(1, "call_peer", a.bot.id, "Game", "echoed", ["asked", 3]);
  const got = await reply;
  t.deepEqual(got.args, ["asked", 1]);
  await until(() => a.calls.filter((c) => c.method === "echoed").length === 3, "the other replies");
  t.deepEqual(
    a.calls.filter((c) => c.method === "echoed").map((c) => c.args),
    [["push"], ["asked", 2], ["asked", 3]],
  );
});

test("tick style: nothing is delivered until poll(), like a Godot game loop", async (t) => {
  const server = await startFixture(t, "3.2.3", "game_server.gd");
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${server.port}`, style: "tick" });
  t.teardown(() => bot.disconnect());
  t.true(bot.id > 1);
  const got: Variant[][] = [];
  bot.handle("Game", "welcome", RpcMode.PUPPET, (...args: Variant[]) => got.push(args));
  bot.handle("Game", "player_joined", RpcMode.PUPPET, () => {});
  bot.node("Game").rpcId(1, "join", "ticker");
  await server.waitForLine(new RegExp(`^JOIN ${bot.id} ticker$`));
  // Give the reply every chance to arrive: it must still wait for poll().
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(got, []);
  await until(() => {
    bot.poll();
    return got.length === 1;
  }, "welcome after poll()");
  t.is(got[0]?.[0], bot.id);
});

test("sync modes call locally as Godot does; a call on ourselves the mode forbids is refused", async (t) => {
  const server = await startFixture(t, "3.2.3", "game_server.gd");
  const a = await joinGame(t, server.port, "syncer");
  const modes = a.bot.node("Game/Modes");
  const local: string[] = [];
  for (const [name, mode] of [
    ["f_remotesync", RpcMode.REMOTESYNC],
    ["f_mastersync", RpcMode.MASTERSYNC],
    ["f_puppetsync", RpcMode.PUPPETSYNC],
    ["f_puppet", RpcMode.PUPPET],
    ["f_master", RpcMode.MASTER],
    ["f_remote", RpcMode.REMOTE],
  ] as const) {
    modes.rpcConfig(name, mode, (v) =>
      local.push(`${name}:${String(v)}:${a.bot.multiplayer.getRpcSenderId()}`),
    );
  }
  // The server (1) is master of Game/Modes: we are a puppet here.
  modes.rpc("f_remotesync", "rs");
  modes.rpc("f_mastersync", "ms");
  modes.rpc("f_puppetsync", "ps");
  modes.rpc("f_puppet", "p");
  t.deepEqual(local, [
    `f_remotesync:rs:${a.bot.id}`,
    `f_mastersync:ms:${a.bot.id}`,
    `f_puppetsync:ps:${a.bot.id}`,
    `f_puppet:p:${a.bot.id}`,
  ]);
  // All four were also sent: the server runs the ones its own modes allow from us.
  await server.waitForLine(new RegExp(`^MODE /root/Game/Modes f_remotesync from ${a.bot.id} "rs"$`));
  await server.waitForLine(new RegExp(`^MODE /root/Game/Modes f_mastersync from ${a.bot.id} "ms"$`));
  // rpc_id to ourselves: remote mode forbids it; a sync mode runs it locally and sends nothing.
  t.throws(() => modes.rpcId(a.bot.id, "f_remote", 1), {
    instanceOf: RpcError,
    message: /on yourself is not allowed/,
  });
  const sentBefore = a.bot.multiplayer.stats.byPeer.get(1)?.packetsOut;
  modes.rpcId(a.bot.id, "f_remotesync", "self");
  t.is(local.at(-1), `f_remotesync:self:${a.bot.id}`);
  t.is(a.bot.multiplayer.stats.byPeer.get(1)?.packetsOut, sentBefore);
  // Once we are master, master runs locally only and mastersync locally only.
  modes.setNetworkMaster(a.bot.id);
  const before = a.bot.multiplayer.stats.byPeer.get(1)?.packetsOut;
  modes.rpc("f_master", "m-local");
  modes.rpc("f_mastersync", "ms-local");
  t.deepEqual(local.slice(-2), [`f_master:m-local:${a.bot.id}`, `f_mastersync:ms-local:${a.bot.id}`]);
  t.is(a.bot.multiplayer.stats.byPeer.get(1)?.packetsOut, before);
  // Unknown targets and too many arguments are refused before anything is sent.
  t.throws(() => modes.rpcId(12345, "f_remote", 1), {
    instanceOf: RpcError,
    message: /unexisting ID: 12345/,
  });
  t.throws(() => modes.rpcId(1, "f_remote", ...new Array<Variant>(256).fill(0)), {
    instanceOf: RpcError,
    message: /Too many arguments/,
  });
  t.deepEqual(
    server.errorLines().filter((l) => !/is not allowed on node/.test(l)),
    [],
  );
});

test("a connect that fails rejects with why", async (t) => {
  const err = await t.throwsAsync(Bot.connect({ url: "ws://127.0.0.1:1", joinTimeoutMs: 5_000 }), {
    instanceOf: BotConnectError,
  });
  t.regex(err?.message ?? "", /could not join ws:\/\/127\.0\.0\.1:1/);
  await t.throwsAsync(Bot.connect({ url: "http://nope" }), {
    instanceOf: BotConnectError,
    message: /connect_to_url/,
  });
});

test("counters per path:method and per peer, and an opt-in trace of every packet", async (t) => {
  const server = await startFixture(t, "3.6.2", "game_server.gd");
  const a = await joinGame(t, server.port, "counted");
  // The broadcast that follows welcome may still be on its way: let it land before tracing.
  await until(() => a.calls.some((c) => c.method === "player_joined"), "player_joined");
  const trace: string[] = [];
  a.bot.multiplayer.trace = (r) =>
    trace.push(`${r.dir} ${r.command} ${r.path ?? ""} ${r.name ?? ""} ${JSON.stringify(r.args ?? [])}`);
  await a.bot.request(1, "Game", "ping", [3], { method: "pong" });
  const stats = a.bot.multiplayer.stats;
  t.like(stats.byMethod.get("Game:join"), { callsOut: 1, callsIn: 0 });
  t.like(stats.byMethod.get("Game:ping"), { callsOut: 1 });
  t.like(stats.byMethod.get("Game:pong"), { callsIn: 1 });
  t.like(stats.byMethod.get("Game:welcome"), { callsIn: 1 });
  const ping = stats.byMethod.get("Game:ping");
  // cached path now: u8 cmd + u32 id + "ping\0" + argc + INT(3) = 1 + 4 + 5 + 1 + 8
  t.is(ping?.bytesOut, 19);
  const toServer = stats.byPeer.get(1);
  t.true((toServer?.packetsOut ?? 0) >= 3 && (toServer?.packetsIn ?? 0) >= 4);
  t.deepEqual(trace, ["out REMOTE_CALL Game ping [3]", "in REMOTE_CALL Game pong [3]"]);
});
