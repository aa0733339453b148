/** Loads a bot script — a TypeScript (or JavaScript) module in the user's repo — with no build step. */
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { tsImport } from "tsx/esm/api";
import type { BotScript } from "../bots/index.js";

export class BotScriptError extends Error {
  override readonly name = "BotScriptError";
}

/** A loaded bot module: its default export (if a function), its `options`, and every export by name. */
export interface BotModule {
  readonly path: string;
  readonly script: BotScript | undefined;
  readonly options: unknown;
  readonly exports: Readonly<Record<string, unknown>>;
}

export async function loadBotModule(path: string): Promise<BotModule> {
  const url = pathToFileURL(resolve(path)).href;
  let mod: Record<string, unknown>;
  try {
    mod = (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new BotScriptError(`cannot load bot script ${path}: ${(err as Error).message}`, { cause: err });
  }
  // A .ts script of a CommonJS project is compiled to CommonJS: its exports are under module.exports.
  const inner = mod.default;
  const cjs = typeof inner === "object" && inner !== null && "default" in inner;
  const exports = cjs ? (inner as Record<string, unknown>) : mod;
  const script = exports.default;
  return {
    path,
    script: typeof script === "function" ? (script as BotScript) : undefined,
    options: exports.options,
    exports,
  };
}

/** The module's bot script (its default export), or a BotScriptError saying how to write one. */
export function defaultScript(m: BotModule): BotScript {
  if (!m.script) {
    throw new BotScriptError(
      `${m.path} must export a bot script as its default export: export default defineBot(async (bot, ctx) => { … })`,
    );
  }
  // Per-bot connect options may also be a module export: `export const connectOptions = (ctx) => …`.
  const script = m.script as BotScript;
  const connectOptions = m.exports.connectOptions;
  if (typeof connectOptions === "function" && !script.connectOptions)
    return Object.assign(script, { connectOptions }) as BotScript;
  return script;
}

export async function loadBotScript(path: string): Promise<BotScript> {
  return defaultScript(await loadBotModule(path));
}
