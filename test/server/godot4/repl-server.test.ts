/**
 * The Node server's replication (ReplGame4 on ServerReplication4) with Godot 4 bots: what the
 * server's game code does with visibility (set_visibility_for after the spawn spawns or despawns
 * at that peer only), what a spawner refuses, and whose SYNC the server takes.
 */
import test, { type ExecutionContext } from "ava";
import { Bot, type Godot4Bot } from "../../../src/bots/index.js";
import type { RpcError4 } from "../../../src/scene/index.js";
import { ReplGame4, repl4Manifest, repl4SynchronizerAuthority } from "../../../src/server/index.js";
import { Vector2 } from "../../../src/variant/index.js";

async function game(t: ExecutionContext): Promise<ReplGame4> {
  const g = new ReplGame4();
  t.teardown(() => g.stop());
  await g.listen(0);
  return g;
}

async function bot(t: ExecutionContext, url: string): Promise<Godot4Bot> {
  const b = await Bot.connect({ url, manifest: repl4Manifest() });
  t.teardown(() => b.disconnect());
  if (b.godot !== 4) throw new Error("not a Godot 4 server");
  b.replication.interface.synchronizerAuthority = repl4SynchronizerAuthority;
  return b;
}

test("set_visibility_for after the spawn: the other peer is sent the SPAWN, then the DESPAWN; the owner keeps it throughout", async (t) => {
  const g = await game(t);
  const a = await bot(t, g.url);
  const b = await bot(t, g.url);
  const secretPath = `Main/World/Objects/Secret${a.id}`;
  await a.replication.waitForSpawn(secretPath);
  await b.replication.waitForSpawn(`Main/World/Players/${a.id}`);
  t.is(b.replication.getNode(secretPath), undefined, "not visible to b");
  const secret = g.server.replication.getNode(secretPath);
  const sync = secret?.synchronizers[0];
  if (!secret || !sync) throw new Error("no secret on the server");
  const iface = g.server.replication.interface;
  // is_rpc_visible follows the spawn: an RPC on the secret may go to its owner only, on a player to anyone.
  t.deepEqual(
    [
      iface.isRpcVisible(secretPath, a.id),
      iface.isRpcVisible(secretPath, b.id),
      iface.isRpcVisible(secretPath, 0),
    ],
    [true, false, false],
  );
  t.true(iface.isRpcVisible(`Main/World/Players/${a.id}`, 0));
  sync.setVisibilityFor(b.id, true);
  const seen = await b.replication.waitForSpawn(secretPath);
  t.deepEqual(seen.get("position"), new Vector2(a.id % 1000, 1), "with its spawn state");
  secret.set("position", new Vector2(5, 5));
  await b.replication.waitForProperty(secretPath, "position", (v) => v instanceof Vector2 && v.x === 5);
  sync.setVisibilityFor(b.id, false);
  await b.replication.waitForDespawn(secretPath);
  t.false(iface.isRpcVisible(secretPath, b.id));
  t.true(g.server.replication.interface.isSpawnedTo(secret, a.id));
  t.false(g.server.replication.interface.isSpawnedTo(secret, b.id));
  t.truthy(a.replication.getNode(secretPath), "the owner still has it");
  t.deepEqual(g.output.errorLines(), []);
});

test("a spawner refuses what Godot refuses: a custom spawn with no spawn_function, a name already there, a scene it does not list, a spawner it is not the authority of", async (t) => {
  const g = await game(t);
  const r = g.server.replication;
  t.throws(() => r.spawn("Main/PlayerSpawner", "x"), {
    instanceOf: RangeError,
    message: "Custom spawn requires a valid 'spawn_function'.",
  });
  t.throws(
    () => r.spawn("Main/ObjectSpawner", "Crate", { scene: 0, properties: [["position", new Vector2(0, 0)]] }),
    {
      instanceOf: RangeError,
      message: /already/,
    },
  );
  t.throws(() => r.spawn("Main/ObjectSpawner", "Box", { scene: "res://nope.tscn" }), {
    instanceOf: RangeError,
    message: /not a spawnable scene/,
  });
  t.throws(() => r.spawn("Main/ObjectSpawner", "a/b", { scene: 0 }), {
    instanceOf: RangeError,
    message: /name/,
  });
  g.multiplayer.replication.setSpawnerAuthority("Main/ObjectSpawner", 7);
  t.throws(() => r.spawn("Main/ObjectSpawner", "Box", { scene: 0 }), {
    instanceOf: RangeError,
    message: /is_multiplayer_authority/,
  });
  // A spawn state it cannot read: Godot's "Unable to retrieve spawn state" (ours names the property).
  g.multiplayer.replication.setSpawnerAuthority("Main/ObjectSpawner", 1);
  const a = await bot(t, g.url);
  t.throws(() => r.spawn("Main/ObjectSpawner", "Box", { scene: 0 }), {
    instanceOf: RangeError,
    message: /Unable to retrieve spawn state/,
  });
  t.truthy(await a.replication.waitForSpawn("Main/World/Objects/Crate"));
});

