/**
 * WebSocketMultiplayerServer4: Godot 4's WebSocketMultiplayerPeer server transport over `ws`,
 * seen from plain WebSocket clients: the 4-byte id greeting, one message = one packet, target
 * peer semantics of put_packet, handshake_timeout, 1009 on oversize, text taken as binary,
 * disconnect_peer, refuse_new_connections, the output limits.
 */
import { connect as tcpConnect } from "node:net";
import test from "ava";
import { TLSOptions } from "../../../src/multiplayer/index.js";
import {
  WebSocketMultiplayerServer4,
  type WebSocketMultiplayerServer4Options,
} from "../../../src/server/index.js";
import { ConnectionStatus, GodotError } from "../../../src/websocket/index.js";
import { Recorder } from "../../multiplayer/godot4/recorder.js";
import { type RawClient, rawClient } from "./ws-client.js";

async function server(
  t: import("ava").ExecutionContext,
  options: WebSocketMultiplayerServer4Options = { autoPoll: true },
) {
  const peer = new WebSocketMultiplayerServer4(options);
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(await peer.createServer(0, "127.0.0.1"), GodotError.OK);
  return { peer, rec, url: `ws://127.0.0.1:${peer.getPort()}` };
}

/** A client, greeted: its id as our server announced it. */
async function join(
  t: import("ava").ExecutionContext,
  url: string,
  rec: Recorder,
): Promise<{ c: RawClient; id: number }> {
  const c = await rawClient(url);
  t.teardown(() => c.ws.terminate());
  const greeting = await c.next();
  t.is(greeting.length, 4);
  const id = greeting.readInt32LE(0);
  await rec.waitFor((e) => e[0] === "peer_connected" && e[1] === id);
  return { c, id };
}

test("each client's first message is its id (4 bytes LE, 2 … 2^31−1, unique), then peer_connected", async (t) => {
  const { peer, rec, url } = await server(t);
  t.is(peer.getUniqueId(), 1);
  t.true(peer.isServer());
  t.true(peer.isServerRelaySupported());
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  const ids: number[] = [];
  for (let i = 0; i < 5; i++) {
    const { c, id } = await join(t, url, rec);
    t.true(c.messages[0]!.binary);
    t.true(id >= 2 && id <= 0x7fffffff);
    ids.push(id);
  }
  t.is(new Set(ids).size, 5);
  t.deepEqual(peer.getPeerIds().sort(), [...ids].sort());
  t.is(peer.getPeerAddress(ids[0]!), "127.0.0.1");
  t.true(peer.getPeerPort(ids[0]!) > 0);
  t.deepEqual(
    rec.events.filter((e) => e[0] === "peer_connected").map((e) => e[1]),
    ids,
  );
});

test("one message is one packet from its connection's id; a text frame counts as binary; empty ones are dropped", async (t) => {
  const { peer, rec, url } = await server(t);
  const { c, id } = await join(t, url, rec);
  c.ws.send(Buffer.of(3, 0xde, 0xad));
  c.ws.send(Buffer.alloc(0));
  c.ws.send("\x03A", { binary: false });
  await rec.waitForCount("peer_packet", 2);
  t.is(peer.getPacketPeer(), id);
  t.deepEqual([...peer.getPacket()!], [3, 0xde, 0xad]);
  t.is(peer.getPacketPeer(), id);
  t.deepEqual([...peer.getPacket()!], [3, 0x41]);
  t.is(peer.getPacket(), null);
  t.deepEqual([...peer.drops], [["empty-packet", 1]]);
});

test("put_packet by target peer: X that client, 0 everyone, −X all but X; 1 or an unknown id: Peer not found", async (t) => {
  const { peer, rec, url } = await server(t);
  const a = await join(t, url, rec);
  const b = await join(t, url, rec);
  const c = await join(t, url, rec);
  peer.setTargetPeer(b.id);
  t.is(peer.putPacket(Uint8Array.of(3, 0xb)), GodotError.OK);
  peer.setTargetPeer(0);
  t.is(peer.putPacket(Uint8Array.of(3, 0)), GodotError.OK);
  peer.setTargetPeer(-a.id);
  t.is(peer.putPacket(Uint8Array.of(3, 0xa)), GodotError.OK);
  for (const target of [1, 12345]) {
    peer.setTargetPeer(target);
    t.is(peer.putPacket(Uint8Array.of(3, 1)), GodotError.ERR_INVALID_PARAMETER);
    t.is(peer.lastError?.message, `Peer not found: ${target}`);
  }
  const got = async (x: RawClient, n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push((await x.next()).toString("hex"));
    return out;
  };
  t.deepEqual(await got(a.c, 1), ["0300"]);
  t.deepEqual(await got(b.c, 3), ["030b", "0300", "030a"]);
  t.deepEqual(await got(c.c, 2), ["0300", "030a"]);
  t.true([a, b, c].every((x) => x.c.messages.every((m) => m.binary)));
  t.deepEqual(peer.traffic, { msgsIn: 0, msgsOut: 3 + 6, bytesIn: 0, bytesOut: 3 * 4 + 6 * 2 });
});

