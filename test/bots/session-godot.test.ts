/**
 * BotSession against a real Godot 3.6.2 server (the example game fixture): kicked by the server
 * (disconnect_peer), then the server process killed and started again on the same port; the
 * session comes back each time with its handlers, and the game sees a fresh peer that joins.
 */
import test from "ava";
import { BotSession, type Godot3Bot, type RpcCall } from "../../src/bots/index.js";
import { startFixture } from "../harness/godot.js";
import { until } from "./game.js";

test("Godot 3.6.2: kicked, then the server killed and restarted on the same port: the session comes back with its handlers", async (t) => {
  t.timeout(110_000);
  let godot = await startFixture(t, "3.6.2", "game_server.gd");
  const port = godot.port;
  const session = BotSession.create({
    url: `ws://127.0.0.1:${port}`,
    godot: 3,
    backoff: { initialMs: 50, maxMs: 400 },
  });
  t.teardown(() => session.stop());
  const chats: [number, number, string][] = [];
  session.handle<[number, string]>("Game", "chat_message", "authority", function (this: RpcCall, id, text) {
    chats.push([this.from, id, text]);
  });
  session.handle("Game", "player_joined", "authority", () => {});
  const reasons: string[] = [];
  session.on("reconnecting", (attempt, _ms, cause) => reasons.push(`${attempt} ${cause.name}`));
  const chatOn = async (bot: Godot3Bot, name: string) => {
    await bot.request(1, "Game", "join", [name], { method: "welcome" });
    bot.node("Game").rpcId(1, "chat", `from ${name}`);
    await until(
      () => chats.some(([, id, text]) => id === bot.id && text === `from ${name}`),
      `${name}'s chat`,
    );
  };

  const first = await session.start();
  await chatOn(first, "one");
  // Kicked: get_tree().network_peer.disconnect_peer(id), by the game's Control node.
  const back = new Promise<Godot3Bot>((resolve) => session.once("reconnected", resolve));
  first.node("Control").rpcId(1, "kick", first.id);
  const second = await back;
  t.not(second.id, first.id);
  await chatOn(second, "two");

  // The engine's process killed and started again on the same port.
  await godot.stop();
  await until(() => reasons.length >= 3, "attempts while the server is down", 30_000);
  godot = await startFixture(t, "3.6.2", "game_server.gd", { port });
  const third = await session.ready();
  await chatOn(third, "three");
  t.true(third.connected);
  t.deepEqual(
    chats.map(([from, , text]) => [from, text]),
    [
      [1, "from one"],
      [1, "from two"],
      [1, "from three"],
    ],
  );
  t.is(reasons[0], "1 BotDisconnectedError");
  t.is(reasons[1], "1 BotDisconnectedError", "a new loss starts again at attempt 1");
  t.regex(reasons[2] ?? "", /^2 BotConnectError$/);
  await godot.waitForLine(new RegExp(`^JOIN ${third.id} three$`));
});
