/**
 * Bad input gets a clear, typed error and loses nothing: malformed URLs, unsupported schemes,
 * close codes a user may not send, reasons over 123 bytes, headers with CR/LF, bad buffer
 * sizes. Handlers that throw never break the client and never crash the process.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import {
  ConnectionStatus,
  GodotError,
  WebSocketArgumentError,
  WebSocketClient,
  type WriteMode,
} from "../../src/websocket/index.js";
import { pollForSignal, recordSignals } from "./helpers.js";

const badUrls: [string, RegExp][] = [
  ["", /empty/],
  ["http://127.0.0.1:80", /unsupported scheme "http:\/\/"/],
  ["ftp://example.com", /unsupported scheme/],
  ["ws://", /malformed|no host/],
  ["ws://exa mple.com", /whitespace/],
  ["ws://host:99999", /malformed/],
  ["ws://host:0/", /port 0/],
  ["ws://host/path#frag", /fragment/],
  ["ws://user:pw@host/", /user:password/],
  ["ws://host\r\nX-Evil: 1", /control/],
];

for (const [url, message] of badUrls) {
  test(`connectToUrl(${JSON.stringify(url)}) → ERR_INVALID_PARAMETER`, (t) => {
    const client = new WebSocketClient();
    t.is(client.connectToUrl(url), GodotError.ERR_INVALID_PARAMETER);
    t.true(client.lastError instanceof WebSocketArgumentError);
    t.regex(client.lastError?.message ?? "", message);
    t.is(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  });
}

test("connectToUrlAsync rejects bad arguments with the typed error", async (t) => {
  const client = new WebSocketClient();
  const err = await t.throwsAsync(client.connectToUrlAsync("gopher://x"), {
    instanceOf: WebSocketArgumentError,
  });
  t.is(err?.argument, "url");
  t.is(err?.godotError, GodotError.ERR_INVALID_PARAMETER);
});

test("bad subprotocols and custom headers are refused before anything is sent", (t) => {
  const client = new WebSocketClient();
  const cases: [string[], string[], RegExp][] = [
    [["a b"], [], /invalid subprotocol/],
    [["dup", "dup"], [], /listed twice/],
    [[], ["X-Evil: 1\r\nHost: other"], /CR, LF/],
    [[], ["X-Evil: 1\nY: 2"], /CR, LF/],
    [[], ["no colon"], /not "Name: value"/],
    [[], [": empty name"], /not "Name: value"/],
    [[], ["Sec-WebSocket-Key: abc"], /belongs to the WebSocket handshake/],
    [[], ["host: other"], /belongs to the WebSocket handshake/],
    [[], ["X-Ctl: a\u0001b"], /control characters/],
  ];
  for (const [protocols, headers, message] of cases) {
    t.is(
      client.connectToUrl("ws://127.0.0.1:9", protocols, false, headers),
      GodotError.ERR_INVALID_PARAMETER,
    );
    t.regex(client.lastError?.message ?? "", message);
  }
  t.is(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
});

test("close codes a user may not send and reasons over 123 bytes throw WebSocketArgumentError", (t) => {
  const client = new WebSocketClient();
  for (const code of [999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 1000.5, Number.NaN]) {
    const err = t.throws(() => client.disconnectFromHost(code), { instanceOf: WebSocketArgumentError });
    t.is(err?.argument, "code");
  }
  for (const code of [1000, 1001, 1003, 1007, 1014, 3000, 4999])
    t.notThrows(() => client.disconnectFromHost(code));
  t.notThrows(() => client.disconnectFromHost(1000, "é".repeat(61))); // 122 bytes
  t.notThrows(() => client.disconnectFromHost(1000, "x".repeat(123)));
  const err = t.throws(() => client.disconnectFromHost(1000, "é".repeat(62)), {
    instanceOf: WebSocketArgumentError,
  });
  t.regex(err?.message ?? "", /124 bytes/);
  t.throws(() => client.getPeer(1)!.close(1006), { instanceOf: WebSocketArgumentError });
});

test("setBuffers refuses sizes Godot cannot mean, and option errors are typed", (t) => {
  const client = new WebSocketClient();
  t.is(client.setBuffers(0, 1024, 64, 1024), GodotError.ERR_INVALID_PARAMETER);
  t.is(client.setBuffers(64, -1, 64, 1024), GodotError.ERR_INVALID_PARAMETER);
  t.is(client.setBuffers(64, 1024, 1.5, 1024), GodotError.ERR_INVALID_PARAMETER);
  t.is(client.setBuffers(2 ** 30, 1024, 64, 1024), GodotError.ERR_INVALID_PARAMETER);
  t.is(client.setBuffers(65, 1000, 3, 1), GodotError.OK);
  // Rounded up to powers of two; one output packet is Godot's "no packet limit" (shift 0).
  t.deepEqual(client.getBufferLimits(), {
    inputBytes: 128 * 1024 - 1,
    inputPackets: 1023,
    maxMessageBytes: 128 * 1024,
    outputBytes: 4 * 1024,
    outputPackets: 0,
  });
  t.throws(() => new WebSocketClient({ trustedSslCertificate: "not a certificate" }), {
    instanceOf: WebSocketArgumentError,
    message: /not a PEM X.509 certificate/,
  });
  t.throws(() => new WebSocketClient({ heartbeatIntervalMs: -5 }), { instanceOf: WebSocketArgumentError });
  t.throws(() => new WebSocketClient({ tlsServerName: "bad name\r\n" }), {
    instanceOf: WebSocketArgumentError,
  });
  t.throws(() => client.getPeer(1)!.setWriteMode(7 as WriteMode), { instanceOf: WebSocketArgumentError });
});

test("calls while disconnected fail as Godot's do, without throwing", (t) => {
  const client = new WebSocketClient();
  const peer = client.getPeer(1)!;
  t.is(peer.putPacket(new Uint8Array([1])), GodotError.FAILED);
  t.is(peer.getPacket().length, 0);
  t.is(peer.getPacketError(), GodotError.FAILED);
  t.is(peer.getAvailablePacketCount(), 0);
  t.is(peer.getConnectedHost(), "");
  t.is(peer.getConnectedPort(), 0);
  t.false(peer.isConnectedToHost());
  t.notThrows(() => peer.setNoDelay(false));
  t.notThrows(() => client.disconnectFromHost());
  t.notThrows(() => client.poll());
});

test("a throwing handler is reported on handler_error; the other handlers and the client carry on", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  wss.on("connection", (ws) => ws.on("message", (d, binary) => ws.send(d, { binary })));
  const port = (wss.address() as AddressInfo).port;
  const client = new WebSocketClient();
  const errors: unknown[][] = [];
  client.on("handler_error", (err, signal) => {
    errors.push([signal, (err as Error).message]);
    if (errors.length === 1) throw new Error("even the error handler throws");
  });
  client.on("connection_established", () => {
    throw new Error("boom in established");
  });
  client.on("data_received", () => {
    throw new Error("boom in data");
  });
  const log = recordSignals(client);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on("warning", onWarning);
  t.teardown(() => process.off("warning", onWarning));
  client.connectToUrl(`ws://127.0.0.1:${port}`);
  await pollForSignal(client, log, "connection_established");
  client.getPeer(1)!.putPacket(new Uint8Array([9]));
  await pollForSignal(client, log, "data_received");
  t.deepEqual([...client.getPeer(1)!.getPacket()], [9]);
  t.deepEqual(errors, [
    ["connection_established", "boom in established"],
    ["data_received", "boom in data"],
  ]);
  client.disconnectFromHost();
  await pollForSignal(client, log, "connection_closed");
  await new Promise((r) => setImmediate(r));
  t.true(warnings.some((w) => w.includes("even the error handler throws")));
});

test("a client with no listeners at all never throws an unhandled 'error'", async (t) => {
  const client = new WebSocketClient({ autoPoll: true });
  // Refused, then closed, with no one listening: nothing may escape.
  client.connectToUrl("ws://127.0.0.1:1");
  const before = client.getConnectionStatus();
  await new Promise((r) => setTimeout(r, 100));
  t.is(before, ConnectionStatus.CONNECTING);
  t.is(client.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
});
