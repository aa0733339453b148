/**
 * Godot 4 bots play the Godot 4 example game (test/godot/g4/game4*.gd) — on a real 4.6.3 server
 * and, with the same test code, on our Node server's ExampleGame4: round trips, broadcasts, relay
 * between bots, raw packets both ways and to 0 / −1 / −X, calls the server refuses (seen in its
 * log), authentication with good and bad tokens, kicks; and mixed games with real 4.6.3 clients.
 */
import test, { type ExecutionContext } from "ava";
import { BotConnectError } from "../../src/bots/index.js";
import { type Variant, Vector2 } from "../../src/variant/index.js";
import type { Game4Server } from "../godot4/game4-scenarios.js";
import { type Godot4ServerOptions, startGodot4Client, startGodot4Server } from "../harness/godot4-game.js";
import { startNodeGame4Server } from "../harness/node-godot4-game.js";
import { type Game4Bot, joinGame4, until } from "./game4.js";

type Start = (t: ExecutionContext, options?: Godot4ServerOptions) => Promise<Game4Server>;
const SERVERS: readonly (readonly [string, Start])[] = [
  ["4.6.3", startGodot4Server],
  ["Node", startNodeGame4Server],
];

const ARENA = "/root/Main/World/Arena";
const x = (v: Variant | undefined): number => (v instanceof Vector2 ? v.x : Number.NaN);
const positions = (gb: Game4Bot, from: number) =>
  gb.calls.filter((c) => c.method === "update_position" && c.from === from).map((c) => x(c.args[0]));
const rawFrom = (gb: Game4Bot, from: number) =>
  gb.raw
    .filter((r) => r.from === from)
    .map((r) => String(r.bytes))
    .sort();

