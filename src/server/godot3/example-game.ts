/**
 * The example game, server side, in TypeScript: the same scene as the GDScript fixture
 * (test/godot/g3/game*.gd), so one bot script runs unchanged against either, and the same log
 * lines, so one test asserts both. It is the embedded default server of `npm run demo`.
 *
 *   /root/Game                     join, chat, ping, echo; calls welcome, player_joined, …
 *   /root/Game/Players/<id>        mastered by that peer: puppet update_position, puppet var position
 *   /root/Game/Modes, …/Nested/Deeper   one function and one property per rpc mode
 *   /root/Control                  lets a test drive the server (call back, rset, kick, quit)
 */
import { MultiplayerAPI, RpcMode, type SceneNode } from "../../scene/index.js";
import { Float, type Variant, Vector2 } from "../../variant/index.js";
import { WebSocketServer, type WebSocketServerOptions } from "./websocket-server.js";

export interface ExampleGameOptions extends WebSocketServerOptions {
  /** Port to listen on (0: one the OS picks). */
  readonly port?: number;
  /** Where the game's log lines go (the same lines the GDScript fixture prints). */
  readonly log?: (line: string) => void;
}

/** How Godot's print() shows a value (enough of it for the game's log). */
export function godotPrint(v: Variant): string {
  if (v === null || v === undefined) return "Null";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (v instanceof Float) return String(v.value);
  if (v instanceof Vector2) return `(${v.x}, ${v.y})`;
  if (v instanceof Uint8Array) return `[${[...v].join(", ")}]`;
  if (Array.isArray(v)) return `[${v.map(godotPrint).join(", ")}]`;
  return String(v);
}

/** How Godot's var2str() shows a value, for the MODE and ECHO lines. */
export function godotVar2Str(v: Variant): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof Vector2) return `Vector2( ${v.x}, ${v.y} )`;
  if (Array.isArray(v)) return v.length === 0 ? "[  ]" : `[ ${v.map(godotVar2Str).join(", ")} ]`;
  if (v === null) return "null";
  return godotPrint(v);
}

export class ExampleGame {
  readonly server: WebSocketServer;
  readonly multiplayer = new MultiplayerAPI();
  readonly players = new Map<number, string>();
  #log: (line: string) => void;
  #port = 0;

  constructor(options: ExampleGameOptions = {}) {
    this.server = new WebSocketServer({ autoPoll: true, ...options });
    this.#log = options.log ?? (() => {});
    this.multiplayer.autoProcess = true;
    this.#buildScene();
  }

  get port(): number {
    return this.#port;
  }

