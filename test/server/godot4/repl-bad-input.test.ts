/**
 * Bad replication input from a raw WebSocket client against the replication game: the same
 * malformed or unauthorized SPAWN / DESPAWN / SYNC packets go to a real 4.6.3 server (repl4.gd)
 * and to our Node server (ReplGame4); each drops them with the same ERROR lines (ids aside),
 * keeps the connection, and still takes the client's SYNC of its own player. Then random packets
 * (fast-check) never take our server down.
 */
import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { encodeAndCompressVariant, SceneMultiplayer } from "../../../src/scene/index.js";
import { Vector2 } from "../../../src/variant/index.js";
import { startFixture } from "../../harness/godot.js";
import { GameLog, GODOT4_VERSION } from "../../harness/godot4-game.js";
import { startNodeRepl4Server } from "../../harness/node-godot4-game.js";
import { rawClient } from "./ws-client.js";

type Start = (t: ExecutionContext) => Promise<{ log: GameLog; url: string }>;

async function startReal(t: ExecutionContext): Promise<{ log: GameLog; url: string }> {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", { args: ["--", "mode=server"] });
  return { log: new GameLog(proc), url: `ws://127.0.0.1:${proc.port}` };
}

/** The checksum SIMPLIFY_PATH carries for a node with no RPCs (a spawner, a synchronizer). */
const NO_RPC_MD5 = new SceneMultiplayer().getRpcMd5("Any");

const u32 = (v: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};
const u16 = (v: number) => {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(v);
  return b;
};
const cstr = (s: string) => Buffer.concat([Buffer.from(s, "utf8"), Buffer.of(0)]);
const simplify = (id: number, path: string) =>
  Buffer.concat([Buffer.of(1), cstr(NO_RPC_MD5), u32(id), cstr(path)]);
const value = (v: Vector2 | number) => Buffer.from(encodeAndCompressVariant(v));
const sync = (time: number, netId: number, state: Buffer, size = state.length) =>
  Buffer.concat([Buffer.of(6), u16(time), u32(netId), u32(size), state]);
const delta = (netId: number, indexes: number, state: Buffer) =>
  Buffer.concat([Buffer.of(0x16), u32(netId), u32(indexes), u32(0), u32(state.length), state]);
const STATIC = 0x80000000;

function badPackets(id: number): [string, Buffer][] {
  return [
    ["SYNC, 10 bytes", Buffer.from("06010005000080000000", "hex")],
    ["SIMPLIFY_PATH of the Crate's ServerSync", simplify(5, "Main/World/Objects/Crate/ServerSync")],
    ["SYNC of the server's ServerSync", sync(1, STATIC | 5, value(new Vector2(9, 9)))],
    ["delta SYNC of the server's ServerSync", delta(STATIC | 5, 1, value(9))],
    ["SIMPLIFY_PATH of its own player's Sync", simplify(6, `Main/World/Players/${id}/Sync`)],
    ["SYNC whose size runs past the packet", sync(2, STATIC | 6, value(new Vector2(9, 9)), 0xff)],
    ["delta SYNC with no property bit", delta(STATIC | 6, 0, value(9))],
    ["SYNC of a net id never spawned", sync(3, 77, value(new Vector2(9, 9)))],
    ["SIMPLIFY_PATH of the Sync of a player not there", simplify(8, "Main/World/Players/99/Sync")],
    ["SYNC by a path id never given", sync(3, STATIC | 55, value(new Vector2(9, 9)))],
    ["delta SYNC by a path id never given", delta(STATIC | 55, 1, value(9))],
    [
      "SPAWN by a spawner id never given",
      Buffer.concat([Buffer.of(4, 0), u32(99), u32(9), u32(0), u32(2), cstr("x")]),
    ],
    ["SIMPLIFY_PATH of the PlayerSpawner", simplify(7, "Main/PlayerSpawner")],
    ["SPAWN from a client", Buffer.concat([Buffer.of(4, 0), u32(7), u32(9), u32(0), u32(2), cstr("x")])],
    ["DESPAWN of a net id it never spawned", Buffer.concat([Buffer.of(5), u32(1)])],
    ["SPAWN, 17 bytes", Buffer.alloc(17, 4)],
  ];
}

/**
 * What 4.6.3 prints for badPackets, in order: a SYNC of a net id never spawned is skipped silently;
 * one by a path id never given names it (get_cached_object), and so does a SPAWN by one.
 */
