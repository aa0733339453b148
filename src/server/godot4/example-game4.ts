/**
 * The Godot 4 example game, server side, in TypeScript: the game of test/godot/g4/game4*.gd
 * (game4.tscn), node for node, so real 4.6.3 clients (and Godot 4 bots) play it unchanged, and
 * the same EVT lines, so one test reads either server's log.
 *
 *   /root/Main                  join, chat, ping, echo, kick_me; calls welcome, player_joined,
 *                               player_left, chat_message, pong, echoed on clients
 *   /root/Main/World/Arena      one method per rpc mode / call side / transfer mode / channel,
 *                               three rpc_config() names (0x8000…); …/Arena/Outpost: the base's two
 *   /root/Main/World/Players/<id>   update_position (authority = peer <id>), made on join
 *   /root/Main/Control          call_peer, send_raw, kick: a test's remote control
 *   /root/Main/Variants         variant_in / variant_one, answered with variant_back / variant_one_back
 *
 * Raw packets are printed and echoed to their sender reversed. With `auth`, a peer must send a token
 * "good-<anything>"; any other token gets it kicked at once, silence gets it timed out.
 */
import type { MultiplayerPeer } from "../../multiplayer/index.js";
import type { RpcConfig, RpcDeclaration, RpcManifest, RpcNode } from "../../scene/index.js";
import { EncodedObjectAsID, encode, StringName, type Variant } from "../../variant/index.js";
import type { GameOutput4 } from "./game-output4.js";
import { SceneServer4 } from "./scene-server4.js";
import { show4, TYPE_NAMES, typeOf4 } from "./var-to-str.js";

export interface ExampleGame4Options {
  /** SceneMultiplayer.server_relay (game4.gd `relay=`; default on). */
  readonly relay?: boolean;
  /** Authenticate peers: tokens "good-…" pass, others are kicked (game4.gd `auth=1`). */
  readonly auth?: boolean;
  /** Seconds a peer may stay unauthenticated (default 3, Godot's default). */
  readonly authTimeout?: number;
  /** Lines the output keeps for reading back (default 100,000; 0 for a long-running server). */
  readonly keepLines?: number;
  /** Milliseconds, for auth_timeout (tests). */
  readonly clock?: () => number;
}

type Mode = RpcConfig["rpc_mode"];
type Transfer = RpcConfig["transfer_mode"];

const rpc = (
  rpc_mode: Mode,
  transfer_mode: Transfer = "reliable",
  channel = 0,
  call_local = false,
  arg_count = 1,
  default_arg_count = 0,
): RpcConfig => ({
  rpc_mode,
  call_local,
  transfer_mode,
  channel,
  arg_count,
  ...(default_arg_count ? { default_arg_count } : {}),
});

const BASE = {
  Base_auth: rpc("authority"),
  base_any: rpc("any_peer", "unreliable", 1),
} as const;

/** The game's nodes (root-relative) and their RPCs, as the scripts declare them (arg counts included). */
export const GAME4_NODES: Readonly<Record<string, RpcDeclaration & { readonly script?: string }>> = {
  Main: {
    script: "res://game4.gd",
    rpcs: {
      join: rpc("any_peer"),
      chat: rpc("any_peer"),
      ping: rpc("any_peer"),
      echo: rpc("any_peer", "reliable", 0, false, 8, 8),
      kick_me: rpc("any_peer", "reliable", 0, false, 0),
      welcome: rpc("authority", "reliable", 0, false, 2),
      player_joined: rpc("authority", "reliable", 0, false, 2),
      player_left: rpc("authority"),
      chat_message: rpc("authority", "reliable", 0, false, 2),
      pong: rpc("authority"),
      echoed: rpc("authority", "reliable", 0, false, 8, 8),
    },
  },
  "Main/World": { rpcs: {} },
  "Main/World/Arena": {
    script: "res://game4_arena.gd",
    rpcs: {
      zz_ordered: rpc("any_peer", "unreliable_ordered", 2),
      Local_any: rpc("any_peer", "reliable", 0, true),
      _auth_only: rpc("authority"),
      move: rpc("any_peer", "unreliable", 1),
      Auth_local: rpc("authority", "unreliable", 2, true),
      _any_under: rpc("any_peer", "reliable", 1),
      alpha_local: rpc("any_peer", "unreliable_ordered", 1, true),
      default_rpc: rpc("authority"),
      Upper_any: rpc("any_peer", "reliable", 2),
      ...BASE,
    },
    node_rpcs: {
      cfg_any: rpc("any_peer", "unreliable", 1),
      cfg_auth: rpc("authority", "reliable", 2, true),
      cfg_disabled: rpc("disabled"),
    },
  },
  "Main/World/Arena/Outpost": { script: "res://game4_arena_base.gd", rpcs: BASE },
  "Main/World/Players": { rpcs: {} },
  "Main/World/Players/*": {
    script: "res://game4_player.gd",
    rpcs: { update_position: rpc("authority", "unreliable_ordered", 1) },
  },
  "Main/Control": {
    script: "res://game4_control.gd",
    rpcs: {
      call_peer: rpc("any_peer", "reliable", 0, false, 4),
      send_raw: rpc("any_peer", "reliable", 0, false, 2),
      kick: rpc("any_peer"),
    },
  },
  "Main/Variants": {
    script: "res://game4_variants.gd",
    rpcs: {
      variant_in: rpc("any_peer", "reliable", 0, false, 2),
      variant_back: rpc("authority", "reliable", 0, false, 2),
      variant_one: rpc("any_peer", "reliable", 0, false, 1, 1),
      variant_one_back: rpc("authority", "reliable", 0, false, 1, 1),
    },
  },
};

