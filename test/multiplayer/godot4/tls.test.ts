/**
 * wss with Godot 4's TLSOptions: our client against a real 4.6.3 server (TLSOptions.server) and
 * against our own server; client(trusted_chain) verifies, client_unsafe() does not.
 */

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import {
  MultiplayerPeer4Error,
  TLSOptions,
  WebSocketMultiplayerPeer4,
} from "../../../src/multiplayer/index.js";
import { WebSocketMultiplayerServer4 } from "../../../src/server/index.js";
import { type ConnectError, ConnectionStatus, GodotError } from "../../../src/websocket/index.js";
import { startFixture } from "../../harness/godot.js";
import { makeCertificates, type TestCertificates } from "../../websocket/helpers.js";
import { Recorder } from "./recorder.js";

let shared: Promise<TestCertificates> | undefined;
const cleanups: (() => Promise<void>)[] = [];
test.after.always(async () => {
  for (const c of cleanups) await c();
});
function certificates(): Promise<TestCertificates> {
  shared ??= makeCertificates((fn) => cleanups.push(fn));
  return shared;
}

/** Connects and waits for the outcome: the greeting, or DISCONNECTED. */
async function attempt(t: import("ava").ExecutionContext, url: string, tls: TLSOptions) {
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(url, tls), GodotError.OK);
  await rec.waitFor(
    (e) =>
      e[0] === "peer_connected" ||
      (e[0] === "connection_status_changed" && e[1] === ConnectionStatus.DISCONNECTED),
  );
  return { peer, rec };
}

test("our client over wss to a real 4.6.3 server: client(CA) joins and exchanges RAW; client() with the system roots is refused; client_unsafe() joins", async (t) => {
  const certs = await certificates();
  const godot = await startFixture(t, "4.6.3", "peer4_tls_server.gd", {
    env: { GP_KEY: certs.serverKey, GP_CERT: certs.serverCert },
  });
  const url = `wss://127.0.0.1:${godot.port}`;

  const trusted = await attempt(t, url, TLSOptions.client(certs.caPem));
  t.is(trusted.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.true(trusted.peer.getUniqueId() >= 2);
  t.is(trusted.peer.putPacket(Uint8Array.of(3, 0x71)), GodotError.OK);
  await trusted.rec.waitFor((e) => e[0] === "peer_packet");
  t.deepEqual([...trusted.peer.getPacket()!], [3, 0x71]);
  t.is(await godot.waitForLine(/^RAW /), `RAW ${trusted.peer.getUniqueId()} 71`);

  const unknown = await attempt(t, url, TLSOptions.client());
  t.is(unknown.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.like(unknown.peer.lastError as ConnectError, { reason: "tls", tlsCause: "unknown-ca" });
  t.false(unknown.rec.events.some((e) => e[0] === "peer_connected"));

  const unsafe = await attempt(t, url, TLSOptions.clientUnsafe());
  t.is(unsafe.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
});

test("our client and our server over wss: TLSOptions.server(key, cert), client(CA, common name override)", async (t) => {
  const certs = await certificates();
  const server = new WebSocketMultiplayerServer4({ autoPoll: true });
  t.teardown(() => server.close());
  const key = await readFile(certs.serverKey, "utf8");
  const cert = await readFile(certs.serverCert, "utf8");
  t.is(await server.createServer(0, "127.0.0.1", TLSOptions.server(key, cert)), GodotError.OK);
  const url = `wss://127.0.0.1:${server.getPort()}`;

  const named = await attempt(t, url, TLSOptions.client(certs.caPem, "game.example"));
  t.is(named.peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  t.true(server.hasPeer(named.peer.getUniqueId()));

  const wrongName = await attempt(t, url, TLSOptions.client(certs.caPem, "other.example"));
  t.like(wrongName.peer.lastError as ConnectError, { reason: "tls", tlsCause: "wrong-host" });
  t.false(wrongName.peer.lastError instanceof MultiplayerPeer4Error);
});

test("a real 4.6.3 client with TLSOptions.client(CA) joins our wss server and exchanges RAW", async (t) => {
  const certs = await certificates();
  const server = new WebSocketMultiplayerServer4({ autoPoll: true });
  const rec = new Recorder();
  server.subscribe(rec);
  t.teardown(() => server.close());
  const key = await readFile(certs.serverKey, "utf8");
  const cert = await readFile(certs.serverCert, "utf8");
  t.is(await server.createServer(0, "127.0.0.1", TLSOptions.server(key, cert)), GodotError.OK);
  const godot = await startFixture(t, "4.6.3", "peer4_client.gd", {
    env: { GP_TARGET: String(server.getPort()), GP_CA: join(certs.dir, "ca.crt") },
  });
  const id = Number((await godot.waitForLine(/^CONNECTED \d+$/)).split(" ")[1]);
  await rec.waitFor((e) => e[0] === "peer_packet" && e[1] === id);
  t.deepEqual([...server.getPacket()!], [0x03, 0xde, 0xad, 0xbe, 0xef]);
  server.setTargetPeer(id);
  t.is(server.putPacket(Uint8Array.of(0x03, 0x01, 0x02)), GodotError.OK);
  t.is(await godot.waitForLine(/^RAW /), "RAW 1 0102");
  t.deepEqual(godot.errorLines(), []);
});
