/**
 * The demo swarm (`npm run demo`): every other bot chats (request/response on Game.chat), the
 * rest move at 20 Hz — the two example bots, mixed, against the example game.
 */
import { defineBot } from "godot-peer";
import chat from "./chat.js";
import mover from "./mover.js";

export default defineBot((bot, ctx) => (ctx.index % 2 === 0 ? chat(bot, ctx) : mover(bot, ctx)));
