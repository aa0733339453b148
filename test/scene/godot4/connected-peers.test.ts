/**
 * ConnectedPeers (a Godot 4 client's connected_peers) behaves as Godot's insertion-ordered
 * HashSet whatever happens, and the clients of one game, greeted as a Godot 4 server greets them,
 * end up holding one copy of their peer ids.
 */
import test from "ava";
import fc from "fast-check";
import { ConnectedPeers } from "../../../src/scene/godot4/connected-peers.js";

const tick = () => new Promise<void>((r) => setImmediate(r));

test("agrees with an insertion-ordered Set under any adds, deletes, own ids, ticks and clears", async (t) => {
  const id = fc.integer({ min: 1, max: 40 }); // beyond 16: the sorted index too
  const op = fc.oneof(
    fc.record({ add: id }),
    fc.record({ del: id }),
    fc.record({ self: id }),
    fc.constant({ tick: true as const }),
    fc.constant({ clear: true as const }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: 200 }), async (ops) => {
      const ours = new ConnectedPeers();
      const ref = new Set<number>();
      for (const o of ops) {
        if ("add" in o) {
          ours.add(o.add);
          ref.add(o.add);
        } else if ("del" in o) {
          if (ours.delete(o.del) !== ref.delete(o.del)) return false;
        } else if ("self" in o) ours.setSelf(o.self);
        else if ("tick" in o) await tick();
        else {
          ours.clear();
          ref.clear();
        }
        if (ours.size !== ref.size) return false;
        for (let i = 1; i <= 40; i++) if (ours.has(i) !== ref.has(i)) return false;
        if (JSON.stringify([...ours]) !== JSON.stringify([...ref])) return false;
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

// Serial (first, in this order): how much is shared depends on process-wide state (the live
// snapshots) that the other tests' ids change; what each set answers never does.
test.serial(
  "a batch of clients admitted together ends up sharing one copy, none of them placed by another first",
  async (t) => {
    // As a swarm connects a hundred bots at once: the server admits them all, then each client
    // reads its id, its greeting (the earlier ones) and the announcements of the later ones in a
    // tick of its own. No client has placed its id when the others learn of it.
    const ids = Array.from({ length: 40 }, (_, i) => 1_000_003 * (i + 7) + 11 * i);
    const clients = ids.map(() => new ConnectedPeers());
    for (const [k, c] of clients.entries()) {
      c.setSelf(ids[k]!);
      c.add(1);
      for (const other of ids) if (other !== ids[k]) c.add(other);
      await tick();
    }
    for (let i = 0; i < 4; i++) await tick();
    for (const [k, c] of clients.entries()) t.deepEqual([...c], [1, ...ids.filter((_, i) => i !== k)]);
    for (const c of clients.slice(1)) t.true(ConnectedPeers.shareStorage(clients[0]!, c));
  },
);

test.serial(
  "clients greeted as a Godot 4 server greets them share one copy of the ids, in the server's order",
  async (t) => {
    // Server ids in admission order (not ascending); each newcomer gets 1, then ADD_PEER for each
    // earlier one in that order, and every earlier client gets ADD_PEER(newcomer).
    const ids = [907, 13, 4410, 88, 2_000_000_001, 5, 61];
    const clients: ConnectedPeers[] = [];
    for (const [k, id] of ids.entries()) {
      const c = new ConnectedPeers();
      c.setSelf(id);
      c.add(1);
      for (const earlier of ids.slice(0, k)) c.add(earlier);
      for (const other of clients) other.add(id);
      clients.push(c);
      await tick();
    }
    // One more join after everyone settled, and a leave.
    await tick();
    for (const [k, c] of clients.entries()) {
      t.deepEqual([...c], [1, ...ids.filter((_, i) => i !== k)]);
    }
    for (const c of clients.slice(1)) t.true(ConnectedPeers.shareStorage(clients[0]!, c));
    for (const c of clients) if (c !== clients[2]) c.delete(ids[2]!);
    await tick();
    for (const c of clients.slice(1))
      if (c !== clients[2]) t.true(ConnectedPeers.shareStorage(clients[0]!, c));
    t.deepEqual([...clients[0]!], [1, 13, 88, 2_000_000_001, 5, 61]);
    t.false(clients[0]!.has(907));
    t.true(clients[0]!.has(13));
  },
);

test("clients of one process sharing the ids never see each other's changes: each agrees with its own insertion-ordered Set", async (t) => {
  // Each op acts on one of four clients; a client takes its own id once (until cleared), and a
  // server may announce it to itself: then Godot lists it, last, as any newcomer.
  const op = fc.record({
    on: fc.integer({ min: 0, max: 3 }),
    kind: fc.constantFrom("add", "add", "del", "self", "tick", "clear"),
    id: fc.integer({ min: 1, max: 20 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 100, maxLength: 300 }), async (ops) => {
      const ours = Array.from({ length: 4 }, () => new ConnectedPeers());
      const refs = Array.from({ length: 4 }, () => new Set<number>());
      const selves = [0, 0, 0, 0];
      for (const { on, kind, id } of ops) {
        const c = ours[on]!;
        const r = refs[on]!;
        if (kind === "add") {
          c.add(id);
          r.add(id);
        } else if (kind === "del") {
          if (c.delete(id) !== r.delete(id)) return false;
        } else if (kind === "self") {
          if (selves[on] === 0 && id > 1) {
            selves[on] = id;
            c.setSelf(id);
          }
        } else if (kind === "tick") await tick();
        else {
          c.clear();
          r.clear();
          selves[on] = 0;
        }
        for (const [k, set] of ours.entries()) {
          const ref = refs[k]!;
          if (set.size !== ref.size) return false;
          for (let i = 1; i <= 20; i++) if (set.has(i) !== ref.has(i)) return false;
          if (JSON.stringify([...set]) !== JSON.stringify([...ref])) return false;
        }
      }
      return true;
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test("a client whose own id the server announces lists it last, as Godot's HashSet inserts it, and hides it again once deleted", async (t) => {
  // Two clients of one game: b's id sits (hidden) where a placed it, before 9.
  const a = new ConnectedPeers();
  a.setSelf(5);
  a.add(1);
  a.add(7);
  a.add(9);
  const b = new ConnectedPeers();
  b.setSelf(7);
  b.add(1);
  b.add(5);
  await tick();
  b.add(9);
  await tick();
  t.deepEqual([...b], [1, 5, 9]);
  t.false(b.has(7));
  b.add(7);
  t.deepEqual([...b], [1, 5, 9, 7]);
  t.true(b.has(7));
  t.is(b.size, 4);
  t.deepEqual([...a], [1, 7, 9], "a is not changed by b's announcement");
  t.true(b.delete(7));
  t.deepEqual([...b], [1, 5, 9]);
  t.false(b.has(7));
  t.deepEqual([...a], [1, 7, 9]);
});

test("a newcomer greeted in one tick with the others' sequence answers as its own Set throughout, and ends up on their copy", async (t) => {
  // Client 100 was greeted with 1, 101…109 in one tick (its own table, then one copy for all).
  const ids = [1, 101, 102, 103, 104, 105, 106, 107, 108, 109];
  const a = new ConnectedPeers();
  a.setSelf(100);
  for (const id of ids) a.add(id);
  await tick();
  // Newcomer 110 is greeted with the same ids in one tick: it spells out a's copy.
  const n = new ConnectedPeers();
  n.setSelf(110);
  const expected = new Set<number>();
  for (const id of ids) {
    n.add(id);
    expected.add(id);
    t.is(n.size, expected.size);
    t.true(n.has(id));
    t.false(n.has(110), "never itself");
    t.false(n.has(99));
    t.deepEqual([...n], [...expected]);
  }
  await tick();
  t.deepEqual([...n], ids);
  t.true(ConnectedPeers.shareStorage(n, a), "the newcomer holds the others' copy");
  // A second newcomer whose greeting leaves the sequence half-way (a delete, another id) still answers right.
  const m = new ConnectedPeers();
  m.setSelf(111);
  for (const id of [1, 101, 102, 103, 104, 105]) m.add(id);
  t.true(m.delete(103));
  m.add(77);
  m.add(106);
  t.deepEqual([...m], [1, 101, 102, 104, 105, 77, 106]);
  t.is(m.size, 7);
  t.false(m.has(103));
  t.false(m.has(111));
  await tick();
  t.deepEqual([...m], [1, 101, 102, 104, 105, 77, 106]);
  t.true(m.has(77));
});

test("a newcomer's greeting that runs past the copy it follows (the others were told of more since) still answers right and shares", async (t) => {
  const a = new ConnectedPeers();
  a.setSelf(200);
  for (const id of [1, 201, 202, 203, 204, 205]) a.add(id);
  await tick();
  a.add(206);
  await tick();
  const k = new ConnectedPeers();
  k.setSelf(208);
  for (const id of [1, 201, 202, 203, 204, 205, 206, 207]) {
    if (id === 207) a.add(207); // told of 207 while k is being greeted
    k.add(id);
    t.true(k.has(id));
  }
  t.is(k.size, 8);
  t.false(k.has(208));
  await tick();
  t.deepEqual([...k], [1, 201, 202, 203, 204, 205, 206, 207]);
  t.true(ConnectedPeers.shareStorage(k, a));
});
