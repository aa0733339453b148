/**
 * SceneMultiplayer (Godot 4) between a server and clients over the in-memory hub: admission and
 * peer announcements, the path cache (full path until CONFIRM_PATH, then the short id), node ids
 * of 1, 2 and 4 bytes, and 2-byte method ids.
 */
import test from "ava";
import { SceneMultiplayer } from "../../../src/scene/index.js";
import type { Variant } from "../../../src/variant/index.js";
import { ConnectionStatus } from "../../../src/websocket/index.js";
import { MANIFEST } from "./fixtures.js";
import { ascii, Game, on, watch } from "./game.js";
import { Hub } from "./hub.js";

const MD5_MAIN = ascii("d0cd70828e4a6f4dd3df461b9d5d88a1");

test("a client is admitted at once without auth; the next one is announced with ADD_PEER both ways", (t) => {
  const g = new Game();
  const a = g.client(0x7f9e7e51);
  g.run();
  t.deepEqual(g.server.seen.signals, ["peer_connected(2141093457)"]);
  t.deepEqual(a.seen.signals, ["connected_to_server", "peer_connected(1)"]);
  t.deepEqual(a.mp.getPeers(), [1]);
  t.is(a.mp.getUniqueId(), 0x7f9e7e51);
  t.false(a.mp.isServer());
  t.true(g.server.mp.isServer());
  const mark = g.mark;
  const b = g.client(0x61a737b9);
  g.run();
  // The capture: B ← 07 01 <A>, A ← 07 01 <B>.
  t.deepEqual(g.wire(mark), ["1>2141093457 0701b937a761", "1>1638348729 0701517e9e7f"]);
  t.deepEqual(a.mp.getPeers(), [1, 0x61a737b9]);
  t.deepEqual(b.mp.getPeers(), [1, 0x7f9e7e51]);
  t.deepEqual(g.server.mp.getPeers(), [0x7f9e7e51, 0x61a737b9]);
  const leave = g.mark;
  b.peer.close();
  g.run();
  t.deepEqual(g.wire(leave), ["1>2141093457 0702b937a761"]);
  t.deepEqual(a.mp.getPeers(), [1]);
  t.deepEqual(a.seen.signals.slice(-1), ["peer_disconnected(1638348729)"]);
  t.deepEqual(b.seen.signals.slice(-2), ["peer_disconnected(1)", "server_disconnected"]);
});

test("path cache: SIMPLIFY_PATH first, the full path until CONFIRM_PATH, then the 1-byte id", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const got: [Variant[], number][] = [];
  c.mp.node("Main").onRpc("r_one", (...args) => got.push([args, c.mp.getRemoteSenderId()]));
  const mark = g.mark;
  g.server.mp.rpc(2, "Main", "r_one", [42]);
  g.server.mp.rpc(2, "Main", "r_one", [42]);
  g.run();
  g.server.mp.rpc(2, "Main", "r_one", [300]);
  g.run();
  t.deepEqual(g.wire(mark), [
    on(1, 2, `01${MD5_MAIN}00 01000000 ${ascii("Main")}00`),
    on(1, 2, `2009000080040102 2a${ascii("Main")}00`),
    on(1, 2, `2009000080040102 2a${ascii("Main")}00`),
    "2>1 020101000000",
    on(1, 2, "000104 01422c01"),
  ]);
  t.deepEqual(got, [
    [[42], 1],
    [[42], 1],
    [[300], 1],
  ]);
  t.is(c.mp.getRemoteSenderId(), 0, "0 outside a call");
});

test("a client names its own nodes from 1; a bot-chosen counter, confirmed by the server", (t) => {
  const g = new Game();
  const c = g.client(5);
  g.run();
  const heard: string[] = [];
  g.server.mp
    .node("Main")
    .onRpc("c_hello", (s) => heard.push(`${s} from ${g.server.mp.getRemoteSenderId()}`));
  const mark = g.mark;
  c.mp.rpc(1, "Main", "c_hello", ["from godot"]);
  g.run();
  c.mp.rpc(1, "Main", "c_hello", ["again"]);
  g.run();
  t.deepEqual(g.wire(mark), [
    `5>1 01${MD5_MAIN}0001000000${ascii("Main")}00`,
    on(5, 1, `201b000080030104000000 0a000000${ascii("from godot")}0000${ascii("Main")}00`),
    "1>5 020101000000",
    on(5, 1, `00010301040000000500000061676169 6e000000`),
  ]);
  t.deepEqual(heard, ["from godot from 5", "again from 5"]);
});

