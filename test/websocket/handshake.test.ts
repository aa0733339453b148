/**
 * Our upgrade request is Godot 3's: the same request line and header lines in the same order,
 * captured from a real Godot 3 WebSocketClient on a raw TCP socket. Custom headers arrive at a
 * `ws` server as given.
 */
import { once } from "node:events";
import net from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { GodotError, WebSocketClient } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, runFixtureScript } from "../harness/godot.js";
import { pollForSignal, recordSignals } from "./helpers.js";

/** Listens once on a raw TCP port and resolves with the first request's head. */
async function captureRequest(): Promise<{ port: number; request: Promise<string>; close: () => void }> {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const port = (server.address() as net.AddressInfo).port;
  const request = new Promise<string>((resolve) => {
    server.once("connection", (socket) => {
      let head = "";
      socket.on("data", (d) => {
        head += d.toString("latin1");
        if (head.includes("\r\n\r\n")) {
          resolve(head);
          socket.destroy();
        }
      });
    });
  });
  return { port, request, close: () => server.close() };
}

/** Header lines with the random key and the port masked. */
function normalise(head: string, port: number): string[] {
  return head
    .split("\r\n")
    .filter((l) => l !== "")
    .map((l) => l.replace(/^(Sec-WebSocket-Key:) .*$/, "$1 <key>").replace(`:${port}`, ":<port>"));
}

for (const version of GODOT3_VERSIONS) {
  test(`the upgrade request matches Godot ${version}'s, line for line`, async (t) => {
    const path = "/lobby?room=7";
    const godotCapture = await captureRequest();
    const ran = runFixtureScript(
      version,
      "ws_client_probe.gd",
      {
        GP_URL: `ws://127.0.0.1:${godotCapture.port}${path}`,
        GP_PROTOCOLS: "beta,alpha",
        GP_HEADERS: "X-Token: abc|X-Bot: 1",
        GP_STEPS: "quit",
      },
      20_000,
    );
    const godotHead = await godotCapture.request;
    godotCapture.close();
    await ran;

    const ourCapture = await captureRequest();
    const client = new WebSocketClient();
    client.connectToUrl(`ws://127.0.0.1:${ourCapture.port}${path}`, ["beta", "alpha"], false, [
      "X-Token: abc",
      "X-Bot: 1",
    ]);
    const ourHead = await ourCapture.request;
    ourCapture.close();
    client.disconnectFromHost();

    t.deepEqual(normalise(ourHead, ourCapture.port), normalise(godotHead, godotCapture.port));
    t.regex(ourHead, /\r\nSec-WebSocket-Key: [A-Za-z0-9+/]{22}==\r\n/);
  });
}

test("custom headers reach a ws server as given; a server-name override sets Host", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  const port = (wss.address() as net.AddressInfo).port;
  const seen = new Promise<Record<string, string | string[] | undefined>>((resolve) =>
    wss.once("connection", (_ws, req) => resolve(req.headers)),
  );
  const client = new WebSocketClient({ tlsServerName: "game.example" });
  const log = recordSignals(client);
  t.is(
    client.connectToUrl(`ws://127.0.0.1:${port}/`, [], false, [
      "Authorization: Bearer t0k3n",
      "X-Multi: one",
      "X-Multi: two",
      "X-Spaced:   padded value  ",
    ]),
    GodotError.OK,
  );
  const headers = await seen;
  t.is(headers.authorization, "Bearer t0k3n");
  t.is(headers["x-multi"], "one, two");
  t.is(headers["x-spaced"], "padded value");
  t.is(headers.host, `game.example:${port}`);
  t.is(headers["sec-websocket-extensions"], undefined);
  await pollForSignal(client, log, "connection_established");
  client.disconnectFromHost();
  await pollForSignal(client, log, "connection_closed");
});
