/**
 * The Godot 4 example game on our Node server, over the in-memory hub (no sockets): its node tables
 * are the real game's (the manifest 4.6.3's scripts give), and what SceneMultiplayer's server side
 * does for it — greeting order, ADD_PEER/DEL_PEER, relay, rpc-mode refusals as 4.6.3's ERROR lines,
 * auth, kick — read through the same GameLog the real-engine tests use.
 */
import { readFileSync } from "node:fs";
import test from "ava";
import { type RpcManifest, SceneMultiplayer } from "../../../src/scene/index.js";
import { ExampleGame4, game4Manifest, show4 } from "../../../src/server/index.js";
import { Float, Vector2 } from "../../../src/variant/index.js";
import { GameLog } from "../../harness/godot4-game.js";
import { Hub, type HubPeer } from "../../scene/godot4/hub.js";

const FIXTURE: RpcManifest = JSON.parse(
  readFileSync(new URL("../../godot4/fixtures/game4-manifest.json", import.meta.url), "utf8"),
);

interface Client {
  mp: SceneMultiplayer;
  peer: HubPeer;
  calls: string[];
}

function setup(options: ConstructorParameters<typeof ExampleGame4>[0] = {}) {
  const hub = new Hub();
  const game = new ExampleGame4(options);
  game.host(hub.server, 0);
  const log = new GameLog(game.output);
  const client = (id?: number): Client => {
    const peer = hub.connect(id);
    const mp = new SceneMultiplayer({ manifest: game4Manifest(), autoProcess: true });
    mp.multiplayerPeer = peer;
    const calls: string[] = [];
    mp.onRpcReceived = (node, method, args, from) =>
      calls.push(`${node.path} ${method} ${from} ${args.map((a) => show4(a)).join(" ")}`);
    return { mp, peer, calls };
  };
  return { hub, game, log, client };
}

const withoutArgCounts = (m: RpcManifest) =>
  Object.fromEntries(
    Object.entries(m.nodes).map(([path, n]) => [
      path,
      [n.rpcs, n.node_rpcs ?? {}].map((rpcs) =>
        Object.fromEntries(
          Object.entries(rpcs).map(([name, c]) => [
            name,
            `${c.rpc_mode} ${c.call_local} ${c.transfer_mode} ${c.channel}`,
          ]),
        ),
      ),
    ]),
  );

test("game4 on Node: its node tables are the real game's (names, modes, transfer, channel per node)", (t) => {
  t.deepEqual(withoutArgCounts(game4Manifest()), withoutArgCounts(FIXTURE));
  const ours = new SceneMultiplayer({ manifest: game4Manifest() });
  const theirs = new SceneMultiplayer({ manifest: FIXTURE });
  for (const path of Object.keys(FIXTURE.nodes).map((p) => p.replace("*", "42"))) {
    t.is(ours.getRpcMd5(path), theirs.getRpcMd5(path), path);
  }
  // The MD5s 4.6.3 sent in SIMPLIFY_PATH (protocol-notes/godot4-captures.md).
  t.is(ours.getRpcMd5("Main"), "5f6847646f75ae5a0387122d07e62e11");
  t.is(ours.getRpcMd5("Main/World/Arena"), "277624946cda5df1cfa8de33a46b2cb9");
});

test("game4 on Node: join, chat, ping, echo get the real game's replies and EVT lines", (t) => {
  const { hub, log, client } = setup();
  const a = client(7);
  hub.run();
  const main = a.mp.getNode("Main");
  if (!main) throw new Error("no Main");
  main.rpcId(1, "join", "alice");
  main.rpcId(1, "chat", "hi");
  main.rpcId(1, "echo", 1, new Float(2.5), "three", new Vector2(4, 5));
  main.rpcId(1, "ping", 1);
  hub.run();
  t.deepEqual(
    log.events().map((e) => e.ev),
    ["listening", "peer_connected", "join", "chat", "echo", "ping"],
  );
  t.deepEqual(log.events("echo")[0]?.args, '[1, 2.5, "three", Vector2(4, 5)]');
  t.deepEqual(a.calls, [
    'Main welcome 1 7 { 7: "alice" }',
    'Main player_joined 1 7 "alice"',
    'Main chat_message 1 7 "hi"',
    'Main echoed 1 1 2.5 "three" Vector2(4, 5)',
    "Main pong 1 1",
  ]);
  t.deepEqual(log.errorLines(), []);
});

