/**
 * WebSocketMultiplayerPeer4's API as Godot 4 defines it: create_client's refusals, put_packet's
 * output limits (Godot's error codes), disconnect_peer and close, several subscribers, and a
 * connection that is already open handed over with its first message (adoptClient).
 */
import { performance } from "node:perf_hooks";
import test from "ava";
import {
  type MultiplayerPeerHandlers,
  TLSOptions,
  WebSocketMultiplayerPeer4,
} from "../../../src/multiplayer/index.js";
import {
  type CloseInfo,
  ConnectionStatus,
  GodotError,
  type MultiplayerSink,
  WebSocketClient,
  WebSocketError,
} from "../../../src/websocket/index.js";
import { type FakeServer, serverFrame, startFakeServer } from "./fake-server.js";
import { Recorder } from "./recorder.js";

const GREETING = Uint8Array.of(0x22, 0x05, 0x81, 0x07); // id 125895970

async function greetingServer(
  t: import("ava").ExecutionContext,
  then: Uint8Array[] = [],
): Promise<FakeServer> {
  const server = await startFakeServer(
    (socket) => {
      socket.write(serverFrame(GREETING));
      for (const m of then) socket.write(serverFrame(m));
    },
    { answerClose: true },
  );
  t.teardown(() => server.close());
  return server;
}

async function connected(
  t: import("ava").ExecutionContext,
  server: FakeServer,
  peer = new WebSocketMultiplayerPeer4({ autoPoll: true }),
) {
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_connected");
  return { peer, rec };
}

test("createClient refuses a second call, server TLS options, a bad URL; putPacket before the greeting", async (t) => {
  const server = await greetingServer(t);
  const peer = new WebSocketMultiplayerPeer4();
  t.teardown(() => peer.close());
  t.is(peer.createClient("http://127.0.0.1:1"), GodotError.ERR_INVALID_PARAMETER);
  t.is(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.is(peer.createClient(server.url, TLSOptions.server("key", "cert")), GodotError.ERR_INVALID_PARAMETER);
  t.is(peer.createClient(server.url), GodotError.OK);
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTING);
  t.is(peer.createClient(server.url), GodotError.ERR_ALREADY_IN_USE);
  t.is(peer.putPacket(Uint8Array.of(3, 1)), GodotError.ERR_UNCONFIGURED);
});

test("network conditions reach the peer's own connection: the id greeting comes after the connect's four one-way latencies", async (t) => {
  const server = await greetingServer(t);
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true, network: { latency: "50ms" } });
  const started = performance.now();
  await connected(t, server, peer);
  // TCP's handshake and the upgrade, each a round trip through the shaped link.
  t.true(performance.now() - started >= 200, `greeted after ${performance.now() - started} ms`);
  t.not(peer.clientOptions().network, undefined);
  t.is(new WebSocketMultiplayerPeer4().clientOptions().network, undefined);
});

test("the greeting: id as the server sent it, peer_connected(1) then CONNECTED; sender always 1", async (t) => {
  const server = await greetingServer(t, [Uint8Array.of(3, 1), Uint8Array.of(3, 2)]);
  const { peer, rec } = await connected(t, server);
  await rec.waitForCount("peer_packet", 2);
  t.is(peer.getUniqueId(), 125895970);
  t.deepEqual(rec.events, [
    ["connection_status_changed", ConnectionStatus.CONNECTING],
    ["peer_connected", 1],
    ["connection_status_changed", ConnectionStatus.CONNECTED],
    ["peer_packet", 1],
    ["peer_packet", 1],
  ]);
  peer.setTargetPeer(-5); // a client sends everything to the server, whatever the target
  t.is(peer.getTargetPeer(), -5);
  t.is(peer.getAvailablePacketCount(), 2);
  t.is(peer.getPacketPeer(), 1);
  t.deepEqual([...peer.getPacket()!], [3, 1]);
  t.deepEqual([...peer.getPacket()!], [3, 2]);
  t.is(peer.getPacket(), null);
  t.is(peer.getPacketPeer(), 1);
});

