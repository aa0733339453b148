/**
 * A mixed game: a real 4.6.3 client plays its scripted session with a TypeScript client (our
 * WebSocketMultiplayerPeer4 + SceneMultiplayer, with the game's manifest) as the other player, on a
 * real 4.6.3 server and on ours. What the real client sees of the TypeScript one must be the same
 * either way. (The Godot 4 Bot, when it lands, takes this client's place: see StartClient in
 * test/godot4/game4-scenarios.ts.)
 */
import test, { type ExecutionContext } from "ava";
import { WebSocketMultiplayerPeer4 } from "../../../src/multiplayer/index.js";
import { SceneMultiplayer } from "../../../src/scene/index.js";
import { game4Manifest, show4 } from "../../../src/server/index.js";
import { Vector2 } from "../../../src/variant/index.js";
import type { Game4Server, StartServer } from "../../godot4/game4-scenarios.js";
import { startGodot4Client, startGodot4Server } from "../../harness/godot4-game.js";
import { startNodeGame4Server } from "../../harness/node-godot4-game.js";

/**
 * Joins, says hello, moves its mover, and says bye: what the real client's session waits for. Like
 * the real client's own session, it waits to know the other client first: a broadcast sent before
 * the server's ADD_PEER names no simplified path to that client, which then drops it (the engine's
 * own race, the same with a GDScript client).
 */
async function tsPlayer(
  t: ExecutionContext,
  server: Game4Server,
  other: number,
): Promise<{ id: number; calls: string[] }> {
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const mp = new SceneMultiplayer({ manifest: game4Manifest(), autoProcess: true });
  t.teardown(() => peer.close());
  const calls: string[] = [];
  mp.onRpcReceived = (node, method, args) =>
    calls.push(`${node.path} ${method} ${args.map(show4).join(" ")}`);
  peer.createClient(server.url);
  mp.multiplayerPeer = peer;
  await new Promise<void>((resolve) => mp.once("connected_to_server", () => resolve()));
  if (!mp.getPeers().includes(other)) {
    await new Promise<void>((resolve) => {
      const seen = (peer: number): void => {
        if (peer !== other) return;
        mp.off("peer_connected", seen);
        resolve();
      };
      mp.on("peer_connected", seen);
    });
  }
  const id = mp.getUniqueId();
  const main = mp.node("Main");
  main.rpcId(1, "join", "ts");
  main.rpcId(1, "chat", "hello from ts");
  const me = mp.node(`Main/World/Players/${id}`);
  me.setMultiplayerAuthority(id);
  me.rpc("update_position", new Vector2(5, 6));
  main.rpcId(1, "chat", "bye");
  return { id, calls };
}

async function mixed(t: ExecutionContext, start: StartServer): Promise<string[]> {
  const server = await start(t);
  // The real client's session starts once it knows one other client: the TypeScript one.
  const real = await startGodot4Client(t, server.url, { name: "real", peers: 1 });
  const realId = await real.connected();
  const ts = await tsPlayer(t, server, realId);
  await real.waitForEvent("settled");
  // The TypeScript client's move is relayed beside the session's calls: it may land after "settled".
  await real.waitForEvent("position", (e) => e.from === ts.id);
  await server.waitForEvent("chat", (e) => e.id === realId && e.text === "bye");
  t.deepEqual(real.errorLines(), []);
  t.deepEqual(
    real.events("done").map((e) => String(e.others)),
    [String(ts.id)],
  );
  // The real client's move.rpc_id(ts, …), relayed by the server, ran on the TypeScript one.
  const move = `Main/World/Arena move Vector2(${realId % 1000}, 7)`;
  for (let i = 0; i < 500 && !ts.calls.includes(move); i++) await new Promise((r) => setTimeout(r, 10));
  t.true(ts.calls.includes(move), ts.calls.join("\n"));
  return [
    ...real
      .events("chat_message", (e) => e.from === ts.id)
      .map((e) => `chat_message ${e.text}`)
      .sort(),
    ...real.events("player_joined", (e) => e.id === ts.id).map((e) => `player_joined ${e.name}`),
    ...real
      .events("position", (e) => e.from === ts.id)
      .map((e) => `position ${e.node === String(ts.id)} ${e.value}`),
  ];
}

test("mixed game: a real 4.6.3 client and a TypeScript client play together, the same on 4.6.3's server and ours", async (t) => {
  const onReal = await mixed(t, startGodot4Server);
  const onOurs = await mixed(t, startNodeGame4Server);
  t.deepEqual(onOurs, onReal);
  t.deepEqual(onReal, [
    "chat_message bye",
    "chat_message hello from ts",
    "player_joined ts",
    "position true Vector2(5, 6)",
  ]);
});