/** The game as an RPC manifest: what a Godot 4 bot needs to play it. */
export function game4Manifest(): RpcManifest {
  const nodes: Record<string, { script?: string; rpcs: Record<string, RpcConfig> }> = {};
  for (const [path, d] of Object.entries(GAME4_NODES)) {
    nodes[path] = {
      ...(d.script ? { script: d.script } : {}),
      rpcs: { ...(d.rpcs as Record<string, RpcConfig>) },
      ...(d.node_rpcs ? { node_rpcs: { ...(d.node_rpcs as Record<string, RpcConfig>) } } : {}),
    };
  }
  return { format: "godot-peer-rpc-manifest", version: 1, godot: "4.6.3", root: "/root", scripts: {}, nodes };
}

/**
 * What a typed GDScript parameter accepts, for the cases the game meets. Held against 4.6.3 in
 * game4-bad-input.test.ts: int takes bool and float (truncated), not String; String takes
 * StringName, not int; PackedByteArray takes an Array. NodePath to String and packed arrays to
 * Array follow Variant::can_convert_strict (not checked on the engine).
 */
type Param = "int" | "String" | "Array" | "PackedByteArray" | "Variant";

function accepts(p: Param, v: Variant): boolean {
  const t = typeOf4(v);
  switch (p) {
    case "int":
      return t === 1 || t === 2 || t === 3;
    case "String":
      return t === 4 || t === 21 || t === 22;
    case "Array":
      return t === 28 || (t >= 29 && t <= 38);
    case "PackedByteArray":
      return t === 29 || t === 28;
    case "Variant":
      return true;
  }
}

function toInt(v: Variant): number {
  const n = Number(v instanceof Object && "value" in v ? v.value : v);
  return Number.isFinite(n) ? Math.trunc(n) : 0;
}

/** A String parameter's value (StringName and NodePath convert, as in GDScript). */
function toStr(v: Variant): string {
  return v instanceof StringName ? v.name : String(v);
}

function toBytes(v: Variant): Uint8Array {
  if (v instanceof Uint8Array) return v;
  return Uint8Array.from(Array.isArray(v) ? v.map((x) => toInt(x as Variant) & 0xff) : []);
}

function toArray(v: Variant): Variant[] {
  if (Array.isArray(v)) return [...(v as Variant[])];
  if (ArrayBuffer.isView(v) && !(v instanceof DataView))
    return Array.from(v as ArrayLike<number | bigint>) as Variant[];
  return [];
}

export class ExampleGame4 {
  readonly server: SceneServer4;
  /** Joined players: id → name (game4.gd `players`). */
  readonly players = new Map<number, string>();
  readonly #auth: boolean;
  #stopped = false;
  /** Instance ids of the EncodedObjectAsID wrappers we make (Godot gives each Object one). */
  #nextInstance = 0x7f00_0000_0000n;

