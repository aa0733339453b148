/**
 * Example bot for the example game: joins, chats, and measures how long the server takes to
 * broadcast each line back (request/response on Game.chat → Game.chat_message).
 */
import { defineBot } from "godot-peer";
import { joinExampleGame } from "./example-game.js";

export default defineBot(async (bot, ctx) => {
  await joinExampleGame(bot, ctx);
  for (let line = 1; !ctx.signal.aborted; line++) {
    const text = `${ctx.name} says hello #${line}`;
    await bot.request(1, "Game", "chat", [text], {
      method: "chat_message",
      match: (args) => args[0] === bot.id && args[1] === text,
    });
    await ctx.sleep(250);
  }
});