test("game4 on Node: authority and disabled calls are refused with 4.6.3's ERROR lines, the rest run", (t) => {
  const { hub, log, client } = setup();
  const a = client(5);
  hub.run();
  const arena = a.mp.getNode("Main/World/Arena");
  const main = a.mp.getNode("Main");
  if (!arena || !main) throw new Error("no Arena");
  for (const m of ["move", "zz_ordered", "_any_under", "Upper_any", "base_any", "alpha_local", "cfg_any"])
    arena.rpcId(1, m, m);
  for (const m of ["_auth_only", "Base_auth", "default_rpc", "cfg_auth", "cfg_disabled"])
    arena.rpcId(1, m, "refused");
  main.rpcId(1, "pong", -1);
  hub.run();
  t.deepEqual(
    log.events("call").map((e) => `${e.method} ${e.from} ${e.me} ${String(e.args)}`),
    ["move", "zz_ordered", "_any_under", "Upper_any", "base_any", "alpha_local", "cfg_any"].map(
      (m) => `${m} 5 1 "${m}"`,
    ),
  );
  t.deepEqual(
    log.refusals().map((r) => `${r.node} ${r.method} ${r.from} ${r.mode}`),
    [
      "/root/Main/World/Arena _auth_only 5 authority",
      "/root/Main/World/Arena Base_auth 5 authority",
      "/root/Main/World/Arena default_rpc 5 authority",
      "/root/Main/World/Arena cfg_auth 5 authority",
      "/root/Main/World/Arena cfg_disabled 5 disabled",
      "/root/Main pong 5 authority",
    ],
  );
  t.is(log.errorLines().length, 6);
  t.is(
    log.errorLines()[0],
    `ERROR: RPC '_auth_only' is not allowed on node /root/Main/World/Arena from: 5. Mode is "authority", authority is 1.`,
  );
});

test("game4 on Node: peers are announced and relayed; movers are their own authority", (t) => {
  const { hub, game, log, client } = setup();
  const a = client(2);
  const b = client(3);
  hub.run();
  t.deepEqual(a.mp.getPeers(), [1, 3]);
  t.deepEqual(b.mp.getPeers(), [1, 2]);
  for (const [c, name] of [
    [a, "a"],
    [b, "b"],
  ] as const)
    c.mp.getNode("Main")?.rpcId(1, "join", name);
  hub.run();
  // a's mover: its broadcast reaches the server and b; b cannot move it.
  for (const c of [a, b]) c.mp.getNode("Main/World/Players/2")?.setMultiplayerAuthority(2);
  a.mp.getNode("Main/World/Players/2")?.rpc("update_position", new Vector2(1, 2));
  b.mp.getNode("Main/World/Players/2")?.rpcId(1, "update_position", new Vector2(6, 6));
  a.mp.sendBytes(Uint8Array.of(21), 0);
  hub.run();
  t.deepEqual(
    log.events("position").map((e) => `${e.node} ${e.from} ${e.value}`),
    ["2 2 Vector2(1, 2)"],
  );
  t.deepEqual(
    log.refusals().map((r) => `${r.method} ${r.from}`),
    ["update_position 3"],
  );
  t.true(b.calls.includes("Main/World/Players/2 update_position 2 Vector2(1, 2)"));
  // Raw to 0 from a: b gets it relayed, the server runs it and echoes it back reversed.
  t.deepEqual(
    log.events("raw").map((e) => `${e.from} ${String(e.bytes)}`),
    ["2 21"],
  );
  // a leaves: b sees it go, and the game tells b player_left.
  hub.drop(a.peer);
  hub.run();
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      hub.run();
      t.deepEqual(b.mp.getPeers(), [1]);
      t.true(b.calls.includes("Main player_left 1 2"));
      t.deepEqual([...game.players.keys()], [3]);
      t.is(game.multiplayer.getNode("Main/World/Players/2"), null);
      resolve();
    }),
  );
});

