/**
 * SceneReplicationInterface (Godot 4): SPAWN / DESPAWN / SYNC as a client receives them (the
 * packets are the 4.6.3 captures of the protocol reference, §8) and the SYNC a client sends for a
 * synchronizer it is the authority of (the "each client owns its player" pattern).
 */
import test from "ava";
import fc from "fast-check";
import {
  encodeAndCompressVariant,
  type RpcManifest,
  type SceneMultiplayer,
} from "../../../src/scene/index.js";
import { Vector2 } from "../../../src/variant/index.js";
import { MANIFEST } from "./fixtures.js";
import { ascii, Game, le32, type Player } from "./game.js";
import { bytes } from "./hub.js";

const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";
const REPL: RpcManifest = {
  ...MANIFEST,
  spawners: {
    "Main/Spawner": { spawn_path: "../World", spawnable_scenes: ["res://player.tscn"], spawn_limit: 0 },
  },
  synchronizers: {
    "Main/World/*/Sync": {
      root_path: "..",
      replication_interval: 0,
      delta_interval: 0,
      public_visibility: true,
      properties: [
        { path: ".:position", spawn: true, replication_mode: 1 },
        { path: ".:rotation", spawn: false, replication_mode: 2 },
      ],
    },
    "Main/StaticSync": {
      root_path: "..",
      replication_interval: 0,
      delta_interval: 0,
      public_visibility: true,
      properties: [{ path: "World:position", spawn: false, replication_mode: 1 }],
    },
  },
};

/** The server's SIMPLIFY_PATH naming `path` with cache id `id` (a node with no RPCs). */
const simplify = (id: number, path: string) => `01 ${ascii(EMPTY_MD5)} 00 ${le32(id)} ${ascii(path)} 00`;

function fromServer(g: Game, to: number, h: string): void {
  g.hub.server.setTargetPeer(to);
  g.hub.server.putPacket(bytes(h));
  g.run();
}

function setup(manifest: RpcManifest = REPL): { g: Game; c: Player; events: string[] } {
  const g = new Game({ manifest });
  const c = g.client(2);
  g.run();
  const events: string[] = [];
  const r = c.mp.replication;
  r.on("spawned", (n) => events.push(`spawned ${n.path}`));
  r.on("despawned", (n) => events.push(`despawned ${n.path}`));
  r.on("changed", (n, k, v) => events.push(`changed ${n.path} ${k}=${String(v)}`));
  fromServer(g, 2, simplify(2, "Main/Spawner"));
  // The client's CONFIRM_PATH of that id: our server never gave it (it was injected), a silent drop.
  t_drops(g);
  return { g, c, events };
}

function t_drops(g: Game): void {
  const d = g.server.seen.drops;
  if (d.length !== 1 || d[0]?.reason !== "confirm-unknown-id")
    throw new Error(`unexpected drops ${JSON.stringify(d)}`);
  d.length = 0;
}

// The 4.6.3 captures (godot4-protocol.md §8).
const CUSTOM_SPAWN =
  "04 ff 02000000 01000000 01000000 04000000 02000000 31303000" +
  " 1c000000 1b000000 01000000 04000000 02000000 69640000 02000000 64000000" +
  " 05000000 00002041 0000a041";
const SYNC_T45 = "06 2d00 02000000 0c000000 05000000 00002041 0000a041";
const DELTA_ROT = "16 02000000 0100000000000000 08000000 03000000 00009241";

test("SPAWN (custom, 0xFF): the node under spawn_path, its argument, its synchronizer's net id, its spawn state", (t) => {
  const { g, c, events } = setup();
  fromServer(g, 2, CUSTOM_SPAWN);
  t.deepEqual(c.seen.drops, []);
  t.deepEqual(c.seen.manifest, [], "spawner and synchronizers are known nodes with no RPCs");
  const n = c.mp.replication.getNode("Main/World/100");
  t.truthy(n);
  t.is(n?.name, "100");
  t.is(n?.spawner, "Main/Spawner");
  t.is(n?.sceneIndex, null);
  t.deepEqual(n?.spawnArgument, new Map([["id", 100]]));
  t.is(n?.netId, 1);
  t.deepEqual(n?.get("position"), new Vector2(10, 20));
  t.is(n?.synchronizers[0]?.netId, 2);
  t.deepEqual(events, ["changed Main/World/100 position=Vector2(10, 20)", "spawned Main/World/100"]);
});

