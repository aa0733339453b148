/**
 * What an idle client does not make until it needs it (issue #12, point 10: a swarm's idle bots):
 * its counters per peer without a Map, its path cache and RPC interface, its listener-error
 * callback. Each lazy path must answer as the eager one did, whenever it is first used.
 */
import test from "ava";
import { SceneMultiplayer, type SceneMultiplayerEvents } from "../../../src/scene/index.js";
import { MANIFEST } from "./fixtures.js";
import { Game } from "./game.js";
import type { Hub } from "./hub.js";

test("a client's counters of the server: read only after its traffic they are what a client that read them first counted, and the record read goes on counting", (t) => {
  const g = new Game();
  const early = g.client(2);
  const late = g.client(3);
  const earlyStats = early.mp.stats.byPeer; // read before any packet
  g.run();
  for (const c of [2, 3]) g.server.mp.sendBytes(Uint8Array.of(1, 2, 3), c);
  early.mp.sendBytes(Uint8Array.of(9, 9));
  late.mp.sendBytes(Uint8Array.of(9, 9));
  g.run();
  const lateStats = late.mp.stats.byPeer; // first read now
  t.deepEqual([...lateStats.keys()], [1]);
  t.deepEqual(lateStats.get(1), earlyStats.get(1));
  t.true((lateStats.get(1)?.packetsIn ?? 0) > 1 && (lateStats.get(1)?.packetsOut ?? 0) === 1);
  const record = lateStats.get(1);
  const before = { ...record };
  for (const c of [2, 3]) g.server.mp.sendBytes(Uint8Array.of(4), c);
  early.mp.sendBytes(Uint8Array.of(5, 5, 5));
  late.mp.sendBytes(Uint8Array.of(5, 5, 5));
  g.run();
  t.is(late.mp.stats.byPeer.get(1), record, "the same record, counting on");
  t.deepEqual(record, earlyStats.get(1));
  // The server's byte, and the other client's raw packet relayed.
  t.is(record?.packetsIn, (before.packetsIn ?? 0) + 2);
  t.is(record?.packetsOut, 2);
});

/** A server that sees 2 come, send and leave alone, then 3 and 4 together; its counters read first or last. */
function serverCounters(readFirst: boolean): [number, unknown][] {
  const g = new Game();
  if (readFirst) void g.server.mp.stats.byPeer;
  const a = g.client(2);
  g.run();
  a.mp.sendBytes(Uint8Array.of(1, 1, 1, 1));
  g.run();
  a.peer.close(); // 2 leaves while its counters are the only ones
  g.run();
  const b = g.client(3);
  const c = g.client(4);
  g.run();
  b.mp.sendBytes(Uint8Array.of(7));
  c.mp.sendBytes(Uint8Array.of(8, 8));
  c.mp.sendBytes(Uint8Array.of(8, 8), 1);
  g.run();
  return [...g.server.mp.stats.byPeer].map(([id, p]) => [id, { ...p }]);
}

test("a server's counters read only at the end are the ones read from the start: a peer gone before the read took its counters along, the next ones start from zero", (t) => {
  const late = serverCounters(false);
  t.deepEqual(late, serverCounters(true));
  t.deepEqual(
    late.map(([id]) => id),
    [3, 4],
  );
  t.like(Object.fromEntries(late), { 3: { packetsIn: 1 }, 4: { packetsIn: 2 } });
});

/** A client as a bot holds it: an observer, no listener. */
function observedClient(hub: Hub, id: number): { mp: SceneMultiplayer; seen: string[] } {
  const mp = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true });
  const seen: string[] = [];
  mp.observer = {
    observe<K extends keyof SceneMultiplayerEvents>(signal: K, args: SceneMultiplayerEvents[K]): void {
      seen.push(`${signal}(${args.join(",")})`);
    },
  };
  mp.multiplayerPeer = hub.connect(id);
  return { mp, seen };
}

test("listeners connected after emissions that only an observer saw get the next signals; one that throws is a script error naming the signal, and the next listener still runs", (t) => {
  const g = new Game();
  const { mp, seen } = observedClient(g.hub, 2);
  g.run();
  t.deepEqual(seen, ["connected_to_server()", "peer_connected(1)"]);
  const got: number[] = [];
  const errors: { method: string; message: string }[] = [];
  mp.on("peer_connected", () => {
    throw new Error("a listener's bug");
  });
  mp.on("peer_connected", (id) => got.push(id));
  mp.on("script_error", (err, where) =>
    errors.push({ method: where.method, message: (err as Error).message }),
  );
  g.client(3);
  g.run();
  t.deepEqual(got, [3]);
  t.deepEqual(errors, [{ method: "peer_connected", message: "a listener's bug" }]);
  t.is(seen[2], "peer_connected(3)", "the observer still sees every signal first");
  t.true(seen[3]?.startsWith("script_error(Error: a listener's bug"));
});

test("a client that only joined, saw peers come and go and dropped nodes, answers the first path and call: SIMPLIFY_PATH confirmed, the handler run, the next call by cache id", (t) => {
  const g = new Game();
  const { mp } = observedClient(g.hub, 2);
  g.run();
  const other = g.client(3);
  g.run();
  other.peer.close();
  g.run();
  mp.removeNode("Main/Players/7"); // nothing named yet
  const calls: number[] = [];
  mp.node("Main/Players/9").onRpc("hit", () => {
    calls.push(mp.getRemoteSenderId());
  });
  g.server.mp.rpc(2, "Main/Players/9", "hit", []);
  g.run();
  g.server.mp.rpc(2, "Main/Players/9", "hit", []);
  g.run();
  t.deepEqual(calls, [1, 1]);
  t.deepEqual(g.server.seen.drops, []);
  t.is(g.server.mp.stats.byMethod.get("Main/Players/*:hit")?.callsOut, 2);
});
