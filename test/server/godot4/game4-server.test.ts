/**
 * SceneServer4's duties over our WebSocketMultiplayerServer4, with raw ws clients and our own
 * Godot 4 client stack: kick and auth_timeout close with 1000, refuse_new_connections, and nothing
 * a game script does (a throwing handler or signal listener, a refused send) takes the server down;
 * a packet a client's output limits refuse is printed, as 4.6.3 prints it.
 */
import test, { type ExecutionContext } from "ava";
import { WebSocketMultiplayerPeer4 } from "../../../src/multiplayer/index.js";
import { type RpcDeclaration, SceneMultiplayer } from "../../../src/scene/index.js";
import { ExampleGame4, SceneServer4, WebSocketMultiplayerServer4 } from "../../../src/server/index.js";
import { GodotError } from "../../../src/websocket/index.js";
import { GameLog } from "../../harness/godot4-game.js";
import { rawClient } from "./ws-client.js";

const MAIN: RpcDeclaration = {
  rpcs: { boom: { rpc_mode: "any_peer" }, ok: { rpc_mode: "any_peer" }, told: {} },
};

async function server(
  t: ExecutionContext,
  s = new SceneServer4(),
): Promise<{ s: SceneServer4; url: string }> {
  t.teardown(() => s.stop());
  const port = await s.listen(0);
  return { s, url: `ws://127.0.0.1:${port}` };
}

async function sceneClient(t: ExecutionContext, url: string): Promise<SceneMultiplayer> {
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const mp = new SceneMultiplayer({ autoProcess: true });
  mp.node("Main", MAIN);
  t.teardown(() => peer.close());
  peer.createClient(url);
  mp.multiplayerPeer = peer;
  await new Promise<void>((resolve) => mp.once("connected_to_server", () => resolve()));
  return mp;
}

test("SceneServer4: a handler or a signal listener that throws is a SCRIPT ERROR line; the server goes on", async (t) => {
  const { s, url } = await server(t);
  const main = s.multiplayer.node("Main", MAIN);
  const ran: number[] = [];
  main.onRpc("boom", () => {
    throw new Error("the game script failed");
  });
  main.onRpc("ok", (x) => {
    ran.push(Number(x));
    // A send Godot refuses (told is authority-only and we are the authority, but peer 99 is unknown).
    s.guard(() => main.rpcId(99, "told"));
  });
  s.multiplayer.on("peer_connected", () => {
    throw new Error("a listener failed");
  });
  const c = await sceneClient(t, url);
  c.getNode("Main")?.rpcId(1, "boom");
  c.getNode("Main")?.rpcId(1, "ok", 1);
  const log = new GameLog(s.output);
  await log.waitForErrorLines(3);
  t.deepEqual(ran, [1]);
  t.deepEqual(s.output.errorLines(), [
    "SCRIPT ERROR: peer_connected (from 0): a listener failed",
    `SCRIPT ERROR: /root/Main::boom (from ${c.getUniqueId()}): the game script failed`,
    "ERROR: Attempt to call RPC with unknown peer ID: 99.",
  ]);
  t.deepEqual(s.multiplayer.getPeers(), [c.getUniqueId()]);
});

test("SceneServer4: kick closes the client with 1000; refuse_new_connections drops newcomers", async (t) => {
  const { s, url } = await server(t);
  const a = await rawClient(url);
  const id = (await a.next()).readInt32LE(0);
  const gone = new Promise<number>((resolve) => s.multiplayer.once("peer_disconnected", resolve));
  s.kick(id);
  t.is((await a.closed).code, 1000);
  t.is(await gone, id);
  s.kick(id); // gone: Godot's line, no exception
  t.deepEqual(s.output.errorLines(), ['ERROR: Condition "!peers_map.has(p_peer_id)" is true.']);
  s.multiplayer.refuseNewConnections = true;
  const refused = await rawClient(url).then(
    (c) => c.closed,
    () => ({ code: -1, reason: "refused at the upgrade" }),
  );
  t.not(refused.code, 1000);
  s.multiplayer.refuseNewConnections = false;
  const b = await rawClient(url);
  t.is((await b.next()).length, 4, "admitted again");
});

test("ExampleGame4 with auth: a raw client that never authenticates is closed at auth_timeout (1000)", async (t) => {
  const game = new ExampleGame4({ auth: true, authTimeout: 0.2 });
  t.teardown(() => game.stop());
  await game.listen(0);
  const log = new GameLog(game.output);
  const c = await rawClient(game.url);
  const id = (await c.next()).readInt32LE(0);
  t.is((await c.closed).code, 1000);
  await log.waitForEvent("peer_authentication_failed", (e) => e.id === id);
  t.deepEqual(
    log.events().map((e) => e.ev),
    ["listening", "peer_authenticating", "peer_authentication_failed"],
  );
});

/** WSLPeer::_send's lines in 4.6.3 (modules/websocket/wsl_peer.cpp), by the check that refused. */
const REFUSED_LINES = {
  "output-packets":
    'ERROR: Condition "wslay_event_get_queued_msg_count(wsl_ctx) >= (uint32_t)max_queued_packets" is true. Returning: ERR_OUT_OF_MEMORY',
  "output-bytes":
    'ERROR: Condition "outbound_buffer_size > 0 && (wslay_event_get_queued_msg_length(wsl_ctx) + p_buffer_size > (uint32_t)outbound_buffer_size)" is true. Returning: ERR_OUT_OF_MEMORY',
} as const;

test("SceneServer4: every packet a client's output limits refuse is 4.6.3's ERROR line, the ADD_PEER of a newcomer to a client that does not read too", async (t) => {
  const s = new SceneServer4();
  t.teardown(() => s.stop());
  // max_queued_packets 1: behind any backlog, the next packet is refused.
  const peer = new WebSocketMultiplayerServer4({ autoPoll: true, maxQueuedPackets: 1 });
  t.is(await peer.createServer(0, "127.0.0.1"), GodotError.OK);
  s.host(peer);
  const url = `ws://127.0.0.1:${peer.getPort()}`;
  const deaf = await rawClient(url);
  t.teardown(() => deaf.ws.terminate());
  const id = (await deaf.next()).readInt32LE(0);
  (deaf.ws as unknown as { _socket: import("node:net").Socket })._socket.pause();
  const payload = new Uint8Array(60_000).fill(3);
  for (let turn = 0; turn < 400 && peer.refusedOutput.size === 0; turn++) {
    s.guard(() => s.multiplayer.sendBytes(payload, id));
    await new Promise((r) => setImmediate(r));
  }
  t.true(peer.refusedOutput.size > 0, "the client's output backed up");
  // Newcomers: server_relay on, each is announced to the client that does not read (ADD_PEER).
  for (let i = 0; i < 3; i++) {
    const c = await rawClient(url);
    t.teardown(() => c.ws.terminate());
    await c.next();
  }
  // The first refusal's, then the three ADD_PEER.
  t.true((peer.refusedOutput.get("output-packets") ?? 0) >= 4, JSON.stringify([...peer.refusedOutput]));
  const expected: string[] = [];
  for (const [reason, n] of peer.refusedOutput)
    for (let i = 0; i < n; i++) expected.push(REFUSED_LINES[reason]);
  t.deepEqual(s.output.errorLines().toSorted(), expected.toSorted());
});