test("a message over inbound_buffer_size (65535) closes the connection with 1009; one of 65535 bytes is a packet", async (t) => {
  const { peer, rec, url } = await server(t);
  const { c, id } = await join(t, url, rec);
  c.ws.send(Buffer.alloc(65535, 3));
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.is(peer.getPacket()!.length, 65535);
  c.ws.send(Buffer.alloc(65536, 3));
  t.is((await c.closed).code, 1009);
  await rec.waitFor((e) => e[0] === "peer_disconnected" && e[1] === id);
  t.is(peer.drops.get("message-too-big"), 1);
  t.is(peer.getAvailablePacketCount(), 0);
});

test("handshake_timeout (3 s by default): a silent TCP socket is closed, and so is one that never finishes its request", async (t) => {
  const { peer } = await server(t, {});
  const closedSocket = (send: string) =>
    new Promise<void>((resolve, reject) => {
      const s = tcpConnect(peer.getPort(), "127.0.0.1", () => s.write(send));
      s.on("error", reject);
      s.on("close", () => resolve());
      t.teardown(() => s.destroy());
    });
  await Promise.all([closedSocket(""), closedSocket("GET / HTTP/1.1\r\nHost: x\r\n")]);
  t.is(peer.drops.get("handshake-timeout"), 2);
});

test("a socket upgraded in time is not closed by the handshake deadline", async (t) => {
  const { peer, rec, url } = await server(t, { autoPoll: true, handshakeTimeout: 0.2 });
  const { c } = await join(t, url, rec);
  await new Promise((r) => setTimeout(r, 400));
  t.is(c.ws.readyState, c.ws.OPEN);
  t.false(peer.drops.has("handshake-timeout"));
});

test("disconnect_peer: close 1000 then peer_disconnected; with force, forgotten at once (no peer_disconnected)", async (t) => {
  const { peer, rec, url } = await server(t);
  const a = await join(t, url, rec);
  const b = await join(t, url, rec);
  peer.disconnectPeer(a.id);
  t.is((await a.c.closed).code, 1000);
  await rec.waitFor((e) => e[0] === "peer_disconnected" && e[1] === a.id);
  peer.disconnectPeer(b.id, true);
  t.false(peer.hasPeer(b.id));
  t.is((await b.c.closed).code, 1000);
  await new Promise((r) => setTimeout(r, 50));
  t.false(rec.events.some((e) => e[0] === "peer_disconnected" && e[1] === b.id));
  peer.disconnectPeer(b.id);
  t.regex(peer.lastError!.message, /no peer/);
});

test("a client that leaves is peer_disconnected; refuse_new_connections drops newcomers", async (t) => {
  const { peer, rec, url } = await server(t);
  const a = await join(t, url, rec);
  a.c.ws.close();
  await rec.waitFor((e) => e[0] === "peer_disconnected" && e[1] === a.id);
  peer.refuseNewConnections = true;
  await t.throwsAsync(rawClient(url));
  t.is(peer.drops.get("refused"), 1);
  peer.refuseNewConnections = false;
  await join(t, url, rec);
});

test("subprotocols: none by default (a client asking for one is dropped); with supported_protocols, one of them", async (t) => {
  const plain = await server(t);
  await t.throwsAsync(rawClient(plain.url, ["foo"]));
  t.is(plain.peer.drops.get("protocol-mismatch"), 1);
  const withProtocols = await server(t, {
    autoPoll: true,
    supportedProtocols: ["game"],
    handshakeHeaders: ["X-Game: 4"],
  });
  const c = await rawClient(withProtocols.url, ["other", "game"]);
  t.teardown(() => c.ws.terminate());
  t.is(c.ws.protocol, "game");
  t.is(c.upgradeHeaders["x-game"], "4");
  await t.throwsAsync(rawClient(withProtocols.url));
});

test("a packet over outbound_buffer_size is refused for that client (reported; put_packet still OK, as Godot)", async (t) => {
  const { peer, rec, url } = await server(t, { autoPoll: true, outboundBufferSize: 1000 });
  const { c, id } = await join(t, url, rec);
  peer.setTargetPeer(id);
  t.is(peer.putPacket(new Uint8Array(1001).fill(3)), GodotError.OK);
  t.deepEqual([...peer.refusedOutput], [["output-bytes", 1]]);
  t.like(peer.lastRefusal, { peer: id, reason: "output-bytes" });
  t.is(peer.putPacket(new Uint8Array(1000).fill(3)), GodotError.OK);
  t.is((await c.next()).length, 1000);
});