test("full SYNC by net id, delta SYNC by ON_CHANGE index, DESPAWN", (t) => {
  const { g, c, events } = setup();
  fromServer(g, 2, CUSTOM_SPAWN);
  fromServer(g, 2, "06 2d00 02000000 0c000000 05000000 00003041 0000a041");
  const n = c.mp.replication.getNode("Main/World/100");
  t.deepEqual(n?.get(".:position"), new Vector2(11, 20));
  fromServer(g, 2, DELTA_ROT);
  t.is(n?.get("rotation"), 18.25);
  t.is(c.mp.replication.stats.syncsIn, 1);
  t.is(c.mp.replication.stats.deltasIn, 1);
  fromServer(g, 2, "05 01000000");
  t.is(c.mp.replication.getNode("Main/World/100"), undefined);
  t.deepEqual(events.slice(-3), [
    "changed Main/World/100 position=Vector2(11, 20)",
    "changed Main/World/100 rotation=18.25",
    "despawned Main/World/100",
  ]);
  t.deepEqual(c.seen.drops, []);
});

test("full SYNC of a static synchronizer by 0x80000000 | its path cache id", (t) => {
  const { g, c } = setup();
  fromServer(g, 2, simplify(1, "Main/StaticSync"));
  fromServer(g, 2, "06 9300 01000080 0c000000 05000000 00000000 00805943");
  t.deepEqual(c.mp.replication.getNode("Main")?.get("World:position"), new Vector2(0, 217.5));
  t.deepEqual(c.seen.drops, []);
});

test("stale syncs are dropped as update_inbound_sync_time does (u16, with wraparound); unknown net ids skipped", (t) => {
  const { g, c } = setup();
  fromServer(g, 2, CUSTOM_SPAWN);
  const n = c.mp.replication.getNode("Main/World/100");
  const sync = (time: number, x: number) => {
    const b = Buffer.from(bytes(SYNC_T45));
    b.writeUInt16LE(time, 1);
    b.writeFloatLE(x, 15);
    fromServer(g, 2, b.toString("hex"));
    return (n?.get("position") as Vector2 | undefined)?.x;
  };
  t.is(sync(45, 1), 1, "the first is always taken");
  t.is(sync(44, 2), 1, "older: dropped");
  t.is(sync(45, 3), 1, "the same time: dropped");
  t.is(sync(65535, 4), 4, "newer by less than half the range");
  t.is(sync(10, 5), 5, "past the wrap: newer");
  t.is(sync(65534, 6), 6, "far above: taken too (Godot only looks downward)");
  t.is(sync(40000, 7), 6, "below by less than half the range: older");
  t.is(c.mp.replication.stats.syncsStale, 3);
  fromServer(g, 2, `06 0b00 ${le32(77)} 0c000000 05000000 00002041 0000a041 ${SYNC_T45.slice(8)}`);
  t.is(c.mp.replication.stats.syncsUnknown, 1);
  t.is(c.mp.replication.stats.syncsIn, 5, "the entry after the unknown one is read");
});

test("several synchronizers bundled in one SYNC", (t) => {
  const { g, c } = setup();
  fromServer(g, 2, CUSTOM_SPAWN);
  fromServer(
    g,
    2,
    CUSTOM_SPAWN.replace(
      "01000000 01000000 04000000 02000000 31303000",
      "05000000 01000000 04000000 06000000 31303100",
    ),
  );
  fromServer(
    g,
    2,
    `06 3000 02000000 0c000000 05000000 00008040 00008040 06000000 0c000000 05000000 0000a040 0000a040`,
  );
  t.deepEqual(c.mp.replication.getNode("Main/World/100")?.get("position"), new Vector2(4, 4));
  t.deepEqual(c.mp.replication.getNode("Main/World/101")?.get("position"), new Vector2(5, 5));
  t.deepEqual(c.seen.drops, []);
});

