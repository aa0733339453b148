/**
 * Example bot for the example game: joins and moves its player at a fixed tick rate, sending
 * its position to everyone (rpc_unreliable on Game/Players/<id>, as a Godot client would).
 */
import { defineBot, RpcMode, Vector2 } from "godot-peer";

const TICK_HZ = 20;

export default defineBot(async (bot, ctx) => {
  bot.handle("Game", "player_joined", RpcMode.PUPPET, (_id: number, _name: string) => {});
  bot.handle("Game", "player_left", RpcMode.PUPPET, (_id: number) => {});
  await bot.request(1, "Game", "join", [ctx.name], { method: "welcome" });
  const me = bot.node(`Game/Players/${bot.id}`);
  me.setNetworkMaster(bot.id);
  me.rpcConfig("update_position", RpcMode.PUPPET, () => {});
  for (let tick = 0; !ctx.signal.aborted; tick++) {
    const angle = (tick / TICK_HZ) * Math.PI;
    me.rpcUnreliable("update_position", new Vector2(Math.cos(angle) * 100, Math.sin(angle) * 100));
    await ctx.sleep(1000 / TICK_HZ);
  }
});
