/**
 * Godot 4 replication on a real 4.6.3 game (test/godot/g4/repl4*): bots see the server's
 * MultiplayerSpawner spawns (scene and custom), despawns and synchronized values exactly as a
 * real 4.6.3 client does, see only what the server lets them see (set_visibility_for), and move
 * their own player (each client owns its player's MultiplayerSynchronizer) so that the server and
 * a real client see it move. The same test body runs against our Node server playing the same game
 * (src/server/godot4/repl-game4.ts), with real 4.6.3 clients connected to it.
 */
import test, { type ExecutionContext } from "ava";
import { Bot, type Godot4Bot } from "../../src/bots/index.js";
import { repl4Manifest, repl4SynchronizerAuthority } from "../../src/server/index.js";
import { Vector2 } from "../../src/variant/index.js";
import { startFixture } from "../harness/godot.js";
import { type GameEvent, GameLog, GODOT4_VERSION } from "../harness/godot4-game.js";
import { startNodeRepl4Server } from "../harness/node-godot4-game.js";

/** What `godot-peer manifest` says of repl4.tscn (its spawners and synchronizers) and Main's one RPC: the server's own. */
const MANIFEST = repl4Manifest();

type StartReplServer = (t: ExecutionContext) => Promise<{ log: GameLog; url: string }>;

async function startServer(t: ExecutionContext): Promise<{ log: GameLog; url: string }> {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", { args: ["--", "mode=server"] });
  return { log: new GameLog(proc), url: `ws://127.0.0.1:${proc.port}` };
}

async function startClient(t: ExecutionContext, url: string): Promise<GameLog> {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", {
    args: ["--", "mode=client", `url=${url}`],
    ready: /^READY client\b/,
  });
  return new GameLog(proc);
}

/** A bot of the game: its player's Sync belongs to it (the game's _enter_tree does the same). */
async function joinBot(
  t: ExecutionContext,
  url: string,
  before: (bot: Godot4Bot) => void = () => {},
): Promise<Godot4Bot> {
  const bot = await Bot.connect({ url, manifest: MANIFEST });
  t.teardown(() => bot.disconnect());
  if (bot.godot !== 4) throw new Error("not a Godot 4 server");
  before(bot);
  const r = bot.replication.interface;
  r.synchronizerAuthority = repl4SynchronizerAuthority;
  return bot;
}

/** Replication packets (SIMPLIFY_PATH, SPAWN, DESPAWN, SYNC; relayed ones unwrapped) the bot gets and sends. */
function capture(bot: Godot4Bot): { dir: "in" | "out"; from: number; bytes: Uint8Array }[] {
  const out: { dir: "in" | "out"; from: number; bytes: Uint8Array }[] = [];
  const peer = bot.peer;
  const keep = (dir: "in" | "out", from: number, p: Uint8Array) => {
    let b = p;
    let f = from;
    if (b[0] === 7 && b[1] === 3 && b.length > 6) {
      f = Buffer.from(b).readInt32LE(2);
      b = b.subarray(6);
    }
    const cmd = (b[0] ?? 0) & 7;
    if (out.length < 400 && (cmd === 1 || cmd === 4 || cmd === 5 || cmd === 6))
      out.push({ dir, from: f, bytes: Uint8Array.from(b) });
  };
  const get = peer.getPacket.bind(peer);
  const put = peer.putPacket.bind(peer);
  peer.getPacket = () => {
    const from = peer.getPacketPeer();
    const p = get();
    if (p) keep("in", from, p);
    return p;
  };
  peer.putPacket = (p: Uint8Array) => {
    keep("out", bot.id, p);
    return put(p);
  };
  return out;
}

const near = (x: number, y: number) => (v: unknown) => v instanceof Vector2 && v.x === x && v.y === y;

