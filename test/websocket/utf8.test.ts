/**
 * A text frame that is not UTF-8 fails the connection with 1007, as wslay does for Godot 3's
 * client: both clients meet the same ws server, which sees the same close code from each.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { type CloseInfo, WebSocketClient } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, runFixtureScript } from "../harness/godot.js";
import { pollForSignal, recordSignals } from "./helpers.js";

/** Sends "before", a text frame with invalid UTF-8, then "after"; resolves with the close code it gets. */
async function badTextServer(t: import("ava").ExecutionContext) {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  const closed = new Promise<number>((resolve) => {
    wss.once("connection", (ws) => {
      ws.on("close", (code) => resolve(code));
      ws.send("before");
      ws.send(Buffer.from([0x41, 0xff, 0xfe, 0x42]), { binary: false });
      ws.send("after");
    });
  });
  return { port: (wss.address() as AddressInfo).port, closed };
}

test("ours: the valid message arrives, the invalid one closes with 1007", async (t) => {
  const { port, closed } = await badTextServer(t);
  const client = new WebSocketClient();
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${port}`);
  const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
  t.is(await closed, 1007);
  t.false(clean);
  t.like(info, { code: 1007, initiatedBy: "client" });
  t.is(log.filter((e) => e[0] === "data_received").length, 1);
});

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}'s client does the same: "before" arrives, then it closes with 1007`, async (t) => {
    const { port, closed } = await badTextServer(t);
    const { lines } = await runFixtureScript(
      version,
      "ws_client_probe.gd",
      { GP_URL: `ws://127.0.0.1:${port}`, GP_STEPS: "wait:300,quit" },
      20_000,
    );
    t.is(await closed, 1007);
    t.deepEqual(
      lines.filter((l) => l.startsWith("DATA ")),
      ["DATA text 6 before"],
    );
    // Godot's client does not report the close it started (no connection_closed before quitting).
    t.false(lines.some((l) => l.startsWith("CLOSED")));
  });
}