  constructor(options: ExampleGame4Options = {}) {
    this.server = new SceneServer4({
      serverRelay: options.relay ?? true,
      ...(options.keepLines !== undefined ? { keepLines: options.keepLines } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      nodeClass: (path) => {
        const script =
          GAME4_NODES[path.replace(/^Main\/World\/Players\/[^/]+$/, "Main/World/Players/*")]?.script;
        return script ? `Node(${script.replace(/^res:\/\//, "")})` : "Node";
      },
    });
    this.#auth = options.auth ?? false;
    const mp = this.server.multiplayer;
    if (this.#auth) {
      mp.authCallback = (id, data) => this.#serverAuth(id, data);
      mp.authTimeout = options.authTimeout ?? 3;
    }
    this.#buildScene();
    const log = this.output;
    mp.on("peer_connected", (id) => log.evt("peer_connected", { id }));
    mp.on("peer_disconnected", (id) => {
      log.evt("peer_disconnected", { id });
      // call_deferred: after the engine is done with the peer.
      setImmediate(() => this.#forget(id));
    });
    mp.on("peer_packet", (id, bytes) => {
      log.evt("raw", { from: id, bytes: [...bytes] });
      this.server.guard(() => mp.sendBytes(Uint8Array.from(bytes).reverse(), id));
    });
    mp.on("peer_authenticating", (id) => log.evt("peer_authenticating", { id }));
    mp.on("peer_authentication_failed", (id) => log.evt("peer_authentication_failed", { id }));
  }

  /** Every line the game printed: a LineSource for the test harness's GameLog. */
  get output(): GameOutput4 {
    return this.server.output;
  }

  get multiplayer(): SceneServer4["multiplayer"] {
    return this.server.multiplayer;
  }

  /**
   * game4.gd _serve(): `multiplayer.multiplayer_peer = peer` with a listening server-side peer;
   * prints `listening` and `READY <port>`.
   */
  host(peer: MultiplayerPeer, port: number): void {
    this.server.host(peer);
    this.#announce(port);
  }

  #port = 0;

  #announce(port: number): void {
    this.#port = port;
    this.output.evt("listening", { port, relay: this.multiplayer.serverRelay, auth: this.#auth });
    this.output.print(`READY ${port}`);
  }

  /** game4.gd _serve() on our WebSocketMultiplayerServer4: resolves with the port. */
  async listen(port = 0, bindAddress = "127.0.0.1"): Promise<number> {
    const p = await this.server.listen(port, bindAddress);
    this.#announce(p);
    return p;
  }

  /** Where real clients connect (after listen). */
  get url(): string {
    return `ws://127.0.0.1:${this.#port}`;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.server.stop();
  }

  // ---- game4.gd ----

  #sender(): number {
    return this.multiplayer.getRemoteSenderId();
  }

  /** A typed GDScript function refuses arguments it cannot convert: Godot prints, the body does not run. */
  #typed(node: RpcNode, method: string, params: readonly Param[], args: readonly Variant[]): boolean {
    for (let i = 0; i < params.length && i < args.length; i++) {
      const p = params[i] as Param;
      const a = args[i] ?? null;
      if (accepts(p, a)) continue;
      this.output.error(
        this.server.rpcCallError(
          node.path,
          method,
          `Cannot convert argument ${i + 1} from ${TYPE_NAMES[typeOf4(a)]} to ${p}`,
        ),
      );
      return false;
    }
    return true;
  }

  #serverAuth(id: number, data: Uint8Array): void {
    const token = Buffer.from(data).toString("utf8");
    const ok = token.startsWith("good-");
    this.output.evt("auth", { id, token, ok });
    if (ok) this.server.guard(() => this.multiplayer.completeAuth(id));
    else this.server.kick(id);
  }

