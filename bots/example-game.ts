/**
 * What every bot of the example game does first, as a Godot client of it would: declare the
 * functions the server calls on clients, keep a puppet node for every other peer (from the moment
 * the server announces it, before it has even joined the game) so its position updates are
 * accepted — a Godot client without those nodes logs an error per update — and join.
 */
import { type BotContext, type EngineBot, type Godot3Bot, RpcMode, type Variant } from "godot-peer";

function watchPlayer(bot: Godot3Bot, id: number): void {
  if (id === bot.id || id === 1) return;
  const node = bot.node(`Game/Players/${id}`);
  node.setNetworkMaster(id);
  node.rpcConfig("update_position", RpcMode.PUPPET, () => {});
  node.rsetConfig("position", RpcMode.PUPPET, null);
}

/** The example game is Godot 3's (its rset, its rpc modes): the bot must be a Godot 3 one. */
export function godot3(bot: EngineBot): Godot3Bot {
  if (bot.godot !== 3)
    throw new Error(`these bots play the Godot 3 example game; the server speaks Godot ${bot.godot}`);
  return bot;
}

/** Joins the game as `ctx.name`; resolves with the players already there (id → name). */
export async function joinExampleGame(engineBot: EngineBot, ctx: BotContext): Promise<Map<number, string>> {
  const bot = godot3(engineBot);
  for (const id of bot.peers) if (id !== 1) watchPlayer(bot, id);
  bot.on("peer_connected", (id) => watchPlayer(bot, id));
  bot.on("peer_disconnected", (id) => bot.multiplayer.removeNode(`Game/Players/${id}`));
  bot.handle("Game", "player_joined", RpcMode.PUPPET, (_id: number, _name: string) => {});
  bot.handle("Game", "player_left", RpcMode.PUPPET, (_id: number) => {});
  bot.handle("Game", "chat_message", RpcMode.PUPPET, (_from: number, _text: string) => {});
  const me = bot.node(`Game/Players/${bot.id}`);
  me.setNetworkMaster(bot.id);
  me.rpcConfig("update_position", RpcMode.PUPPET, () => {});
  const welcome = await bot.request(1, "Game", "join", [ctx.name], { method: "welcome" });
  const players = new Map<number, string>();
  const list = welcome.args[1];
  if (list instanceof Map) {
    for (const [id, name] of list as Map<Variant, Variant>)
      if (typeof id === "number") players.set(id, String(name));
  }
  return players;
}
