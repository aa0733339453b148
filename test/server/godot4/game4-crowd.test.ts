/**
 * A crowd on our Godot 4 server: 100 TypeScript clients (our Godot 4 client stack) join the example
 * game at once, chat and ping; every reply arrives, in order, none lost or doubled; a third of them
 * drop at once while the rest play on, and everyone left is told who left.
 */
import test, { type ExecutionContext } from "ava";
import { WebSocketMultiplayerPeer4 } from "../../../src/multiplayer/index.js";
import { SceneMultiplayer } from "../../../src/scene/index.js";
import { ExampleGame4, game4Manifest } from "../../../src/server/index.js";

const N = 100;
const PINGS = 5;

interface Member {
  peer: WebSocketMultiplayerPeer4;
  mp: SceneMultiplayer;
  pongs: number[];
  joined: Set<number>;
  left: Set<number>;
  chats: number;
}

async function member(t: ExecutionContext, url: string): Promise<Member> {
  const peer = new WebSocketMultiplayerPeer4({ autoPoll: true });
  const mp = new SceneMultiplayer({ manifest: game4Manifest(), autoProcess: true });
  t.teardown(() => peer.close());
  const m: Member = { peer, mp, pongs: [], joined: new Set(), left: new Set(), chats: 0 };
  const main = mp.node("Main");
  main.onRpc("pong", (seq) => {
    m.pongs.push(Number(seq));
  });
  main.onRpc("player_joined", (id) => {
    m.joined.add(Number(id));
  });
  main.onRpc("player_left", (id) => {
    m.left.add(Number(id));
  });
  main.onRpc("chat_message", () => {
    m.chats++;
  });
  peer.createClient(url);
  mp.multiplayerPeer = peer;
  await new Promise<void>((resolve) => mp.once("connected_to_server", () => resolve()));
  return m;
}

async function until(what: string, ok: () => boolean): Promise<void> {
  for (let i = 0; i < 2000; i++) {
    if (ok()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`not within 20 s: ${what}`);
}

test("game4 on Node: 100 clients at once, every reply in order, a third drop at once, the rest play on", async (t) => {
  const game = new ExampleGame4();
  t.teardown(() => game.stop());
  await game.listen(0);
  const crowd = await Promise.all(Array.from({ length: N }, () => member(t, game.url)));
  const ids = crowd.map((m) => m.mp.getUniqueId());
  t.is(new Set(ids).size, N);
  await until("everyone knows everyone", () => crowd.every((m) => m.mp.getPeers().length === N));
  for (const m of crowd) {
    const main = m.mp.node("Main");
    main.rpcId(1, "join", `m${m.mp.getUniqueId()}`);
    main.rpcId(1, "chat", "hi");
    for (let s = 1; s <= PINGS; s++) main.rpcId(1, "ping", s);
  }
  const seqs = Array.from({ length: PINGS }, (_, i) => i + 1);
  await until("every pong", () => crowd.every((m) => m.pongs.length === PINGS));
  await until("every join and chat seen", () => crowd.every((m) => m.joined.size === N && m.chats === N));
  for (const m of crowd) t.deepEqual(m.pongs, seqs);
  t.is(game.players.size, N);
  // A third leave at once.
  const gone = crowd.slice(0, N / 4 + 8);
  const stay = crowd.slice(gone.length);
  const goneIds = new Set(gone.map((m) => m.mp.getUniqueId()));
  for (const m of gone) m.peer.close();
  await until("the others are told", () => stay.every((m) => m.left.size === goneIds.size));
  for (const m of stay) {
    t.deepEqual([...m.left].sort(), [...goneIds].sort());
    t.is(m.mp.getPeers().length, stay.length);
    m.mp.node("Main").rpcId(1, "ping", 99);
  }
  await until("the rest still play", () => stay.every((m) => m.pongs.at(-1) === 99));
  t.is(game.players.size, stay.length);
  t.deepEqual(game.output.errorLines(), []);
  t.is(game.multiplayer.stats.sendErrors, 0);
});