test('SPAWN by scene index (the capture: scene 0, no synchronizer, "Scn")', (t) => {
  const { g, c } = setup({ ...REPL, synchronizers: {} });
  fromServer(g, 2, "04 00 02000000 03000000 00000000 04000000 53636e00");
  const n = c.mp.replication.getNode("Main/World/Scn");
  t.is(n?.sceneIndex, 0);
  t.is(n?.scene, "res://player.tscn");
  t.deepEqual(c.seen.drops, []);
});

test("each malformed SPAWN / DESPAWN / SYNC: the reason and message Godot 4 gives, in its order", (t) => {
  const { g, c } = setup();
  const cases: [string, string, string][] = [
    ["04 ff 02000000", "spawn-too-short", "Invalid spawn packet received"],
    [
      "04 ff 09000000 01000000 00000000 02000000 4100",
      "spawn-unknown-spawner",
      "ID 9 not found in cache of peer 1.",
    ],
    [
      "04 ff 02000000 01000000 00000000 09000000 4100",
      "spawn-bad-size",
      "Invalid spawn packet size: 20, wants: 27",
    ],
    [
      "04 ff 02000000 01000000 ffffffff 02000000 4100",
      "spawn-bad-size",
      "Invalid spawn packet size: 20, wants: 17179869200",
    ],
    ["04 ff 02000000 01000000 00000000 00000000 4100", "spawn-empty-name", "Zero spawn name size."],
    [
      "04 ff 02000000 01000000 00000000 04000000 612e6200",
      "spawn-bad-name",
      "Invalid node name received: 'a.b'. Make sure to add nodes via 'add_child(node, true)' remotely.",
    ],
    [
      "04 ff 02000000 01000000 00000000 02000000 4100",
      "spawn-bad-argument",
      'Condition "p_buffer_len - ofs < 4" is true. Returning: ERR_INVALID_DATA',
    ],
    [
      "04 ff 02000000 01000000 00000000 02000000 4100 ffffffff",
      "spawn-bad-argument",
      'Condition "arg_size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
    ],
    [
      "04 03 02000000 01000000 00000000 02000000 4100",
      "spawn-unknown-scene",
      "Index p_id = 3 is out of bounds (spawnable_scenes.size() = 1).",
    ],
    [
      "04 00 02000000 01000000 00000000 02000000 4100",
      "spawn-missing-sync-id",
      'The MultiplayerSynchronizer at path "Main/World/A/Sync" is unable to process the pending spawn since it has no network ID.',
    ],
    [
      "04 00 02000000 01000000 00000000 02000000 4100",
      "spawn-name-exists",
      'Condition "parent->has_node(name)" is true. Returning: ERR_INVALID_DATA',
    ],
    [
      "04 00 02000000 01000000 01000000 02000000 07000000 4200 ff",
      "spawn-net-id-in-use",
      'Condition "peers_info[p_from].recv_nodes.has(net_id)" is true. Returning: ERR_ALREADY_IN_USE',
    ],
    [
      "04 00 02000000 02000000 01000000 02000000 07000000 4300 ff",
      "spawn-bad-state",
      "The spawn state does not decode: unknown-type at offset 24: meta type 63",
    ],
    ["05 01", "despawn-too-short", "Invalid spawn packet received"],
    [
      "05 09000000",
      "despawn-unknown",
      'Condition "!pinfo.recv_nodes.has(net_id)" is true. Returning: ERR_UNAUTHORIZED',
    ],
    [
      "06 0100 07000000 ff000000 00",
      "sync-bad-size",
      'Condition "size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
    ],
    [
      "16 99000000 0100000000000000 00000000 00",
      "sync-not-authority",
      "Ignoring delta for non-authority or invalid synchronizer.",
    ],
    [
      "16 99000000 0100000000000000 ffffffff 00",
      "sync-bad-size",
      'Condition "size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
    ],
  ];
  for (const [h, reason, message] of cases) {
    c.seen.drops.length = 0;
    fromServer(g, 2, h);
    t.deepEqual(
      c.seen.drops.map((d) => [d.reason, d.message]),
      [[reason, message]],
      h,
    );
  }
  t.deepEqual(c.mp.getPeers(), [1], "none of them closes the connection");
});

