/**
 * Half-open links: a server that swallows our pings (ws with autoPong off) is declared dead by
 * the heartbeat; a server that answers keeps the link; without a heartbeat (Godot's behaviour)
 * such a link stays "connected".
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { type CloseInfo, ConnectionStatus, WebSocketClient } from "../../src/websocket/index.js";
import { pollForSignal, recordSignals } from "./helpers.js";

const pings = new Map<number, number>();

/** A ws server; counts the pings it receives (by port). */
async function server(t: import("ava").ExecutionContext, autoPong: boolean): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", autoPong });
  await once(wss, "listening");
  const port = (wss.address() as AddressInfo).port;
  wss.on("connection", (ws) => ws.on("ping", () => pings.set(port, (pings.get(port) ?? 0) + 1)));
  t.teardown(() => {
    for (const c of wss.clients) c.terminate();
    wss.close();
  });
  return port;
}

test("a server that swallows pings: connection_closed(false) with initiatedBy heartbeat", async (t) => {
  const port = await server(t, false);
  const client = new WebSocketClient({ heartbeatIntervalMs: 50, heartbeatTimeoutMs: 200 });
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${port}`);
  await pollForSignal(client, log, "connection_established");
  const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
  t.false(clean);
  t.like(info, { code: 1006, wasClean: false, initiatedBy: "heartbeat" });
  t.is(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
});

test("the same silent server without heartbeat stays connected (Godot's behaviour)", async (t) => {
  const port = await server(t, false);
  const client = new WebSocketClient({ autoPoll: true });
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const closed: unknown[] = [];
  client.on("connection_closed", (c) => closed.push(c));
  await new Promise((r) => setTimeout(r, 400));
  t.deepEqual(closed, []);
  t.is(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
  client.disconnectFromHost();
});

test("a server that answers pings keeps the link through many heartbeats", async (t) => {
  const port = await server(t, true);
  const client = new WebSocketClient({ autoPoll: true, heartbeatIntervalMs: 10, heartbeatTimeoutMs: 2000 });
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const closed: unknown[] = [];
  client.on("connection_closed", (c) => closed.push(c));
  while ((pings.get(port) ?? 0) < 10) await new Promise((r) => setTimeout(r, 10));
  t.deepEqual(closed, []);
  t.is(client.getConnectionStatus(), ConnectionStatus.CONNECTED);
  client.disconnectFromHost();
  await once(client, "connection_closed");
});
