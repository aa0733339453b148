/**
 * A full SYNC nobody listens to is validated on receipt and kept as bytes; its values are decoded
 * when first read (issue #15, point 7: 1,000 bots following 100 entities each). What a reader sees
 * is what the eager decode gives, and a malformed entry is dropped on receipt as before.
 */
import test from "ava";
import fc from "fast-check";
import {
  decodeAndDecompressVariant,
  encodeAndCompressVariant,
  type RpcManifest,
} from "../../../src/scene/index.js";
import { Color, Transform2D, type Variant, Vector2, Vector3 } from "../../../src/variant/index.js";
import { REPL4_BENCH_MANIFEST, spawnPackets, syncPackets } from "../../bench/fixtures/repl4-packets.js";
import { variant } from "../../variant/arbitraries.js";
import { MANIFEST } from "./fixtures.js";
import { ascii, Game, le32, type Player } from "./game.js";
import { bytes } from "./hub.js";

const EMPTY_MD5 = "d41d8cd98f00b204e9800998ecf8427e";
const KEYS = ["a", "b", "c"] as const;
const LAZY: RpcManifest = {
  ...MANIFEST,
  synchronizers: {
    "Main/S": {
      root_path: "..",
      replication_interval: 0,
      delta_interval: 0,
      public_visibility: true,
      properties: KEYS.map((k) => ({ path: `.:${k}`, spawn: false, replication_mode: 1 })),
    },
  },
};

function send(g: Game, to: number, p: Uint8Array): void {
  g.hub.server.setTargetPeer(to);
  g.hub.server.putPacket(p);
  g.run();
}

/** A game whose clients 2 and 3 know Main/S by path cache id 1 (its SYNCs go by 0x80000001). */
function game(): { g: Game; eager: Player; lazy: Player } {
  const g = new Game({ manifest: LAZY });
  const eager = g.client(2);
  const lazy = g.client(3);
  g.run();
  const simplify = bytes(`01 ${ascii(EMPTY_MD5)} 00 ${le32(1)} ${ascii("Main/S")} 00`);
  send(g, 2, simplify);
  send(g, 3, simplify);
  // Someone listening to "changed" keeps the eager decode (old values compared).
  eager.mp.replication.on("changed", () => {});
  return { g, eager, lazy };
}

/** A full SYNC packet of one entry for Main/S at `time` with the state `state`. */
function syncPacket(time: number, state: Uint8Array): Uint8Array {
  const p = Buffer.alloc(11 + state.length);
  p[0] = 0x06;
  p.writeUInt16LE(time & 0xffff, 1);
  p.writeUInt32LE(0x80000001, 3);
  p.writeUInt32LE(state.length, 7);
  p.set(state, 11);
  return p;
}

const stateOf = (values: readonly Variant[]): Uint8Array =>
  Buffer.concat(values.map((v) => encodeAndCompressVariant(v)));

test("with nobody listening, SYNCs are kept as bytes: nothing is decoded until a property is read, then the last state's value", (t) => {
  const { g, lazy } = game();
  const r = lazy.mp.replication;
  for (let time = 1; time <= 20; time++)
    send(g, 3, syncPacket(time, stateOf([new Vector2(time, 0.5), time / 4, new Vector3(1, 2, time)])));
  t.is(r.stats.syncsIn, 20);
  t.is(r.keptValuesRead, 0, "no SYNC state decoded on receipt");
  const node = r.getNode("Main");
  t.deepEqual(node?.get("a"), new Vector2(20, 0.5));
  t.is(r.keptValuesRead, 1, "the read decodes the last state's value");
  t.is(node?.get("b"), 5);
  t.deepEqual(node?.properties.get("c"), new Vector3(1, 2, 20));
  t.is(r.keptValuesRead, 3, "every read decodes afresh: nothing decoded is kept");
  send(g, 3, syncPacket(21, stateOf([new Vector2(-1, -1), 0.25, new Vector3(0, 0, 0)])));
  t.is(r.keptValuesRead, 3);
  t.deepEqual(
    [...(node?.properties ?? [])],
    [
      ["a", new Vector2(-1, -1)],
      ["b", 0.25],
      ["c", new Vector3(0, 0, 0)],
    ],
  );
  t.is(r.keptValuesRead, 6);
  t.deepEqual(lazy.seen.drops, []);
});