test("output limits give Godot's ERR_OUT_OF_MEMORY: 4096 queued packets, 65535 queued bytes", async (t) => {
  const server = await greetingServer(t);
  const { peer } = await connected(t, server);
  // Everything put in one turn is queued until the turn's write.
  for (let i = 0; i < 4096; i++) t.is(peer.putPacket(Uint8Array.of(3, i & 0xff)), GodotError.OK);
  t.is(peer.putPacket(Uint8Array.of(3, 0)), GodotError.ERR_OUT_OF_MEMORY);
  t.true(peer.lastError instanceof WebSocketError);
  t.regex(peer.lastError!.message, /4096 messages queued/);
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
  t.is(peer.putPacket(new Uint8Array(40_000).fill(3)), GodotError.OK);
  t.is(peer.putPacket(new Uint8Array(40_000).fill(3)), GodotError.ERR_OUT_OF_MEMORY);
  t.regex(peer.lastError!.message, /bytes queued/);
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
});

test("outbound_buffer_size caps one packet (output-bytes) below the server's limit", async (t) => {
  const server = await greetingServer(t);
  const { peer } = await connected(
    t,
    server,
    new WebSocketMultiplayerPeer4({ autoPoll: true, outboundBufferSize: 1000 }),
  );
  t.is(peer.getMaxPacketSize(), 1000);
  t.is(peer.putPacket(new Uint8Array(1001).fill(3)), GodotError.ERR_OUT_OF_MEMORY);
  t.like(peer.lastError, { reason: "output-bytes" });
  t.is(peer.putPacket(new Uint8Array(1000).fill(3)), GodotError.OK);
});

