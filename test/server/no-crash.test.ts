/**
 * Neither a client nor a game script takes the Node server down. A client that does not read
 * while the server must answer it (CONFIRM_PATH) gets refusals, dropped and reported, as Godot
 * 3.6.2 prints ERR_OUT_OF_MEMORY and keeps serving; a listener of the game that throws is a
 * SCRIPT ERROR (reported with its stack, counted) and the server carries on.
 */
import test from "ava";
import WebSocket from "ws";
import { Bot } from "../../src/bots/index.js";
import { makeFrame, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import { encodeSimplifyPath } from "../../src/scene/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { joinGame, until } from "../bots/game.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";

/** A raw client that has read its id and then stops reading (its socket paused). */
async function deafClient(port: number): Promise<{ ws: WebSocket; id: number }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const id = await new Promise<number>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("message", (data: Buffer) => resolve(readSysPeerId(new Uint8Array(data))));
  });
  ws.pause();
  return { ws, id };
}

async function game(t: import("ava").ExecutionContext) {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  return { g, port };
}

test("SIMPLIFY_PATHs from a client that does not read: the CONFIRM_PATHs refused are dropped and reported, the server serves on", async (t) => {
  const { g, port } = await game(t);
  const good = await joinGame(t, port, "bystander");
  const deaf = await deafClient(port);
  t.teardown(() => deaf.ws.terminate());
  const refused: { to: number; command: string }[] = [];
  g.multiplayer.on("send_refused", (r) => refused.push({ to: r.to, command: r.command }));
  // 60,000-byte paths: each CONFIRM_PATH answer is as large; the kernel's buffers fill, then Godot's 64 KiB limit.
  const path = `Game/${"x".repeat(60_000)}`;
  let sent = 0;
  while (g.multiplayer.stats.sendsRefused === 0 && sent < 1_000) {
    for (let i = 0; i < 50; i++, sent++) {
      // One cache id, replaced each time: the peer's path cache stays within its bound.
      deaf.ws.send(makeFrame(SysType.NONE, deaf.id, 1, encodeSimplifyPath(2, path)));
    }
    await until(() => deaf.ws.bufferedAmount === 0, "the client's frames to leave");
    await new Promise((r) => setTimeout(r, 20));
  }
  t.true(g.multiplayer.stats.sendsRefused > 0, `no refusal after ${sent} SIMPLIFY_PATHs`);
  t.true(refused.length > 0 && refused.every((r) => r.command === "CONFIRM_PATH" && r.to === deaf.id));
  t.true((g.server.refusedOutput.get("output-bytes") ?? 0) > 0);
  // The server is up and serves the others.
  const pong = await good.bot.request(1, "Game", "ping", [5], { method: "pong" });
  t.deepEqual(pong.args, [5]);
});

test("a chat broadcast to a peer that does not read: the others still get theirs, the refusals are reported", async (t) => {
  const { g, port } = await game(t);
  const a = await joinGame(t, port, "alice");
  const b = await joinGame(t, port, "bob");
  const deaf = await deafClient(port);
  t.teardown(() => deaf.ws.terminate());
  const big = "y".repeat(30_000);
  const scene = g.multiplayer.node("Game");
  // The game broadcasts (as its chat does) until the deaf client's copy is refused by the output limit.
  for (let i = 0; i < 1_000 && g.multiplayer.stats.sendsRefused === 0; i++) {
    scene.rpc("chat_message", 1, big);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
  }
  t.true(g.multiplayer.stats.sendsRefused > 0);
  const wait = b.bot.waitForRpc("Game", "chat_message", { match: (args) => args[1] === "last" });
  a.bot.node("Game").rpcId(1, "chat", "last");
  t.deepEqual((await wait).args, [a.bot.id, "last"]);
});