test("a listener to changed or synchronized, or a waiter, gets every SYNC decoded on receipt with its events", (t) => {
  const { g, lazy } = game();
  const r = lazy.mp.replication;
  const seen: string[] = [];
  const on = (_n: unknown, k: string, v: Variant) => seen.push(`${k}=${String(v)}`);
  r.on("changed", on);
  send(g, 3, syncPacket(1, stateOf([1.5, 2.5, 3.5])));
  send(g, 3, syncPacket(2, stateOf([1.5, 2.75, 3.5])));
  t.deepEqual(seen, ["a=1.5", "b=2.5", "c=3.5", "b=2.75"], "old values compared exactly");
  r.off("changed", on);
  send(g, 3, syncPacket(3, stateOf([9.5, 2.75, 3.5])));
  r.on("changed", on);
  send(g, 3, syncPacket(4, stateOf([9.5, 0.5, 3.5])));
  t.deepEqual(
    seen.slice(4),
    ["b=0.5"],
    "a state kept as bytes is the old value the next one is compared with",
  );
  r.off("changed", on);
  r.on("synchronized", () => seen.push("synchronized"));
  send(g, 3, syncPacket(5, stateOf([0.125, 0.5, 3.5])));
  t.is(
    r.keptValuesRead,
    3,
    "only the state kept while nobody listened was read from bytes (as the old values)",
  );
  t.deepEqual(r.getNode("Main")?.get("a"), 0.125);
  t.is(seen.at(-1), "synchronized");
});

test("with nobody listening, a malformed SYNC entry is still dropped on receipt with Godot's reason, its values kept", (t) => {
  const { g, eager, lazy } = game();
  const good = stateOf([new Vector2(1, 2), 0.5, "name"]);
  send(g, 2, syncPacket(1, good));
  send(g, 3, syncPacket(1, good));
  const cases: [string, string][] = [
    // Meta type 63: no such Variant type.
    ["3f", "The sync state does not decode: unknown-type at offset 11: meta type 63"],
    // A Vector2 header with 4 of its 8 bytes.
    [
      "05000000 0000803f",
      "The sync state does not decode: truncated at offset 15: Vector2 needs 8 bytes, 4 left",
    ],
    // Two values of three.
    [
      "05000000 0000803f 0000803f 01",
      "The sync state does not decode: truncated at offset 24: 1 of 3 values missing",
    ],
  ];
  let time = 2;
  for (const [state, message] of cases) {
    for (const p of [eager, lazy]) {
      p.seen.drops.length = 0;
      send(g, p === eager ? 2 : 3, syncPacket(time, bytes(state)));
      t.deepEqual(
        p.seen.drops.map((d) => [d.reason, d.message, d.path]),
        [["sync-bad-state", message, "Main/S"]],
        state,
      );
    }
    time++;
  }
  t.deepEqual(
    [...(lazy.mp.replication.getNode("Main")?.properties ?? [])],
    [
      ["a", new Vector2(1, 2)],
      ["b", 0.5],
      ["c", "name"],
    ],
  );
});

