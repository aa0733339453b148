/**
 * The Godot 4 replication example game, server side, in TypeScript: the game of
 * test/godot/g4/repl4.gd (repl4.tscn), node for node, so real 4.6.3 clients (repl4_main.gd
 * mode=client) and Godot 4 bots play it unchanged, and the same EVT lines, so one test reads
 * either server's log.
 *
 *   /root/Main                         move_crate(x, y): moves the Crate
 *   /root/Main/PlayerSpawner           a player per peer (repl4_player.tscn), named after it; the
 *                                      peer is the authority of its Sync (position ALWAYS, hp ON_CHANGE)
 *   /root/Main/ObjectSpawner           the Crate (ServerSync, the server's), and per peer a
 *                                      Secret<id> visible to that peer only
 *   /root/Main/ItemSpawner             a custom spawn (spawn_function): gem7 from {id: 7, kind: "gem"}
 *
 * EVT lines: listening {port} · item {path, arg} · state {path, x, y, hp} whenever what the server
 * holds of a node changes (repl4.gd's _process).
 */
import type { MultiplayerPeer } from "../../multiplayer/index.js";
import type { ReplicatedNode, RpcConfig, RpcManifest } from "../../scene/index.js";
import { type Variant, Vector2 } from "../../variant/index.js";
import type { GameOutput4 } from "./game-output4.js";
import { SceneServer4 } from "./scene-server4.js";
import { show4 } from "./var-to-str.js";

const SYNC = { replication_interval: 0.05, public_visibility: true, root_path: ".." } as const;

/**
 * repl4.tscn's manifest: what `godot-peer manifest` reads of its spawners and synchronizers (the
 * ItemSpawner's spawn_function is set by repl4.gd, which only `--engine` sees), and Main's RPC.
 * The server and its bots use this same manifest.
 */
export function repl4Manifest(): RpcManifest {
  const moveCrate: RpcConfig = {
    rpc_mode: "any_peer",
    call_local: false,
    transfer_mode: "reliable",
    channel: 0,
  };
  return {
    format: "godot-peer-rpc-manifest",
    version: 1,
    godot: "4.6.3",
    root: "/root",
    scripts: {},
    nodes: { Main: { script: "res://repl4.gd", rpcs: { move_crate: moveCrate } } },
    spawners: {
      "Main/PlayerSpawner": {
        spawn_path: "../World/Players",
        spawnable_scenes: ["res://repl4_player.tscn"],
        spawn_limit: 0,
        spawn_function: false,
      },
      "Main/ObjectSpawner": {
        spawn_path: "../World/Objects",
        spawnable_scenes: ["res://repl4_object.tscn"],
        spawn_limit: 0,
        spawn_function: false,
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
        scene: "res://repl4_player.tscn",
      },
      "Main/World/Objects/*/ServerSync": {
        ...SYNC,
        delta_interval: 0,
        properties: [{ path: ".:position", spawn: true, replication_mode: 1 }],
        scene: "res://repl4_object.tscn",
      },
    },
  };
}

/** repl4_player.gd _enter_tree: a player's Sync belongs to the peer it is named after. */
export function repl4SynchronizerAuthority(path: string, node: ReplicatedNode, spawner: number): number {
  return path.endsWith("/Sync") && node.path.startsWith("Main/World/Players/") ? Number(node.name) : spawner;
}

export interface ReplGame4Options {
  /** Lines the output keeps for reading back (default 100,000; 0 for a long-running server). */
  readonly keepLines?: number;
  /** Network frames per second (repl4_main.gd: Engine.max_fps = 60). */
  readonly fps?: number;
}

const GROUPS = ["Main/World/Players/", "Main/World/Objects/", "Main/World/Items/"] as const;

/** A GDScript float parameter: int and float convert, anything else is 0 here (the game is not typed-checked further). */
function toFloat(v: Variant | undefined): number {
  return typeof v === "number" ? v : typeof v === "bigint" ? Number(v) : 0;
}

export class ReplGame4 {
  readonly server: SceneServer4;
  #port = 0;
  /** What each node's last state line said (repl4.gd `last`). */
  readonly #last = new Map<string, string>();