  #declare(path: string): RpcNode {
    const d = GAME4_NODES[path];
    if (!d) throw new Error(`no node ${path} in the game`);
    return this.multiplayer.node(path, d);
  }

  #buildScene(): void {
    for (const path of ["Main/World", "Main/World/Players"]) this.#declare(path);
    this.#main(this.#declare("Main"));
    for (const path of ["Main/World/Arena", "Main/World/Arena/Outpost"]) this.#arena(this.#declare(path));
    this.#control(this.#declare("Main/Control"));
    this.#variants(this.#declare("Main/Variants"));
  }

  #main(main: RpcNode): void {
    const log = this.output;
    const guard = (f: () => void) => this.server.guard(f);
    main.onRpc("join", (...a) => {
      if (!this.#typed(main, "join", ["String"], a)) return;
      const id = this.#sender();
      const name = toStr(a[0] ?? "");
      this.players.set(id, name);
      this.#addPlayer(id);
      log.evt("join", { id, name });
      guard(() => main.rpcId(id, "welcome", id, new Map<Variant, Variant>(this.players)));
      guard(() => main.rpc("player_joined", id, name));
    });
    main.onRpc("chat", (...a) => {
      if (!this.#typed(main, "chat", ["String"], a)) return;
      const id = this.#sender();
      const text = toStr(a[0] ?? "");
      log.evt("chat", { id, text });
      guard(() => main.rpc("chat_message", id, text));
    });
    main.onRpc("ping", (...a) => {
      if (!this.#typed(main, "ping", ["int"], a)) return;
      const id = this.#sender();
      const seq = toInt(a[0] ?? 0);
      log.evt("ping", { id, seq });
      guard(() => main.rpcId(id, "pong", seq));
    });
    main.onRpc("echo", (...a) => {
      const args = [...a];
      while (args.length > 0 && args[args.length - 1] === null) args.pop();
      const id = this.#sender();
      log.evt("echo", { id, args: show4(args) });
      guard(() => main.rpcId(id, "echoed", ...args));
    });
    main.onRpc("kick_me", () => {
      const id = this.#sender();
      log.evt("kick", { id });
      this.server.kick(id);
    });
  }

  #addPlayer(id: number): void {
    const path = `Main/World/Players/${id}`;
    if (this.multiplayer.getNode(path)) return;
    const player = this.multiplayer.node(path, GAME4_NODES["Main/World/Players/*"]);
    player.setMultiplayerAuthority(id);
    player.onRpc("update_position", (p) => {
      this.output.evt("position", { node: String(id), from: this.#sender(), value: show4(p ?? null) });
    });
  }

  #forget(id: number): void {
    // Stopped (by stop() or through the output's stop()): no one is left to tell.
    if (this.#stopped || !this.multiplayer.multiplayerPeer || !this.players.delete(id)) return;
    this.multiplayer.removeNode(`Main/World/Players/${id}`);
    if (this.multiplayer.getPeers().length > 0) {
      const main = this.multiplayer.getNode("Main");
      if (main) this.server.guard(() => main.rpc("player_left", id));
    }
  }

  /** game4_arena.gd / game4_arena_base.gd: every method that runs prints a `call` line. */
  #arena(node: RpcNode): void {
    for (const method of node.config.names) {
      node.onRpc(method, (...a) => {
        this.output.evt("call", {
          node: `/root/${node.path}`,
          method,
          from: this.#sender(),
          me: this.multiplayer.getUniqueId(),
          args: a.map((x) => show4(x ?? null)),
        });
      });
    }
  }

  /** game4_control.gd. */
  #control(control: RpcNode): void {
    const log = this.output;
    const mp = this.multiplayer;
    control.onRpc("call_peer", (...a) => {
      if (!this.#typed(control, "call_peer", ["int", "String", "String", "Array"], a)) return;
      const target = toInt(a[0] ?? 0);
      const path = toStr(a[1] ?? "");
      const method = toStr(a[2] ?? "");
      log.evt("control", { what: "call_peer", target, path, method });
      const node = mp.getNode(path);
      if (!node) {
        log.error(`Node not found: "/root/${path}" (relative to "/root/Main/Control").`);
        return;
      }
      const args = toArray(a[3] ?? null);
      this.server.guard(() =>
        target === 0 ? node.rpc(method, ...args) : node.rpcId(target, method, ...args),
      );
    });
    control.onRpc("send_raw", (...a) => {
      if (!this.#typed(control, "send_raw", ["int", "PackedByteArray"], a)) return;
      const target = toInt(a[0] ?? 0);
      const bytes = toBytes(a[1] ?? null);
      log.evt("control", { what: "send_raw", target, bytes: [...bytes] });
      this.server.guard(() => mp.sendBytes(bytes, target));
    });
    control.onRpc("kick", (...a) => {
      if (!this.#typed(control, "kick", ["int"], a)) return;
      const target = toInt(a[0] ?? 0);
      log.evt("control", { what: "kick", target });
      this.server.kick(target);
    });
  }

  /** game4_variants.gd, server side: print what arrived (var_to_bytes, base64), send it back. */
  #variants(node: RpcNode): void {
    let oneSeq = 0;
    const seen = (fields: Record<string, unknown>, value: Variant): [Record<string, unknown>, Variant] => {
      let back = value;
      let shown = value;
      if (value instanceof EncodedObjectAsID) {
        // The receiver holds a new EncodedObjectAsID object; sending it on sends that object's id.
        const instance = this.#nextInstance++;
        fields.object_id = String(value.objectId);
        fields.instance_id = String(instance);
        back = new EncodedObjectAsID(instance);
        shown = back;
      }
      fields.side = "server";
      fields.type = typeOf4(value);
      fields.b64 = Buffer.from(encode(shown, { dialect: "godot4" })).toString("base64");
      return [fields, back];
    };
    node.onRpc("variant_in", (...a) => {
      if (!this.#typed(node, "variant_in", ["String"], a)) return;
      const name = toStr(a[0] ?? "");
      const [fields, back] = seen({ name }, a[1] ?? null);
      this.output.evt("variant", fields);
      this.server.guard(() => node.rpcId(this.#sender(), "variant_back", name, back));
    });
    node.onRpc("variant_one", (...a) => {
      const [fields, back] = seen({ seq: oneSeq++ }, a[0] ?? null);
      this.output.evt("variant_one", fields);
      this.server.guard(() => node.rpcId(this.#sender(), "variant_one_back", back));
    });
  }
}