test("fuzz: lazily read values equal eagerly decoded ones, and mutated entries get the same drops", (t) => {
  const fixed = fc.oneof(
    fc.float({ noDefaultInfinity: false }).map((x) => new Vector2(x, 1)),
    fc.tuple(fc.float(), fc.float(), fc.float()).map(([x, y, z]) => new Vector3(x, y, z)),
    fc.double(),
    fc.integer(),
    fc.boolean(),
  );
  const value = fc.oneof({ weight: 3, arbitrary: fixed }, { weight: 1, arbitrary: variant("godot4") });
  const entry = fc.record({
    values: fc.tuple(value, value, value),
    // A byte of the state overwritten (index, byte), or none.
    mutation: fc.option(fc.tuple(fc.nat(), fc.nat(255)), { nil: undefined }),
    cut: fc.option(fc.nat(), { nil: undefined }),
    read: fc.boolean(),
  });
  let decodedLazily = 0;
  let dropped = 0;
  fc.assert(
    fc.property(fc.array(entry, { minLength: 1, maxLength: 6 }), (entries) => {
      const { g, eager, lazy } = game();
      let time = 0;
      for (const e of entries) {
        let state = Buffer.from(stateOf(e.values));
        if (e.mutation) state[e.mutation[0] % state.length] = e.mutation[1];
        if (e.cut !== undefined) state = state.subarray(0, e.cut % (state.length + 1));
        const p = syncPacket(++time, state);
        send(g, 2, p);
        send(g, 3, p);
        const drops = (x: Player) => x.seen.drops.map((d) => [d.reason, d.message, d.path]);
        t.deepEqual(drops(lazy), drops(eager));
        if (e.read)
          t.deepEqual(
            [...(lazy.mp.replication.getNode("Main")?.properties ?? [])],
            [...(eager.mp.replication.getNode("Main")?.properties ?? [])],
          );
      }
      t.deepEqual(
        [...(lazy.mp.replication.getNode("Main")?.properties ?? [])],
        [...(eager.mp.replication.getNode("Main")?.properties ?? [])],
      );
      t.is(eager.mp.replication.keptValuesRead, 0);
      decodedLazily += lazy.mp.replication.keptValuesRead;
      dropped += lazy.seen.drops.length;
    }),
    { numRuns: 150 },
  );
  t.true(decodedLazily > 0 && dropped > 0, "both the kept states and the drops were exercised");
});

test("a despawned node's last SYNC stays readable, and its slot is given back (spawning again does not grow the buffer)", (t) => {
  const g = new Game({ manifest: REPL4_BENCH_MANIFEST });
  const c = g.client(2);
  g.run();
  const [simplify, ...spawns] = spawnPackets();
  send(g, 2, simplify as Buffer);
  const spawn = spawns[0] as Buffer;
  const r = c.mp.replication;
  let size = 0;
  for (let round = 1; round <= 50; round++) {
    send(g, 2, spawn);
    send(g, 2, syncPackets(round)[0] as Buffer);
    const node = r.getNode("Game/Entities/E0");
    send(g, 2, bytes("05 01000000"));
    t.is(r.getNode("Game/Entities/E0"), undefined);
    t.is(node?.get("rotation"), round / 100, "the value of the last SYNC, read after the despawn");
    if (round === 1) size = r.stateSlab.length;
  }
  t.is(r.stats.syncsIn, 50);
  t.is(r.stateSlab.length, size);
  t.deepEqual(c.seen.drops, []);
});

test("a state bigger than a slot is kept in a buffer of its own, and read the same", (t) => {
  const { g, eager, lazy } = game();
  const v = (x: number) => new Vector2(x, x + 1);
  const big = [0, 1, 2].map((i) => new Transform2D(v(i), v(i + 2), v(i + 4)));
  for (const [time, values] of [
    [1, big],
    [2, [1.5, 2.5, 3.5]],
    [3, big],
  ] as const) {
    const p = syncPacket(time, stateOf(values));
    send(g, 2, p);
    send(g, 3, p);
    t.deepEqual(
      [...(lazy.mp.replication.getNode("Main")?.properties ?? [])],
      [...(eager.mp.replication.getNode("Main")?.properties ?? [])],
    );
  }
  t.is(lazy.mp.replication.keptValuesRead, 9, "three reads of three values, none for moving the state");
});

