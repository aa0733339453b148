/**
 * Our WebSocketMultiplayerPeer4 against a real Godot 4.6.3 WebSocketMultiplayerPeer server
 * (test/godot/g4/peer4_server.gd: prints each RAW packet and echoes it with send_bytes).
 * Frames are captured by a relaying proxy for protocol-notes/websocket-multiplayer-peer-4.md.
 */
import test from "ava";
import {
  GODOT4_BUFFER_SIZE,
  GODOT4_HANDSHAKE_TIMEOUT,
  GODOT4_MAX_QUEUED_PACKETS,
  MultiplayerPeer4Error,
  WebSocketMultiplayerPeer4,
} from "../../../src/multiplayer/index.js";
import { type ConnectError, ConnectionStatus, GodotError } from "../../../src/websocket/index.js";
import { startCaptureProxy } from "../../harness/capture-proxy.js";
import { startFixture } from "../../harness/godot.js";
import { hex, Recorder } from "./recorder.js";

const RAW = 0x03;

function raw(size: number, fill = 0x5a): Uint8Array {
  const p = new Uint8Array(size).fill(fill);
  p[0] = RAW;
  return p;
}

async function connect(
  t: import("ava").ExecutionContext,
  url: string,
  peer = new WebSocketMultiplayerPeer4({ autoPoll: true }),
) {
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_connected");
  return { peer, rec };
}

test("Godot 4.6.3's defaults are ours: inbound/outbound 65535 bytes, 4096 queued packets, handshake 3 s", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd");
  const line = await godot.waitForLine(/^LIMITS /);
  t.is(
    line,
    `LIMITS ${GODOT4_BUFFER_SIZE} ${GODOT4_BUFFER_SIZE} ${GODOT4_MAX_QUEUED_PACKETS} ${GODOT4_HANDSHAKE_TIMEOUT.toFixed(1)}`,
  );
  const peer = new WebSocketMultiplayerPeer4();
  t.is(peer.inboundBufferSize, 65535);
  t.is(peer.outboundBufferSize, 65535);
  t.is(peer.maxQueuedPackets, 4096);
  t.is(peer.handshakeTimeout, 3);
});

test("a real 4.6.3 server greets our client with its id; RAW packets flow both ways, one message each, binary", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd");
  const proxy = await startCaptureProxy(`ws://127.0.0.1:${godot.port}`);
  t.teardown(() => proxy.close());
  const { peer, rec } = await connect(t, proxy.url);

  const announced = await godot.waitForLine(/^PEER_CONNECTED \d+$/);
  const id = Number(announced.split(" ")[1]);
  t.is(peer.getUniqueId(), id);
  t.false(peer.isServer());
  t.true(peer.isServerRelaySupported());
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.deepEqual(rec.events.slice(-2), [
    ["peer_connected", 1],
    ["connection_status_changed", ConnectionStatus.CONNECTED],
  ]);
  t.true(peer.timings.openedAt > 0 && peer.timings.greetedAt >= peer.timings.openedAt);

  t.is(peer.putPacket(Uint8Array.of(RAW, 0xde, 0xad, 0xbe, 0xef)), GodotError.OK);
  t.is(await godot.waitForLine(/^RAW /), `RAW ${id} 4 deadbeef`);
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.is(peer.getAvailablePacketCount(), 1);
  t.is(peer.getPacketPeer(), 1);
  t.is(peer.getPacketChannel(), 0);
  t.deepEqual([...peer.getPacket()!], [RAW, 0xde, 0xad, 0xbe, 0xef]);
  t.is(peer.getPacket(), null);

  // What went over the wire: the bare 4-byte id, then one message per packet, all binary.
  const frames = proxy.frames.map((f) => `${f.dir} ${f.binary ? "bin" : "text"} ${hex(f.data)}`);
  const idHex = hex(Buffer.from(Int32Array.of(id).buffer));
  t.deepEqual(frames, [`s2c bin ${idHex}`, "c2s bin 03 de ad be ef", "s2c bin 03 de ad be ef"]);
  t.log(frames.join("\n"));
  t.deepEqual(peer.traffic, { msgsIn: 2, msgsOut: 1, bytesIn: 4 + 5, bytesOut: 5 });
  t.deepEqual(godot.errorLines(), []);
});

