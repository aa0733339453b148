/**
 * BotSession with Godot 4 (dialect-free: the same session code): against a real 4.6.3 server,
 * kicked (kick_me → disconnect_peer), then the engine killed and restarted on the same port; the
 * session comes back each time with its handlers and the game's manifest.
 */
import test from "ava";
import { BotSession, type Godot4Bot, type RpcCall } from "../../src/bots/index.js";
import { startGodot4Server } from "../harness/godot4-game.js";
import { GAME4_MANIFEST_FILE, until } from "./game4.js";

test("Godot 4.6.3: kicked, then the server killed and restarted on the same port: the session comes back with its handlers", async (t) => {
  t.timeout(110_000);
  let server = await startGodot4Server(t);
  const port = server.port;
  const session = BotSession.create({
    url: server.url,
    godot: 4,
    manifest: GAME4_MANIFEST_FILE,
    backoff: { initialMs: 50, maxMs: 400 },
  });
  t.teardown(() => session.stop());
  const chats: [number, number, string][] = [];
  session.handle<[number, string]>("Main", "chat_message", "authority", function (this: RpcCall, id, text) {
    chats.push([this.from, id, text]);
  });
  for (const m of ["welcome", "player_joined", "player_left", "pong", "echoed"]) {
    session.handle("Main", m, "authority", () => {});
  }
  session.setup((bot) => bot.node(`Main/World/Players/${bot.id}`).setMultiplayerAuthority(bot.id));
  const reasons: string[] = [];
  session.on("reconnecting", (attempt, _ms, cause) => reasons.push(`${attempt} ${cause.name}`));
  const chatOn = async (bot: Godot4Bot, name: string) => {
    await bot.request(1, "Main", "join", [name], { method: "welcome" });
    bot.node("Main").rpcId(1, "chat", `from ${name}`);
    await until(
      () => chats.some(([, id, text]) => id === bot.id && text === `from ${name}`),
      `${name}'s chat`,
    );
  };

  const first = await session.start();
  t.is(first.godot, 4);
  await chatOn(first, "one");
  const back = new Promise<Godot4Bot>((resolve) => session.once("reconnected", resolve));
  first.node("Main").rpcId(1, "kick_me");
  const second = await back;
  t.not(second.id, first.id);
  await chatOn(second, "two");

  await server.proc.stop();
  await until(() => reasons.length >= 3, "attempts while the server is down", 30_000);
  server = await startGodot4Server(t, { port });
  const third = await session.ready();
  await chatOn(third, "three");
  t.deepEqual(
    chats.map(([from, , text]) => [from, text]),
    [
      [1, "from one"],
      [1, "from two"],
      [1, "from three"],
    ],
  );
  t.deepEqual(reasons.slice(0, 2), ["1 BotDisconnectedError", "1 BotDisconnectedError"]);
  t.is(reasons[2], "2 BotConnectError");
});