async function replicationGame(t: ExecutionContext, start: StartReplServer): Promise<void> {
  const { log: server, url } = await start(t);
  const client = await startClient(t, url);
  const cid = Number((await client.waitForEvent("connected")).id);
  const n = Number(process.env.GP_REPL_BOTS ?? 20);
  const bots: Godot4Bot[] = [];
  let wire: ReturnType<typeof capture> = [];
  for (let i = 0; i < n; i++)
    bots.push(
      await joinBot(t, url, (b) => {
        if (i === 0) wire = capture(b);
      }),
    );

  for (const bot of bots) {
    const r = bot.replication;
    const me = await r.waitForSpawn(`Main/World/Players/${bot.id}`);
    t.is(me.sceneIndex, 0);
    t.is(me.scene, "res://repl4_player.tscn");
    me.set("position", new Vector2(200 + (bot.id % 1000), 9));
    me.set("hp", 77);
    // The custom spawn: its argument, as the server gave it to spawn().
    const gem = await r.waitForSpawn("Main/World/Items/gem7");
    t.is(gem.sceneIndex, null);
    t.deepEqual(
      gem.spawnArgument,
      new Map<string, unknown>([
        ["id", 7],
        ["kind", "gem"],
      ]),
    );
    // The server's crate, with its spawn state; the secret of this bot only.
    await r.waitForProperty("Main/World/Objects/Crate", "position", near(1, 1));
    const secret = await r.waitForSpawn(`Main/World/Objects/Secret${bot.id}`);
    await r.waitForProperty(secret, "position", near(bot.id % 1000, 1));
  }

  // The server and the real client see every bot's player where the bot put it, with its hp.
  for (const bot of bots) {
    const path = `Main/World/Players/${bot.id}`;
    const at = (e: GameEvent) => e.path === path && e.x === 200 + (bot.id % 1000) && e.y === 9 && e.hp === 77;
    await server.waitForEvent("state", at, 20_000);
    await client.waitForEvent("state", at, 20_000);
  }
  // Every bot sees the real client's player as the real client moved it, and the other bots'.
  for (const bot of bots) {
    const r = bot.replication;
    await r.waitForProperty(`Main/World/Players/${cid}`, "position", near(100 + (cid % 1000), 7), 20_000);
    await r.waitForProperty(`Main/World/Players/${cid}`, "hp", (v) => v === 50, 20_000);
    for (const other of bots) {
      if (other === bot) continue;
      await r.waitForProperty(
        `Main/World/Players/${other.id}`,
        "position",
        near(200 + (other.id % 1000), 9),
        20_000,
      );
    }
    // Owner-only: no other peer's secret was ever spawned here.
    t.deepEqual(
      [...r.nodes.keys()].filter((p) => p.startsWith("Main/World/Objects/Secret")),
      [`Main/World/Objects/Secret${bot.id}`],
    );
  }
  // The real client saw the same spawns: its own secret only.
  t.deepEqual(
    client.events("spawned", (e) => String(e.path).includes("Secret")).map((e) => e.path),
    [`/root/Main/World/Objects/Secret${cid}`],
  );

  // The server moves its crate: every bot and the real client converge to the same value.
  bots[0]!.node("Main").rpcId(1, "move_crate", 50, 5);
  for (const bot of bots)
    await bot.replication.waitForProperty("Main/World/Objects/Crate", "position", near(50, 5));
  await client.waitForEvent("state", (e) => e.path === "Main/World/Objects/Crate" && e.x === 50 && e.y === 5);

  // A bot leaves: its player and its secret are despawned everywhere.
  const gone = bots.pop()!;
  const goneId = gone.id;
  const gonePath = `Main/World/Players/${goneId}`;
  const waits = bots.map((b) => b.replication.waitForDespawn(gonePath));
  gone.disconnect();
  await Promise.all(waits);
  await client.waitForEvent("despawned", (e) => e.name === String(goneId));

  // The 4.6.3 bytes (protocol-notes/replication-4.md quotes them): each layout as the reference says.
  const first = bots[0]!;
  const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
  const mine = wire.find(
    (w) =>
      w.dir === "in" &&
      w.bytes[0] === 4 &&
      hex(w.bytes).includes(Buffer.from(`${first.id}\0`).toString("hex")),
  );
  t.truthy(mine, "the SPAWN of the bot's own player");
  t.is(mine!.bytes[1], 0, "scene index 0");
  t.is(
    Buffer.from(mine!.bytes).readUInt32LE(10),
    0,
    "no synchronizer net id: the server is not its Sync's authority",
  );
  const custom = wire.find((w) => w.dir === "in" && w.bytes[0] === 4 && w.bytes[1] === 0xff);
  t.truthy(custom, "the custom spawn of gem7, 0xFF");
  t.true(
    wire.some((w) => w.dir === "in" && w.bytes[0] === 6),
    "full SYNCs from the server and the relayed ones",
  );
  t.true(
    wire.some((w) => w.dir === "out" && w.bytes[0] === 0x16),
    "our delta SYNC",
  );
  if (process.env.GP_REPL_CAPTURE)
    t.log(
      wire
        .slice(0, 40)
        .map((w) => `${w.dir} ${w.from} ${hex(w.bytes)}`)
        .join("\n"),
    );

  for (const bot of bots) {
    const s = bot.telemetry.replication!; // the swarm metrics read the bot's telemetry
    t.true(s.spawnsIn >= 4 + bots.length, `spawns seen by ${bot.id}`);
    t.true(s.syncsIn > 0 && s.syncsOut > 0 && s.deltasOut > 0, JSON.stringify(s));
    t.deepEqual([...bot.multiplayer.stats.dropped], [], "no packet of the game was dropped");
  }
  t.deepEqual(
    server.errorLines().filter((l) => !/WebSocket|disconnect/i.test(l)),
    [],
    "no error on the server",
  );
  t.deepEqual(
    client.errorLines().filter((l) => !/WebSocket|disconnect/i.test(l)),
    [],
    "no error on the real client",
  );
}

test("bots on a real 4.6.3 replication game: spawns (scene and custom), owner-only visibility, server moves, their own players seen moving by the server and a real client, despawns", (t) =>
  replicationGame(t, startServer));

test("bots and real 4.6.3 clients on our Node server playing the same replication game: the same spawns, visibility, moves both ways and despawns", (t) =>
  replicationGame(t, startNodeRepl4Server));
