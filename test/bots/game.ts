/**
 * Bots for the example game fixture (test/godot/g3/game*.gd): what a Godot client declares
 * on its side of the same scene, so the server's calls are accepted.
 */
import type { ExecutionContext } from "ava";
import { Bot, type BotOptions, type Godot3Bot } from "../../src/bots/index.js";
import { RpcMode } from "../../src/scene/index.js";
import type { Variant } from "../../src/variant/index.js";

export interface GameBot {
  readonly bot: Godot3Bot;
  /** Every call of a Game function the server made on us, in order. */
  readonly calls: { method: string; args: Variant[]; from: number }[];
  /** Positions other players' nodes received (path → values). */
  readonly positions: Map<string, Variant[]>;
  readonly raw: { from: number; bytes: number[] }[];
  /** Arguments of the server's welcome(id, players), the reply to join. */
  readonly welcome: Variant[];
}

const SERVER_CALLED = ["welcome", "player_joined", "player_left", "chat_message", "pong", "echoed"];

export async function joinGame(
  t: ExecutionContext,
  port: number,
  name: string,
  options: Partial<BotOptions> = {},
): Promise<GameBot> {
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${port}`, ...options });
  if (bot.godot !== 3) throw new Error(`the Godot 3 example game, but the server speaks Godot ${bot.godot}`);
  t.teardown(() => bot.disconnect());
  const calls: GameBot["calls"] = [];
  const positions: GameBot["positions"] = new Map();
  const raw: GameBot["raw"] = [];
  for (const method of SERVER_CALLED) {
    bot.handle("Game", method, RpcMode.PUPPET, (...args: Variant[]) => {
      calls.push({ method, args, from: bot.multiplayer.getRpcSenderId() });
    });
  }
  bot.on("raw", (from, bytes) => raw.push({ from, bytes: [...bytes] }));
  const welcome = await bot.request(1, "Game", "join", [name], { method: "welcome" });
  return { bot, calls, positions, raw, welcome: welcome.args };
}

/** Declares another player's node as a Godot client does: mastered by that player, puppet here. */
export function watchPlayer(gb: GameBot, playerId: number): void {
  const path = `Game/Players/${playerId}`;
  const node = gb.bot.node(path);
  node.setNetworkMaster(playerId);
  const seen: Variant[] = [];
  gb.positions.set(path, seen);
  node.rpcConfig("update_position", RpcMode.PUPPET, (pos) => {
    seen.push(pos);
  });
  node.rsetConfig("position", RpcMode.PUPPET, null, (v) => seen.push(v));
}

/** Our own player node: we are its master. */
export function ownPlayer(gb: GameBot): void {
  const node = gb.bot.node(`Game/Players/${gb.bot.id}`);
  node.setNetworkMaster(gb.bot.id);
  node.rpcConfig("update_position", RpcMode.PUPPET, () => {});
  node.rsetConfig("position", RpcMode.PUPPET, null);
}

/** Waits (bounded) until `cond` holds, polling each macrotask. */
export async function until(cond: () => boolean, what: string, boundMs = 10_000): Promise<void> {
  const end = Date.now() + boundMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
