/**
 * Issue #16 point 8 against a real Godot 4.6.3 server: a session's scheduled drop (no close frame)
 * is a peer_disconnected to the engine, the session rejoins as a new peer after rejoinAfter, and
 * the added latency is in its round trips (one-way on each direction).
 */
import test from "ava";
import { BotSession, type Godot4Bot } from "../../src/bots/index.js";
import { startGodot4Server } from "../harness/godot4-game.js";
import { GAME4_MANIFEST_FILE } from "./game4.js";

test("Godot 4.6.3: a scheduled drop is peer_disconnected to the engine; the session rejoins after rejoinAfter, its round trips carrying the latency", async (t) => {
  t.timeout(60_000);
  const server = await startGodot4Server(t);
  const session = BotSession.create({
    url: server.url,
    godot: 4,
    manifest: GAME4_MANIFEST_FILE,
    // A failure would wait about 10 s: a rejoin within the test is the drop's own.
    backoff: { initialMs: 10_000, maxMs: 10_000 },
    random: () => 0.999,
    network: { latency: "40ms", drops: [{ at: "1500ms", rejoinAfter: "300ms" }] },
  });
  t.teardown(() => session.stop());
  for (const m of ["welcome", "player_joined", "player_left", "chat_message", "pong", "echoed"]) {
    session.handle("Main", m, "authority", () => {});
  }
  const delays: number[] = [];
  session.on("reconnecting", (_attempt, delayMs) => delays.push(delayMs));
  const first = await session.start();
  const firstId = first.id;
  await server.waitForEvent("peer_connected", (e) => e.id === firstId);
  const back = new Promise<Godot4Bot>((resolve) => session.once("reconnected", resolve));
  const second = await back;
  await server.waitForEvent("peer_disconnected", (e) => e.id === firstId);
  await server.waitForEvent("peer_connected", (e) => e.id === second.id);
  t.not(second.id, firstId);
  t.true((delays[0] ?? Number.POSITIVE_INFINITY) <= 300, `rejoined after ${delays[0]} ms`);
  const r = await second.request(1, "Main", "ping", [7], { method: "pong", match: (a) => a[0] === 7 });
  t.true(r.rttMs >= 80, `round trip ${r.rttMs} ms over 40 ms each way`);
  t.deepEqual(server.errorLines(), []);
});
