/**
 * Example bot for the example game: joins, chats, and measures how long the server takes to
 * broadcast each line back (request/response on Game.chat → Game.chat_message).
 */
import { defineBot, RpcMode } from "godot-peer";

export default defineBot(async (bot, ctx) => {
  // What the server calls on every client; declared like `puppet func` in GDScript.
  bot.handle("Game", "player_joined", RpcMode.PUPPET, (_id: number, _name: string) => {});
  bot.handle("Game", "player_left", RpcMode.PUPPET, (_id: number) => {});
  bot.handle("Game", "chat_message", RpcMode.PUPPET, (_from: number, _text: string) => {});
  await bot.request(1, "Game", "join", [ctx.name], { method: "welcome" });
  for (let line = 1; !ctx.signal.aborted; line++) {
    const text = `${ctx.name} says hello #${line}`;
    await bot.request(1, "Game", "chat", [text], {
      method: "chat_message",
      match: (args) => args[0] === bot.id && args[1] === text,
    });
    await ctx.sleep(250);
  }
});