for (const signal of [
  "network_peer_connected",
  "network_peer_packet",
  "network_peer_disconnected",
] as const) {
  test(`a ${signal} listener that throws is a script error: reported with its stack, counted; the server carries on`, async (t) => {
    const { g, port } = await game(t);
    const errors: { err: unknown; name: string }[] = [];
    g.multiplayer.on("script_error", (err, where) => errors.push({ err, name: where.name }));
    let after = 0;
    g.multiplayer.on(signal, () => {
      throw new Error(`boom in ${signal}`);
    });
    // A listener connected after the thrower still runs.
    g.multiplayer.on(signal, () => {
      after++;
    });
    const a = await joinGame(t, port, "alice");
    if (signal === "network_peer_packet") a.bot.multiplayer.sendBytes(Uint8Array.of(1, 2), 1);
    if (signal === "network_peer_disconnected") {
      const b = await joinGame(t, port, "bob");
      b.bot.disconnect();
    }
    await until(() => errors.length > 0, "the script error");
    t.is(errors[0]?.name, signal);
    t.true(errors[0]?.err instanceof Error && /boom in/.test((errors[0].err as Error).stack ?? ""));
    t.is(g.multiplayer.stats.scriptErrors, errors.length);
    await until(() => after > 0, "the next listener");
    const pong = await a.bot.request(1, "Game", "ping", [9], { method: "pong" });
    t.deepEqual(pong.args, [9]);
  });
}

test("a listener of the server's own signals that throws (bad_input, peer_connected) is reported; the server carries on", async (t) => {
  const { g, port } = await game(t);
  const errors: string[] = [];
  g.server.on("script_error", (_err, signal) => errors.push(signal));
  g.server.on("bad_input", () => {
    throw new Error("boom in bad_input");
  });
  g.server.on("peer_connected", () => {
    throw new Error("boom in peer_connected");
  });
  const a = await joinGame(t, port, "alice");
  const deaf = await deafClient(port);
  t.teardown(() => deaf.ws.terminate());
  deaf.ws.send(Uint8Array.of(0, 1, 2)); // too short: bad_input
  await until(() => errors.includes("bad_input"), "the bad_input listener's error");
  t.true(errors.includes("peer_connected"));
  t.is(g.server.scriptErrors, errors.length);
  const pong = await a.bot.request(1, "Game", "ping", [4], { method: "pong" });
  t.deepEqual(pong.args, [4]);
});

test("with the Bot API: a tick-style bot stops polling while chat broadcasts pile up, then calls a node it has not used; the server serves on", async (t) => {
  const { g, port } = await game(t);
  const good = await joinGame(t, port, "bystander");
  const tick = await Bot.connect({ url: `ws://127.0.0.1:${port}`, style: "tick" });
  t.teardown(() => tick.terminate());
  const big = "z".repeat(20_000);
  const scene = g.multiplayer.node("Game");
  // Broadcasts the tick bot does not poll for, until its connection backs up to the server's output limit.
  for (let i = 0; i < 2_000 && (g.server.refusedOutput.get("output-bytes") ?? 0) === 0; i++) {
    scene.rpc("chat_message", 1, big);
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
  }
  t.true((g.server.refusedOutput.get("output-bytes") ?? 0) > 0, "the tick bot's output backed up");
  const refusedBefore = g.multiplayer.stats.sendsRefused;
  // A node it has not used: SIMPLIFY_PATH, which the server must answer with a CONFIRM_PATH it cannot send.
  tick.node("Game/Modes").rpcId(1, "f_remote", 1);
  await until(() => g.multiplayer.stats.sendsRefused > refusedBefore, "the CONFIRM_PATH refused");
  const pong = await good.bot.request(1, "Game", "ping", [6], { method: "pong" });
  t.deepEqual(pong.args, [6]);
});

for (const version of GAME_SERVERS) {
  test(`${version}: 200 SIMPLIFY_PATHs of 60,000-byte paths from a client that does not read; the server serves on`, async (t) => {
    const server = await startGameServer(t, version);
    const good = await joinGame(t, server.port, "bystander");
    const deaf = await deafClient(server.port);
    t.teardown(() => deaf.ws.terminate());
    const path = `Game/${"x".repeat(60_000)}`;
    for (let i = 0; i < 200; i++) {
      deaf.ws.send(makeFrame(SysType.NONE, deaf.id, 1, encodeSimplifyPath(2, path)));
      if (i % 20 === 19)
        await until(() => deaf.ws.bufferedAmount === 0, "the client's frames to leave", 30_000);
    }
    await new Promise((r) => setTimeout(r, 200));
    const pong = await good.bot.request(1, "Game", "ping", [5], { method: "pong" });
    t.deepEqual(pong.args, [5]);
    if (server.game) t.true(server.game.multiplayer.stats.sendsRefused > 0);
    // 3.6.2 refuses the CONFIRM_PATHs as we do (ERR_OUT_OF_MEMORY from its output limit); 3.2.3 has no such limit.
    if (version === "3.6.2") t.true(server.errorLines().some((l) => /ERR_OUT_OF_MEMORY/.test(l)));
  });
}