test("a packet over the server's inbound limit is refused at send; one of exactly 65535 bytes passes", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd");
  const { peer, rec } = await connect(t, `ws://127.0.0.1:${godot.port}`);
  const id = peer.getUniqueId();

  t.is(peer.putPacket(raw(65536)), GodotError.ERR_OUT_OF_MEMORY);
  t.true(peer.lastError instanceof MultiplayerPeer4Error);
  t.is((peer.lastError as MultiplayerPeer4Error).reason, "packet-too-large");
  t.is(peer.getMaxPacketSize(), 65535);

  // The link is still up, and 65535 bytes is the largest message the server takes.
  t.is(peer.putPacket(raw(65535)), GodotError.OK);
  t.is(await godot.waitForLine(/^RAW /), `RAW ${id} 65534 ${"5a".repeat(16)}`);
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.is(peer.getPacket()!.length, 65535);
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.deepEqual(godot.errorLines(), []);
});

test("a 4.6.3 server closes with 1009 on a 65536-byte message (our limit raised past the server's)", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd");
  const peer = new WebSocketMultiplayerPeer4({
    autoPoll: true,
    serverInboundBufferSize: 70_000,
    outboundBufferSize: 70_000,
  });
  const { rec } = await connect(t, `ws://127.0.0.1:${godot.port}`, peer);
  t.is(peer.putPacket(raw(65536)), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_disconnected");
  t.is(peer.lastClose?.info?.code, 1009);
  t.is(peer.lastClose?.info?.initiatedBy, "server");
  t.is(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.deepEqual(rec.events.slice(-2), [
    ["peer_disconnected", 1],
    ["connection_status_changed", ConnectionStatus.DISCONNECTED],
  ]);
  await godot.waitForLine(/^PEER_DISCONNECTED /);
});

test("poll model: nothing reaches the handlers outside poll(), as in Godot", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd");
  const peer = new WebSocketMultiplayerPeer4();
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(`ws://127.0.0.1:${godot.port}`), GodotError.OK);
  t.deepEqual(rec.events, [["connection_status_changed", ConnectionStatus.CONNECTING]]);
  await godot.waitForLine(/^PEER_CONNECTED \d+$/);
  await new Promise((r) => setTimeout(r, 100));
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTING);
  t.is(rec.events.length, 1);
  for (let i = 0; i < 100 && peer.getConnectionStatus() !== ConnectionStatus.CONNECTED; i++) {
    peer.poll();
    await new Promise((r) => setTimeout(r, 10));
  }
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.deepEqual(rec.events.slice(1), [
    ["peer_connected", 1],
    ["connection_status_changed", ConnectionStatus.CONNECTED],
  ]);
});

test("subprotocols against a real 4.6.3 server with supported_protocols: one of them is chosen; asking for none is dropped", async (t) => {
  const godot = await startFixture(t, "4.6.3", "peer4_server.gd", { env: { GP_PROTOCOLS: "game,chat" } });
  const url = `ws://127.0.0.1:${godot.port}`;
  const asking = new WebSocketMultiplayerPeer4({ autoPoll: true, supportedProtocols: ["other", "chat"] });
  const { peer } = await connect(t, url, asking);
  t.is(peer.selectedProtocol, "chat");

  const silent = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const rec = new Recorder();
  silent.subscribe(rec);
  t.teardown(() => silent.close());
  t.is(silent.createClient(url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED);
  t.false(rec.events.some((e) => e[0] === "peer_connected"));
  // Dropped during the handshake without an HTTP answer ("socket hang up").
  t.like(silent.lastError as ConnectError, { reason: "reset" });
});
