/**
 * Example bot for the example game: joins, chats, and measures how long the server takes to
 * broadcast each line back (request/response on chat → chat_message, on Godot 3's `Game` or Godot 4's `Main`).
 */
import { defineBot } from "godot-peer";
import { gameNodes, joinExampleGame } from "./example-game.js";

export default defineBot(async (bot, ctx) => {
  await joinExampleGame(bot, ctx);
  const { game } = gameNodes(bot);
  for (let line = 1; !ctx.signal.aborted; line++) {
    const text = `${ctx.name} says hello #${line}`;
    await bot.request(1, game, "chat", [text], {
      method: "chat_message",
      match: (args) => args[0] === bot.id && args[1] === text,
    });
    await ctx.sleep(250);
  }
});