  constructor(options: ReplGame4Options = {}) {
    this.server = new SceneServer4({
      manifest: repl4Manifest(),
      ...(options.keepLines !== undefined ? { keepLines: options.keepLines } : {}),
      ...(options.fps !== undefined ? { fps: options.fps } : {}),
      nodeClass: (path) => (path === "Main" ? "Node(repl4.gd)" : "Node"),
    });
    const mp = this.server.multiplayer;
    const repl = this.server.replication;
    repl.synchronizerAuthority = repl4SynchronizerAuthority;
    repl.onFrame = () => this.#process();
    const main = mp.node("Main");
    main.onRpc("move_crate", (x, y) => {
      const crate = repl.getNode("Main/World/Objects/Crate");
      crate?.set("position", new Vector2(toFloat(x), toFloat(y)));
    });
    mp.on("peer_connected", (id) => this.#onPeerConnected(id));
    mp.on("peer_disconnected", (id) => this.#onPeerDisconnected(id));
  }

  get output(): GameOutput4 {
    return this.server.output;
  }

  get multiplayer(): SceneServer4["multiplayer"] {
    return this.server.multiplayer;
  }

  /** Where clients connect (after listen). */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  /** repl4.gd _serve() on our WebSocketMultiplayerServer4: resolves with the port. */
  async listen(port = 0, bindAddress = "127.0.0.1"): Promise<number> {
    const p = await this.server.listen(port, bindAddress);
    this.#serve(p);
    return p;
  }

  /** repl4.gd _serve() on a listening server-side peer. */
  host(peer: MultiplayerPeer, port: number): void {
    this.server.host(peer);
    this.#serve(port);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  #serve(port: number): void {
    this.#port = port;
    const repl = this.server.replication;
    repl.spawn("Main/ObjectSpawner", "Crate", {
      scene: "res://repl4_object.tscn",
      properties: [["position", new Vector2(1, 1)]],
    });
    // ItemSpawner.spawn(data): the spawn_function makes the node; its argument goes in the SPAWN.
    const data = new Map<Variant, Variant>([
      ["id", 7],
      ["kind", "gem"],
    ]);
    const name = `${String(data.get("kind"))}${String(data.get("id"))}`;
    const item = repl.spawn("Main/ItemSpawner", name, {
      argument: data,
      properties: [["position", new Vector2(7, 3)]],
    });
    this.output.evt("item", { path: item.path, arg: show4(data) });
    repl.start();
    this.output.evt("listening", { port });
    this.output.print(`READY ${port}`);
  }

  #onPeerConnected(id: number): void {
    const repl = this.server.replication;
    repl.spawn("Main/PlayerSpawner", String(id), {
      scene: 0,
      properties: [
        ["position", new Vector2(0, 0)],
        ["hp", 100],
      ],
    });
    repl.spawn("Main/ObjectSpawner", `Secret${id}`, {
      scene: 0,
      properties: [["position", new Vector2(id % 1000, 1)]],
      setup: (node) => {
        const sync = node.synchronizers[0];
        sync?.setPublicVisibility(false);
        sync?.setVisibilityFor(id, true);
      },
    });
  }

  #onPeerDisconnected(id: number): void {
    const repl = this.server.replication;
    for (const path of [`Main/World/Players/${id}`, `Main/World/Objects/Secret${id}`]) {
      repl.despawn(path);
      this.#last.delete(path);
    }
  }

  /** repl4.gd _process: a state line for each node whose position or hp changed. */
  #process(): void {
    for (const node of this.server.replication.nodes.values()) {
      const group = GROUPS.find((g) => node.path.startsWith(g));
      if (!group || node.path.indexOf("/", group.length) !== -1) continue;
      const p = node.get("position");
      const hp = node.get("hp");
      const st = {
        path: node.path,
        x: p instanceof Vector2 ? p.x : 0,
        y: p instanceof Vector2 ? p.y : 0,
        hp: typeof hp === "number" || typeof hp === "bigint" ? Number(hp) : -1,
      };
      const key = `${st.x},${st.y},${st.hp}`;
      if (this.#last.get(node.path) === key) continue;
      this.#last.set(node.path, key);
      this.output.evt("state", st);
    }
  }
}
