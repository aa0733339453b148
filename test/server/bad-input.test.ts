/**
 * What a hostile or broken client sends a Godot 3 server — a spoofed `from`, SYS messages, unknown
 * targets, oversized and garbage frames — is dropped and reported (an event and a counter), the
 * offender optionally kicked, and everyone else is unaffected.
 */
import test from "ava";
import WebSocket from "ws";
import { Bot } from "../../src/bots/index.js";
import { makeFrame, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import { ExampleGame, type ServerDropReason } from "../../src/server/index.js";
import { joinGame, until } from "../bots/game.js";

/** A raw WebSocket that has read its id from the server's greeting. */
async function rawClient(port: number): Promise<{ ws: WebSocket; id: number; closed: Promise<number> }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
  const id = await new Promise<number>((resolve, reject) => {
    ws.once("error", reject);
    ws.once("message", (data: Buffer) => resolve(readSysPeerId(new Uint8Array(data))));
  });
  return { ws, id, closed };
}

async function game(t: import("ava").ExecutionContext, kickOnBadInput: boolean) {
  const g = new ExampleGame({ bindIp: "127.0.0.1", kickOnBadInput });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const reports: { peer: number; reason: ServerDropReason }[] = [];
  g.server.on("bad_input", (r) => reports.push({ peer: r.peer, reason: r.reason }));
  return { g, port, reports };
}

test("bad frames are dropped and reported with their reason; the offender stays; others are unaffected", async (t) => {
  const { g, port, reports } = await game(t, false);
  const good = await joinGame(t, port, "bystander");
  const bad = await rawClient(port);
  const frames: [ServerDropReason, Uint8Array | string][] = [
    ["too-short", Uint8Array.of(0, 1, 2)],
    ["sys-from-client", makeFrame(SysType.ID, bad.id, 1, Uint8Array.of(7, 0, 0, 0))],
    ["sys-from-client", makeFrame(SysType.DEL, bad.id, 1, Uint8Array.of(0, 0, 0, 0))],
    ["spoofed-from", makeFrame(SysType.NONE, good.bot.id, 1, Uint8Array.of(4, 1))],
    ["unknown-target", makeFrame(SysType.NONE, bad.id, 999_999, Uint8Array.of(4, 1))],
    ["unknown-target", makeFrame(SysType.NONE, bad.id, bad.id, Uint8Array.of(4, 1))],
    ["input-bytes", makeFrame(SysType.NONE, bad.id, 1, new Uint8Array(65_536 - 9))],
    ["too-short", "hi"],
  ];
  for (const [, f] of frames) bad.ws.send(f);
  await until(() => reports.length === frames.length, "every bad frame reported");
  t.deepEqual(
    reports.map((r) => r.reason),
    frames.map(([reason]) => reason),
  );
  t.true(reports.every((r) => r.peer === bad.id));
  t.is(g.server.badInput.get("sys-from-client"), 2);
  t.is(bad.ws.readyState, WebSocket.OPEN, "Godot keeps such a client connected");
  // Nothing reached the game or the bystander.
  t.false(good.raw.length > 0);
  t.is(g.multiplayer.stats.byPeer.get(bad.id)?.packetsIn ?? 0, 0);
  const pong = await good.bot.request(1, "Game", "ping", [1], { method: "pong" });
  t.deepEqual(pong.args, [1]);

  // Larger than a message may be at all: the connection is closed with 1009, as Godot's wslay does.
  bad.ws.send(new Uint8Array(65_537));
  t.is(await bad.closed, 1009);
  t.true(good.bot.connected);
});

test("kickOnBadInput: the offender is closed with 1008, the others play on", async (t) => {
  const { port, reports } = await game(t, true);
  const good = await joinGame(t, port, "bystander");
  const bad = await rawClient(port);
  bad.ws.send(makeFrame(SysType.NONE, good.bot.id, 0, Uint8Array.of(4, 1, 2, 3)));
  t.is(await bad.closed, 1008);
  t.deepEqual(reports, [{ peer: bad.id, reason: "spoofed-from" }]);
  await until(() => !good.bot.peers.includes(bad.id), "the bystander to see the offender leave");
  t.deepEqual(good.raw, []);
  const pong = await good.bot.request(1, "Game", "ping", [2], { method: "pong" });
  t.deepEqual(pong.args, [2]);
});

test("a client that never completes the handshake or sends plain HTTP gets no answer and costs nothing", async (t) => {
  const { g, port } = await game(t, false);
  const res = await fetch(`http://127.0.0.1:${port}/`).catch((err: unknown) => err);
  t.true(res instanceof Error, "no HTTP answer");
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${port}` });
  t.teardown(() => bot.disconnect());
  t.deepEqual(g.server.getPeerIds(), [bot.id]);
});
