/**
 * Swarms of Godot 4 bots: the runner and its metrics work unchanged, and each bot gets its own
 * connect options from the script (credentials per ctx.index: defineBot's connectOptions).
 */
import test from "ava";
import { type BotContext, defineBot, runSwarm } from "../../src/bots/index.js";
import { startGodot4Server } from "../harness/godot4-game.js";
import { startNodeGame4Server } from "../harness/node-godot4-game.js";
import { GAME4_MANIFEST_FILE } from "./game4.js";

/** Every third bot has a bad token. */
const script = defineBot(
  async (bot, ctx) => {
    if (bot.godot !== 4) throw new Error("a Godot 4 server");
    bot.handle("Main", "welcome", "authority", () => {});
    for (let seq = 0; !ctx.signal.aborted && seq < 5; seq++) {
      await bot.request(1, "Main", "ping", [seq], { method: "pong", match: (a) => a[0] === seq });
    }
    await ctx.sleep(60_000);
  },
  {
    connectOptions: (ctx: BotContext) => ({
      auth: { token: ctx.index % 3 === 2 ? "bad" : `good-${ctx.index}` },
    }),
  },
);

for (const [kind, start] of [
  ["4.6.3", startGodot4Server],
  ["Node", startNodeGame4Server],
] as const) {
  test(`${kind} server with auth: a swarm's bots authenticate with their own tokens; refused ones are auth-failed`, async (t) => {
    const server = await start(t, { auth: true });
    const result = await runSwarm({
      url: server.url,
      bots: 9,
      durationMs: 2_500,
      botOptions: { manifest: GAME4_MANIFEST_FILE },
      script,
    });
    t.deepEqual(result.connectFailures, { "auth-failed": 3 });
    t.is(result.bots.connected, 6);
    t.is(result.bots.failed, 3);
    t.deepEqual(result.errors, {});
    t.is(result.methods["Main:ping"]?.callsOut, 30);
    t.is(result.methods["Main:pong"]?.callsIn, 30);
    // A game with no spawners or synchronizers has no replication to report (none made to ask).
    t.is(result.replication, undefined);
    t.is(server.events("auth", (e) => e.ok === true).length, 6);
    t.deepEqual(
      server.events("auth", (e) => e.ok === false).map((e) => e.token),
      ["bad", "bad", "bad"],
    );
  });
}