  async listen(port = 0): Promise<number> {
    this.#port = await this.server.listen(port, [], true);
    this.multiplayer.networkPeer = this.server;
    this.multiplayer.on("network_peer_connected", (id) => this.#log(`PEER_CONNECTED ${id}`));
    this.multiplayer.on("network_peer_disconnected", (id) => {
      this.#log(`PEER_DISCONNECTED ${id}`);
      this.#forget(id);
    });
    this.multiplayer.on("network_peer_packet", (id, bytes) => {
      this.#log(`RAW ${id} ${godotPrint(bytes)}`);
      this.multiplayer.sendBytes(Uint8Array.from(bytes).reverse(), id);
    });
    // What Godot prints when it refuses a packet, so logs read the same.
    this.multiplayer.on("packet_dropped", (d) => this.#log(`ERROR: ${d.detail}`));
    this.multiplayer.on("script_error", (err, where) =>
      this.#log(`SCRIPT ERROR: ${where.path}:${where.name}: ${String(err)}`),
    );
    this.server.on("bad_input", (b) => this.#log(`ERROR: peer ${b.peer}: ${b.reason}: ${b.detail}`));
    this.server.on("output_refused", (r) => this.#log(`ERROR: peer ${r.peer}: ${r.reason}: ${r.detail}`));
    return this.#port;
  }

  async stop(): Promise<void> {
    this.multiplayer.networkPeer = null;
    await this.server.stop();
  }

  #sender(): number {
    return this.multiplayer.getRpcSenderId();
  }

  #buildScene(): void {
    const api = this.multiplayer;
    const game = api.node("Game");
    game
      // Argument counts as the GDScript funcs take them: a call with others is refused, as Godot refuses it.
      .rpcConfig("join", RpcMode.REMOTE, (name) => this.#join(String(name)), 1)
      .rpcConfig(
        "chat",
        RpcMode.REMOTE,
        (text) => {
          const id = this.#sender();
          this.#log(`CHAT ${id} ${String(text)}`);
          game.rpc("chat_message", id, text ?? null);
        },
        1,
      )
      .rpcConfig("ping", RpcMode.REMOTE, (seq) => game.rpcId(this.#sender(), "pong", seq ?? null), 1)
      .rpcConfig(
        "echo",
        RpcMode.REMOTE,
        (...args) => {
          this.#log(`ECHO ${this.#sender()} ${godotVar2Str(args)}`);
          game.rpcId(this.#sender(), "echoed", ...args);
        },
        [0, 8],
      );
    // Called by the server on clients; declared here as in the shared GDScript (and so refused from clients).
    const serverCalled: [string, number | [number, number]][] = [
      ["welcome", 2],
      ["player_joined", 2],
      ["player_left", 1],
      ["chat_message", 2],
      ["pong", 1],
      ["echoed", [0, 8]],
    ];
    for (const [m, argc] of serverCalled) game.rpcConfig(m, RpcMode.PUPPET, () => {}, argc);
    for (const path of ["Game/Modes", "Game/Modes/Nested/Deeper"]) this.#modes(api.node(path));
    this.#control(api.node("Control"));
  }

  #join(name: string): void {
    const id = this.#sender();
    const game = this.multiplayer.node("Game");
    this.players.set(id, name);
    const player = this.multiplayer.node(`Game/Players/${id}`);
    player.setNetworkMaster(id);
    player
      .rsetConfig("position", RpcMode.PUPPET, new Vector2(0, 0), (v) =>
        this.#log(`POSITION ${id} ${godotPrint(v)} from ${this.#sender()}`),
      )
      .rpcConfig("update_position", RpcMode.PUPPET, (v) => {
        player.set("position", v ?? null);
        this.#log(`UPDATE_POSITION ${id} ${godotPrint(v ?? null)} from ${this.#sender()}`);
      });
    this.#log(`JOIN ${id} ${name}`);
    game.rpcId(id, "welcome", id, new Map<Variant, Variant>(this.players));
    game.rpc("player_joined", id, name);
  }

  #forget(id: number): void {
    if (!this.players.delete(id)) return;
    this.multiplayer.removeNode(`Game/Players/${id}`);
    if (this.server.isListening() && this.multiplayer.getNetworkConnectedPeers().length > 0) {
      this.multiplayer.node("Game").rpc("player_left", id);
    }
  }

  #modes(node: SceneNode): void {
    const log = (what: string, v: Variant) =>
      this.#log(`MODE /root/${node.path} ${what} from ${this.#sender()} ${godotVar2Str(v)}`);
    const modes: [string, RpcMode][] = [
      ["remote", RpcMode.REMOTE],
      ["remotesync", RpcMode.REMOTESYNC],
      ["master", RpcMode.MASTER],
      ["puppet", RpcMode.PUPPET],
      ["mastersync", RpcMode.MASTERSYNC],
      ["puppetsync", RpcMode.PUPPETSYNC],
      ["disabled", RpcMode.DISABLED],
    ];
    for (const [name, mode] of modes) {
      node.rpcConfig(`f_${name}`, mode, (x) => log(`f_${name}`, x ?? null));
      if (mode === RpcMode.MASTERSYNC || mode === RpcMode.PUPPETSYNC) continue; // no such vars in the fixture
      node.rsetConfig(`v_${name}`, mode, 0, (v) => log(`v_${name}`, v));
    }
  }

  #control(control: SceneNode): void {
    const api = this.multiplayer;
    const target = (path: Variant) => api.node(`/root/${String(path)}`);
    control
      .rpcConfig("call_peer", RpcMode.REMOTE, (to, path, method, args) => {
        this.#log(`CONTROL call_peer ${godotPrint(to)} ${String(path)} ${String(method)}`);
        const list = Array.isArray(args) ? args : [];
        if (Number(to) === 0) target(path).rpc(String(method), ...list);
        else target(path).rpcId(Number(to), String(method), ...list);
      })
      .rpcConfig("call_unreliable", RpcMode.REMOTE, (to, path, method, args) => {
        target(path).rpcUnreliableId(Number(to), String(method), ...(Array.isArray(args) ? args : []));
      })
      .rpcConfig("set_peer", RpcMode.REMOTE, (to, path, property, value) => {
        this.#log(`CONTROL set_peer ${godotPrint(to)} ${String(path)} ${String(property)}`);
        if (Number(to) === 0) target(path).rset(String(property), value ?? null);
        else target(path).rsetId(Number(to), String(property), value ?? null);
      })
      .rpcConfig("send_raw", RpcMode.REMOTE, (to, bytes) => {
        if (bytes instanceof Uint8Array) api.sendBytes(bytes, Number(to));
      })
      .rpcConfig("kick", RpcMode.REMOTE, (id) => {
        this.#log(`CONTROL kick ${godotPrint(id)}`);
        // get_tree().network_peer.disconnect_peer(id), as the GDScript does.
        api.networkPeer?.disconnectPeer?.(Number(id));
      })
      .rpcConfig("refuse", RpcMode.REMOTE, (yes) => {
        api.refuseNewNetworkConnections = yes === true;
      })
      .rpcConfig("set_master", RpcMode.REMOTE, (path, id) => target(path).setNetworkMaster(Number(id)))
      .rpcConfig("quit", RpcMode.REMOTE, () => void this.stop());
  }
}
