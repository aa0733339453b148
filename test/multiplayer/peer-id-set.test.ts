/** PeerIdSet behaves as a Set<number> of peer ids, whatever the order of adds and deletes. */
import test from "ava";
import fc from "fast-check";
import { PeerIdSet } from "../../src/multiplayer/peer-id-set.js";

/** Same size, same answer to has(1..upTo), same ascending ids. */
function sameAsSet(ours: PeerIdSet, ref: Set<number>, upTo: number): boolean {
  if (ours.size !== ref.size) return false;
  for (let i = 1; i <= upTo; i++) if (ours.has(i) !== ref.has(i)) return false;
  return JSON.stringify(ours.sorted()) === JSON.stringify([...ref].sort((a, b) => a - b));
}

test("agrees with a Set under any sequence of adds, deletes and clears", (t) => {
  const id = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 0x7fffffff }));
  const op = fc.oneof(fc.record({ add: id }), fc.record({ del: id }), fc.constant({ clear: true as const }));
  fc.assert(
    fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
      const ours = new PeerIdSet();
      const ref = new Set<number>();
      for (const o of ops) {
        if ("add" in o) {
          ours.add(o.add);
          ref.add(o.add);
        } else if ("del" in o) {
          if (ours.delete(o.del) !== ref.delete(o.del)) return false;
        } else {
          ours.clear();
          ref.clear();
        }
        if (ours.size !== ref.size) return false;
      }
      return sameAsSet(ours, ref, 40);
    }),
  );
  t.pass();
});

test("refuses what is not a peer id", (t) => {
  const s = new PeerIdSet();
  for (const bad of [0, -5, 2 ** 31]) t.throws(() => s.add(bad), { instanceOf: RangeError });
  t.false(s.has(0));
  t.false(s.has(-1));
});

const tick = () => new Promise<void>((r) => setImmediate(r));

test("agrees with a Set when it knows its own id, across ticks, whatever is announced", async (t) => {
  const id = fc.integer({ min: 1, max: 12 });
  const op = fc.oneof(
    fc.record({ add: id }),
    fc.record({ del: id }),
    fc.record({ self: id }),
    fc.constant({ tick: true as const }),
    fc.constant({ clear: true as const }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 120 }), async (ops) => {
      const ours = new PeerIdSet();
      const ref = new Set<number>();
      for (const o of ops) {
        if ("add" in o) {
          ours.add(o.add);
          ref.add(o.add);
        } else if ("del" in o) {
          if (ours.delete(o.del) !== ref.delete(o.del)) return false;
        } else if ("self" in o) {
          ours.setSelf(o.self); // never changes what the set shows
        } else if ("tick" in o) {
          await tick();
        } else {
          ours.clear();
          ref.clear();
        }
        if (!sameAsSet(ours, ref, 12)) return false;
      }
      return true;
    }),
  );
  t.pass();
});

test("the bots of one game hold one shared copy of the peer ids, each without its own id", async (t) => {
  // A swarm as a Godot 3 server greets it: newcomer k is told of 1 and of every bot before it
  // (one burst), and every bot before it is told of k.
  const bots: { id: number; set: PeerIdSet }[] = [];
  for (let k = 0; k < 60; k++) {
    const me = { id: 1000 + k * 7919, set: new PeerIdSet() };
    me.set.setSelf(me.id);
    me.set.add(1);
    for (const b of bots) me.set.add(b.id);
    for (const b of bots) b.set.add(me.id);
    bots.push(me);
    if (k % 3 === 0) await tick(); // joins land in different ticks, or in the same one
  }
  // Two leave.
  for (const gone of bots.splice(10, 2)) for (const b of bots) b.set.delete(gone.id);
  await tick();
  const all = [1, ...bots.map((b) => b.id)].sort((a, b) => a - b);
  for (const b of bots) {
    t.deepEqual(
      b.set.sorted(),
      all.filter((x) => x !== b.id),
    );
    t.false(b.set.has(b.id));
    t.is(b.set.size, all.length - 1);
  }
  const shared = bots.filter((b) => PeerIdSet.shareStorage(b.set, bots[0]!.set)).length;
  t.is(shared, bots.length, "every bot on the same snapshot");
});
