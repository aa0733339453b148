/**
 * The engines' bot classes, for Bot.connect's types. An engine adds its bot class and options
 * here, and registers its BotEngine in index.ts (registerBotEngine); Bot itself does not change.
 */
import type { Godot3Bot, Godot3Options } from "./godot3/index.js";
import type { Godot4Bot, Godot4Options } from "./godot4/index.js";

/** The bot class of each engine: what Bot.connect({ godot }) resolves with. */
export interface BotByEngine {
  3: Godot3Bot;
  4: Godot4Bot;
}

/** A bot of whichever engine the server runs (narrow it on `bot.godot`). */
export type EngineBot = BotByEngine[keyof BotByEngine];

/** The options each engine's bot takes beyond BotOptions (a bot that reads its engine takes them all). */
export type EngineOptions = Godot3Options & Godot4Options;
