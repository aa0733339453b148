/**
 * A full SYNC entry names its synchronizer by the net id its SPAWN gave. The receipt guesses the
 * next entry from the order of the last SYNC (a game sends its synchronizers in the same order
 * every tick) and checks the guess against the net id: whatever the order, and after a despawn
 * gives a net id to another spawn, each state lands on its own node, as a lookup would place it.
 */
import test from "ava";
import { encodeAndCompressVariant } from "../../../src/scene/index.js";
import { type Variant, Vector2 } from "../../../src/variant/index.js";
import { REPL4_BENCH_MANIFEST, spawnPackets } from "../../bench/fixtures/repl4-packets.js";
import { Game } from "./game.js";

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const state = (x: number): Buffer =>
  Buffer.concat(
    ([new Vector2(x, 0), 0, new Vector2(0, 0)] as Variant[]).map((v) => encodeAndCompressVariant(v)),
  );

/** SPAWN of Game/Entities/<name> (net id `netId`) by the spawner of path cache id 1, its Sync as `syncId`. */
function spawn(name: string, netId: number, syncId: number): Buffer {
  const n = Buffer.from(`${name}\0`);
  return Buffer.concat([
    Buffer.from([4, 0]),
    u32(1),
    u32(netId),
    u32(1),
    u32(n.length),
    u32(syncId),
    n,
    state(-1),
  ]);
}

/** One full SYNC packet at `time`: an entry per [sync net id, x]. */
function sync(time: number, entries: readonly (readonly [number, number])[]): Buffer {
  const head = Buffer.from([6, time & 0xff, time >> 8]);
  return Buffer.concat([head, ...entries.flatMap(([id, x]) => [u32(id), u32(state(x).length), state(x)])]);
}

function game() {
  const g = new Game({ manifest: REPL4_BENCH_MANIFEST });
  const bot = g.client(2);
  g.run();
  const send = (p: Uint8Array) => {
    g.hub.server.setTargetPeer(2);
    g.hub.server.putPacket(p);
    g.run();
  };
  send(spawnPackets()[0] as Buffer); // SIMPLIFY_PATH of Game/Spawner as 1
  for (const [name, net, s] of [
    ["A", 1, 11],
    ["B", 2, 12],
    ["C", 3, 13],
  ] as const)
    send(spawn(name, net, s));
  const r = bot.mp.replication;
  const x = (name: string) => (r.getNode(`Game/Entities/${name}`)?.get("position") as Vector2 | undefined)?.x;
  return { r, send, x, bot };
}

test("each SYNC entry's state goes to the synchronizer of its net id, in the last order, another, or part of it", (t) => {
  const { r, send, x, bot } = game();
  let time = 1;
  for (let tick = 0; tick < 3; tick++)
    send(
      sync(time++, [
        [11, 10 + tick],
        [12, 20 + tick],
        [13, 30 + tick],
      ]),
    );
  t.deepEqual([x("A"), x("B"), x("C")], [12, 22, 32]);
  send(
    sync(time++, [
      [13, 3],
      [11, 1],
      [12, 2],
    ]),
  );
  t.deepEqual([x("A"), x("B"), x("C")], [1, 2, 3], "reordered");
  send(sync(time++, [[12, 5]]));
  send(
    sync(time++, [
      [13, 6],
      [99, 7],
      [11, 8],
    ]),
  );
  t.deepEqual([x("A"), x("B"), x("C")], [8, 5, 6], "a part, and a net id nobody has");
  t.is(r.stats.syncsUnknown, 1);
  t.deepEqual(bot.seen.drops, []);
});

test("after a despawn, a net id given to another spawn takes that spawn's states, not the gone node's", (t) => {
  const { r, send, x } = game();
  let time = 1;
  const tick = (b: number) =>
    send(
      sync(time++, [
        [11, 1],
        [12, b],
        [13, 3],
      ]),
    );
  tick(2);
  tick(2);
  const gone = r.getNode("Game/Entities/B");
  send(Buffer.concat([Buffer.from([5]), u32(2)])); // DESPAWN of B (net id 2)
  t.is(r.getNode("Game/Entities/B"), undefined);
  send(spawn("D", 4, 12)); // D's Sync takes net id 12
  tick(40);
  tick(41);
  t.is(x("D"), 41, "the entry after 11 is D's now");
  t.truthy(gone);
  t.is((gone?.get("position") as Vector2 | undefined)?.x, 2, "the gone node kept its last state");
  t.deepEqual([x("A"), x("C")], [1, 3]);
});
