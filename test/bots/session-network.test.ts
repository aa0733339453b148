/**
 * Issue #16 point 8 for a BotSession: its network conditions shape every connection it makes, and
 * its scheduled drops end a connection with no close frame, after which it rejoins `rejoinAfter`
 * later, with no backoff (checked with a backoff that would wait 10 s, and no timing).
 */
import test from "ava";
import { BotSession, type Godot3Bot, NetworkOptionError } from "../../src/bots/index.js";
import { ExampleGame } from "../../src/server/index.js";
import type { CloseInfo } from "../../src/websocket/index.js";
import { until } from "./game.js";

test("a session's scheduled drops: no close frame, the server sees the peer leave, the session rejoins after rejoinAfter, not after a backoff", async (t) => {
  const game = new ExampleGame();
  t.teardown(() => game.stop());
  await game.listen(0);
  let left = 0;
  game.multiplayer.on("network_peer_disconnected", () => left++);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${game.port}`,
    godot: 3,
    // A failure would wait about 10 s: a rejoin within the test is the drop's own.
    backoff: { initialMs: 10_000, maxMs: 10_000 },
    random: () => 0.999,
    network: { latency: "20ms", drops: [{ at: "300ms", every: "600ms", rejoinAfter: "100ms" }] },
  });
  t.teardown(() => session.stop());
  const closes: (CloseInfo | null)[] = [];
  const delays: number[] = [];
  const bots: Godot3Bot[] = [];
  session.on("disconnected", (info) => closes.push(info));
  session.on("reconnecting", (_attempt, delayMs) => delays.push(delayMs));
  session.on("reconnected", (bot) => bots.push(bot));
  const first = await session.start();
  await until(() => bots.length >= 2, "two rejoins", 10_000);
  await session.stop();
  t.true(closes.length >= 2);
  for (const info of closes.slice(0, 2))
    t.like(info, { code: 1006, wasClean: false, initiatedBy: "network-condition" });
  for (const d of delays.slice(0, 2)) t.true(d <= 100, `rejoin after ${d} ms, not a backoff`);
  t.not(bots[0]?.id, first.id, "each rejoin is a new peer");
  // The server saw each drop as a peer leaving.
  await until(() => left >= 2, "the server to see two peers leave");
  t.true(left >= 2);
});

test("a session's bad network conditions are an error naming the key, at once", (t) => {
  t.throws(
    () => BotSession.create({ url: "ws://127.0.0.1:1", network: { drops: [{ at: "1s" } as never] } }),
    { instanceOf: NetworkOptionError, message: /^network\.drops\[0\]\.rejoinAfter: required/ },
  );
  t.throws(() => BotSession.create({ url: "ws://127.0.0.1:1", network: { bandwidth: "2kbps" } }), {
    instanceOf: NetworkOptionError,
    message: /^network\.bandwidth: .*ambiguous/,
  });
});
