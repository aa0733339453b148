/**
 * The repl4 game (test/godot/g4/repl4*) as a bot knows it: what `godot-peer manifest` says of
 * repl4.tscn, and who owns which synchronizer (the game's _enter_tree gives each player its Sync).
 */
import type { Godot4Bot } from "../../src/bots/index.js";
import type { RpcManifest } from "../../src/scene/index.js";
import { repl4Manifest, repl4SynchronizerAuthority } from "../../src/server/index.js";

/** The server's own (src/server/godot4/repl-game4.ts), held equal to what the manifest reader finds in repl4.tscn. */
export const REPL4_MANIFEST: RpcManifest = repl4Manifest();

/** Each player's Sync belongs to its peer (the node's name), as the game's script sets it. */
export function ownPlayers(bot: Godot4Bot): void {
  bot.replication.interface.synchronizerAuthority = (path, node, spawner) =>
    repl4SynchronizerAuthority(path, node, spawner);
}
