/**
 * A broken Godot 4 server (a fake one: test/multiplayer/godot4/fake-server.ts): a first message
 * that is not a 4-byte id ≥ 2 is a typed error, counted, and the connection closes; a server that
 * never greets is given up after handshake_timeout. Nothing hangs, peer_connected never comes.
 */
import test from "ava";
import { MultiplayerPeer4Error, WebSocketMultiplayerPeer4 } from "../../../src/multiplayer/index.js";
import { ConnectionStatus, GodotError } from "../../../src/websocket/index.js";
import { type FakeServer, serverFrame, startFakeServer } from "./fake-server.js";
import { Recorder } from "./recorder.js";

async function fake(
  t: import("ava").ExecutionContext,
  ...args: Parameters<typeof startFakeServer>
): Promise<FakeServer> {
  const server = await startFakeServer(...args);
  t.teardown(() => server.close());
  return server;
}

function client(t: import("ava").ExecutionContext, handshakeTimeout = 3.0) {
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true, handshakeTimeout });
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  return { peer, rec };
}

const greetings: [title: string, bytes: number[], reason: "greeting-size" | "greeting-id"][] = [
  ["3 bytes", [0x22, 0x05, 0x81], "greeting-size"],
  ["5 bytes", [0x22, 0x05, 0x81, 0x07, 0x00], "greeting-size"],
  ["0 bytes", [], "greeting-size"],
  ["id 0", [0, 0, 0, 0], "greeting-id"],
  ["id 1 (the server's own)", [1, 0, 0, 0], "greeting-id"],
  ["a negative id", [0xff, 0xff, 0xff, 0xff], "greeting-id"],
];

for (const [title, bytes, reason] of greetings) {
  test(`a first message of ${title} is a ${reason} error: close 1000, DISCONNECTED, no peer_connected`, async (t) => {
    const server = await fake(t, (socket) => socket.write(serverFrame(Uint8Array.from(bytes))), {
      answerClose: true,
    });
    const { peer, rec } = client(t);
    t.is(peer.createClient(server.url), GodotError.OK);
    await rec.waitFor((e) => e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED);
    t.deepEqual(rec.events, [
      ["connection_status_changed", ConnectionStatus.CONNECTING],
      ["connection_status_changed", ConnectionStatus.DISCONNECTED],
    ]);
    t.true(peer.lastError instanceof MultiplayerPeer4Error);
    t.is((peer.lastError as MultiplayerPeer4Error).reason, reason);
    t.regex(peer.lastError!.message, /^Invalid ID received from server/);
    t.is(peer.lastClose?.error, peer.lastError);
    t.is(peer.lastClose?.info?.code, 1000); // the close completed (the server answered it)
    t.deepEqual([...peer.drops], [[reason, 1]]);
    t.is(peer.getUniqueId(), 0);
    // Our close frame (masked): FIN+close, mask bit + 2 bytes, then the masked code 1000.
    const sent = Buffer.concat(server.received);
    t.is(sent[0], 0x88);
    t.is(sent[1], 0x82);
    const mask = sent.subarray(2, 6);
    t.is(((sent[6]! ^ mask[0]!) << 8) | (sent[7]! ^ mask[1]!), 1000);
  });
}

test("a bad greeting from a server that ignores our close ends at handshake_timeout, never later", async (t) => {
  // The fake server sends 3 bytes and never answers the close: Godot's status stays CONNECTING
  // until its handshake deadline, then it gives up.
  const server = await fake(t, (socket) => socket.write(serverFrame(Uint8Array.of(1, 2, 3))));
  const { peer, rec } = client(t, 0.3);
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED);
  t.is((peer.lastError as MultiplayerPeer4Error).reason, "greeting-size");
  t.false(rec.events.some((e) => e[0] === "peer_connected"));
});

test("a server that upgrades but never greets: handshake-timeout error, DISCONNECTED, the socket dropped", async (t) => {
  let closed: Promise<void> | undefined;
  const server = await fake(t, (socket) => {
    closed = new Promise((resolve) => socket.on("close", () => resolve()));
  });
  const { peer, rec } = client(t, 0.3);
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED);
  t.is((peer.lastError as MultiplayerPeer4Error).reason, "handshake-timeout");
  t.is(peer.lastError!.message, "WebSocket handshake timed out after 0.300 seconds.");
  t.is((peer.lastError as MultiplayerPeer4Error).godotError, GodotError.ERR_TIMEOUT);
  await closed;
  t.pass();
});

test("a TCP server that never answers the upgrade: handshake-timeout too", async (t) => {
  const server = await fake(t, () => {}, { upgrade: false });
  const { peer, rec } = client(t, 0.3);
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED);
  t.is((peer.lastError as MultiplayerPeer4Error).reason, "handshake-timeout");
  t.is(peer.timings.openedAt, 0);
});

test("after the greeting an empty message is dropped (counted), a text frame is a packet like any other", async (t) => {
  const server = await fake(t, (socket) => {
    socket.write(serverFrame(Uint8Array.of(7, 0, 0, 0)));
    socket.write(serverFrame(new Uint8Array(0)));
    socket.write(serverFrame(Uint8Array.of(3, 0x41), 1));
  });
  const { peer, rec } = client(t);
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.is(peer.getUniqueId(), 7);
  t.deepEqual([...peer.drops], [["empty-packet", 1]]);
  t.deepEqual([...peer.getPacket()!], [3, 0x41]);
  t.deepEqual(server.received, []);
});

test("a message over inbound_buffer_size is dropped and the connection closed with 1009", async (t) => {
  const server = await fake(t, (socket) => {
    socket.write(serverFrame(Uint8Array.of(7, 0, 0, 0)));
    socket.write(serverFrame(new Uint8Array(101).fill(3)));
  });
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true, inboundBufferSize: 100 });
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_connected");
  await new Promise<void>((resolve) => {
    const check = () => (Buffer.concat(server.received).length >= 8 ? resolve() : setTimeout(check, 5));
    check();
  });
  t.deepEqual([...peer.drops], [["message-too-big", 1]]);
  t.is((peer.lastError as MultiplayerPeer4Error).reason, "message-too-big");
  t.is(peer.getAvailablePacketCount(), 0);
  const sent = Buffer.concat(server.received);
  const mask = sent.subarray(2, 6);
  t.is(sent[0], 0x88);
  t.is(((sent[6]! ^ mask[0]!) << 8) | (sent[7]! ^ mask[1]!), 1009);
});

test("poll model: the deadline is checked in poll(), after what arrived — a greeting already queued wins", async (t) => {
  const greeting = await fake(t, (socket) => socket.write(serverFrame(Uint8Array.of(9, 0, 0, 0))));
  const silent = await fake(t, () => {});
  const late = new WebSocketMultiplayerPeer4({ handshakeTimeout: 0.2 });
  const never = new WebSocketMultiplayerPeer4({ handshakeTimeout: 0.2 });
  t.teardown(() => late.close());
  t.teardown(() => never.close());
  t.is(late.createClient(greeting.url), GodotError.OK);
  t.is(never.createClient(silent.url), GodotError.OK);
  await new Promise((r) => setTimeout(r, 500)); // past both deadlines, no poll()
  t.is(late.getConnectionStatus(), ConnectionStatus.CONNECTING);
  t.is(never.getConnectionStatus(), ConnectionStatus.CONNECTING);
  late.poll();
  never.poll();
  t.is(late.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.is(late.getUniqueId(), 9);
  t.is(never.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.like(never.lastError, { reason: "handshake-timeout" });
});
