/**
 * Godot 4 bots for the Godot 4 example game (test/godot/g4/game4*.gd, and our Node server's
 * ExampleGame4): what a Godot 4 client of the game runs on its side of the same scene, from the
 * game's RPC manifest (fixtures/game4-manifest.json), so the server's calls, the relayed ones of
 * other players and the raw packets are all seen.
 */
import type { ExecutionContext } from "ava";
import { Bot, type ConnectOptions, type Godot4Bot } from "../../src/bots/index.js";
import type { Variant } from "../../src/variant/index.js";

export const GAME4_MANIFEST_FILE = new URL("../godot4/fixtures/game4-manifest.json", import.meta.url)
  .pathname;

/** A call of the game that ran on the bot. */
export interface Call4 {
  readonly node: string;
  readonly method: string;
  readonly args: Variant[];
  readonly from: number;
}

export interface Game4Bot {
  readonly bot: Godot4Bot;
  readonly calls: Call4[];
  readonly raw: { from: number; bytes: number[] }[];
  /** welcome(id, players)'s arguments: the reply to join (absent when not joined: `join: false`). */
  readonly welcome: Variant[];
}

/** What the server (or its relay) calls on a client, by node (Players/<id> is added per peer). */
const CALLED: Readonly<Record<string, readonly string[]>> = {
  Main: ["welcome", "player_joined", "player_left", "chat_message", "pong", "echoed"],
  "Main/World/Arena": ["Auth_local", "default_rpc", "move", "Local_any", "zz_ordered"],
};

/** Connects a bot (the engine read from the greeting), declares the client side, and joins as `name`. */
export async function joinGame4(
  t: ExecutionContext,
  url: string,
  name: string,
  options: Partial<ConnectOptions> & { readonly join?: boolean } = {},
): Promise<Game4Bot> {
  const { join = true, ...connect } = options;
  const engineBot = await Bot.connect({ manifest: GAME4_MANIFEST_FILE, ...connect, url });
  t.teardown(() => engineBot.disconnect());
  if (engineBot.godot !== 4)
    throw new Error(`a Godot 4 game, but the server speaks Godot ${engineBot.godot}`);
  const bot = engineBot;
  const calls: Call4[] = [];
  const raw: Game4Bot["raw"] = [];
  for (const [node, methods] of Object.entries(CALLED)) {
    for (const method of methods) {
      bot.handle(node, method, "authority", (...args: Variant[]) => {
        calls.push({ node, method, args, from: bot.senderId });
      });
    }
  }
  const watch = (id: number) => {
    if (id === 1) return;
    const node = `Main/World/Players/${id}`;
    bot.node(node).setMultiplayerAuthority(id);
    bot.handle(node, "update_position", "authority", (...args: Variant[]) => {
      calls.push({ node, method: "update_position", args, from: bot.senderId });
    });
  };
  for (const id of bot.peers) watch(id);
  bot.on("peer_connected", watch);
  bot.node(`Main/World/Players/${bot.id}`).setMultiplayerAuthority(bot.id);
  bot.on("raw", (from, bytes) => raw.push({ from, bytes: [...bytes] }));
  if (!join) return { bot, calls, raw, welcome: [] };
  const welcome = await bot.request(1, "Main", "join", [name], { method: "welcome" });
  return { bot, calls, raw, welcome: welcome.args };
}

/** Waits (bounded) until `cond` holds, checking each macrotask. */
export async function until(cond: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