const EXPECTED = [
  "ERROR: Invalid sync packet received",
  "ERROR: Ignoring sync data from non-authority or for missing node.",
  "ERROR: Ignoring delta for non-authority or invalid synchronizer.",
  'ERROR: Condition "size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
  'ERROR: Condition "props.is_empty()" is true. Returning: ERR_INVALID_DATA',
  'ERROR: Node not found: "Main/World/Players/99/Sync" (relative to "/root").',
  'ERROR: Parameter "node" is null.',
  "ERROR: ID 55 not found in cache of peer <id>.",
  "ERROR: ID 55 not found in cache of peer <id>.",
  "ERROR: Ignoring delta for non-authority or invalid synchronizer.",
  "ERROR: ID 99 not found in cache of peer <id>.",
  'ERROR: Parameter "spawner" is null.',
  'ERROR: Condition "p_from != spawner->get_multiplayer_authority()" is true. Returning: ERR_UNAUTHORIZED',
  'ERROR: Condition "!pinfo.recv_nodes.has(net_id)" is true. Returning: ERR_UNAUTHORIZED',
  "ERROR: Invalid spawn packet received",
];

async function sendBad(t: ExecutionContext, start: Start): Promise<string[]> {
  const { log, url } = await start(t);
  const c = await rawClient(url);
  const id = (await c.next()).readInt32LE(0);
  for (const [, p] of badPackets(id)) c.ws.send(p);
  // Its own player's Sync: taken, as every packet before was processed.
  c.ws.send(sync(4, STATIC | 6, value(new Vector2(3, 4))));
  c.ws.send(delta(STATIC | 6, 1, value(42)));
  const path = `Main/World/Players/${id}`;
  await log.waitForEvent("state", (e) => e.path === path && e.x === 3 && e.y === 4 && e.hp === 42);
  t.is(c.ws.readyState, c.ws.OPEN, "still connected");
  // A real server's ERROR lines come through stderr: they may trail its state line.
  await log.waitForErrorLines(EXPECTED.length);
  const lines = log.errorLines().map((l) => l.replaceAll(String(id), "<id>"));
  c.ws.close();
  return lines;
}

test("bad replication packets from a raw client: the same ERROR lines from a real 4.6.3 server and from ours, and its own SYNC still taken", async (t) => {
  const theirs = await sendBad(t, startReal);
  const mine = await sendBad(t, startNodeRepl4Server);
  t.deepEqual(theirs, EXPECTED);
  t.deepEqual(mine, theirs);
});

test("random SPAWN / DESPAWN / SYNC packets (fast-check) never take our replication server down: each is dropped or taken, and the client's own SYNC still lands", async (t) => {
  const { log, url } = await startNodeRepl4Server(t);
  const c = await rawClient(url);
  const id = (await c.next()).readInt32LE(0);
  c.ws.send(simplify(5, "Main/World/Objects/Crate/ServerSync"));
  c.ws.send(simplify(6, `Main/World/Players/${id}/Sync`));
  c.ws.send(simplify(7, "Main/PlayerSpawner"));
  const netId = fc.constantFrom(STATIC | 5, STATIC | 6, STATIC | 7, 1, 2, 3, 0, 0xffffffff);
  const bytes = fc.uint8Array({ maxLength: 40 });
  const packet = fc.oneof(
    fc.tuple(fc.constantFrom(4, 5, 6, 0x16), bytes).map(([cmd, b]) => Buffer.concat([Buffer.of(cmd), b])),
    fc
      .tuple(fc.nat(0xffff), netId, bytes, fc.option(fc.nat(0xffffffff)))
      .map(([time, n, b, size]) => sync(time, n, Buffer.from(b), size ?? b.length)),
    fc.tuple(netId, fc.nat(0xffffffff), bytes).map(([n, ix, b]) => delta(n, ix, Buffer.from(b))),
    fc
      .tuple(fc.nat(0xff), netId, fc.nat(0xffffffff), fc.nat(0xffffffff), bytes)
      .map(([scene, n, syncs, nameLen, b]) =>
        Buffer.concat([Buffer.of(4, scene), u32(STATIC | 7), u32(n), u32(syncs), u32(nameLen), b]),
      ),
  );
  const sent = fc.sample(fc.array(packet, { minLength: 50, maxLength: 50 }), { numRuns: 8, seed: 15 }).flat();
  for (const p of sent) c.ws.send(p);
  c.ws.send(delta(STATIC | 6, 1, value(4242)));
  const path = `Main/World/Players/${id}`;
  await log.waitForEvent("state", (e) => e.path === path && e.hp === 4242);
  t.is(c.ws.readyState, c.ws.OPEN, "still connected");
  t.true(log.errorLines().length > 0, "the bad ones were dropped, with their lines");
  // Every line is one the engine prints for replication input.
  const known =
    /^ERROR: (Invalid (sync|spawn) packet|Ignoring|Condition|Parameter|Invalid spawn packet size|ID \d+ not found in cache|Zero spawn name|Invalid node name|Index p_id|Unable to spawn|Custom spawn|The (spawn|sync|delta) (argument|state)|The MultiplayerSynchronizer|Method\/function failed|Node not found|Invalid packet received)/;
  t.deepEqual(
    log.errorLines().filter((l) => !known.test(l)),
    [],
  );
  c.ws.close();
});
