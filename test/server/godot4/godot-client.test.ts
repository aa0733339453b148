/**
 * A real Godot 4.6.3 client (test/godot/g4/peer4_client.gd: WebSocketMultiplayerPeer.create_client,
 * SceneMultiplayer.send_bytes / peer_packet) against our WebSocketMultiplayerServer4.
 */
import test from "ava";
import { WebSocketMultiplayerServer4 } from "../../../src/server/index.js";
import { GodotError } from "../../../src/websocket/index.js";
import { startCaptureProxy } from "../../harness/capture-proxy.js";
import { startFixture } from "../../harness/godot.js";
import { hex, Recorder } from "../../multiplayer/godot4/recorder.js";

async function ourServer(t: import("ava").ExecutionContext) {
  const peer = new WebSocketMultiplayerServer4({ autoPoll: true });
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(await peer.createServer(0, "127.0.0.1"), GodotError.OK);
  return { peer, rec };
}

/** The client joins, sends `03 de ad be ef`; we answer `03 01 02`; it prints it and quits. */
async function exchange(
  t: import("ava").ExecutionContext,
  peer: WebSocketMultiplayerServer4,
  rec: Recorder,
  port: number,
) {
  const godot = await startFixture(t, "4.6.3", "peer4_client.gd", { env: { GP_TARGET: String(port) } });
  const connected = await godot.waitForLine(/^CONNECTED \d+$/);
  const id = Number(connected.split(" ")[1]);
  t.true(peer.hasPeer(id));
  t.true(rec.events.some((e) => e[0] === "peer_connected" && e[1] === id));
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.is(peer.getPacketPeer(), id);
  t.deepEqual([...peer.getPacket()!], [0x03, 0xde, 0xad, 0xbe, 0xef]);
  peer.setTargetPeer(id);
  t.is(peer.putPacket(Uint8Array.of(0x03, 0x01, 0x02)), GodotError.OK);
  t.is(await godot.waitForLine(/^RAW /), "RAW 1 0102");
  t.is((await godot.exited).code, 0);
  await rec.waitFor((e) => e[0] === "peer_disconnected" && e[1] === id);
  t.deepEqual(godot.errorLines(), []);
  return id;
}

test("a real 4.6.3 client connects to our server, gets its id, and RAW packets flow both ways", async (t) => {
  const { peer, rec } = await ourServer(t);
  await exchange(t, peer, rec, peer.getPort());
  t.deepEqual([...peer.drops], []);
});

test("captured between a real 4.6.3 client and our server: the 4-byte id, then one message per packet, binary", async (t) => {
  const { peer, rec } = await ourServer(t);
  const proxy = await startCaptureProxy(`ws://127.0.0.1:${peer.getPort()}`);
  t.teardown(() => proxy.close());
  const id = await exchange(t, peer, rec, proxy.port);
  const frames = proxy.frames.map((f) => `${f.dir} ${f.binary ? "bin" : "text"} ${hex(f.data)}`);
  t.deepEqual(frames, [
    `s2c bin ${hex(Buffer.from(Int32Array.of(id).buffer))}`,
    "c2s bin 03 de ad be ef",
    "s2c bin 03 01 02",
  ]);
  t.log(frames.join("\n"));
});

test("disconnect_peer on our server: the real 4.6.3 client sees server_disconnected; we see peer_disconnected", async (t) => {
  const { peer, rec } = await ourServer(t);
  const godot = await startFixture(t, "4.6.3", "peer4_client.gd", {
    env: { GP_TARGET: String(peer.getPort()) },
  });
  const id = Number((await godot.waitForLine(/^CONNECTED \d+$/)).split(" ")[1]);
  await rec.waitFor((e) => e[0] === "peer_packet");
  peer.disconnectPeer(id);
  await godot.waitForLine(/^SERVER_DISCONNECTED$/);
  await rec.waitFor((e) => e[0] === "peer_disconnected" && e[1] === id);
  t.false(peer.hasPeer(id));
  t.deepEqual(godot.errorLines(), []);
});
