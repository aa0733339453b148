/**
 * Our WebSocketServer as Godot 3's: wss with a key and certificate, subprotocol choice, peer ids,
 * refuse_new_connections, addresses, kicks with a code, client close requests, the poll model.
 */
import { readFile } from "node:fs/promises";
import test from "ava";
import { Bot, BotConnectError } from "../../src/bots/index.js";
import { MultiplayerAPI } from "../../src/scene/index.js";
import { WebSocketServer } from "../../src/server/index.js";
import { GodotError, WebSocketClient } from "../../src/websocket/index.js";
import { until } from "../bots/game.js";
import { makeCertificates } from "../websocket/helpers.js";

async function mpServer(
  t: import("ava").ExecutionContext,
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
) {
  const server = new WebSocketServer({ autoPoll: true, bindIp: "127.0.0.1", ...options });
  const port = await server.listen(0, [], true);
  const api = new MultiplayerAPI();
  api.autoProcess = true;
  api.networkPeer = server;
  t.teardown(() => server.stop());
  return { server, api, port };
}

test("wss: a server with a private key and certificate, a bot that trusts its CA", async (t) => {
  const certs = await makeCertificates(t);
  const { port } = await mpServer(t, {
    privateKey: await readFile(certs.serverKey),
    sslCertificate: certs.serverCertPem,
  });
  const bot = await Bot.connect({ url: `wss://localhost:${port}`, ca: certs.caPem });
  t.teardown(() => bot.disconnect());
  t.true(bot.id > 1);
  await t.throwsAsync(Bot.connect({ url: `wss://localhost:${port}`, joinTimeoutMs: 5_000 }), {
    instanceOf: BotConnectError,
  });
});

test("peer ids are 31-bit, never 0 or 1, and unique; addresses are the clients' own", async (t) => {
  const { server, port } = await mpServer(t);
  const bots = await Promise.all(
    Array.from({ length: 40 }, () => Bot.connect({ url: `ws://127.0.0.1:${port}`, godot: 3 })),
  );
  t.teardown(() => Promise.all(bots.map((b) => b.disconnect())));
  const ids = bots.map((b) => b.id);
  t.is(new Set(ids).size, 40);
  for (const id of ids) t.true(Number.isInteger(id) && id > 1 && id <= 0x7fffffff);
  t.deepEqual(
    server.getPeerIds(),
    [...ids].sort((a, b) => a - b),
  );
  for (const b of bots.slice(0, 3)) {
    t.is(server.getPeerAddress(b.id), "127.0.0.1");
    const local = b.peer.client.getPeer(1);
    t.truthy(local);
    t.true(server.getPeerPort(b.id) > 0);
  }
  // Every bot learned every other one.
  for (const b of bots) await until(() => b.peers.length === 40, "all announcements");
});

test("refuse_new_network_connections: newcomers are dropped, the connected carry on", async (t) => {
  const { api, port } = await mpServer(t);
  const url = `ws://127.0.0.1:${port}`;
  const a = await Bot.connect({ url });
  t.teardown(() => a.disconnect());
  api.refuseNewNetworkConnections = true;
  await t.throwsAsync(Bot.connect({ url, joinTimeoutMs: 5_000 }), { instanceOf: BotConnectError });
  t.true(a.connected);
  api.refuseNewNetworkConnections = false;
  const b = await Bot.connect({ url });
  t.teardown(() => b.disconnect());
  await until(() => a.peers.includes(b.id), "a to see b");
});

test("disconnect_peer(id, code, reason) reaches the client as a clean close with that code", async (t) => {
  const { server, port } = await mpServer(t);
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${port}` });
  server.disconnectPeer(bot.id, 4002, "see you");
  await bot.closed();
  const info = bot.peer.lastClose?.info;
  t.like(info, { code: 4002, reason: "see you", wasClean: true, initiatedBy: "server" });
});

test("subprotocols: the first the client offers that the server listens with; none matching is refused", async (t) => {
  const server = new WebSocketServer({ autoPoll: true, bindIp: "127.0.0.1" });
  const port = await server.listen(0, ["gp-a", "gp-b"]);
  t.teardown(() => server.stop());
  const seen: [number, string][] = [];
  server.on("client_connected", (id, protocol) => seen.push([id, protocol]));
  const client = new WebSocketClient({ autoPoll: true });
  const protocol = await client.connectToUrlAsync(`ws://127.0.0.1:${port}`, ["x", "gp-b", "gp-a"]);
  t.is(protocol, "gp-b");
  await until(() => seen.length === 1, "client_connected");
  t.is(seen[0]?.[1], "gp-b");
  const other = new WebSocketClient({ autoPoll: true });
  await t.throwsAsync(other.connectToUrlAsync(`ws://127.0.0.1:${port}`, ["nope"]));
  client.disconnectFromHost();
});

test("not multiplayer: data_received per message, get_peer(id) echoes; the client's close request is reported", async (t) => {
  const server = new WebSocketServer({ bindIp: "127.0.0.1" }); // poll model, as Godot
  const port = await server.listen(0);
  t.teardown(() => server.stop());
  const events: string[] = [];
  server.on("client_connected", (id) => events.push(`connected ${id > 1}`));
  server.on("data_received", (id) => {
    const peer = server.getPeer(id)!;
    const data = peer.getPacket();
    events.push(`data ${Buffer.from(data).toString()}`);
    t.is(peer.putPacket(data), GodotError.OK);
  });
  server.on("client_close_request", (_id, code, reason) => events.push(`close_request ${code} ${reason}`));
  server.on("client_disconnected", (_id, clean) => events.push(`disconnected ${clean}`));
  const client = new WebSocketClient({ autoPoll: true });
  const echoes: string[] = [];
  client.on("data_received", () => echoes.push(Buffer.from(client.getPeer(1)!.getPacket()).toString()));
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  client.getPeer(1)!.putPacket(Buffer.from("hello"));
  // Poll model: nothing reached the server's code yet.
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(events, []);
  await until(() => {
    server.poll();
    return echoes.length === 1;
  }, "the echo");
  t.deepEqual(echoes, ["hello"]);
  client.disconnectFromHost(4001, "bye");
  await until(() => {
    server.poll();
    return events.includes("disconnected true");
  }, "the close");
  t.deepEqual(events, ["connected true", "data hello", "close_request 4001 bye", "disconnected true"]);
  t.is(server.putPacket(Uint8Array.of(1)), GodotError.ERR_UNCONFIGURED);
});

test("listen on a taken port rejects; set_buffers only before listening", async (t) => {
  const a = new WebSocketServer({ bindIp: "127.0.0.1" });
  const port = await a.listen(0);
  t.teardown(() => a.stop());
  const b = new WebSocketServer({ bindIp: "127.0.0.1" });
  await t.throwsAsync(b.listen(port), { code: "EADDRINUSE" });
  t.is(a.setBuffers(128, 2048, 128, 2048), GodotError.FAILED);
  const c = new WebSocketServer();
  t.is(c.setBuffers(128, 2048, 128, 2048), GodotError.OK);
  t.deepEqual(c.getBuffers(), {
    inputBufferSizeKb: 128,
    inputMaxPackets: 2048,
    outputBufferSizeKb: 128,
    outputMaxPackets: 2048,
  });
});