test("a client that does not read: packets beyond the output limits are refused, counted, never queued without bound", async (t) => {
  const { peer, rec, url } = await server(t, { autoPoll: true, maxQueuedPackets: 8 });
  const { c, id } = await join(t, url, rec);
  (c.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  peer.setTargetPeer(id);
  const payload = new Uint8Array(60_000).fill(3);
  for (let turn = 0; turn < 400 && peer.refusedOutput.size === 0; turn++) {
    t.is(peer.putPacket(payload), GodotError.OK);
    await new Promise((r) => setImmediate(r));
  }
  t.true(peer.refusedOutput.size > 0);
  t.like(peer.lastRefusal, { peer: id });
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
});

test("poll model: connections and packets reach the handlers only inside poll()", async (t) => {
  const { peer, rec, url } = await server(t, {});
  const c = await rawClient(url);
  t.teardown(() => c.ws.terminate());
  c.ws.send(Buffer.of(3, 7));
  await new Promise((r) => setTimeout(r, 100));
  t.deepEqual(rec.events, [["connection_status_changed", ConnectionStatus.CONNECTED]]);
  t.is(c.messages.length, 0); // the id is sent when poll() sees the connection, as Godot
  peer.poll();
  const id = (await c.next()).readInt32LE(0);
  t.deepEqual(rec.events.slice(1), [
    ["peer_connected", id],
    ["peer_packet", id],
  ]);
});

test("close(): every connection dropped, no peer_disconnected; createServer refusals", async (t) => {
  const { peer, rec, url } = await server(t);
  const a = await join(t, url, rec);
  t.is(await peer.createServer(0), GodotError.ERR_ALREADY_IN_USE);
  peer.close();
  t.is((await a.c.closed).code, 1006);
  t.is(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.false(peer.isServer());
  t.false(rec.events.some((e) => e[0] === "peer_disconnected"));
  const other = new WebSocketMultiplayerServer4();
  t.is(await other.createServer(0, "127.0.0.1", TLSOptions.client()), GodotError.ERR_INVALID_PARAMETER);
  const busy = new WebSocketMultiplayerServer4();
  t.teardown(() => busy.close());
  t.is(await busy.createServer(0, "127.0.0.1"), GodotError.OK);
  t.is(await other.createServer(busy.getPort(), "127.0.0.1"), GodotError.ERR_ALREADY_IN_USE);
});

test("poll model: a client's input waiting for poll() is bounded by max_queued_packets and inbound_buffer_size (drops counted)", async (t) => {
  const { peer, rec, url } = await server(t, { maxQueuedPackets: 4, inboundBufferSize: 1000 });
  const c = await rawClient(url);
  t.teardown(() => c.ws.terminate());
  for (let i = 0; i < 10; i++) c.ws.send(Buffer.of(3, i));
  const big = await rawClient(url);
  t.teardown(() => big.ws.terminate());
  for (let i = 0; i < 3; i++) big.ws.send(Buffer.alloc(400, 3));
  await new Promise<void>((resolve) => {
    const check = () => (peer.traffic.msgsIn >= 13 ? resolve() : setTimeout(check, 5));
    check();
  });
  peer.poll();
  const packets = rec.events.filter((e) => e[0] === "peer_packet");
  t.is(packets.length, 4 + 2);
  t.is(peer.drops.get("input-packets"), 6);
  t.is(peer.drops.get("input-bytes"), 1);
  const cId = (await c.next()).readInt32LE(0);
  const bigId = (await big.next()).readInt32LE(0);
  const got = new Map<number, number[]>();
  while (peer.getAvailablePacketCount() > 0) {
    const from = peer.getPacketPeer();
    const p = peer.getPacket()!;
    got.set(from, [...(got.get(from) ?? []), from === cId ? p[1]! : p.length]);
  }
  // The first ones were kept, the rest dropped: Godot's ring drops what does not fit.
  t.deepEqual(got.get(cId), [0, 1, 2, 3]);
  t.deepEqual(got.get(bigId), [400, 400]);
});

test("what a client is sent in the turn of disconnect_peer reaches it before the close frame, in order", async (t) => {
  const { peer, rec, url } = await server(t);
  const { c, id } = await join(t, url, rec);
  peer.setTargetPeer(id);
  for (let i = 1; i <= 3; i++) t.is(peer.putPacket(Uint8Array.of(i)), GodotError.OK);
  peer.disconnectPeer(id);
  t.is((await c.closed).code, 1000);
  t.deepEqual(
    c.messages.slice(1).map((m) => [...m.data]),
    [[1], [2], [3]],
  );
});
