/**
 * Example bot for the example game: join/leave churn. Joins, says one line, thinks a moment and
 * leaves — the open model's bot (`--arrival-rate`): arrivals keep coming whatever the server does.
 */
import { defineBot } from "godot-peer";
import { joinExampleGame } from "./example-game.js";

export default defineBot(async (bot, ctx) => {
  await joinExampleGame(bot, ctx);
  const text = `${ctx.name} was here`;
  await bot.request(1, "Game", "chat", [text], {
    method: "chat_message",
    match: (args) => args[0] === bot.id && args[1] === text,
  });
  await ctx.think();
  // Returning ends this bot: the runner disconnects it cleanly.
});
