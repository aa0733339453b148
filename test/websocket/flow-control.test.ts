/**
 * Poll-mode backpressure: without poll() the client reads no further than its input buffer
 * allows (the rest waits in the socket, as it waits in the kernel for Godot), and every message
 * still arrives, in order, once polling resumes. With autoPoll nothing waits at all.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { GodotError, WebSocketClient } from "../../src/websocket/index.js";
import { pollForSignal, pollUntil, recordSignals } from "./helpers.js";

const COUNT = 20_000;

/** A ws server that sends COUNT small binary messages (a 4-byte index each) as soon as a client connects. */
async function flooder(t: import("ava").ExecutionContext): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  wss.on("connection", (ws) => {
    for (let i = 0; i < COUNT; i++) {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(i);
      ws.send(b);
    }
  });
  return (wss.address() as AddressInfo).port;
}

test("without poll(), reading stops at the input buffer's packet limit; polling reads on, in order", async (t) => {
  const port = await flooder(t);
  const client = new WebSocketClient();
  const log = recordSignals(client);
  t.is(client.connectToUrl(`ws://127.0.0.1:${port}`), GodotError.OK);
  await pollForSignal(client, log, "connection_established");
  // No poll for a while: the whole flood has reached our socket by now.
  await new Promise((r) => setTimeout(r, 300));
  // Read from the socket: what poll() already put in the peer's ring, plus one input buffer's worth queued.
  const peer = client.getPeer(1)!;
  t.is(client.traffic.msgsIn - peer.getAvailablePacketCount(), client.getBufferLimits().inputPackets);
  t.true(client.traffic.msgsIn < COUNT);
  // Read the ring empty before each poll (a full ring drops, as Godot's does).
  let next = 0;
  const readAll = () => {
    while (peer.getAvailablePacketCount() > 0) {
      const p = peer.getPacket();
      if (Buffer.from(p).readUInt32BE(0) !== next) throw new Error(`packet ${next} out of order`);
      next++;
    }
    return next === COUNT;
  };
  readAll();
  await pollUntil(client, readAll);
  t.is(client.traffic.msgsIn, COUNT);
  t.false(log.some((e) => e[0] === "packet_dropped"));
  client.disconnectFromHost();
  await pollForSignal(client, log, "connection_closed");
});

test("with autoPoll every message is delivered on arrival", async (t) => {
  const port = await flooder(t);
  const client = new WebSocketClient({ autoPoll: true });
  let seen = 0;
  client.on("data_received", () => {
    const p = client.getPeer(1)!.getPacket();
    if (Buffer.from(p).readUInt32BE(0) === seen) seen++;
  });
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  while (seen < COUNT) await new Promise((r) => setTimeout(r, 5));
  t.is(client.traffic.msgsIn, COUNT);
  client.disconnectFromHost();
  await once(client, "connection_closed");
});

test("a custom header value beyond latin1 is refused, as Node's http client refused it", (t) => {
  const client = new WebSocketClient();
  t.is(client.connectToUrl("ws://127.0.0.1:9", [], false, ["X-Check: ✓"]), GodotError.ERR_INVALID_PARAMETER);
  t.regex(client.lastError?.message ?? "", /Invalid character in header content \["X-Check"\]/);
});
