/**
 * A Godot 4 bot's method ids come from every RPC name of a node, so it must know them all: from
 * the game's manifest (a file path or the object), or declared in code (declareNode). Whatever it
 * gets wrong is loud: every SIMPLIFY_PATH is checked against the node's MD5 — a mismatch is a
 * manifest_error naming the node and the differing names, counted — and a call or handler for a
 * node or name the manifest lacks is a named error. Against a real 4.6.3 server and our Node one.
 */
import { readFileSync } from "node:fs";
import test, { type ExecutionContext } from "ava";
import { Bot, type Godot4Bot, godot4Config, runSwarm } from "../../src/bots/index.js";
import { ManifestError, type RpcManifest, RpcMode4 } from "../../src/scene/index.js";
import { Vector2 } from "../../src/variant/index.js";
import type { Game4Server } from "../godot4/game4-scenarios.js";
import { type Godot4ServerOptions, startGodot4Server } from "../harness/godot4-game.js";
import { startNodeGame4Server } from "../harness/node-godot4-game.js";
import { GAME4_MANIFEST_FILE, until } from "./game4.js";

type Start = (t: ExecutionContext, options?: Godot4ServerOptions) => Promise<Game4Server>;
const SERVERS: readonly (readonly [string, Start])[] = [
  ["4.6.3", startGodot4Server],
  ["Node", startNodeGame4Server],
];

const MANIFEST: RpcManifest = JSON.parse(readFileSync(GAME4_MANIFEST_FILE, "utf8"));
const MAIN_NAMES = Object.keys(MANIFEST.nodes.Main!.rpcs);

/** The game's manifest with `path` changed: its names less `drop`, or the node left out. */
function edited(path: string, change: { drop?: string } | "remove"): RpcManifest {
  const nodes: Record<string, RpcManifest["nodes"][string]> = { ...MANIFEST.nodes };
  if (change === "remove") delete nodes[path];
  else {
    const node = nodes[path]!;
    const rpcs = { ...node.rpcs };
    if (change.drop) delete rpcs[change.drop];
    nodes[path] = { ...node, rpcs };
  }
  return { ...MANIFEST, nodes };
}

async function connect(t: ExecutionContext, url: string, options: object): Promise<Godot4Bot> {
  const bot = await Bot.connect({ url, godot: 4, ...options });
  t.teardown(() => bot.disconnect());
  return bot;
}

test("Godot 4's modes from the neutral access, and Godot 4's own forms accepted", (t) => {
  t.deepEqual(godot4Config("any_peer"), { rpc_mode: "any_peer", call_local: false });
  t.deepEqual(godot4Config({ access: "authority", callLocal: true }), {
    rpc_mode: "authority",
    call_local: true,
  });
  t.deepEqual(godot4Config(RpcMode4.DISABLED), { rpc_mode: "disabled" });
  t.deepEqual(godot4Config({ rpc_mode: "any_peer", transfer_mode: "unreliable", channel: 2 }), {
    rpc_mode: "any_peer",
    transfer_mode: "unreliable",
    channel: 2,
  });
  t.throws(() => godot4Config(7 as RpcMode4), {
    instanceOf: RangeError,
    message: /not a Godot 4 rpc mode: 7/,
  });
  t.throws(() => godot4Config({ access: "anyone" as "any_peer" }), {
    instanceOf: RangeError,
    message: /"any_peer" or "authority"/,
  });
});