test("a value read from a kept state is a fresh copy: mutating it changes neither the node nor the next read", (t) => {
  const { g, lazy } = game();
  const r = lazy.mp.replication;
  send(g, 3, syncPacket(1, stateOf([new Vector2(1, 2), new Vector3(3, 4, 5), new Color(0.5, 0.25, 1, 1)])));
  const node = r.getNode("Main");
  const a = node?.get("a") as Vector2;
  // Godot's Vector2 is a value type: a script changing its copy does not move the node.
  (a as { x: number }).x = 99;
  t.deepEqual(node?.get("a"), new Vector2(1, 2));
  t.not(node?.get("a"), node?.get("a"), "each read is its own value");
  const b = [...(node?.properties ?? [])][1]?.[1];
  (b as { z: number }).z = -1;
  t.deepEqual(node?.properties.get("b"), new Vector3(3, 4, 5));
  const seen: Variant[] = [];
  node?.properties.forEach((v) => {
    seen.push(v);
  });
  (seen[2] as { r: number }).r = 0;
  // As a Map's iterator: each step its own answer.
  const it = node?.properties.values();
  const first = it?.next();
  const second = it?.next();
  t.deepEqual([first?.value, second?.value], [new Vector2(1, 2), new Vector3(3, 4, 5)]);
  t.deepEqual(
    [...(node?.properties.values() ?? [])],
    [new Vector2(1, 2), new Vector3(3, 4, 5), new Color(0.5, 0.25, 1, 1)],
  );
  t.deepEqual(lazy.seen.drops, []);
});

test("a property read after two SYNCs gives the newer value, whether or not it was read in between", (t) => {
  const { g, eager, lazy } = game();
  for (const readBetween of [false, true]) {
    const base = readBetween ? 10 : 0;
    for (const [time, x] of [
      [base + 1, 1.5],
      [base + 2, 2.5],
    ] as const) {
      const p = syncPacket(time, stateOf([new Vector2(x, x), x, new Vector3(x, 0, 0)]));
      send(g, 2, p);
      send(g, 3, p);
      if (readBetween || time === base + 2) {
        t.deepEqual(lazy.mp.replication.getNode("Main")?.get("a"), new Vector2(x, x));
        t.is(lazy.mp.replication.getNode("Main")?.get("b"), x);
      }
    }
    t.deepEqual(
      [...(lazy.mp.replication.getNode("Main")?.properties ?? [])],
      [...(eager.mp.replication.getNode("Main")?.properties ?? [])],
    );
  }
});

test("set() on a property of a kept state holds until the next SYNC; the others read the state; delete and clear", (t) => {
  const { g, lazy } = game();
  const r = lazy.mp.replication;
  send(g, 3, syncPacket(1, stateOf([1.5, 2.5, 3.5])));
  const node = r.getNode("Main");
  node?.set("b", "mine");
  t.deepEqual(
    [...(node?.properties ?? [])],
    [
      ["a", 1.5],
      ["b", "mine"],
      ["c", 3.5],
    ],
  );
  send(g, 3, syncPacket(2, stateOf([4.5, 5.5, 6.5])));
  t.deepEqual(
    [...(node?.properties.entries() ?? [])],
    [
      ["a", 4.5],
      ["b", 5.5],
      ["c", 6.5],
    ],
    "the next SYNC is the value again, every property of it",
  );
  t.true(node?.properties.delete("a"));
  t.false(node?.properties.has("a"));
  t.is(node?.properties.size, 2);
  send(g, 3, syncPacket(3, stateOf([7.5, 8.5, 9.5])));
  t.is(node?.get("a"), 7.5, "a property deleted comes back with the next SYNC");
  node?.properties.clear();
  t.is(node?.properties.size, 0);
  send(g, 3, syncPacket(4, stateOf([0.5, 0.25, 0.125])));
  t.deepEqual([...(node?.properties.keys() ?? [])], ["a", "b", "c"]);
  t.is(node?.get("c"), 0.125);
  t.deepEqual(lazy.seen.drops, []);
});