for (const [kind, start] of SERVERS) {
  test(`${kind} server: 20 Godot 4 bots join, ping, chat to all, relay to each other, raw both ways`, async (t) => {
    const server = await start(t);
    const bots: Game4Bot[] = [];
    for (let i = 0; i < 20; i++) bots.push(await joinGame4(t, server.url, `bot${i}`));
    const ids = bots.map((gb) => gb.bot.id);
    t.is(new Set(ids).size, 20);
    for (const gb of bots) {
      t.is(gb.bot.godot, 4);
      t.is(gb.welcome[0], gb.bot.id);
      await until(() => gb.bot.peers.length === 20, `bot ${gb.bot.id} to know the server and 19 others`);
    }
    t.deepEqual(
      bots[19]!.bot.peers,
      [1, ...ids.slice(0, 19)].sort((a, b) => a - b),
    );

    // Round trips: ping(seq) → pong(seq), a reply matched by its argument.
    const replies = await Promise.all(
      bots.map((gb, i) =>
        gb.bot.request(1, "Main", "ping", [100 + i], {
          method: "pong",
          match: (args) => args[0] === 100 + i,
        }),
      ),
    );
    replies.forEach((r, i) => {
      t.deepEqual(r.args, [100 + i]);
      t.is(r.from, 1);
    });
    await server.waitForEvents("ping", 20);

    // Chat: the server broadcasts it to every client.
    const heard = bots.map((gb) =>
      gb.bot.waitForRpc("Main", "chat_message", { match: (args) => args[1] === "hi all" }),
    );
    bots[0]!.bot.node("Main").rpcId(1, "chat", "hi all");
    for (const m of await Promise.all(heard)) {
      t.deepEqual(m.args, [ids[0], "hi all"]);
      t.is(m.from, 1);
    }

    // Relay (server_relay): unicast bot i → bot i+1, broadcast from bot 0, all but bot 2 from bot 1.
    const mover = (i: number) => bots[i]!.bot.node(`Main/World/Players/${ids[i]}`);
    for (let i = 0; i < 20; i++) mover(i).rpcId(ids[(i + 1) % 20]!, "update_position", new Vector2(i, 0));
    for (let i = 0; i < 20; i++) {
      const j = (i + 1) % 20;
      await until(() => positions(bots[j]!, ids[i]!).length === 1, `bot ${j} to get bot ${i}'s move`);
      t.deepEqual(positions(bots[j]!, ids[i]!), [i]);
    }
    mover(0).rpc("update_position", new Vector2(100, 0));
    for (let j = 1; j < 20; j++)
      await until(() => positions(bots[j]!, ids[0]!).includes(100), `bot ${j} to get the broadcast`);
    await server.waitForEvent("position", (e) => e.from === ids[0] && String(e.value) === "Vector2(100, 0)");
    mover(1).rpcId(-ids[2]!, "update_position", new Vector2(200, 0));
    for (let j = 3; j < 20; j++)
      await until(() => positions(bots[j]!, ids[1]!).includes(200), `bot ${j} to get the all-but`);
    await server.waitForEvent("position", (e) => e.from === ids[1] && String(e.value) === "Vector2(200, 0)");
    // An any_peer method of the Arena, relayed: the sender id is the bot's, not the server's.
    bots[3]!.bot.node("Main/World/Arena").rpcId(ids[4]!, "move", new Vector2(34, 0));
    await until(() => bots[4]!.calls.some((c) => c.method === "move"), "bot 4 to get bot 3's move");
    t.like(
      bots[4]!.calls.find((c) => c.method === "move"),
      { node: "Main/World/Arena", from: ids[3] },
    );

    // Raw: to the server (echoed reversed), bot to bot, and from the server to 0, −1, −X.
    bots[0]!.bot.sendBytes(Uint8Array.of(1, 2, 3), 1);
    await until(() => rawFrom(bots[0]!, 1).includes("3,2,1"), "the server's echo");
    await server.waitForEvent("raw", (e) => e.from === ids[0] && String(e.bytes) === "1,2,3");
    bots[0]!.bot.sendBytes(Uint8Array.of(20, 1), ids[1]);
    await until(() => rawFrom(bots[1]!, ids[0]!).includes("20,1"), "bot 1 to get bot 0's raw packet");
    const control = bots[0]!.bot.node("Main/Control");
    control.rpcId(1, "send_raw", 0, Uint8Array.of(10));
    control.rpcId(1, "send_raw", -1, Uint8Array.of(11));
    control.rpcId(1, "send_raw", -ids[5]!, Uint8Array.of(12));
    for (const [j, gb] of bots.entries()) {
      const want = j === 5 ? ["10", "11"] : ["10", "11", "12"];
      await until(() => rawFrom(gb, 1).filter((b) => b !== "3,2,1").length === want.length, `bot ${j}'s raw`);
      t.deepEqual(
        rawFrom(gb, 1).filter((b) => b !== "3,2,1"),
        want,
      );
    }
    t.deepEqual(dropsOf(bots), []);
    t.deepEqual(server.errorLines(), []);
  });

  test(`${kind} server: a bot's calls the server must refuse are refused (its log), the allowed ones run`, async (t) => {
    const server = await start(t);
    const { bot, calls } = await joinGame4(t, server.url, "refused");
    const arena = bot.node("Main/World/Arena");
    arena.rpcId(1, "move", new Vector2(1, 2));
    arena.rpcId(1, "cfg_any", "runtime");
    bot.node("Main/World/Arena/Outpost").rpcId(1, "base_any", "outpost");
    for (const m of ["_auth_only", "Base_auth", "default_rpc", "cfg_auth", "cfg_disabled"])
      arena.rpcId(1, m, "refused");
    bot.node("Main").rpcId(1, "pong", -1);
    const refusals = await server.waitForRefusals(6);
    t.deepEqual(
      refusals.map((r) => `${r.node} ${r.method} ${r.from} ${r.mode}`),
      [
        `${ARENA} _auth_only ${bot.id} authority`,
        `${ARENA} Base_auth ${bot.id} authority`,
        `${ARENA} default_rpc ${bot.id} authority`,
        `${ARENA} cfg_auth ${bot.id} authority`,
        `${ARENA} cfg_disabled ${bot.id} disabled`,
        `/root/Main pong ${bot.id} authority`,
      ],
    );
    await server.waitForEvents("call", 3, (e) => e.from === bot.id);
    t.deepEqual(
      server
        .events("call", (e) => e.from === bot.id)
        .map((e) => `${e.node} ${e.method} ${String(e.args)}`)
        .sort(),
      [
        `${ARENA} cfg_any "runtime"`,
        `${ARENA} move Vector2(1, 2)`,
        `${ARENA}/Outpost base_any "outpost"`,
      ].sort(),
    );
    t.is(server.errorLines().length, 6, server.errorLines().join("\n"));
    // The server calls the bot back: an authority method, and a call_local one broadcast.
    bot.node("Main/Control").rpcId(1, "call_peer", bot.id, "Main/World/Arena", "default_rpc", [bot.id]);
    bot.node("Main/Control").rpcId(1, "call_peer", 0, "Main/World/Arena", "Auth_local", ["from server"]);
    await until(() => calls.some((c) => c.method === "Auth_local"), "Auth_local from the server");
    t.deepEqual(
      calls
        .filter((c) => c.node === "Main/World/Arena")
        .map((c) => `${c.method} ${String(c.args)} ${c.from}`),
      [`default_rpc ${bot.id} 1`, "Auth_local from server 1"],
    );
    t.deepEqual([...bot.telemetry.drops], []);
  });

  test(`${kind} server with auth: a good token joins, a bad one fails with auth-failed, the full exchange works`, async (t) => {
    const server = await start(t, { auth: true, authTimeout: 1 });
    const good = await joinGame4(t, server.url, "good", { auth: { token: "good-1" } });
    t.true(good.bot.id > 1);
    await server.waitForEvent("auth", (e) => e.id === good.bot.id && e.ok === true && e.token === "good-1");
    const err = await t.throwsAsync(joinGame4(t, server.url, "bad", { auth: "bad-2" }), {
      instanceOf: BotConnectError,
    });
    t.is(err?.reason, "auth-failed");
    await server.waitForEvent("auth", (e) => e.token === "bad-2" && e.ok === false);
    // The exchange in full: our token when the server starts authenticating us, then complete.
    const seen: (string | null)[] = [];
    const exchanged = await joinGame4(t, server.url, "exchange", {
      auth: (bot, data) => {
        seen.push(data === null ? null : Buffer.from(data).toString());
        if (data === null) {
          bot.sendAuth("good-3");
          bot.completeAuth();
        }
      },
    });
    t.deepEqual(seen, [null]);
    await server.waitForEvent("auth", (e) => e.id === exchanged.bot.id && e.ok === true);
    // A bot that never completes is timed out (our side's auth_timeout: the server's is 1 s too).
    const silent = await t.throwsAsync(
      joinGame4(t, server.url, "silent", { auth: () => undefined, authTimeout: 0.5 }),
      { instanceOf: BotConnectError },
    );
    t.is(silent?.reason, "auth-failed");
    // The admitted bots play on.
    const r = await good.bot.request(1, "Main", "ping", [5], { method: "pong" });
    t.deepEqual(r.args, [5]);
  });

  test(`${kind} server: kicks — kick_me disconnects the bot, Control.kick another; the others see them leave`, async (t) => {
    const server = await start(t);
    const a = await joinGame4(t, server.url, "a");
    const b = await joinGame4(t, server.url, "b");
    const c = await joinGame4(t, server.url, "c");
    await until(() => a.bot.peers.length === 3, "a to see b and c");
    const [bId, cId] = [b.bot.id, c.bot.id];
    const aSaw: number[] = [];
    a.bot.on("peer_disconnected", (id) => aSaw.push(id));
    const bGone = b.bot.closed();
    b.bot.node("Main").rpcId(1, "kick_me");
    await bGone;
    t.false(b.bot.connected);
    t.is(b.bot.id, 0); // Godot 4's get_unique_id() once the peer is gone
    await server.waitForEvent("kick", (e) => e.id === bId);
    await until(() => aSaw.includes(bId), "a to see b leave");
    const cGone = c.bot.closed();
    a.bot.node("Main/Control").rpcId(1, "kick", cId);
    await cGone;
    await until(() => aSaw.includes(cId), "a to see c leave");
    t.deepEqual(a.bot.peers, [1]);
    t.true(a.bot.connected);
    t.deepEqual(server.errorLines(), []);
  });

  test(`${kind} server: a mixed game — a real 4.6.3 client and a bot see each other's chat, moves and raw packets`, async (t) => {
    const server = await start(t);
    const alice = await startGodot4Client(t, server.url, { name: "alice", peers: 1 });
    const gb = await joinGame4(t, server.url, "bot");
    const aliceId = await alice.connected();
    const { bot } = gb;
    bot.node("Main").rpcId(1, "chat", "hello from bot");
    bot.node(`Main/World/Players/${bot.id}`).rpc("update_position", new Vector2(77, 1));
    bot.sendBytes(Uint8Array.of(30, 1), aliceId);
    // Alice's session, relayed to us: her chat, her moves (unicast, broadcast), raw, Arena.move.
    // Her session may run (to her "bye") as soon as she knows the bot, before our joinGame4 returned.
    const saidBye = (from: number) =>
      gb.calls.some((c) => c.method === "chat_message" && c.args[0] === from && c.args[1] === "bye");
    await until(() => saidBye(aliceId), "alice's bye", 20_000);
    bot.node("Main").rpcId(1, "chat", "bye");
    await alice.waitForEvent("settled", () => true, 20_000);
    const texts = gb.calls
      .filter((c) => c.method === "chat_message" && c.args[0] === aliceId)
      .map((c) => c.args[1]);
    t.deepEqual(texts, ["hello from alice", "bye"]);
    t.deepEqual(positions(gb, aliceId), [bot.id % 1000, aliceId % 1000]);
    t.like(
      gb.calls.find((c) => c.method === "move"),
      { from: aliceId },
    );
    t.true(rawFrom(gb, aliceId).includes(`20,${aliceId % 256}`));
    t.true(rawFrom(gb, aliceId).includes("21"));
    // What alice saw of the bot.
    t.deepEqual(
      alice.events("chat_message", (e) => e.from === bot.id).map((e) => e.text),
      ["hello from bot", "bye"],
    );
    t.deepEqual(
      alice.events("position", (e) => e.from === bot.id).map((e) => e.value),
      ["Vector2(77, 1)"],
    );
    t.deepEqual(
      alice.events("raw", (e) => e.from === bot.id).map((e) => String(e.bytes)),
      ["30,1"],
    );
    t.deepEqual(alice.errorLines(), []);
    t.deepEqual(
      server.errorLines().filter((l) => !/is not allowed on node/.test(l)),
      [],
    );
  });
}

/** Every packet a bot refused, "id reason count": none expected. */
function dropsOf(bots: Game4Bot[]): string[] {
  return bots.flatMap((gb) => [...gb.bot.telemetry.drops].map(([r, n]) => `${gb.bot.id} ${r} ${n}`));
}
