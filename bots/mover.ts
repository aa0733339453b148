/**
 * Example bot for the example game: joins and moves its player at a fixed tick rate, sending
 * its position to everyone (rpc_unreliable on Game/Players/<id>, as a Godot client would).
 */
import { defineBot, Vector2 } from "godot-peer";
import { godot3, joinExampleGame } from "./example-game.js";

const TICK_HZ = 20;

export default defineBot(async (bot, ctx) => {
  await joinExampleGame(bot, ctx);
  const me = godot3(bot).node(`Game/Players/${bot.id}`);
  for (let tick = 0; !ctx.signal.aborted; tick++) {
    const angle = (tick / TICK_HZ) * Math.PI;
    me.rpcUnreliable("update_position", new Vector2(Math.cos(angle) * 100, Math.sin(angle) * 100));
    await ctx.sleep(1000 / TICK_HZ);
  }
});