test("malformed delta SYNC for a known synchronizer: no property by its bits, or bytes left over", (t) => {
  const { g, c } = setup();
  fromServer(g, 2, CUSTOM_SPAWN);
  for (const [h, reason, message] of [
    [
      "16 02000000 0200000000000000 01000000 00",
      "delta-no-properties",
      'Condition "props.is_empty()" is true. Returning: ERR_INVALID_DATA',
    ],
    [
      "16 02000000 0100000000000000 09000000 03000000 00009241 00",
      "sync-bad-state",
      'Condition "uint32_t(consumed) != size" is true. Returning: ERR_INVALID_DATA',
    ],
  ] as const) {
    c.seen.drops.length = 0;
    fromServer(g, 2, h);
    t.deepEqual(
      c.seen.drops.map((d) => [d.reason, d.message]),
      [[reason, message]],
      h,
    );
  }
});

test("a SPAWN or DESPAWN from a peer that is not the spawner's authority is refused", (t) => {
  const { g, c } = setup();
  c.mp.replication.setSpawnerAuthority("Main/Spawner", 3);
  fromServer(g, 2, CUSTOM_SPAWN);
  t.deepEqual(
    c.seen.drops.map((d) => d.reason),
    ["spawn-not-authority"],
  );
  t.is(c.mp.replication.nodes.size, 0);
});

test("fuzz: mutated SPAWN / SYNC / DESPAWN packets: no throw escapes, bounded, every drop named", (t) => {
  const { g, c } = setup();
  c.mp.removeAllListeners("script_error");
  const seeds = [
    CUSTOM_SPAWN,
    SYNC_T45,
    DELTA_ROT,
    "05 01000000",
    "04 00 02000000 03000000 00000000 04000000 53636e00",
  ].map(bytes);
  let bad: string | null = null;
  c.mp.on("packet_dropped", (d) => {
    if (d.message === "" && d.reason !== "confirm-unknown-id") bad = `${d.reason} without a message`;
  });
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.nat(40),
      (seed, flips, cut) => {
        const p = Uint8Array.from(seed);
        for (const [at, v] of flips) p[at % p.length] = v;
        const q = cut < 30 ? p.subarray(0, Math.floor((p.length * cut) / 30)) : p;
        if (q.length === 0) return true;
        g.hub.server.setTargetPeer(2);
        g.hub.server.putPacket(q);
        g.run();
        return bad === null;
      },
    ),
    { numRuns: 5000 },
  );
  t.is(bad, null, String(bad));
  t.true(c.mp.replication.nodes.size < 5000);
  t.deepEqual(c.mp.getPeers(), [1]);
});

// ---- what a client sends ----

/** Client 2 owns its player "Main/World/2" (authority = the name, as the game's script sets it); the server knows the same. */
function owned(mp: SceneMultiplayer): void {
  mp.replication.synchronizerAuthority = (_path, node, spawner) => Number(node.name) || spawner;
}

const PLAYER_SPAWN = "04 00 02000000 01000000 00000000 02000000 3200";
const HP: RpcManifest = {
  ...REPL,
  synchronizers: {
    "Main/World/*/Sync": {
      root_path: "..",
      replication_interval: 0.1,
      delta_interval: 0,
      public_visibility: true,
      properties: [
        { path: ".:position", spawn: true, replication_mode: 1 },
        { path: ".:hp", spawn: false, replication_mode: 2 },
      ],
    },
  },
};

