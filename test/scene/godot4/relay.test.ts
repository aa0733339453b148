/**
 * Client-to-client traffic through the server (SYS RELAY, Godot 4's rules): to = X, 0, −1, −X and
 * the silently dropped relay to 1; the server re-wraps with the origin id; a client wraps only
 * packets for other clients; server_relay off.
 */
import test from "ava";
import { Game, le32, on } from "./game.js";
import { bytes } from "./hub.js";

const A = 0x7f9e7e51;
const B = 0x61a737b9;
const C = 3;

function threeClients(options = {}) {
  const g = new Game(options);
  const a = g.client(A);
  const b = g.client(B);
  const c = g.client(C);
  g.run();
  return { g, a, b, c };
}

test("to = X: only X gets it, from the origin (the capture's bytes)", (t) => {
  const { g, a, b, c } = threeClients();
  const mark = g.mark;
  a.mp.sendBytes(bytes("6869"), B);
  g.run();
  t.deepEqual(g.wire(mark), [on(A, 1, `0703 ${le32(B)} 036869`), on(1, B, `0703 ${le32(A)} 036869`)]);
  t.deepEqual(b.seen.raw, [[A, "hi"]]);
  t.deepEqual(c.seen.raw, []);
  t.deepEqual(g.server.seen.raw, [], "the server does not process it");
});

test("to = 0: every other client, and the server processes it as from the sender", (t) => {
  const { g, a, b, c } = threeClients();
  const mark = g.mark;
  a.mp.sendBytes(bytes("616c6c"), 0);
  g.run();
  t.deepEqual(g.wire(mark), [
    on(A, 1, `0703 00000000 03616c6c`),
    on(1, B, `0703 ${le32(A)} 03616c6c`),
    on(1, C, `0703 ${le32(A)} 03616c6c`),
  ]);
  t.deepEqual(g.server.seen.raw, [[A, "all"]]);
  t.deepEqual(b.seen.raw, [[A, "all"]]);
  t.deepEqual(c.seen.raw, [[A, "all"]]);
  t.deepEqual(a.seen.raw, []);
});

test("to = −1: every other client, the server excluded", (t) => {
  const { g, a, b, c } = threeClients();
  a.mp.sendBytes(bytes("6e73"), -1);
  g.run();
  t.deepEqual(g.server.seen.raw, []);
  t.deepEqual(b.seen.raw, [[A, "ns"]]);
  t.deepEqual(c.seen.raw, [[A, "ns"]]);
});

test("to = −X: every other client but X, and the server", (t) => {
  const { g, a, b, c } = threeClients();
  a.mp.sendBytes(bytes("78"), -C);
  g.run();
  t.deepEqual(g.server.seen.raw, [[A, "x"]]);
  t.deepEqual(b.seen.raw, [[A, "x"]]);
  t.deepEqual(c.seen.raw, []);
});

test("to = 1 through the relay is dropped silently by the server (nobody gets it), and counted", (t) => {
  const { g, a, b } = threeClients();
  const mark = g.mark;
  a.peer.putPacket(bytes("0703 01000000 037376"));
  g.run();
  t.deepEqual(g.wire(mark).length, 1);
  t.deepEqual(g.server.seen.raw, []);
  t.deepEqual(b.seen.raw, []);
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.from, d.reason, d.message]),
    [[A, "relay-unknown-target", ""]],
  );
  t.is(g.server.mp.stats.dropped.get("relay-unknown-target"), 1);
});

test("a client never relays what is meant for the server: sendBytes(…, 1) is direct", (t) => {
  const { g, a } = threeClients();
  const mark = g.mark;
  a.mp.sendBytes(bytes("01"), 1);
  g.run();
  t.deepEqual(g.wire(mark), [on(A, 1, "0301")]);
  t.deepEqual(g.server.seen.raw, [[A, "\x01"]]);
});

