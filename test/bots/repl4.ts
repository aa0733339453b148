/**
 * The repl4 game (test/godot/g4/repl4*) as a bot knows it: what `godot-peer manifest` says of
 * repl4.tscn, and who owns which synchronizer (the game's _enter_tree gives each player its Sync).
 * The same as godot4-replication.test.ts declares inline; the swarm metrics tests share it from here.
 */
import type { Godot4Bot } from "../../src/bots/index.js";
import type { RpcManifest } from "../../src/scene/index.js";

const SYNC = { replication_interval: 0.05, public_visibility: true, root_path: ".." } as const;

export const REPL4_MANIFEST: RpcManifest = {
  format: "godot-peer-rpc-manifest",
  version: 1,
  scripts: {},
  nodes: {
    Main: {
      rpcs: {
        move_crate: { rpc_mode: "any_peer", call_local: false, transfer_mode: "reliable", channel: 0 },
      },
    },
  },
  spawners: {
    "Main/PlayerSpawner": {
      spawn_path: "../World/Players",
      spawnable_scenes: ["res://repl4_player.tscn"],
      spawn_limit: 0,
    },
    "Main/ObjectSpawner": {
      spawn_path: "../World/Objects",
      spawnable_scenes: ["res://repl4_object.tscn"],
      spawn_limit: 0,
    },
    "Main/ItemSpawner": {
      spawn_path: "../World/Items",
      spawnable_scenes: [],
      spawn_limit: 0,
      spawn_function: true,
    },
  },
  synchronizers: {
    "Main/World/Players/*/Sync": {
      ...SYNC,
      delta_interval: 0.05,
      properties: [
        { path: ".:position", spawn: true, replication_mode: 1 },
        { path: ".:hp", spawn: false, replication_mode: 2 },
      ],
    },
    "Main/World/Objects/*/ServerSync": {
      ...SYNC,
      delta_interval: 0,
      properties: [{ path: ".:position", spawn: true, replication_mode: 1 }],
    },
  },
};

/** Each player's Sync belongs to its peer (the node's name), as the game's script sets it. */
export function ownPlayers(bot: Godot4Bot): void {
  bot.replication.interface.synchronizerAuthority = (path, node, spawner) =>
    path.endsWith("/Sync") && node.path.startsWith("Main/World/Players/") ? Number(node.name) : spawner;
}
