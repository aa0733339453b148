/**
 * What every bot of the example game does first, as a Godot client of it would: declare the
 * functions the server calls on clients, keep a node for every other peer's player (from the
 * moment the server announces it, before it has even joined the game) so its position updates are
 * accepted — a Godot client without those nodes logs an error per update — and join.
 * The game comes in two flavours, played the same way: Godot 3's (src/server/godot3/example-game.ts,
 * test/godot/g3/game_server.gd: node `Game`, players under `Game/Players`) and Godot 4's
 * (src/server/godot4/example-game4.ts, test/godot/g4/game4*.gd: node `Main`, players under
 * `Main/World/Players`, RPC names from its manifest).
 */
import {
  type BotContext,
  type EngineBot,
  type Godot3Bot,
  RpcMode,
  type Variant,
  type Vector2,
} from "godot-peer";

/** Where the game's nodes are, in each engine's flavour. */
export function gameNodes(bot: EngineBot): { readonly game: string; readonly players: string } {
  return bot.godot === 3
    ? { game: "Game", players: "Game/Players" }
    : { game: "Main", players: "Main/World/Players" };
}

function watchPlayer(bot: EngineBot, id: number): void {
  if (id === bot.id || id === 1) return;
  if (bot.godot === 3) {
    const node = bot.node(`Game/Players/${id}`);
    node.setNetworkMaster(id);
    node.rpcConfig("update_position", RpcMode.PUPPET, () => {});
    node.rsetConfig("position", RpcMode.PUPPET, null);
  } else {
    // The manifest gives update_position (authority); the player's peer is its authority.
    bot.node(`Main/World/Players/${id}`).setMultiplayerAuthority(id);
  }
}

/** For bots that use what only Godot 3 has (rset, its rpc modes). */
export function godot3(bot: EngineBot): Godot3Bot {
  if (bot.godot !== 3)
    throw new Error(`this bot plays the Godot 3 example game only; the server speaks Godot ${bot.godot}`);
  return bot;
}

/** Sends our player's position to everyone, as the game's clients do (unreliable, in order). */
export function sendPosition(bot: EngineBot, position: Vector2): void {
  if (bot.godot === 3) bot.node(`Game/Players/${bot.id}`).rpcUnreliable("update_position", position);
  else bot.node(`Main/World/Players/${bot.id}`).rpc("update_position", position);
}

/** Joins the game as `ctx.name`; resolves with the players already there (id → name). */
export async function joinExampleGame(bot: EngineBot, ctx: BotContext): Promise<Map<number, string>> {
  const { game, players: playersPath } = gameNodes(bot);
  for (const id of bot.peers) if (id !== 1) watchPlayer(bot, id);
  bot.on("peer_connected", (id) => watchPlayer(bot, id));
  if (bot.godot === 3) bot.on("peer_disconnected", (id) => bot.multiplayer.removeNode(`Game/Players/${id}`));
  bot.handle(game, "player_joined", "authority", (_id: number, _name: string) => {});
  bot.handle(game, "player_left", "authority", (_id: number) => {});
  bot.handle(game, "chat_message", "authority", (_from: number, _text: string) => {});
  const me = `${playersPath}/${bot.id}`;
  if (bot.godot === 3) {
    const node = bot.node(me);
    node.setNetworkMaster(bot.id);
    node.rpcConfig("update_position", RpcMode.PUPPET, () => {});
  } else {
    bot.node(me).setMultiplayerAuthority(bot.id);
  }
  const welcome = await bot.request(1, game, "join", [ctx.name], { method: "welcome" });
  const players = new Map<number, string>();
  const list = welcome.args[1];
  if (list instanceof Map) {
    for (const [id, name] of list as Map<Variant, Variant>)
      if (typeof id === "number") players.set(id, String(name));
  }
  return players;
}
