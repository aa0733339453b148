/**
 * Bad input from a server or from a client: every malformed packet is dropped with the reason
 * Godot 4 gives, in its order of checks, counted; nothing throws out of the SceneMultiplayer,
 * nothing hangs, and a length field claiming 4 GB allocates nothing.
 */
import test from "ava";
import fc from "fast-check";
import type { SceneDropReason4 } from "../../../src/scene/index.js";
import { Game, le32 } from "./game.js";
import { bytes } from "./hub.js";

/** Every drop reason there is: a drop with any other (or none) fails the fuzz below. */
const REASONS: readonly SceneDropReason4[] = [
  "pending-peer",
  "unknown-peer",
  "auth-after-admit",
  "too-short",
  "unknown-command",
  "unknown-sys-command",
  "sys-peer-refused",
  "relay-disabled",
  "relay-unknown-target",
  "relay-not-from-server",
  "bad-node-id-mode",
  "bad-path-offset",
  "unknown-node",
  "no-peer-cache",
  "unknown-cache-id",
  "duplicate-cache-id",
  "cache-full",
  "confirm-unknown-id",
  "confirm-not-requested",
  "unknown-method",
  "not-allowed",
  "spawn-too-short",
  "spawn-unknown-spawner",
  "spawn-not-authority",
  "spawn-bad-size",
  "spawn-empty-name",
  "spawn-bad-name",
  "spawn-no-parent",
  "spawn-name-exists",
  "spawn-bad-argument",
  "spawn-limit",
  "spawn-no-function",
  "spawn-unknown-scene",
  "spawn-net-id-in-use",
  "spawn-missing-sync-id",
  "spawn-bad-state",
  "spawn-unused-sync-ids",
  "despawn-too-short",
  "despawn-unknown",
  "despawn-not-authority",
  "sync-too-short",
  "sync-bad-size",
  "sync-unknown-cache-id",
  "sync-not-authority",
  "sync-bad-state",
  "delta-no-properties",
];
/** Drops Godot makes without a word (we still count and name them). */
const SILENT: readonly SceneDropReason4[] = ["relay-unknown-target", "confirm-unknown-id"];

test("each malformed packet from a client: the reason and message Godot 4 gives", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  c.mp.rpc(1, "Main", "c_hello", ["x"]); // the server caches Main as client id 1
  g.run();
  const cases: [string, SceneDropReason4, string][] = [
    ["", "too-short", "Invalid packet received. Size too small."],
    ["00", "too-short", "Invalid packet received. Size too small."],
    ["30 01 00", "bad-node-id-mode", "Was not possible to extract the node id compression mode."],
    ["10 01 00", "too-short", "Invalid packet received. Size too small."],
    ["20 40000080 03 01", "bad-path-offset", "Invalid packet received. Size smaller than declared."],
    ["20 06000080 03 4d61696e00", "too-short", "Invalid packet received. Size too small."],
    ["20 06000080 03 4e6f6e6500", "unknown-node", "Failed to get path from RPC: None."],
    ["00 09 03 01", "unknown-cache-id", "ID 9 not found in cache of peer 2."],
    ["00 01 03", "too-short", "Invalid packet received. Size too small."],
    ["01 00", "too-short", "Invalid packet received. Size too small."],
    [
      `01 ${"61".repeat(32)} 00 01000000 4d61696e00`,
      "duplicate-cache-id",
      "Duplicate remote cache ID 1 for peer 2",
    ],
    ["02 01 01000000 00", "too-short", "Invalid packet received. Size too small."],
    ["02 01 07000000", "confirm-unknown-id", ""],
    ["03", "too-short", "Invalid packet received. Size too small."],
    ["04 00", "spawn-too-short", "Invalid spawn packet received"],
    ["05 00", "despawn-too-short", "Invalid spawn packet received"],
    ["06 00", "sync-too-short", "Invalid sync packet received"],
    ["07", "too-short", "Invalid packet received. Size too small."],
    ["07 03 000000", "too-short", "Invalid packet received. Size too small."],
    ["07 03 00000000", "too-short", 'Condition "p_packet_len < SYS_CMD_SIZE + 1" is true.'],
    ["07 09 00000000", "unknown-sys-command", "Method/function failed."],
    ["07 00 01", "auth-after-admit", 'Condition "len != 2" is true. Continuing.'],
    ["0f 09 00000000", "unknown-sys-command", "Method/function failed."],
    ["0f 00 00000000", "auth-after-admit", 'Condition "len != 2" is true. Continuing.'],
  ];
  for (const [h, reason, message] of cases) {
    g.server.seen.drops.length = 0;
    c.peer.putPacket(bytes(h));
    g.run();
    t.deepEqual(
      g.server.seen.drops.map((d) => [d.reason, d.message]),
      [[reason, message]],
      h,
    );
  }
  t.deepEqual(g.server.mp.getPeers(), [2], "none of them closes the connection");
});

