/** PeerIdSet behaves as a Set<number> of peer ids, whatever the order of adds and deletes. */
import test from "ava";
import fc from "fast-check";
import { PeerIdSet } from "../../src/multiplayer/peer-id-set.js";

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
      for (let i = 1; i <= 40; i++) if (ours.has(i) !== ref.has(i)) return false;
      return JSON.stringify(ours.sorted()) === JSON.stringify([...ref].sort((a, b) => a - b));
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