test("a despawned node whose kept state was partly set by the script keeps its values when its slot goes to another", (t) => {
  const g = new Game({ manifest: REPL4_BENCH_MANIFEST });
  const c = g.client(2);
  g.run();
  const [simplify, ...spawns] = spawnPackets();
  send(g, 2, simplify as Buffer);
  send(g, 2, spawns[0] as Buffer);
  send(g, 2, syncPackets(1)[0] as Buffer);
  const r = c.mp.replication;
  const e0 = r.getNode("Game/Entities/E0");
  const expected = [...(e0?.properties ?? [])];
  e0?.set("velocity", new Vector2(-7, -7));
  expected[2] = ["velocity", new Vector2(-7, -7)];
  send(g, 2, bytes("05 01000000"));
  // E1 takes the freed slot and writes its own state there.
  send(g, 2, spawns[1] as Buffer);
  send(g, 2, syncPackets(2)[0] as Buffer);
  t.deepEqual([...(e0?.properties ?? [])], expected);
  t.is(e0?.get("rotation"), 1 / 100);
  t.is(r.getNode("Game/Entities/E1")?.get("rotation"), 3 / 100);
  t.deepEqual(c.seen.drops, []);
});

/** Fixed-size Godot 4 types by id, with their payload bytes (f32 or, with FLAG_64, f64 reals; Color always f32). */
const FIXED: readonly [type: number, narrow: number, wide: number][] = [
  [0, 0, 0],
  [3, 4, 8],
  [5, 8, 16],
  [6, 8, 8],
  [7, 16, 32],
  [8, 16, 16],
  [9, 12, 24],
  [10, 12, 12],
  [11, 24, 48],
  [12, 16, 32],
  [13, 16, 16],
  [14, 16, 32],
  [15, 16, 32],
  [16, 24, 48],
  [17, 36, 72],
  [18, 48, 96],
  [19, 64, 128],
  [20, 16, 16],
];

test("fuzz: a kept state of fixed-size values of every type and width reads as the generic codec decodes each value", (t) => {
  const word = fc.oneof(
    fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    fc.float().map((x) => new Int32Array(new Float32Array([x]).buffer)[0] as number),
    fc.constantFrom(0, 0x3f800000, 0x40000000, 0x80000000 | 0, 0x7fc00000),
  );
  const value = fc
    .record({
      type: fc.constantFrom(...FIXED),
      wide: fc.boolean(),
      flags: fc.constantFrom(0, 0x100, 0x20000),
      words: fc.array(word, { minLength: 32, maxLength: 32 }),
      small: fc.oneof(fc.boolean(), fc.integer(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
    })
    .map(({ type: [id, narrow, wide], wide: w, flags, words, small }) => {
      if (id === 0 && flags === 0 && !w) return encodeAndCompressVariant(small);
      const size = w ? wide : narrow;
      const out = Buffer.alloc(4 + size);
      out.writeUInt32LE((id | flags | (w ? 1 << 16 : 0)) >>> 0, 0);
      for (let i = 0; i < size / 4; i++) out.writeInt32LE(words[i] as number, 4 + 4 * i);
      // A whole-number FLOAT, which the codec keeps as a Float.
      if (id === 3 && (words[0] as number) % 5 === 0) {
        if (w) out.writeDoubleLE(Math.trunc((words[1] as number) / 1000), 4);
        else out.writeFloatLE(Math.trunc((words[1] as number) / 1e6), 4);
      }
      return new Uint8Array(out);
    });
  let kept = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(value, value, value), { minLength: 1, maxLength: 4 }), (states) => {
      const { g, eager, lazy } = game();
      let time = 0;
      for (const values of states) {
        const p = syncPacket(++time, Buffer.concat(values));
        send(g, 2, p);
        send(g, 3, p);
        t.deepEqual(lazy.seen.drops, eager.seen.drops);
        if (lazy.seen.drops.length > 0) continue;
        const generic = values.map((v) => decodeAndDecompressVariant(v).value);
        const before = lazy.mp.replication.keptValuesRead;
        t.deepEqual([...(lazy.mp.replication.getNode("Main")?.properties.values() ?? [])], generic);
        t.deepEqual([...(eager.mp.replication.getNode("Main")?.properties.values() ?? [])], generic);
        kept += lazy.mp.replication.keptValuesRead - before;
      }
    }),
    { numRuns: 300 },
  );
  t.true(kept > 0, "states were kept and read from bytes");
});
