/**
 * Example bot for the example game: joins and moves its player at a fixed tick rate, sending
 * its position to everyone (update_position on its player node, unreliable, as a Godot client would).
 */
import { defineBot, Vector2 } from "godot-peer";
import { joinExampleGame, sendPosition } from "./example-game.js";

const TICK_HZ = 20;

export default defineBot(async (bot, ctx) => {
  await joinExampleGame(bot, ctx);
  for (let tick = 0; !ctx.signal.aborted; tick++) {
    const angle = (tick / TICK_HZ) * Math.PI;
    sendPosition(bot, new Vector2(Math.cos(angle) * 100, Math.sin(angle) * 100));
    await ctx.sleep(1000 / TICK_HZ);
  }
});
