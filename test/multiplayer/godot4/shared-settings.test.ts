/**
 * Peers made with the same options share one settings object (a swarm's 20,000 peers keep one):
 * what a peer is set to afterwards is its own, and what it was made with is what it uses.
 */
import test from "ava";
import { WebSocketMultiplayerPeer4 } from "../../../src/multiplayer/index.js";
import { WebSocketArgumentError } from "../../../src/websocket/index.js";

test("peers made with the defaults keep their own settings: setting one changes no other, and a refused value changes nothing", (t) => {
  const [a, b, c] = [0, 1, 2].map(() => new WebSocketMultiplayerPeer4({ autoPoll: true }));
  if (!a || !b || !c) throw new Error("three peers");
  a.inboundBufferSize = 1000;
  a.outboundBufferSize = 2000;
  a.maxQueuedPackets = 7;
  a.handshakeTimeout = 9;
  a.heartbeatInterval = 2;
  a.serverInboundBufferSize = 500;
  a.supportedProtocols = ["chat"];
  a.handshakeHeaders = ["X-Bot: 1"];
  t.throws(
    () => {
      b.inboundBufferSize = 0;
    },
    { instanceOf: WebSocketArgumentError },
  );
  for (const p of [b, c]) {
    t.is(p.inboundBufferSize, 65_535);
    t.is(p.outboundBufferSize, 65_535);
    t.is(p.maxQueuedPackets, 4096);
    t.is(p.handshakeTimeout, 3);
    t.is(p.heartbeatInterval, 0);
    t.is(p.serverInboundBufferSize, 65_535);
    t.deepEqual(p.supportedProtocols, []);
    t.deepEqual(p.handshakeHeaders, []);
    t.is(p.getMaxPacketSize(), 65_535);
    t.like(p.clientOptions(), { autoPoll: true, connectTimeoutMs: 4000 });
  }
  t.is(a.getMaxPacketSize(), 500);
  t.like(a.clientOptions(), { autoPoll: true, connectTimeoutMs: 10_000, heartbeatIntervalMs: 2000 });
  t.deepEqual(a.supportedProtocols, ["chat"]);
  t.deepEqual(a.clientOptions().buffers, {
    inputBufferSizeKb: 1,
    inputMaxPackets: 7,
    outputBufferSizeKb: 2,
    outputMaxPackets: 7,
  });
});

test("a peer made with options uses them, whatever the peers made before or after with the defaults", (t) => {
  const before = new WebSocketMultiplayerPeer4();
  const own = new WebSocketMultiplayerPeer4({ inboundBufferSize: 4096, supportedProtocols: ["x"] });
  const after = new WebSocketMultiplayerPeer4();
  t.is(own.inboundBufferSize, 4096);
  t.deepEqual(own.supportedProtocols, ["x"]);
  t.like(own.clientOptions(), { autoPoll: false });
  for (const p of [before, after]) {
    t.is(p.inboundBufferSize, 65_535);
    t.deepEqual(p.supportedProtocols, []);
  }
});
