/**
 * Authentication (SceneMultiplayer auth_callback / send_auth / complete_auth): a pending peer
 * is admitted once both sides completed, in either order; its other packets are dropped with
 * Godot's condition text; auth_timeout kicks it (on a clock the test moves, no real time).
 */
import test from "ava";
import { RpcError4 } from "../../../src/scene/index.js";
import { ascii, Game, on } from "./game.js";
import { bytes } from "./hub.js";

const text = (b: Uint8Array) => Buffer.from(b).toString("utf8");
const ID = 187516239;

function authGame() {
  const clock = { now: 0 };
  const g = new Game({ clock: () => clock.now });
  const s = g.server.mp;
  const heard: string[] = [];
  s.authCallback = (id, data) => {
    heard.push(`server got ${text(data)}`);
    if (text(data) === "secret") s.completeAuth(id);
    else s.disconnectPeer(id);
  };
  s.on("peer_authenticating", (id) => s.sendAuth(id, new TextEncoder().encode("challenge")));
  return { g, s, clock, heard };
}

test("good auth: challenge, answer, both complete; admitted on both sides (the capture's packets)", (t) => {
  const { g, s, heard } = authGame();
  const c = g.client(ID);
  c.mp.authCallback = (id, data) => {
    heard.push(`client got ${text(data)} from ${id}`);
    c.mp.sendAuth(1, new TextEncoder().encode("secret"));
    c.mp.completeAuth(1);
  };
  const mark = g.mark;
  g.run();
  t.deepEqual(g.wire(mark), [
    on(1, ID, `0700 ${ascii("challenge")}`),
    on(ID, 1, `0700 ${ascii("secret")}`),
    on(ID, 1, "0700"),
    on(1, ID, "0700"),
  ]);
  t.deepEqual(heard, [`client got challenge from 1`, "server got secret"]);
  t.deepEqual(g.server.seen.signals, [`peer_authenticating(${ID})`, `peer_connected(${ID})`]);
  t.deepEqual(c.seen.signals, ["peer_authenticating(1)", "connected_to_server", "peer_connected(1)"]);
  t.deepEqual(s.getPeers(), [ID]);
  t.deepEqual(s.getAuthenticatingPeers(), []);
  // A late "completed" notice from an admitted peer is accepted silently.
  c.peer.putPacket(bytes("0700"));
  g.run();
  t.deepEqual(g.server.seen.drops, []);
});

test("a pending peer's other packets are dropped with Godot's condition text; it stays pending", (t) => {
  const { g, s } = authGame();
  const c = g.client(ID);
  c.mp.authCallback = () => {};
  g.run();
  c.peer.putPacket(bytes("800506"));
  c.peer.putPacket(bytes("07"));
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.from, d.reason, d.message]),
    [
      [
        ID,
        "pending-peer",
        'Condition "len < 2 || (packet[0] & CMD_MASK) != NETWORK_COMMAND_SYS || packet[1] != SYS_COMMAND_AUTH" is true. Continuing.',
      ],
      [
        ID,
        "pending-peer",
        'Condition "len < 2 || (packet[0] & CMD_MASK) != NETWORK_COMMAND_SYS || packet[1] != SYS_COMMAND_AUTH" is true. Continuing.',
      ],
    ],
  );
  t.deepEqual(s.getAuthenticatingPeers(), [ID]);
  t.deepEqual(s.getPeers(), []);
});

test("bad auth: the server's callback refuses (disconnect_peer); never admitted, the client is closed", (t) => {
  const { g, s, heard } = authGame();
  const c = g.client(ID);
  c.mp.authCallback = () => {
    c.mp.sendAuth(1, new TextEncoder().encode("wrong"));
    c.mp.completeAuth(1);
  };
  g.run();
  t.deepEqual(heard, ["server got wrong"]);
  // disconnect_peer blocks SceneMultiplayer's signals: no peer_authentication_failed, as in Godot.
  t.deepEqual(g.server.seen.signals, [`peer_authenticating(${ID})`]);
  t.deepEqual(s.getAuthenticatingPeers(), []);
  t.deepEqual(c.seen.signals, [
    "peer_authenticating(1)",
    "peer_authentication_failed(1)",
    "server_disconnected",
  ]);
});