test("game4 on Node: Control calls clients back (authority, call_local), sends raw to 0/-1/-X, kicks", (t) => {
  const { hub, log, client } = setup();
  const a = client(2);
  const b = client(3);
  hub.run();
  const control = a.mp.getNode("Main/Control");
  if (!control) throw new Error("no Control");
  control.rpcId(1, "call_peer", 2, "Main/World/Arena", "default_rpc", [2]);
  control.rpcId(1, "call_peer", 0, "Main/World/Arena", "Auth_local", ["from server"]);
  control.rpcId(1, "send_raw", -2, Uint8Array.of(12, 2));
  hub.run();
  t.true(a.calls.includes("Main/World/Arena default_rpc 1 2"));
  t.true(a.calls.includes('Main/World/Arena Auth_local 1 "from server"'));
  t.true(b.calls.includes('Main/World/Arena Auth_local 1 "from server"'));
  t.deepEqual(
    log.events("call").map((e) => `${e.method} ${e.from}`),
    ["Auth_local 1"],
  );
  control.rpcId(1, "kick", 3);
  hub.run();
  t.deepEqual(a.mp.getPeers(), [1]);
  t.deepEqual(
    log.events("peer_disconnected").map((e) => e.id),
    [3],
  );
  t.deepEqual(log.errorLines(), []);
});

test("game4 on Node: what a game script would get wrong is an ERROR line, never an exception", (t) => {
  const { hub, log, client } = setup();
  const a = client(2);
  hub.run();
  const control = a.mp.getNode("Main/Control");
  const main = a.mp.getNode("Main");
  if (!control || !main) throw new Error("no Control");
  control.rpcId(1, "call_peer", 99, "Main/World/Arena", "default_rpc", [1]); // unknown peer
  control.rpcId(1, "call_peer", 2, "Main/Nowhere", "x", []); // no such node
  control.rpcId(1, "call_peer", 2, "Main", "no_such_rpc", []); // not an rpc
  control.rpcId(1, "send_raw", 2, new Uint8Array(0)); // empty raw packet
  control.rpcId(1, "kick", "two"); // wrong type
  main.rpcId(1, "join"); // wrong count
  hub.run();
  t.deepEqual(log.errorLines(), [
    "ERROR: Attempt to call RPC with unknown peer ID: 99.",
    'ERROR: Node not found: "/root/Main/Nowhere" (relative to "/root/Main/Control").',
    'ERROR: Unable to get the RPC configuration for the function "no_such_rpc" at path: "/root/Main". This happens when the method is missing or not marked for RPCs in the local script.',
    "ERROR: Trying to send an empty raw packet.",
    "ERROR: RPC - 'Node(game4_control.gd)::kick': Cannot convert argument 1 from String to int",
    "ERROR: RPC - 'Node(game4.gd)::join': Method expected 1 argument(s), but called with 0",
  ]);
  t.deepEqual(a.mp.getPeers(), [1], "the client is still in");
});

test("game4 on Node with auth: good-* admitted, others kicked at once, silence timed out", (t) => {
  let now = 0;
  const { hub, game, log, client } = setup({ auth: true, authTimeout: 1, clock: () => now });
  const good = client(2);
  good.mp.authCallback = () => {};
  good.mp.on("peer_authenticating", (id) => {
    good.mp.sendAuth(id, Buffer.from("good-1"));
    good.mp.completeAuth(id);
  });
  const bad = client(3);
  bad.mp.authCallback = () => {};
  bad.mp.on("peer_authenticating", (id) => {
    bad.mp.sendAuth(id, Buffer.from("bad-1"));
    bad.mp.completeAuth(id);
  });
  client(4); // no auth callback: it sends nothing
  hub.run();
  t.deepEqual(
    log.events("auth").map((e) => `${e.id} ${e.token} ${e.ok}`),
    ["2 good-1 true", "3 bad-1 false"],
  );
  t.deepEqual(good.mp.getPeers(), [1]);
  t.deepEqual(
    log.events("peer_authentication_failed").map((e) => e.id),
    [3],
  );
  // Past auth_timeout: the next poll kicks the silent one (the game's own timer would too).
  now = 1500;
  game.multiplayer.poll();
  hub.run();
  t.deepEqual(
    log.events("peer_authentication_failed").map((e) => e.id),
    [3, 4],
  );
  t.deepEqual(
    log.events("peer_connected").map((e) => e.id),
    [2],
  );
  t.deepEqual(log.events("peer_disconnected"), [], "refused peers were never connected");
  t.deepEqual(log.errorLines(), []);
});