function nodeIdBytes(count: number): { sizes: string[]; handled: number } {
  const g = new Game();
  const c = g.client(2);
  g.run();
  let handled = 0;
  for (let i = 1; i <= count; i++) {
    g.server.mp.rpc(2, `Main/Players/${i}`, "hit", []);
    if (i % 4096 === 0) g.run();
  }
  g.run();
  c.mp.on("packet_dropped", () => handled--);
  const sizes: string[] = [];
  for (const i of [1, 255, 256, count]) {
    c.mp.node(`Main/Players/${i}`).onRpc("hit", () => handled++);
    const mark = g.mark;
    g.server.mp.rpc(2, `Main/Players/${i}`, "hit", []);
    g.run();
    sizes.push(g.wire(mark).join());
  }
  return { sizes, handled };
}

test("node ids: 2 bytes once more than 255 nodes are cached (300 nodes)", (t) => {
  const { sizes, handled } = nodeIdBytes(300);
  t.deepEqual(sizes, ["1>2 800101", "1>2 80ff01", "1>2 90000101", "1>2 902c0101"]);
  t.is(handled, 4);
});

test("node ids: 4 bytes once more than 65,535 nodes are cached (70,000 nodes)", (t) => {
  const { sizes, handled } = nodeIdBytes(70_000);
  t.deepEqual(sizes, ["1>2 800101", "1>2 80ff01", "1>2 90000101", "1>2 a07011010001"]);
  t.is(handled, 4);
});

test("more than 255 RPC names: a 2-byte method id (meta bit 6) both ways", (t) => {
  const names = Array.from({ length: 300 }, (_, i) => `m${String(i).padStart(3, "0")}`);
  const declare = (mp: SceneMultiplayer) =>
    mp.node("Big", { rpcs: Object.fromEntries(names.map((n) => [n, { rpc_mode: "any_peer" as const }])) });
  const hub = new Hub();
  const server = new SceneMultiplayer({ autoProcess: true });
  server.multiplayerPeer = hub.server;
  const client = new SceneMultiplayer({ autoProcess: true });
  client.multiplayerPeer = hub.connect(2);
  hub.run();
  const heard: string[] = [];
  declare(server).onRpc("m299", (x) => heard.push(`server m299(${x})`));
  declare(client).onRpc("m256", (x) => heard.push(`client m256(${x})`));
  const sDrops = watch(server).drops;
  const mark = hub.wire.length;
  client.rpc(1, "Big", "m299", [1]);
  hub.run();
  server.rpc(2, "Big", "m256", [2]);
  hub.run();
  t.deepEqual(heard, ["server m299(1)", "client m256(2)"]);
  t.deepEqual(sDrops, []);
  const calls = hub.since(mark).filter((r) => r.hex.startsWith("60") || r.hex.startsWith("40"));
  t.deepEqual(
    calls.map((r) => r.hex),
    [`600a000080 2b01 01 0201 ${ascii("Big")}00`, `600a000080 0001 01 0202 ${ascii("Big")}00`].map((h) =>
      h.replace(/ /g, ""),
    ),
  );
});

test("poll style: nothing is processed until poll(), then everything queued is, in order", (t) => {
  const g = new Game({ autoProcess: false });
  const c = g.client(2);
  g.run();
  t.deepEqual(c.seen.signals, ["connected_to_server", "peer_connected(1)"], "peer signals are not packets");
  g.server.mp.sendBytes(Uint8Array.of(0xaa, 0xbb), 2);
  g.server.mp.sendBytes(Uint8Array.of(0x63), 2);
  g.run();
  t.deepEqual(c.seen.raw, []);
  c.mp.poll();
  t.deepEqual(c.seen.raw, [
    [1, "\xaa\xbb"],
    [1, "c"],
  ]);
  t.deepEqual(g.wire(0).slice(-2), ["1>2 03aabb", "1>2 0363"]);
});