test("auth timeout: after auth_timeout (3 s by default) the pending peer is kicked and fails", (t) => {
  const { g, s, clock } = authGame();
  t.is(s.authTimeout, 3);
  const c = g.client(ID);
  g.run();
  c.peer.putPacket(bytes("0301")); // dropped (pending), but counted for the peer
  g.run();
  t.is(s.stats.byPeer.get(ID)?.packetsIn, 1);
  clock.now = 2999;
  s.poll();
  g.run();
  t.deepEqual(s.getAuthenticatingPeers(), [ID]);
  clock.now = 3000;
  s.poll();
  g.run();
  t.deepEqual(g.server.seen.signals, [`peer_authenticating(${ID})`, `peer_authentication_failed(${ID})`]);
  t.deepEqual(s.getAuthenticatingPeers(), []);
  t.false(s.stats.byPeer.has(ID), "its counters went with it");
  t.deepEqual(c.seen.signals.slice(-2), ["peer_disconnected(1)", "server_disconnected"]);
});

test("auth_timeout 0 never kicks; a negative one is refused", (t) => {
  const { g, s, clock } = authGame();
  s.authTimeout = 0;
  g.client(ID);
  g.run();
  clock.now = 1e9;
  s.poll();
  t.deepEqual(s.getAuthenticatingPeers(), [ID]);
  t.throws(
    () => {
      s.authTimeout = -1;
    },
    { instanceOf: RangeError, message: "Timeout must be greater or equal to 0 (where 0 means no timeout)" },
  );
});

test("send_auth / complete_auth refusals, with Godot's messages and error codes", (t) => {
  const { g, s } = authGame();
  const c = g.client(ID);
  c.mp.authCallback = () => {};
  g.run();
  const refused = (fn: () => void) => {
    const e = t.throws(fn, { instanceOf: RpcError4 });
    return [e?.reason, e?.message, e?.godotError];
  };
  t.deepEqual(
    refused(() => s.sendAuth(ID, new Uint8Array(0))),
    ["auth-refused", 'Condition "p_data.is_empty()" is true.', 31],
  );
  t.deepEqual(refused(() => s.sendAuth(99, Uint8Array.of(1)))[0], "auth-refused");
  s.completeAuth(ID);
  t.deepEqual(
    refused(() => s.sendAuth(ID, Uint8Array.of(1))),
    [
      "auth-refused",
      "The authentication session was previously marked as completed, no more authentication data can be sent.",
      13,
    ],
  );
  t.deepEqual(
    refused(() => s.completeAuth(ID)),
    ["auth-refused", "The authentication session was already marked as completed.", 13],
  );
});

test("a client without auth_callback admits the server at once and drops its auth data", (t) => {
  const { g } = authGame();
  const c = g.client(ID);
  g.run();
  t.deepEqual(c.seen.signals, ["connected_to_server", "peer_connected(1)"]);
  t.deepEqual(
    c.seen.drops.map((d) => [d.reason, d.message]),
    [["auth-after-admit", 'Condition "len != 2" is true. Continuing.']],
  );
});

test("event style: with nobody polling, a timer kicks the pending peer at auth_timeout", async (t) => {
  const g = new Game();
  const s = g.server.mp;
  s.authCallback = () => {};
  s.authTimeout = 0.02;
  const c = g.client(ID);
  const failed = new Promise<number>((resolve) => s.once("peer_authentication_failed", resolve));
  g.run();
  t.deepEqual(s.getAuthenticatingPeers(), [ID]);
  // The timer is unref'd (a socket keeps a real process alive): hold the event loop meanwhile.
  const keep = setInterval(() => {}, 1000);
  try {
    t.is(await failed, ID);
  } finally {
    clearInterval(keep);
  }
  g.run();
  t.deepEqual(c.seen.signals.slice(-1), ["server_disconnected"]);
  t.deepEqual(s.getAuthenticatingPeers(), []);
});
