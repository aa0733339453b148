/**
 * Every failed connect says why: refused port, HTTP status, a broken handshake, timeout, DNS,
 * TLS to a plain server, an aborted connect. Against Godot 3: a subprotocol it does not speak.
 */
import { once } from "node:events";
import http from "node:http";
import net from "node:net";
import test from "ava";
import { freePort } from "../../src/engine/index.js";
import { ConnectError, ConnectionStatus, GodotError, WebSocketClient } from "../../src/websocket/index.js";
import { GODOT3_VERSIONS, startFixture } from "../harness/godot.js";
import { pollForSignal, recordSignals } from "./helpers.js";

async function failure(
  client: WebSocketClient,
  url: string,
  protocols: string[] = [],
): Promise<ConnectError> {
  const log = recordSignals(client);
  t_is(client.connectToUrl(url, protocols), GodotError.OK);
  const [error] = await pollForSignal(client, log, "connection_error");
  if (log.some((e) => e[0] === "connection_established" || e[0] === "connection_closed")) {
    throw new Error("a failed connect must emit connection_error only");
  }
  if (client.getConnectionStatus() !== ConnectionStatus.DISCONNECTED)
    throw new Error("status must be DISCONNECTED");
  return error as ConnectError;
}

function t_is(a: unknown, b: unknown): void {
  if (a !== b) throw new Error(`${a} !== ${b}`);
}

async function listen(server: net.Server): Promise<number> {
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  return (server.address() as net.AddressInfo).port;
}

test("a refused port: connection_error with reason refused", async (t) => {
  const port = await freePort();
  const err = await failure(new WebSocketClient(), `ws://127.0.0.1:${port}`);
  t.true(err instanceof ConnectError);
  t.is(err.reason, "refused");
  t.is(err.code, "ECONNREFUSED");
  t.is(err.godotError, GodotError.ERR_CANT_CONNECT);
});

test("an HTTP 404 answer: reason http-status with the status", async (t) => {
  const server = http.createServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/plain" });
    res.end("no websocket here");
  });
  t.teardown(() => server.close());
  const port = await listen(server);
  const err = await failure(new WebSocketClient(), `ws://127.0.0.1:${port}/nope`);
  t.is(err.reason, "http-status");
  t.is(err.httpStatus, 404);
  t.regex(err.message, /404/);
});

test("a 101 with a wrong accept key: reason handshake", async (t) => {
  const server = net.createServer((socket) => {
    socket.once("data", () =>
      socket.write(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: bm9wZQ==\r\n\r\n",
      ),
    );
  });
  t.teardown(() => server.close());
  const port = await listen(server);
  const err = await failure(new WebSocketClient(), `ws://127.0.0.1:${port}`);
  t.is(err.reason, "handshake");
  t.regex(err.message, /Sec-WebSocket-Accept/);
});

test("a server that accepts TCP and never answers: reason timeout", async (t) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = await listen(server);
  const err = await failure(new WebSocketClient({ connectTimeoutMs: 200 }), `ws://127.0.0.1:${port}`);
  t.is(err.reason, "timeout");
});

test("a host name that does not resolve: reason dns", async (t) => {
  const err = await failure(new WebSocketClient(), "ws://no-such-host.invalid:9");
  t.is(err.reason, "dns");
});

test("wss:// to a plain server: reason tls", async (t) => {
  const server = http.createServer((_req, res) => res.end("plain"));
  t.teardown(() => server.close());
  const port = await listen(server);
  const err = await failure(new WebSocketClient(), `wss://127.0.0.1:${port}`);
  t.is(err.reason, "tls");
  t.is(err.tlsCause, "protocol");
});

test("disconnectFromHost() during a connect: the promise rejects (aborted), no signal, as Godot", async (t) => {
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  const port = await listen(server);
  const client = new WebSocketClient({ autoPoll: true });
  const log = recordSignals(client);
  const pending = client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  t.is(client.getConnectionStatus(), ConnectionStatus.CONNECTING);
  t.is(client.connectToUrl(`ws://127.0.0.1:${port}`), GodotError.ERR_ALREADY_IN_USE);
  client.disconnectFromHost();
  const err = await t.throwsAsync(pending, { instanceOf: ConnectError });
  t.is(err?.reason, "aborted");
  t.is(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(log, []);
});

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: a subprotocol the server does not speak fails the connect`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd", { env: { GP_PROTOCOLS: "alpha" } });
    const err = await failure(new WebSocketClient(), `ws://127.0.0.1:${godot.port}`, ["gamma"]);
    // Godot 3 answers no HTTP at all: it drops the TCP connection.
    t.is(err.reason, "reset");
  });

  test(`Godot ${version}: connectToUrlAsync resolves with the protocol and rejects with a ConnectError`, async (t) => {
    const godot = await startFixture(t, version, "ws_server.gd", { env: { GP_PROTOCOLS: "alpha" } });
    const client = new WebSocketClient({ autoPoll: true });
    t.is(await client.connectToUrlAsync(`ws://127.0.0.1:${godot.port}`, ["alpha"]), "alpha");
    client.disconnectFromHost();
    await once(client, "connection_closed");
    const port = await freePort();
    const err = await t.throwsAsync(client.connectToUrlAsync(`ws://127.0.0.1:${port}`), {
      instanceOf: ConnectError,
    });
    t.is(err?.reason, "refused");
  });
}
