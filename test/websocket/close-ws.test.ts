/**
 * After our close is sent, messages still arriving are ignored (Godot's message callback drops
 * everything once closing), unread packets are discarded, and the close still completes cleanly.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { type CloseInfo, WebSocketClient } from "../../src/websocket/index.js";
import { pollForSignal, pollUntil, recordSignals } from "./helpers.js";

test("messages after our close frame give no data_received; the close is clean", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  // Answers every message; it reads our "ping" before our close frame, so its "pong" crosses it.
  wss.on("connection", (ws) => ws.on("message", () => ws.send("pong")));
  const port = (wss.address() as AddressInfo).port;
  const client = new WebSocketClient();
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${port}`);
  await pollForSignal(client, log, "connection_established");
  const peer = client.getPeer(1)!;
  // One unread packet before the close: discarded by it, as Godot's close clears the input.
  peer.putPacket(new Uint8Array([1]));
  await pollUntil(client, () => peer.getAvailablePacketCount() === 1);
  peer.putPacket(new Uint8Array([2]));
  client.disconnectFromHost(4100, "done");
  t.is(peer.getAvailablePacketCount(), 0);
  const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
  t.true(clean);
  t.like(info, { code: 4100, reason: "done", initiatedBy: "client" });
  t.is(log.filter((e) => e[0] === "data_received").length, 1);
});
