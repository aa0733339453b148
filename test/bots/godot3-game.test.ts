/**
 * Bots play the example game against real Godot 3.2.3 and 3.6.2 servers: they join, call and
 * are called back, relay to each other through the server (unicast, broadcast, all-but), see
 * peers come and go, get kicked and outlive the server's death — and the server logs no error
 * caused by our bytes.
 */
import test from "ava";
import { BotDisconnectedError } from "../../src/bots/index.js";
import { RpcError, RpcMode } from "../../src/scene/index.js";
import { type Variant, Vector2 } from "../../src/variant/index.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";
import { type GameBot, joinGame, ownPlayer, until, watchPlayer } from "./game.js";

const x = (v: Variant): number => (v instanceof Vector2 ? v.x : Number.NaN);

for (const version of GAME_SERVERS) {
  test(`${version}: bots join, get called back, and broadcasts reach everyone`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "alice");
    const b = await joinGame(t, server.port, "bob");
    // join's reply (welcome) went to the request that awaited it; the broadcast after it to the handler.
    t.is(a.welcome[0], a.bot.id);
    await until(() => a.calls.length > 0, "the broadcast after welcome");
    t.deepEqual(a.calls[0], { method: "player_joined", args: [a.bot.id, "alice"], from: 1 });
    t.deepEqual(
      b.bot.peers,
      [1, a.bot.id].sort((p, q) => p - q),
    );
    await until(() => a.bot.peers.includes(b.bot.id), "alice to see bob");
    await until(
      () => a.calls.some((c) => c.method === "player_joined" && c.args[1] === "bob"),
      "player_joined(bob)",
    );

    // request/response with a correlation id; an unsolicited pong with another seq is not taken.
    const reply = await a.bot.request(1, "Game", "ping", [41], {
      method: "pong",
      match: (args) => args[0] === 41,
    });
    t.deepEqual(reply.args, [41]);
    t.is(reply.from, 1);
    t.true(reply.rttMs >= 0);

    // Wait first, then send: the replies may arrive before a later waitForRpc would be registered.
    const waits = [a, b].map((gb) =>
      gb.bot.waitForRpc("Game", "chat_message", { match: (args) => args[1] === "hi all" }),
    );
    a.bot.node("Game").rpcId(1, "chat", "hi all");
    for (const msg of await Promise.all(waits)) t.deepEqual(msg.args, [a.bot.id, "hi all"]);
    await server.waitForLine(new RegExp(`^CHAT ${a.bot.id} hi all$`));
    t.deepEqual(server.errorLines(), []);
  });

  test(`${version}: 20 bots relay to each other through the server: unicast, broadcast, all-but`, async (t) => {
    const server = await startGameServer(t, version);
    const bots: GameBot[] = [];
    for (let i = 0; i < 20; i++) bots.push(await joinGame(t, server.port, `bot${i}`));
    const ids = bots.map((gb) => gb.bot.id);
    for (const gb of bots)
      await until(() => gb.bot.peers.length === 20, `bot ${gb.bot.id} to see 19 peers and the server`);
    for (const gb of bots) {
      ownPlayer(gb);
      for (const other of ids) if (other !== gb.bot.id) watchPlayer(gb, other);
    }
    const me = (i: number) => bots[i]!.bot.node(`Game/Players/${ids[i]}`);
    const seen = (j: number, i: number) => bots[j]!.positions.get(`Game/Players/${ids[i]}`) ?? [];

    // Unicast: bot i → bot i+1, relayed by the server without processing.
    for (let i = 0; i < 20; i++) me(i).rpcId(ids[(i + 1) % 20]!, "update_position", new Vector2(i, 0));
    for (let i = 0; i < 20; i++) {
      const j = (i + 1) % 20;
      await until(() => seen(j, i).length === 1, `bot ${j} to get bot ${i}'s unicast`);
      t.is(x(seen(j, i)[0]!), i);
    }
    // Broadcast from bot 0: every other bot, and the server.
    me(0).rpc("update_position", new Vector2(100, 0));
    for (let j = 1; j < 20; j++)
      await until(() => seen(j, 0).some((v) => x(v) === 100), `bot ${j} to get the broadcast`);
    await server.waitForLine(new RegExp(`^UPDATE_POSITION ${ids[0]} \\(100, 0\\) from ${ids[0]}$`));
    // All but bot 2, from bot 1: bots other than 1 and 2 get it, and so does the server.
    me(1).rpcId(-ids[2]!, "update_position", new Vector2(200, 0));
    for (const j of [0, ...Array.from({ length: 17 }, (_, k) => k + 3)])
      await until(() => seen(j, 1).some((v) => x(v) === 200), `bot ${j} to get the all-but`);
    t.false(
      seen(2, 1).some((v) => x(v) === 200),
      "the excluded bot got nothing",
    );
    t.is(seen(0, 1).filter((v) => x(v) === 200).length, 1);
    await server.waitForLine(new RegExp(`^UPDATE_POSITION ${ids[1]} \\(200, 0\\) from ${ids[1]}$`));
    // rset to everyone: the puppet property changes on every other bot and on the server.
    me(3).rset("position", new Vector2(300, 0));
    for (let j = 0; j < 20; j++) {
      if (j === 3) continue;
      await until(
        () => bots[j]!.bot.node(`Game/Players/${ids[3]}`).get("position") instanceof Vector2,
        `bot ${j} rset`,
      );
      t.is(x(bots[j]!.bot.node(`Game/Players/${ids[3]}`).get("position")), 300);
    }
    await server.waitForLine(new RegExp(`^POSITION ${ids[3]} \\(300, 0\\) from ${ids[3]}$`));
    // Nothing was duplicated: every bot got each unicast exactly once.
    for (let i = 0; i < 20; i++) t.is(seen((i + 1) % 20, i).filter((v) => x(v) === i).length, 1);
    t.deepEqual(server.errorLines(), []);
    for (const gb of bots) t.deepEqual([...gb.bot.multiplayer.stats.dropped], []);
  });

  test(`${version}: the server's rpc modes let through what Godot lets through, nested paths too`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "moder");
    const allowed = ["f_remote", "f_remotesync", "f_master", "f_mastersync"];
    const refused = ["f_puppet", "f_puppetsync", "f_disabled"];
    for (const path of ["Game/Modes", "Game/Modes/Nested/Deeper"]) {
      for (const f of [...allowed, ...refused]) a.bot.node(path).rpcId(1, f, `${path}:${f}`);
      for (const v of ["v_remote", "v_remotesync", "v_master", "v_puppet", "v_disabled"])
        a.bot.node(path).rsetId(1, v, 7);
    }
    for (const path of ["Game/Modes", "Game/Modes/Nested/Deeper"]) {
      for (const f of allowed) {
        await server.waitForLine(new RegExp(`^MODE /root/${path} ${f} from ${a.bot.id} "${path}:${f}"$`));
      }
      for (const v of ["v_remote", "v_remotesync", "v_master"]) {
        await server.waitForLine(new RegExp(`^MODE /root/${path} ${v} from ${a.bot.id} 7$`));
      }
    }
    // A marker call after everything: its arrival means the refusals were processed too.
    await a.bot.request(1, "Game", "ping", [1], { method: "pong" });
    const modeLines = server.lines.filter((l) => l.startsWith("MODE "));
    t.is(modeLines.length, 2 * (allowed.length + 3));
    for (const f of refused)
      t.false(
        modeLines.some((l) => l.includes(` ${f} `)),
        `${f} must not run`,
      );
    // Godot prints refusals on stderr, which may reach us after the stdout lines: wait for them.
    const refusals = () => server.errorLines().filter((l) => /is not allowed on node/.test(l));
    await until(() => refusals().length >= 2 * (refused.length + 2), "the refusals on stderr");
    for (const path of ["Game/Modes", "Game/Modes/Nested/Deeper"]) {
      for (const name of [...refused, "v_puppet", "v_disabled"]) {
        const kind = name.startsWith("v_") ? "RSET" : "RPC";
        const line = `${kind} '${name}' is not allowed on node /root/${path} from`;
        t.is(refusals().filter((l) => l.includes(line)).length, 1, line);
      }
    }
    t.is(refusals().length, 2 * (refused.length + 2), server.errorLines().join("\n"));
  });

  test(`${version}: the server calls bots back (rpc, rset, raw) and bot-side modes are enforced`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "callee");
    const control = a.bot.node("Control");
    const modes = a.bot.node("Game/Modes");
    const ran: string[] = [];
    modes.rpcConfig("f_puppet", RpcMode.PUPPET, (v) => ran.push(`f_puppet ${String(v)}`));
    modes.rpcConfig("f_master", RpcMode.MASTER, (v) => ran.push(`f_master ${String(v)}`));
    modes.rsetConfig("v_remote", RpcMode.REMOTE, 0);
    const drops: string[] = [];
    a.bot.multiplayer.on("packet_dropped", (d) => drops.push(`${d.reason} ${d.name ?? ""}`));

    control.rpcId(1, "call_peer", a.bot.id, "Game/Modes", "f_puppet", ["from server"]);
    control.rpcId(1, "call_peer", a.bot.id, "Game/Modes", "f_master", ["refused: we are not master"]);
    control.rpcId(1, "call_peer", a.bot.id, "Game/Modes", "f_nowhere", [1]);
    control.rpcId(1, "set_peer", a.bot.id, "Game/Modes", "v_remote", 99);
    control.rpcId(1, "send_raw", a.bot.id, new Uint8Array([5, 6, 7]));
    control.rpcId(1, "call_peer", a.bot.id, "Game", "echoed", ["last"]);
    await a.bot.waitForRpc("Game", "echoed", { match: (args) => args[0] === "last" });
    t.deepEqual(ran, ["f_puppet from server"]);
    t.is(modes.get("v_remote"), 99);
    t.deepEqual(a.raw, [{ from: 1, bytes: [5, 6, 7] }]);
    t.deepEqual(drops, ["not-allowed f_master", "unknown-method f_nowhere"]);
    t.is(a.bot.multiplayer.stats.dropped.get("not-allowed"), 1);
    t.deepEqual(server.errorLines(), []);
  });

  test(`${version}: raw packets to the server and to everyone`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "raw-a");
    const b = await joinGame(t, server.port, "raw-b");
    await until(() => a.bot.peers.includes(b.bot.id), "a to see b");
    a.bot.multiplayer.sendBytes(new Uint8Array([1, 2, 3]), 1);
    await server.waitForLine(new RegExp(`^RAW ${a.bot.id} \\[1, 2, 3\\]$`));
    await until(() => a.raw.length === 1, "the server's reversed echo");
    t.deepEqual(a.raw[0], { from: 1, bytes: [3, 2, 1] });
    a.bot.multiplayer.sendBytes(new Uint8Array([9, 8]), 0);
    await until(() => b.raw.length === 1, "b to get a's broadcast");
    t.deepEqual(b.raw[0], { from: a.bot.id, bytes: [9, 8] });
    await server.waitForLine(new RegExp(`^RAW ${a.bot.id} \\[9, 8\\]$`));
    t.deepEqual(server.errorLines(), []);
  });

  test(`${version}: peers come and go, a kick disconnects, the server's death ends every bot`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "stay");
    const b = await joinGame(t, server.port, "kicked");
    const c = await joinGame(t, server.port, "leaves");
    await until(() => a.bot.peers.length === 3, "a to see b and c");
    // Engine race (protocol-notes/multiplayer-api.md): a CONFIRM_PATH that the server reads in the
    // same poll as the close is processed after the peer is gone, and printed as an ERROR. A round
    // trip first makes sure the server has taken c's confirmation.
    await c.bot.request(1, "Game", "ping", [0], { method: "pong" });
    await c.bot.disconnect();
    await until(() => !a.bot.peers.includes(c.bot.id), "SYS_DEL of c");
    await until(
      () => a.calls.some((k) => k.method === "player_left" && k.args[0] === c.bot.id),
      "player_left(c)",
    );

    const kicked = new Promise((resolve) => b.bot.once("disconnected", (info) => resolve(info)));
    a.bot.node("Control").rpcId(1, "kick", b.bot.id);
    await kicked;
    t.false(b.bot.connected);
    await until(() => !a.bot.peers.includes(b.bot.id), "SYS_DEL of the kicked bot");
    t.deepEqual(server.errorLines(), []);

    const pending = a.bot.waitForRpc("Game", "pong", { timeoutMs: 60_000 });
    const gone = new Promise((resolve) => a.bot.once("disconnected", (info) => resolve(info)));
    await server.stop();
    await gone;
    await t.throwsAsync(pending, { instanceOf: BotDisconnectedError });
    t.false(a.bot.connected);
    t.throws(() => a.bot.node("Game").rpcId(1, "ping", 1), { instanceOf: RpcError });
  });

  test(`${version}: quirk kept: a message to everyone but the server (-1) still reaches the server`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "quirk");
    // The path is confirmed by now (join and welcome went both ways), so -1 carries the cache id.
    a.bot.node("Game").rpcId(-1, "chat", "excluded the server");
    await server.waitForLine(new RegExp(`^CHAT ${a.bot.id} excluded the server$`));
    t.deepEqual(server.errorLines(), []);
  });

  test(`${version}: a frame the server cannot take is refused at send, naming the limit`, async (t) => {
    const server = await startGameServer(t, version);
    const a = await joinGame(t, server.port, "big");
    // 9-byte header + 1 command byte + payload: 65 535 bytes is the largest the server takes.
    const err = t.throws(() => a.bot.multiplayer.sendBytes(new Uint8Array(65_526).fill(1), 1), {
      instanceOf: RpcError,
    });
    t.regex(err?.message ?? "", /65536 bytes.*maxFrameSize 65535.*max_in_buffer_kb/s);
    a.bot.multiplayer.sendBytes(new Uint8Array(65_525).fill(1), 1);
    await server.waitForLine(new RegExp(`^RAW ${a.bot.id} \\[1, 1, 1`));
    t.deepEqual(server.errorLines(), []);
  });
}