test("disconnectPeer(1): close 1000, then peer_disconnected(1); force: at once, no signal (Godot's _clear)", async (t) => {
  const server = await greetingServer(t);
  const { peer, rec } = await connected(t, server);
  peer.disconnectPeer(2);
  t.like(peer.lastError, { argument: "id" });
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  peer.disconnectPeer(1);
  await rec.waitFor((e) => e[0] === "peer_disconnected");
  t.deepEqual(rec.events.slice(-2), [
    ["peer_disconnected", 1],
    ["connection_status_changed", ConnectionStatus.DISCONNECTED],
  ]);
  t.is(peer.lastClose?.info?.code, 1000);
  t.is(peer.lastClose?.info?.initiatedBy, "client");

  const again = await connected(t, server);
  again.peer.disconnectPeer(1, true);
  t.is(again.peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.is(again.peer.getUniqueId(), 0);
  t.false(again.rec.events.some((e) => e[0] === "peer_disconnected"));
  t.deepEqual(again.rec.events.at(-1), ["connection_status_changed", ConnectionStatus.DISCONNECTED]);
});

test("close() drops queued packets, signals only the status; the peer connects again afterwards", async (t) => {
  const server = await greetingServer(t, [Uint8Array.of(3, 9)]);
  const { peer, rec } = await connected(t, server);
  await rec.waitFor((e) => e[0] === "peer_packet");
  peer.close();
  t.is(peer.getAvailablePacketCount(), 0);
  t.is(peer.getConnectionStatus(), ConnectionStatus.DISCONNECTED);
  t.false(rec.events.some((e) => e[0] === "peer_disconnected"));
  const n = rec.events.length;
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitForCount("peer_packet", 2);
  t.deepEqual(rec.events.slice(n), [
    ["connection_status_changed", ConnectionStatus.CONNECTING],
    ["peer_connected", 1],
    ["connection_status_changed", ConnectionStatus.CONNECTED],
    ["peer_packet", 1],
  ]);
});

test("several subscribers are called in order; one unsubscribed (even during a dispatch) is called no more", async (t) => {
  const server = await greetingServer(t, [Uint8Array.of(3, 1)]);
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const calls: string[] = [];
  const named = (name: string): MultiplayerPeerHandlers => ({
    peer_connected: (id) => calls.push(`${name} connected ${id}`),
    peer_disconnected: (id) => calls.push(`${name} disconnected ${id}`),
    peer_packet: (id) => calls.push(`${name} packet ${id}`),
    connection_status_changed: (s) => calls.push(`${name} status ${s}`),
  });
  const a = named("a");
  const b = named("b");
  const recordConnected = b.peer_connected;
  b.peer_connected = (id) => {
    recordConnected(id);
    peer.unsubscribe(a); // during the dispatch of peer_connected: the rest of it still runs
  };
  const rec = new Recorder();
  peer.subscribe(a);
  peer.subscribe(b);
  peer.subscribe(a); // twice: still once
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  t.is(peer.createClient(server.url), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.deepEqual(calls, [
    "a status 1",
    "b status 1",
    "a connected 1",
    "b connected 1",
    "b status 2",
    "b packet 1",
  ]);
  t.deepEqual(
    rec.events.map((e) => e[0]),
    ["connection_status_changed", "peer_connected", "connection_status_changed", "peer_packet"],
  );
});

test("adoptClient: an open WebSocketClient and the first message it got become a connected peer", async (t) => {
  const server = await greetingServer(t, [Uint8Array.of(3, 0xaa)]);
  const client = new WebSocketClient({ ...new WebSocketMultiplayerPeer4().clientOptions(), autoPoll: true });
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const rec = new Recorder();
  peer.subscribe(rec);
  t.teardown(() => peer.close());
  // A Bot's detector: looks at the first message, then hands the connection to the dialect's peer.
  const seen: string[] = [];
  const detector: MultiplayerSink = {
    connected: () => seen.push("open"),
    packet: (data) => {
      seen.push(`first ${data.length}`);
      t.is(data.length === 4 ? peer.adoptClient(client, data) : GodotError.FAILED, GodotError.OK);
    },
    disconnected: (_info: CloseInfo | null) => seen.push("closed"),
  };
  client.setMultiplayerSink(detector);
  t.is(client.connectToUrl(server.url, [], true), GodotError.OK);
  await rec.waitFor((e) => e[0] === "peer_packet");
  t.deepEqual(seen, ["open", "first 4"]);
  t.is(peer.client, client);
  t.is(peer.getUniqueId(), 125895970);
  t.deepEqual([...peer.getPacket()!], [3, 0xaa]);
  t.true(peer.timings.greetedAt > 0);
  t.is(peer.traffic.msgsIn, 2);
  t.is(peer.adoptClient(client, GREETING), GodotError.ERR_ALREADY_IN_USE);
  const idle = new WebSocketMultiplayerPeer4();
  t.is(idle.adoptClient(new WebSocketClient(), null), GodotError.ERR_INVALID_PARAMETER);
});

test("TLSOptions map to our client: client(chain, name) verifies with that chain and name; clientUnsafe does not verify", (t) => {
  t.deepEqual(TLSOptions.client().clientOptions(), { verifySsl: true, ca: null, tlsServerName: null });
  t.deepEqual(TLSOptions.client("PEM", "game.example").clientOptions(), {
    verifySsl: true,
    ca: "PEM",
    tlsServerName: "game.example",
  });
  t.deepEqual(TLSOptions.clientUnsafe("PEM").clientOptions(), { verifySsl: false });
  t.true(TLSOptions.clientUnsafe().isUnsafeClient());
  t.false(TLSOptions.client().isServer());
  t.true(TLSOptions.server("k", "c").isServer());
});

test("bad settings are refused with a typed error naming the setting", (t) => {
  t.throws(() => new WebSocketMultiplayerPeer4({ inboundBufferSize: 0 }), { message: /inboundBufferSize/ });
  t.throws(() => new WebSocketMultiplayerPeer4({ handshakeTimeout: 0 }), { message: /handshakeTimeout/ });
  const peer = new WebSocketMultiplayerPeer4();
  t.throws(
    () => {
      peer.maxQueuedPackets = 1.5;
    },
    { message: /maxQueuedPackets/ },
  );
  peer.heartbeatInterval = 2;
  t.is(peer.clientOptions().heartbeatIntervalMs, 2000);
  t.is(new WebSocketMultiplayerPeer4().clientOptions().heartbeatIntervalMs, undefined);
});

test("heartbeatInterval (WebSocketPeer.heartbeat_interval, seconds) sends pings; by default none", async (t) => {
  const server = await greetingServer(t);
  const { peer } = await connected(
    t,
    server,
    new WebSocketMultiplayerPeer4({ autoPoll: true, heartbeatInterval: 0.05 }),
  );
  await new Promise<void>((resolve) => {
    const check = () => (server.received.some((c) => c[0] === 0x89) ? resolve() : setTimeout(check, 10));
    check();
  });
  t.is(peer.getConnectionStatus(), ConnectionStatus.CONNECTED);
  const quiet = await greetingServer(t);
  await connected(t, quiet);
  await new Promise((r) => setTimeout(r, 150));
  t.deepEqual(quiet.received, []);
});