test("stats: calls and bytes by method, packets by peer, and a peer's entry goes with the peer", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  c.mp.node("Main/Players/9").onRpc("hit", () => {});
  g.server.mp.rpc(2, "Main/Players/7", "hit", []);
  g.server.mp.rpc(2, "Main/Players/9", "hit", []);
  g.run();
  g.server.mp.sendBytes(Uint8Array.of(1, 2, 3), 2);
  g.run();
  const s = g.server.mp.stats;
  t.deepEqual(s.byMethod.get("Main/Players/*:hit"), {
    callsIn: 0,
    callsOut: 2,
    bytesIn: 0,
    bytesOut: 2 * 21,
  });
  t.deepEqual(c.mp.stats.byMethod.get("Main/Players/*:hit"), {
    callsIn: 2,
    callsOut: 0,
    bytesIn: 2 * 21,
    bytesOut: 0,
  });
  t.deepEqual(s.byMethod.get(":raw"), { callsIn: 0, callsOut: 1, bytesIn: 0, bytesOut: 4 });
  // 2 SIMPLIFY_PATH + 2 calls + 1 RAW out; 2 CONFIRM_PATH in.
  t.deepEqual(s.byPeer.get(2), { packetsIn: 2, packetsOut: 5, bytesIn: 12, bytesOut: 2 * 53 + 2 * 21 + 4 });
  c.peer.close();
  g.run();
  t.false(s.byPeer.has(2));
});

test("connection_failed when the peer gives up while connecting; server_disconnected once connected", (t) => {
  const g = new Game();
  const early = g.client(2);
  let peersSeen: number[] = [];
  early.peer.setStatus(ConnectionStatus.DISCONNECTED);
  t.deepEqual(early.seen.signals, ["connection_failed"]);
  const c = g.client(3);
  g.run();
  c.mp.on("server_disconnected", () => {
    peersSeen = c.mp.getPeers();
  });
  g.server.peer.close();
  g.run();
  t.deepEqual(c.seen.signals.slice(-2), ["peer_disconnected(1)", "server_disconnected"]);
  t.deepEqual(peersSeen, [], "the server left before the status changed");
  t.deepEqual(c.mp.getPeers(), []);
  t.throws(() => c.mp.rpc(1, "Main", "c_hello", ["x"]), { message: /not connected/ });
  t.throws(
    () => {
      c.mp.multiplayerPeer = early.peer;
    },
    { message: "Supplied MultiplayerPeer must be connecting or connected." },
  );
});

test("a call to targets of which only some confirmed: 4-byte id to those, the full path to the others", (t) => {
  const g = new Game();
  g.client(2);
  g.run();
  g.server.mp.rpc(2, "Main", "r_zero");
  g.run(); // client 2 confirms Main
  g.client(3);
  g.run();
  const mark = g.mark;
  g.server.mp.rpc(0, "Main", "r_zero");
  g.run();
  t.deepEqual(g.wire(mark), [
    on(1, 3, `01${MD5_MAIN}00 01000000 ${ascii("Main")}00`),
    on(1, 2, "a0 01000000 06"),
    on(1, 3, `a0 06000080 06 ${ascii("Main")}00`),
    on(3, 1, "02 01 01000000"),
  ]);
});

test("transfer mode and channel come from the rpc config: set on the peer, not on the wire", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  c.mp.rpc(1, "Main", "Zed"); // unreliable, channel 2
  c.mp.rpc(1, "Main", "c_hello", ["x"]); // reliable, channel 0
  g.run();
  const sent = g.hub.wire.filter((r) => r.from === 2);
  t.deepEqual(
    sent.map((r) => r.hex.slice(0, 2)),
    ["01", "a0", "20"],
  );
  const modes = g.hub.modes.filter((m) => m.from === 2).map((m) => [m.mode, m.channel]);
  t.deepEqual(modes, [
    [2, 0], // SIMPLIFY_PATH: reliable, channel 0
    [0, 2], // Zed
    [2, 0], // c_hello
  ]);
});

test("onRpcReceived sees every call that passed the checks, with its sender", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const seen: string[] = [];
  g.server.mp.onRpcReceived = (node, method, args, from) =>
    seen.push(`${node.path}.${method}(${args}) from ${from}`);
  c.mp.rpc(1, "Main/Players/2", "hit", [7]);
  c.mp.rpc(1, "Main", "r_zero"); // refused: not seen
  g.run();
  t.deepEqual(seen, ["Main/Players/2.hit(7) from 2"]);
});

