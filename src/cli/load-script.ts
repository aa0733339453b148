/** Loads a bot script — a TypeScript (or JavaScript) module in the user's repo — with no build step. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { BotScript } from "../bots/index.js";

export class BotScriptError extends Error {
  override readonly name = "BotScriptError";
}

export async function loadBotScript(path: string): Promise<BotScript> {
  const url = pathToFileURL(resolve(path)).href;
  let mod: { default?: unknown; connectOptions?: unknown };
  try {
    mod = (await tsImport(url, import.meta.url)) as { default?: unknown; connectOptions?: unknown };
  } catch (err) {
    throw new BotScriptError(`cannot load bot script ${path}: ${(err as Error).message}`, { cause: err });
  }
  let script = mod.default;
  // A .ts script of a CommonJS project is compiled to CommonJS: its default export is module.exports.default.
  if (typeof script === "object" && script !== null && "default" in script) script = script.default;
  if (typeof script !== "function") {
    throw new BotScriptError(
      `${path} must export a bot script as its default export: export default defineBot(async (bot, ctx) => { … })`,
    );
  }
  // Per-bot connect options may also be a module export: `export const connectOptions = (ctx) => …`.
  if (typeof mod.connectOptions === "function" && !(script as BotScript).connectOptions)
    return Object.assign(script, { connectOptions: mod.connectOptions }) as BotScript;
  return script as BotScript;
}
