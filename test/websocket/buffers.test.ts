/**
 * set_buffers and what happens when a buffer is full, as Godot 3 does it: a full input ring
 * drops the packet (data_received is still emitted, the connection stays), a message above the
 * input buffer closes with 1009, and a full output buffer makes put_packet return
 * ERR_OUT_OF_MEMORY while memory stays bounded.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import {
  type CloseInfo,
  GodotError,
  WebSocketClient,
  type WebSocketError,
  WriteMode,
} from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, type GodotProcess, runFixtureScript, startFixture } from "../harness/godot.js";
import { pollForSignal, pollUntil, recordSignals } from "./helpers.js";

async function connect(godot: GodotProcess, client: WebSocketClient) {
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${godot.port}`);
  await pollForSignal(client, log, "connection_established");
  const peer = client.getPeer(1)!;
  const command = (s: string) => {
    peer.writeMode = WriteMode.TEXT;
    peer.putPacket(new TextEncoder().encode(s));
  };
  const count = (name: string) => log.filter((e) => e[0] === name).length;
  return { log, peer, command, count };
}

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: a full input ring (packets) drops what does not fit, as Godot`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient();
    // 4 packets → a ring of 4 slots holds 3.
    t.is(client.setBuffers(1, 4, 64, 1024), GodotError.OK);
    t.like(client.getBufferLimits(), { inputBytes: 1023, inputPackets: 3, maxMessageBytes: 1024 });
    const { log, peer, command, count } = await connect(godot, client);
    t.is(client.setBuffers(64, 1024, 64, 1024), GodotError.FAILED);
    command("!flood 10 100");
    // Every message gives data_received, stored or not: 10 binary + the "!flooded" text.
    await pollUntil(client, () => count("data_received") === 11);
    t.is(peer.getAvailablePacketCount(), 3);
    for (let i = 0; i < 3; i++) {
      const p = peer.getPacket();
      t.is(p.length, 100);
      t.is(p[0], i);
    }
    t.is(count("packet_dropped"), 8);
    t.deepEqual(
      log.find((e) => e[0] === "packet_dropped"),
      ["packet_dropped", 100, "input-packets"],
    );
    t.true(peer.isConnectedToHost());
  });

  test(`Godot ${version}: a full input ring (bytes) drops, and a message above the buffer closes with 1009`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd");
    const client = new WebSocketClient();
    client.setBuffers(1, 1024, 64, 1024);
    const { log, peer, command, count } = await connect(godot, client);
    command("!flood 5 300");
    await pollUntil(client, () => count("data_received") === 6);
    t.is(peer.getAvailablePacketCount(), 4); // 3 × 300 + the 10-byte text fit in 1023 bytes
    t.deepEqual(
      log.filter((e) => e[0] === "packet_dropped"),
      [
        ["packet_dropped", 300, "input-bytes"],
        ["packet_dropped", 300, "input-bytes"],
      ],
    );
    while (peer.getAvailablePacketCount() > 0) peer.getPacket();
    // Exactly 2^10 bytes: accepted by the protocol layer, but the ring holds 2^10 - 1 (Godot's quirk).
    command("!flood 1 1024");
    await pollUntil(client, () => count("data_received") === 8);
    t.deepEqual(log.filter((e) => e[0] === "packet_dropped").at(-1), ["packet_dropped", 1024, "input-bytes"]);
    command("!flood 1 1025");
    const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
    t.is(info.code, 1009);
    t.is(info.initiatedBy, "client");
    // ws stops reading once it has sent its 1009, so the server's answer is never seen.
    t.false(clean);
    t.regex(await godot.waitForLine(/^CLOSE_REQUEST /), /^CLOSE_REQUEST \d+ 1009 /);
    t.regex(info.error?.message ?? "", /payload/i);
  });
}

test("a full output buffer: putPacket returns ERR_OUT_OF_MEMORY and memory stays bounded", async (t) => {
  // A server that stops reading: the kernel buffers fill, then ours.
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  wss.on("connection", (_ws, req) => req.socket.pause());
  const port = (wss.address() as AddressInfo).port;
  const client = new WebSocketClient({ autoPoll: true });
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const peer = client.getPeer(1)!;
  const packet = new Uint8Array(60_000);
  let code: GodotError = GodotError.OK;
  let sent = 0;
  for (; sent < 5000 && code === GodotError.OK; sent++) {
    code = peer.putPacket(packet);
    t.true(peer.getCurrentOutboundBufferedAmount() < 64 * 1024 + 100);
    await new Promise((r) => setImmediate(r));
  }
  t.is(code, GodotError.ERR_OUT_OF_MEMORY);
  t.regex(peer.lastError?.message ?? "", /output buffer full/);
  t.true(sent > 1);
  // Still refused while nothing drains; smaller packets that fit are still taken.
  t.is(peer.putPacket(packet), GodotError.ERR_OUT_OF_MEMORY);
  t.is(peer.putPacket(new Uint8Array(1)), GodotError.OK);
  client.disconnectFromHost();
  for (const c of wss.clients) c.terminate();
});

test("the output packet limit: putPacket refuses once that many messages wait", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  wss.on("connection", (_ws, req) => req.socket.pause());
  const port = (wss.address() as AddressInfo).port;
  const client = new WebSocketClient({ autoPoll: true });
  t.is(client.setBuffers(64, 1024, 1024, 4), GodotError.OK);
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const peer = client.getPeer(1)!;
  // Fill the kernel buffers first with large packets until Node holds some back.
  const big = new Uint8Array(30_000);
  for (let i = 0; i < 5000 && peer.getCurrentOutboundBufferedAmount() === 0; i++) {
    t.is(peer.putPacket(big), GodotError.OK);
    await new Promise((r) => setTimeout(r, 1));
  }
  t.true(peer.getCurrentOutboundBufferedAmount() > 0);
  let accepted = 0;
  while (peer.putPacket(new Uint8Array(10)) === GodotError.OK) accepted++;
  t.is((peer.lastError as WebSocketError | null)?.godotError, GodotError.ERR_OUT_OF_MEMORY);
  t.regex(peer.lastError?.message ?? "", /4 messages queued/);
  t.true(accepted < 4);
  client.disconnectFromHost();
  for (const c of wss.clients) c.terminate();
});

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}'s own WebSocketClient drops the same packets and still signals data_received`, async (t) => {
    const cases = [
      { buffers: "1,4,64,1024", flood: "10 100", signals: 11, read: 3 },
      { buffers: "1,1024,64,1024", flood: "5 300", signals: 6, read: 4 },
      { buffers: "1,1024,64,1024", flood: "1 1024", signals: 2, read: 1 },
      // Above 2^10 bytes wslay fails the connection with 1009 (and Godot emits no connection_closed).
      { buffers: "1,1024,64,1024", flood: "1 1025", signals: 0, read: 0 },
    ];
    for (const c of cases) {
      const godot = await startFixture(t, version, "ws_server.gd");
      const { lines } = await runFixtureScript(
        version,
        "ws_client_probe.gd",
        {
          GP_URL: `ws://127.0.0.1:${godot.port}`,
          GP_BUFFERS: c.buffers,
          GP_NOREAD: "1",
          GP_STEPS: `send:!flood ${c.flood},wait:100,read,quit`,
        },
        20_000,
      );
      t.is(lines.filter((l) => l === "DATA_SIGNAL").length, c.signals, c.flood);
      t.true(lines.includes(`READ_COUNT ${c.read}`), c.flood);
      if (c.flood === "1 1025") {
        t.regex(await godot.waitForLine(/^CLOSE_REQUEST /), /^CLOSE_REQUEST \d+ 1009 /);
        t.false(lines.some((l) => l.startsWith("CLOSED")));
      }
      await godot.stop();
    }
  });
}
