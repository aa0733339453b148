/**
 * Handshakes time out, as Godot's pending peers do (handshake_timeout, 3 s by default): a socket
 * that never upgrades, or upgrades too slowly (slowloris), is closed on its own deadline, not
 * held for Node's 60 s and more and then swept with all the others.
 */
import { readFile } from "node:fs/promises";
import { connect, type Socket } from "node:net";
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { ExampleGame, GODOT3_HANDSHAKE_TIMEOUT, WebSocketServer } from "../../src/server/index.js";
import { joinGame, until } from "../bots/game.js";
import { GAME_SERVERS, startGameServer } from "../harness/game-server.js";
import { makeCertificates } from "../websocket/helpers.js";

test("the handshake timeout is Godot's by default: 3 s", (t) => {
  t.is(GODOT3_HANDSHAKE_TIMEOUT, 3);
  t.is(new WebSocketServer().handshakeTimeout, 3);
  t.throws(() => new WebSocketServer({ handshakeTimeout: 0 }), { instanceOf: RangeError });
});

/** A TCP connection to the server; `closedAt` gives the order in which the server closed them. */
function open(port: number, order: Socket[]): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1", () => resolve(s));
    s.on("error", reject);
    s.on("close", () => order.push(s));
  });
}

test("silent and slowloris connections are closed each on its own deadline; a bot that joined plays on", async (t) => {
  // Wide enough that a loaded machine's stalls (a few hundred ms) cannot reorder the two waves.
  const timeout = 1.2;
  const g = new ExampleGame({ bindIp: "127.0.0.1", handshakeTimeout: timeout });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const good = await joinGame(t, port, "bystander");
  const closed: Socket[] = [];
  // First wave: sockets that never send a byte, and slowloris ones that send a header line now and then.
  const silent = await Promise.all(Array.from({ length: 100 }, () => open(port, closed)));
  const slow = await Promise.all(Array.from({ length: 20 }, () => open(port, closed)));
  for (const s of slow) s.write("GET / HTTP/1.1\r\nHost: x\r\n");
  const drip = setInterval(() => {
    for (const s of slow) if (!s.destroyed) s.write("X-Slow: 1\r\n");
  }, 50);
  t.teardown(() => clearInterval(drip));
  const first = new Set<Socket>([...silent, ...slow]);
  await new Promise((r) => setTimeout(r, (timeout * 1000) / 2));
  // Second wave, half a timeout later: still open when the whole first wave is closed.
  const second = await Promise.all(Array.from({ length: 50 }, () => open(port, closed)));
  t.teardown(() => {
    for (const s of [...first, ...second]) s.destroy();
  });
  await until(() => [...first].every((s) => s.destroyed), "the first wave closed by the server", 10_000);
  const secondOpen = second.filter((s) => !s.destroyed).length;
  t.true(secondOpen > 0, "the second wave has its own deadline");
  t.true(
    closed.slice(0, first.size).every((s) => first.has(s)),
    "the first wave closed first",
  );
  await until(() => second.every((s) => s.destroyed), "the second wave closed too", 10_000);
  // The bot that completed its handshake was never subject to it.
  await new Promise((r) => setTimeout(r, timeout * 1000));
  const pong = await good.bot.request(1, "Game", "ping", [3], { method: "pong" });
  t.deepEqual(pong.args, [3]);
});

test("wss: a client that completed the TLS and WebSocket handshakes outlives the timeout; a silent TLS socket does not", async (t) => {
  const certs = await makeCertificates(t);
  const timeout = 0.3;
  const g = new ExampleGame({
    bindIp: "127.0.0.1",
    handshakeTimeout: timeout,
    privateKey: await readFile(certs.serverKey),
    sslCertificate: certs.serverCertPem,
  });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const bot = await Bot.connect({ url: `wss://localhost:${port}`, ca: certs.caPem });
  t.teardown(() => bot.disconnect());
  const closed: Socket[] = [];
  const silent = await open(port, closed);
  t.teardown(() => silent.destroy());
  await until(() => silent.destroyed, "the silent socket closed by the server", 10_000);
  await new Promise((r) => setTimeout(r, timeout * 2000));
  t.true(bot.connected);
  const pong = await bot.request(1, "Game", "ping", [8], { method: "pong" });
  t.deepEqual(pong.args, [8]);
});

for (const version of GAME_SERVERS) {
  test(`${version}: a connection that never sends its handshake is closed by the server (default settings)`, async (t) => {
    const server = await startGameServer(t, version);
    const closed: Socket[] = [];
    const silent = await open(server.port, closed);
    t.teardown(() => silent.destroy());
    const started = performance.now();
    await until(() => silent.destroyed, "the server to close it", 20_000);
    t.log(`closed after ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const bot = await joinGame(t, server.port, "after");
    t.true(bot.bot.connected);
  });
}