test("a client rpc() broadcast is one direct packet to 1 and one relay per other client", (t) => {
  const { g, a, b, c } = threeClients();
  const heard: string[] = [];
  for (const [name, p] of [
    ["server", g.server],
    ["b", b],
    ["c", c],
  ] as const) {
    p.mp.node("Main").onRpc("c_hello", (s) => heard.push(`${name}: ${s} from ${p.mp.getRemoteSenderId()}`));
  }
  a.mp.rpc(0, "Main", "c_hello", ["x"]);
  g.run();
  const mark = g.mark;
  a.mp.rpc(0, "Main", "c_hello", ["y"]);
  g.run();
  const call = "00010301 04000000 01000000 79000000";
  t.deepEqual(g.wire(mark), [
    on(A, 1, call),
    on(A, 1, `0703 ${le32(B)} ${call}`),
    on(A, 1, `0703 ${le32(C)} ${call}`),
    on(1, B, `0703 ${le32(A)} ${call}`),
    on(1, C, `0703 ${le32(A)} ${call}`),
  ]);
  t.deepEqual(heard, [
    `server: x from ${A}`,
    `b: x from ${A}`,
    `c: x from ${A}`,
    `server: y from ${A}`,
    `b: y from ${A}`,
    `c: y from ${A}`,
  ]);
  // Each receiver keeps A's cache ids apart from the server's: CONFIRM_PATH went back through the relay.
  t.true(g.hub.wire.some((r) => r.from === B && r.hex === `0703${le32(A)}020101000000`));
});

test("server_relay off: no ADD_PEER/DEL_PEER, RELAY refused, a client cannot reach another", (t) => {
  const g = new Game({}, {});
  g.server.mp.serverRelay = false;
  const a = g.client(A);
  const b = g.client(B);
  g.run();
  t.false(
    g.hub.wire.some((r) => r.hex.startsWith("0701")),
    "no ADD_PEER",
  );
  t.deepEqual(a.mp.getPeers(), [1]);
  a.peer.putPacket(bytes(`0703 ${le32(B)} 036869`));
  g.run();
  t.deepEqual(b.seen.raw, []);
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.reason, d.message]),
    [
      [
        "relay-disabled",
        'Condition "!server_relay || !multiplayer_peer->is_server_relay_supported()" is true.',
      ],
    ],
  );
  // The client does not know the server's setting: it still wraps, and the server refuses again.
  a.mp.sendBytes(bytes("01"), B);
  g.run();
  t.is(g.server.mp.stats.dropped.get("relay-disabled"), 2);
  // With its own relay off, the client knows no other peer: Godot's ERR_BUG, thrown.
  a.mp.serverRelay = false;
  const err = t.throws(() => a.mp.sendBytes(bytes("01"), B));
  t.is((err as { reason?: string }).reason, "unknown-peer");
  b.peer.close();
  g.run();
  t.false(
    g.hub.wire.some((r) => r.hex.startsWith("0702")),
    "no DEL_PEER",
  );
});

test("ADD_PEER / DEL_PEER from a client are refused by the server; the connection stays", (t) => {
  const { g, a } = threeClients();
  a.peer.putPacket(bytes(`0701 ${le32(99)}`));
  a.peer.putPacket(bytes(`0702 ${le32(B)}`));
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => d.reason),
    ["sys-peer-refused", "sys-peer-refused"],
  );
  t.deepEqual(g.server.mp.getPeers(), [A, B, C]);
  a.mp.sendBytes(bytes("6f6b"), 1);
  g.run();
  t.deepEqual(g.server.seen.raw, [[A, "ok"]]);
});

test('a relayed SYS packet is not a command: dropped as Godot\'s "Invalid network command"', (t) => {
  const { g, a, b } = threeClients();
  a.peer.putPacket(bytes(`0703 00000000 0703 ${le32(B)} 0301`));
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.reason, d.message]),
    [["unknown-command", `Invalid network command from ${A}`]],
  );
  t.deepEqual(
    b.seen.drops.map((d) => [d.reason, d.message]),
    [["unknown-command", `Invalid network command from ${A}`]],
  );
});

test("clients of one process joining over several ticks each list exactly the others, in the server's order, never themselves, and a call to everyone never comes back to its sender", async (t) => {
  const tick = () => new Promise<void>((r) => setImmediate(r));
  const g = new Game();
  const ids = [0x51, 0x7a3c0001, 9, 0x10000, 4242, 77, 0x2fffffff, 12];
  const players = [];
  const heard: string[] = [];
  for (const [k, id] of ids.entries()) {
    const p = g.client(id);
    p.mp.node("Main").onRpc("r_three", () => heard.push(`${p.mp.getRemoteSenderId()}>${id}`));
    players.push(p);
    // Two joins per run (a greeting and an announcement in one tick), ticks between.
    if (k % 2 === 1) {
      g.run();
      await tick();
    }
  }
  g.run();
  await tick();
  for (const [k, p] of players.entries()) {
    t.deepEqual(p.mp.getPeers(), [1, ...ids.filter((_, i) => i !== k)], `client ${ids[k]}`);
  }
  for (const p of players) p.mp.rpc(0, "Main", "r_three");
  g.run();
  const expected = ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => `${from}>${to}`));
  t.deepEqual(heard.toSorted(), expected.toSorted());
});