for (const [kind, start] of SERVERS) {
  test(`${kind} server: no manifest — a node declared in code with all its names plays; with some of them, a loud manifest_error`, async (t) => {
    const server = await start(t);
    // Every name of /root/Main, in any order: the ids are the sorted positions.
    const full = await connect(t, server.url, {});
    full.declareNode("Main", { rpcs: [...MAIN_NAMES].reverse() });
    const errors: Error[] = [];
    full.on("manifest_error", (e) => errors.push(e));
    const pong = await full.request(1, "Main", "ping", [9], { method: "pong" });
    t.deepEqual(pong.args, [9]);
    t.deepEqual(errors, []);

    // A node whose only RPC is the one handled needs nothing more: the players' movers.
    const a = await connect(t, server.url, {});
    const b = await connect(t, server.url, {});
    await until(() => b.peers.includes(a.id), "b to know a");
    a.handle(`Main/World/Players/${a.id}`, "update_position", "authority", () => {});
    const moves: unknown[] = [];
    b.node(`Main/World/Players/${a.id}`).setMultiplayerAuthority(a.id);
    b.handle(`Main/World/Players/${a.id}`, "update_position", "authority", (p) => moves.push(p));
    a.node(`Main/World/Players/${a.id}`).rpcId(b.id, "update_position", new Vector2(3, 4));
    await until(() => moves.length === 1, "b to get a's move, relayed");
    t.deepEqual(moves, [new Vector2(3, 4)]);
    t.is(a.manifestErrors + b.manifestErrors, 0);

    // Only the names this bot uses: our SIMPLIFY_PATH's MD5 is not the server's.
    const partial = await connect(t, server.url, {});
    const seen: ManifestError[] = [];
    partial.on("manifest_error", (e) => seen.push(e as ManifestError));
    partial.handle("Main", "pong", "authority", () => {});
    partial.handle("Main", "ping", "any_peer", () => {});
    partial.node("Main").rpcId(1, "ping", 1);
    await until(() => seen.length > 0, "the manifest error");
    const e = seen[0]!;
    t.true(e instanceof ManifestError);
    t.is(e.path, "Main");
    t.is(e.reason, "checksum-refused");
    t.regex(e.message, /Main/);
    t.is(partial.manifestErrors, seen.length);
  });

  test(`${kind} server: the server's SIMPLIFY_PATH is checked against our manifest — a differing node and a missing one are named errors`, async (t) => {
    const server = await start(t);
    // Our Main lacks "echoed": the server's checksum for Main differs from ours.
    const bot = await connect(t, server.url, { manifest: edited("Main", { drop: "echoed" }) });
    const seen: ManifestError[] = [];
    bot.on("manifest_error", (e) => seen.push(e as ManifestError));
    bot.handle("Main", "welcome", "authority", () => {});
    // The server calls us first (welcome is sent with its path): joined by a bot that has the full manifest.
    const other = await connect(t, server.url, { manifest: MANIFEST });
    other.node("Main/Control").rpcId(1, "call_peer", bot.id, "Main", "pong", [1]);
    await until(() => seen.some((e) => e.reason === "checksum-mismatch"), "the checksum mismatch");
    const mismatch = seen.find((e) => e.reason === "checksum-mismatch")!;
    t.is(mismatch.path, "Main");
    t.is(mismatch.peer, 1);
    t.regex(mismatch.message, /Node path: Main .*the peer also declares "echoed"/);
    t.deepEqual(mismatch.extraOnPeer, ["echoed"]);
    t.deepEqual(mismatch.missingOnPeer, []);
    t.is(bot.manifestErrors, seen.length);

    // A node our manifest lacks, called by the server: named, not run.
    const noArena = await connect(t, server.url, { manifest: edited("Main/World/Arena", "remove") });
    const lacking: ManifestError[] = [];
    noArena.on("manifest_error", (e) => lacking.push(e as ManifestError));
    other.node("Main/Control").rpcId(1, "call_peer", noArena.id, "Main/World/Arena", "default_rpc", [1]);
    await until(() => lacking.length > 0, "the unknown node");
    t.is(lacking[0]!.reason, "unknown-node");
    t.is(lacking[0]!.path, "Main/World/Arena");

    // Our own calls and handlers for what the manifest lacks: errors that name the node.
    t.throws(() => noArena.handle("Main/Nowhere", "x", "authority", () => {}), { message: /Nowhere/ });
    t.throws(() => bot.handle("Main", "no_such_rpc", "authority", () => {}), {
      instanceOf: RangeError,
      message: /"no_such_rpc" is not an RPC of Main in the manifest \(its names: .*chat.*\)/,
    });
    await t.throwsAsync(
      noArena.request(1, "Main/World/Arena", "move", [1], { method: "pong", path: "Main" }),
      {
        message: /no node Main\/World\/Arena in the manifest/,
      },
    );
    t.throws(() => noArena.node("Main/World/Arena").rpcId(1, "move", 1), { message: /Main\/World\/Arena/ });
  });
}

test("Node server: a swarm of Godot 4 bots with the manifest file counts manifest errors as errors.manifest", async (t) => {
  const server = await startNodeGame4Server(t);
  const result = await runSwarm({
    url: server.url,
    bots: 3,
    durationMs: 1_500,
    botOptions: { manifest: edited("Main", { drop: "echoed" }) },
    script: async (bot, ctx) => {
      if (bot.godot !== 4) throw new Error("a Godot 4 server");
      bot.handle("Main", "welcome", "authority", () => {});
      bot.node("Main").rpcId(1, "join", ctx.name);
      await ctx.sleep(10_000);
    },
  });
  t.is(result.errors.manifest, 3, JSON.stringify(result.errors));
});