test("each malformed packet from the server, on a client: the same checks", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const send = (h: string) => {
    g.hub.server.setTargetPeer(2);
    g.hub.server.putPacket(bytes(h));
    g.run();
  };
  send("0703 05000000 0301"); // relayed from an origin the client does not know: RAW needs no cache
  t.deepEqual(c.seen.raw, [[5, "\x01"]]);
  send("0703 05000000 800100"); // but a cached id from it does
  send(`0701 ${le32(9)}`);
  send(`0702 ${le32(9)}`); // ADD then DEL from the server: fine
  send(`0703 05000000 01 ${"30".repeat(32)} 00 01000000 4d61696e00`);
  t.deepEqual(
    c.seen.drops.map((d) => [d.reason, d.message]),
    [
      ["no-peer-cache", 'Parameter "pinfo" is null.'],
      ["unknown-peer", 'Condition "!peers_info.has(p_from)" is true.'],
    ],
  );
  t.deepEqual(c.mp.getPeers(), [1]);
});

test("a length field claiming 4 GB allocates nothing: the argument is refused, the call runs with null", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const got: unknown[][] = [];
  g.server.mp.node("Main").onRpc("c_hello", (...a) => got.push(a));
  for (const claim of [
    "04000000 ffffffff",
    "1d000000 ffffffff",
    "1c000000 ffffffff",
    "1b000000 ffffffff",
    "22000000 ffffffff",
  ]) {
    c.peer.putPacket(bytes(`20 0f000080 03 01 ${claim} 4d61696e00`));
  }
  const before = process.memoryUsage().arrayBuffers;
  g.run();
  t.true(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  t.deepEqual(got, [[null], [null], [null], [null], [null]]);
  t.is(g.server.mp.stats.errors.get("bad-argument"), 5);
});

test("bounded path cache: past its entries or bytes, SIMPLIFY_PATH is a named drop (cache-full)", (t) => {
  const g = new Game({ limits: { maxEntriesPerPeer: 2, maxPathBytesPerPeer: 40 } });
  const c = g.client(2);
  g.run();
  const simplify = (id: number, path: string) =>
    c.peer.putPacket(bytes(`01 ${"30".repeat(32)} 00 ${le32(id)} ${Buffer.from(path).toString("hex")}00`));
  simplify(1, "Main");
  simplify(2, "Main/Child");
  simplify(3, "Main/Players/x");
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.reason, d.path]),
    [["cache-full", "Main/Players/x"]],
  );
  const g2 = new Game({ limits: { maxPathBytesPerPeer: 12 } });
  const c2 = g2.client(2);
  g2.run();
  c2.peer.putPacket(
    bytes(`01 ${"30".repeat(32)} 00 01000000 ${Buffer.from("Main/Players/long").toString("hex")}00`),
  );
  g2.run();
  t.deepEqual(
    g2.server.seen.drops.map((d) => d.reason),
    ["cache-full"],
  );
});

