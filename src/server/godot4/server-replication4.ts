/**
 * The server's side of Godot 4 replication (MultiplayerSpawner / MultiplayerSynchronizer): what a
 * game script does with its spawners and synchronizers, on SceneMultiplayer's replicator.
 *
 *   - spawn(spawner, name, …): add_child under a spawn_path (or spawn() for a custom spawn); the
 *     SPAWN goes to every peer the node is visible to, with net ids and spawn state (the
 *     replicator's spawn(), the bytes 4.6.3 makes), and to each peer that connects later;
 *   - despawn(path): queue_free; DESPAWN to the peers that have it; a peer that leaves frees what
 *     it spawned, the game despawns what it spawned for that peer;
 *   - the network frame (SceneMultiplayer::poll's on_network_process, at `fps`): full SYNC at each
 *     synchronizer's replication_interval, delta SYNC of ON_CHANGE properties at delta_interval, for
 *     the synchronizers the server is the authority of, to the peers they are visible to;
 *   - SYNC from a peer is taken only for synchronizers that peer is the authority of (its player):
 *     anything else is dropped with Godot's reason and printed as 4.6.3 prints it (SceneServer4).
 *
 * Which synchronizers and spawners exist comes from the game's RPC manifest (its spawners and
 * synchronizers, read from the .tscn by `godot-peer manifest`), the same one its bots use.
 */
import type {
  ReplicatedNode,
  SceneMultiplayer,
  SceneReplicationInterface,
  SpawnOptions,
  SynchronizerAuthority,
} from "../../scene/index.js";

export interface ServerReplication4Options {
  /** Network frames per second (Engine.max_fps of the game; default 60). */
  readonly fps?: number;
}

export class ServerReplication4 {
  readonly #mp: SceneMultiplayer;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;
  /** The game's _process, run after each network frame (prints, game logic). */
  onFrame: (() => void) | null = null;

  constructor(mp: SceneMultiplayer, options: ServerReplication4Options = {}) {
    this.#mp = mp;
    this.#intervalMs = 1000 / (options.fps ?? 60);
  }

  /** SceneMultiplayer's replicator: spawners, synchronizers, nodes, stats, events. */
  get interface(): SceneReplicationInterface {
    return this.#mp.replication;
  }

  get nodes(): ReadonlyMap<string, ReplicatedNode> {
    return this.#mp.replication.nodes;
  }

  getNode(path: string): ReplicatedNode | undefined {
    return this.#mp.replication.getNode(path);
  }

  /**
   * Who is the authority of each synchronizer of a node spawned here: what the spawned scene's
   * script sets in _enter_tree (default: the spawner's authority, the server).
   */
  set synchronizerAuthority(resolve: SynchronizerAuthority) {
    this.#mp.replication.synchronizerAuthority = resolve;
  }

  /** add_child(node, true) under the spawner's spawn_path, or spawner.spawn(argument) with no `scene`. */
  spawn(spawnerPath: string, name: string, options: SpawnOptions = {}): ReplicatedNode {
    return this.#mp.replication.spawn(spawnerPath, name, options);
  }

  /** queue_free of a node the server spawned: false if there is none at `path`. */
  despawn(path: string): boolean {
    return this.#mp.replication.despawn(path);
  }

  /** Starts the network frame (idempotent). */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.frame(), this.#intervalMs);
    this.#timer.unref?.();
  }

  /** One frame: the synchronizers due are sent, then the game's _process runs. */
  frame(): void {
    if (this.#mp.multiplayerPeer) this.#mp.replication.process();
    this.onFrame?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }
}