test("a client that owns its player's synchronizer: SIMPLIFY_PATH, then SYNC by path id per frame with the u16 time, delta when hp changes", (t) => {
  const { g, c } = setup(HP);
  owned(c.mp);
  owned(g.server.mp);
  // The server spawns the player (its SPAWN carries no sync id: the server is not its authority).
  g.server.mp.replication.spawn("Main/Spawner", "2", { scene: 0 });
  g.run();
  t.deepEqual(c.seen.drops, [], "no sync id is wanted: the server is not its authority");
  const me = c.mp.replication.getNode("Main/World/2");
  t.truthy(me);
  t.is(c.mp.replication.ownedSynchronizers.size, 1);
  me?.set("position", new Vector2(1, 2));
  me?.set("hp", 100);
  const r = c.mp.replication;
  let mark = g.mark;
  r.process(1_000_000);
  t.deepEqual(
    g.wire(mark),
    [`2>1 01${ascii(EMPTY_MD5)}00${le32(1)}${ascii("Main/World/2/Sync")}00`],
    "frame 1 (time 1): the path first, no SYNC before the server confirms it",
  );
  g.run();
  mark = g.mark;
  r.process(1_050_000);
  const pos = Buffer.from(encodeAndCompressVariant(new Vector2(1, 2))).toString("hex");
  const hp = Buffer.from(encodeAndCompressVariant(100)).toString("hex");
  t.deepEqual(g.wire(mark), [
    `2>1 060200${le32(0x80000001)}${le32(pos.length / 2)}${pos}`,
    `2>1 16${le32(0x80000001)}0100000000000000${le32(hp.length / 2)}${hp}`,
  ]);
  g.run();
  const onServer = g.server.mp.replication.getNode("Main/World/2");
  t.deepEqual(onServer?.get("position"), new Vector2(1, 2));
  t.is(onServer?.get("hp"), 100);
  mark = g.mark;
  me?.set("position", new Vector2(3, 4));
  r.process(1_100_000);
  t.deepEqual(
    g.wire(mark),
    [],
    "replication_interval 0.1 s: not due yet (50 ms since), hp unchanged: no delta",
  );
  r.process(1_150_000);
  const pos2 = Buffer.from(encodeAndCompressVariant(new Vector2(3, 4))).toString("hex");
  t.deepEqual(
    g.wire(mark),
    [`2>1 060400${le32(0x80000001)}${le32(pos2.length / 2)}${pos2}`],
    "time 4: one per frame",
  );
  g.run();
  t.deepEqual(onServer?.get("position"), new Vector2(3, 4));
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.reason, d.message]),
    [],
  );
  t.is(r.stats.syncsOut, 2);
  t.is(r.stats.deltasOut, 1);
});

test("a frozen client sends no SYNC; a synchronizer the client does not own is never sent", (t) => {
  const { g, c } = setup(HP);
  owned(c.mp);
  fromServer(g, 2, PLAYER_SPAWN);
  fromServer(g, 2, "04 00 02000000 05000000 00000000 02000000 3300");
  c.mp.replication.getNode("Main/World/3")?.set("position", new Vector2(9, 9));
  c.mp.replication.frozen = true;
  c.mp.replication.getNode("Main/World/2")?.set("position", new Vector2(1, 2));
  const mark = g.mark;
  c.mp.replication.process(1_000_000);
  c.mp.replication.process(2_000_000);
  t.deepEqual(g.wire(mark), []);
  c.mp.replication.frozen = false;
  c.mp.replication.process(3_000_000);
  t.is(g.wire(mark).length, 1, "the SIMPLIFY_PATH of its own synchronizer only");
});

test("delta_interval: ON_CHANGE values are watched at most once per interval, and the delta carries what the watch saw", (t) => {
  const slow: RpcManifest = {
    ...HP,
    synchronizers: {
      "Main/World/*/Sync": {
        ...HP.synchronizers!["Main/World/*/Sync"]!,
        replication_interval: 10,
        delta_interval: 0.1,
      },
    },
  };
  const { g, c } = setup(slow);
  owned(c.mp);
  fromServer(g, 2, PLAYER_SPAWN);
  const me = c.mp.replication.getNode("Main/World/2");
  me?.set("position", new Vector2(0, 0));
  me?.set("hp", 100);
  const r = c.mp.replication;
  r.process(1_000_000); // watch at 1.0 s; the path goes out first
  g.run();
  const deltas = (mark: number) => g.wire(mark).filter((w) => w.startsWith("2>1 16"));
  const hp = (v: number) => Buffer.from(encodeAndCompressVariant(v)).toString("hex");
  let mark = g.mark;
  r.process(1_050_000);
  t.deepEqual(deltas(mark), [`2>1 16${le32(0x80000001)}0100000000000000${le32(2)}${hp(100)}`]);
  mark = g.mark;
  me?.set("hp", 90);
  r.process(1_070_000);
  t.deepEqual(deltas(mark), [], "not watched again before 1.1 s");
  me?.set("hp", 80);
  r.process(1_100_000);
  t.deepEqual(
    deltas(mark),
    [`2>1 16${le32(0x80000001)}0100000000000000${le32(2)}${hp(80)}`],
    "the value at the watch",
  );
});