test("removeNode: the node's ids are forgotten, as when it leaves Godot's tree", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  g.server.mp.rpc(2, "Main/Players/5", "hit");
  g.run();
  t.true(c.mp.removeNode("Main/Players/5"));
  g.server.mp.rpc(2, "Main/Players/5", "hit");
  g.run();
  t.deepEqual(
    c.seen.drops.map((d) => [d.reason, d.message]),
    [["unknown-cache-id", "ID 1 not found in cache of peer 1."]],
  );
  t.false(c.mp.removeNode("Main/Players/5"));
});

test("loadManifest: another manifest replaces the nodes made from the first; nodes declared in code stay", (t) => {
  const mp = new SceneMultiplayer();
  mp.loadManifest(MANIFEST);
  const fromManifest = mp.getNode("Main");
  const inCode = mp.node("Extra", { rpcs: ["x"] });
  t.truthy(fromManifest);
  mp.loadManifest({ ...MANIFEST, root: "/root/Game", nodes: { Other: { rpcs: {} } } });
  t.is(mp.getNode("Main"), null);
  t.truthy(mp.getNode("Other"));
  t.is(mp.getNode("Extra"), inCode);
  t.is(mp.rootPath, "/root/Game");
  t.is(mp.getNode("/root/Game/Other"), mp.getNode("Other"), "absolute paths under the root resolve");
  t.throws(() => mp.loadManifest({ format: "other" } as never), { instanceOf: TypeError });
});

test("getNode answers with the node at the path as it is now: declared again, removed, or under another root", (t) => {
  const mp = new SceneMultiplayer();
  mp.loadManifest(MANIFEST);
  const first = mp.node("Extra", { rpcs: ["x"] });
  t.is(mp.getNode("Extra"), first);
  t.is(mp.getNode("Extra"), first, "asked twice, the same node");
  const again = mp.node("Extra", { rpcs: ["y"] });
  t.not(again, first);
  t.is(mp.getNode("Extra"), again, "declared again: the new node");
  t.true(mp.removeNode("Extra"));
  t.is(mp.getNode("Extra"), null, "removed: none");
  const main = mp.getNode("/root/Main");
  t.truthy(main);
  mp.rootPath = "/root/Game";
  t.is(mp.getNode("/root/Main"), null, "the same string under another root names another node");
  mp.rootPath = "/root";
  t.is(mp.getNode("/root/Main"), main);
});

test("past maxNodes, a node matched by a pattern still works but is sent by full path, with no cache id", (t) => {
  const g = new Game({ limits: { maxNodes: 2 } });
  const c = g.client(2);
  g.run();
  const got: string[] = [];
  c.mp.onRpcReceived = (node) => got.push(node.path);
  g.server.mp.rpc(2, "Main", "Zed"); // Main is remembered (1 of 2)
  g.run();
  const mark = g.mark;
  g.server.mp.rpc(2, "Main/Players/a", "hit"); // 2 of 2
  g.server.mp.rpc(2, "Main/Players/b", "hit"); // past the limit
  g.server.mp.rpc(2, "Main/Players/b", "hit");
  g.run();
  const fromServer = g.wire(mark).filter((w) => w.startsWith("1>2"));
  t.deepEqual(fromServer.slice(-2), [
    on(1, 2, `a0 06000080 01 ${ascii("Main/Players/b")}00`),
    on(1, 2, `a0 06000080 01 ${ascii("Main/Players/b")}00`),
  ]);
  t.is(fromServer.filter((w) => w.startsWith("1>2 01")).length, 1, "one SIMPLIFY_PATH, for a only");
  t.deepEqual(got, ["Main", "Main/Players/a", "Main/Players/b", "Main/Players/b"]);
});

test("one manifest, one set of tables: every SceneMultiplayer given it shares its node configs, and each keeps its own stats", (t) => {
  const g = new Game();
  const c = g.client(2);
  const d = g.client(3);
  g.run();
  // Method ids, names and MD5s are computed once per manifest, not once per bot.
  t.is(c.mp.node("Main/Players/4").config, d.mp.node("Main/Players/5").config);
  t.is(c.mp.node("Main").config, g.server.mp.node("Main").config);
  c.mp.node("Main/Players/9").onRpc("hit", () => {});
  g.server.mp.rpc(2, "Main/Players/9", "hit", []);
  g.run();
  t.is(c.mp.stats.byMethod.get("Main/Players/*:hit")?.callsIn, 1);
  t.is(d.mp.stats.byMethod.get("Main/Players/*:hit"), undefined);
  t.is(g.server.mp.stats.byMethod.get("Main/Players/*:hit")?.callsIn, 0);
});