test("the server takes a player's SYNC from its owner only: a bot that drives another's player is dropped with Godot's line", async (t) => {
  const g = await game(t);
  const a = await bot(t, g.url);
  const b = await bot(t, g.url);
  const aPath = `Main/World/Players/${a.id}`;
  await b.replication.waitForSpawn(aPath);
  // b claims a's Sync: it sends it by path, as its owner would.
  b.replication.interface.ownStaticSynchronizer(`${aPath}/Sync`).node.set("position", new Vector2(66, 66));
  b.replication.getNode(aPath)?.set("position", new Vector2(66, 66));
  b.replication.start();
  const mine = await a.replication.waitForSpawn(aPath);
  mine.set("position", new Vector2(3, 3));
  mine.set("hp", 1);
  a.replication.start();
  await new Promise<void>((resolve) => {
    const check = () => {
      const n = g.server.replication.getNode(aPath);
      const p = n?.get("position");
      if (p instanceof Vector2 && p.x === 3) resolve();
      else setTimeout(check, 10);
    };
    check();
  });
  const drop = "ERROR: Ignoring sync data from non-authority or for missing node.";
  for (let i = 0; i < 200 && !g.output.errorLines().includes(drop); i++)
    await new Promise((r) => setTimeout(r, 10));
  t.true(g.output.errorLines().includes(drop), g.output.errorLines().join("\n"));
  const p = g.server.replication.getNode(aPath)?.get("position");
  t.deepEqual(p, new Vector2(3, 3), "never b's value");
});

test("is_rpc_visible applies to RPCs sent: a node visible to its owner only is called on the owner alone, and rpc_id to another peer is refused with Godot's message", async (t) => {
  const g = await game(t);
  const a = await bot(t, g.url);
  const b = await bot(t, g.url);
  const secretPath = `Main/World/Objects/Secret${a.id}`;
  const playerPath = `Main/World/Players/${a.id}`;
  await a.replication.waitForSpawn(secretPath);
  await b.replication.waitForSpawn(playerPath);
  // The same @rpc method on the secret and on a's player, known to the server and both bots.
  const decl = {
    rpcs: { hint: { rpc_mode: "authority", call_local: false, transfer_mode: "reliable", channel: 0 } },
  } as const;
  const heard: string[] = [];
  for (const [name, bt] of [
    ["a", a],
    ["b", b],
  ] as const) {
    for (const path of [secretPath, playerPath]) {
      bt.multiplayer.node(path, decl).onRpc("hint", (text) => {
        heard.push(`${name} ${path === secretPath ? "secret" : "player"} ${String(text)}`);
      });
    }
  }
  const secret = g.multiplayer.node(secretPath, decl);
  const player = g.multiplayer.node(playerPath, decl);
  secret.rpc("hint", "to all who see it");
  player.rpc("hint", "to all");
  const refused = t.throws(() => secret.rpcId(b.id, "hint", "to b"));
  t.is((refused as RpcError4).reason, "not-visible");
  t.is(refused?.message, `Attempt to call an RPC to a peer that cannot see this node. Peer ID: ${b.id}`);
  secret.rpcId(a.id, "hint", "to a");
  // What goes to a peer goes in order: the last call each bot must hear is on the player.
  player.rpcId(a.id, "hint", "done");
  player.rpcId(b.id, "hint", "done");
  for (let i = 0; i < 500 && heard.filter((h) => h.endsWith("done")).length < 2; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  t.deepEqual(heard.sort(), [
    "a player done",
    "a player to all",
    "a secret to a",
    "a secret to all who see it",
    "b player done",
    "b player to all",
  ]);
});