/** Valid packets of every kind, as a session between two SceneMultiplayers sends them. */
function corpus(): Uint8Array[] {
  const g = new Game();
  const a = g.client(2);
  g.client(3);
  g.run();
  g.server.mp.rpc(2, "Main", "r_three", ["s", 1.5, [1, new Map([["k", 2]])]]);
  a.mp.rpc(0, "Main/Players/2", "chat", ["hello"]);
  a.mp.rpc(1, "Main", "cfg_rpc", [Uint8Array.of(1, 2)]);
  a.mp.sendBytes(Uint8Array.of(9, 9), 3);
  g.run();
  a.mp.rpc(0, "Main/Players/2", "chat", ["again"]);
  g.server.mp.rpc(0, "Main/Child", "child_rpc", [300, -70000, 2n ** 60n, true]);
  g.run();
  return g.hub.wire.map((r) => bytes(r.hex));
}

const packet = (seeds: Uint8Array[]) =>
  fc.oneof(
    fc.uint8Array({ maxLength: 80 }),
    fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
        fc.nat(100),
      )
      .map(([seed, flips, cut]) => {
        const p = Uint8Array.from(seed);
        for (const [at, v] of flips) if (p.length) p[at % p.length] = v;
        return cut < 30 ? p.subarray(0, Math.floor((p.length * cut) / 30)) : p;
      }),
    fc.tuple(fc.nat(7), fc.uint8Array({ maxLength: 40 })).map(([cmd, rest]) => Uint8Array.of(cmd, ...rest)),
  );

test("fuzz: random and mutated packets, both directions: no throw escapes, every drop has a reason", (t) => {
  const seeds = corpus();
  t.true(seeds.length > 15);
  const g = new Game();
  const a = g.client(2);
  const b = g.client(3);
  g.run();
  for (const p of [g.server, a, b]) {
    p.mp.removeAllListeners("script_error");
    p.mp.on("script_error", () => {});
    p.mp.allowObjectDecoding = false;
  }
  let drops = 0;
  let bad: string | null = null;
  for (const p of [g.server, a, b]) {
    p.mp.on("packet_dropped", (d) => {
      drops++;
      if (!REASONS.includes(d.reason)) bad = `unknown reason ${d.reason}`;
      else if (d.message === "" && !SILENT.includes(d.reason)) bad = `${d.reason} without Godot's message`;
    });
  }
  fc.assert(
    fc.property(packet(seeds), fc.constantFrom("a>s", "b>s", "s>a", "s>b"), (p, route) => {
      if (route === "a>s") a.peer.putPacket(p);
      else if (route === "b>s") b.peer.putPacket(p);
      else {
        g.hub.server.setTargetPeer(route === "s>a" ? 2 : 3);
        g.hub.server.putPacket(p);
      }
      g.run();
      return bad === null;
    }),
    { numRuns: 20_000 },
  );
  t.is(bad, null);
  const counted = [g.server, a, b].reduce(
    (n, p) => n + [...p.mp.stats.dropped.values()].reduce((x, y) => x + y, 0),
    0,
  );
  t.is(counted, drops, "every drop is counted once");
  t.true(drops > 1000);
  // Still working afterwards.
  a.mp.sendBytes(Uint8Array.of(1), 1);
  g.run();
  t.deepEqual(g.server.seen.raw.at(-1), [2, "\x01"]);
});

test("what a handler gets is its own copy, even when the peer hands over a Buffer it reuses", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const shared = Buffer.from([0x03, 0x61, 0x62]);
  const payloads: Uint8Array[] = [];
  c.mp.on("peer_packet", (_id, p) => payloads.push(p));
  c.peer.receive({ from: 1, packet: shared, mode: 2, channel: 0 });
  shared[1] = 0x7a;
  t.deepEqual([...(payloads[0] ?? [])], [0x61, 0x62]);
  t.false(Buffer.isBuffer(payloads[0]));
});
