/**
 * A bot of a Godot 4 server: the neutral Bot, plus what Godot 4 alone has — its own rpc modes
 * (RpcMode4 and rpc_config() dictionaries, accepted wherever a declaration is), authentication
 * (sendAuth / completeAuth, the `auth` option), RpcNode with its multiplayer authority, node
 * declarations in code (declareNode), and the WebSocketMultiplayerPeer4 and SceneMultiplayer it runs on.
 */

import type { WebSocketMultiplayerPeer4 } from "../../multiplayer/index.js";
import type { RpcDeclaration, SceneMultiplayer } from "../../scene/index.js";
import type { WebSocketClient } from "../../websocket/index.js";
import { Bot, type BotOptions } from "../bot.js";
import type { BotEngine, OpeningTimes } from "../dialect.js";
import { Godot4Dialect, type Godot4Options, type Mode4 } from "./dialect.js";
import { type Godot4Calls, Godot4Node } from "./node.js";
import { BotReplication } from "./replication.js";

/** What a Godot 4 bot makes on first use. */
interface Used4 {
  nodes: Map<string, Godot4Node> | null;
  calls: Godot4Calls | null;
  replication: BotReplication | null;
}

export class Godot4Bot extends Bot<Mode4> {
  readonly #dialect: Godot4Dialect;
  /** Its nodes, their calls and the replication, made on first use: an idle bot has none. */
  #used: Used4 | null = null;

  constructor(client: WebSocketClient, options: BotOptions & Godot4Options, times: OpeningTimes) {
    let dialect: Godot4Dialect | undefined;
    super(client, options, times, (host) => {
      dialect = new Godot4Dialect(client, options, host);
      return dialect;
    });
    this.#dialect = dialect!;
    this.#dialect.bot = this;
  }

  /** The WebSocketMultiplayerPeer (4.x) under the bot: its drops, timings, lastClose. */
  get peer(): WebSocketMultiplayerPeer4 {
    return this.#dialect.peer;
  }

  /** The SceneMultiplayer (4.x): stats, nodes, auth, send_bytes, rpc sender. */
  get multiplayer(): SceneMultiplayer {
    return this.#dialect.multiplayer;
  }

  override get godot(): 4 {
    return 4;
  }

  /**
   * The node at `path`, relative to the multiplayer root (from the manifest, declared in code, or
   * one with no RPCs): its authority and table, and calls that are the bot's, counted in
   * telemetry.callsOut.
   */
  override node(path: string): Godot4Node {
    const used = this.usedOf();
    used.nodes ??= new Map();
    let n = used.nodes.get(path);
    if (!n) {
      used.calls ??= {
        call: (to, at, method, args) => this.sendCall(to, at, method, args),
        resolve: (at) => this.#dialect.node(at),
      };
      n = new Godot4Node(this.#dialect.node(path).path, used.calls);
      used.nodes.set(path, n);
    }
    return n;
  }

  /**
   * Declares the node at `path` in code with EVERY RPC name it has (its script's `@rpc` methods
   * in `rpcs`, Node.rpc_config() names in `node_rpcs`): method ids are indices into all of them,
   * sorted. Handlers already set on the node stay. Only before the node's first RPC.
   */
  declareNode(path: string, declaration: RpcDeclaration): Godot4Node {
    this.#dialect.declareNode(path, declaration);
    return this.node(path);
  }

  /** SceneMultiplayer.send_auth(1, data), inside the auth exchange (a string goes as UTF-8). */
  sendAuth(data: string | Uint8Array): void {
    this.#dialect.sendAuth(data);
  }

  /** SceneMultiplayer.complete_auth(1): our side of the exchange is done. */
  completeAuth(): void {
    this.#dialect.completeAuth();
  }

  /**
   * Replication (MultiplayerSpawner / MultiplayerSynchronizer): replicated nodes, waits, and the
   * network frame that sends the SYNC of synchronizers this bot owns (started on first use, stopped
   * when the bot disconnects).
   */
  get replication(): BotReplication {
    const used = this.usedOf();
    if (!used.replication) {
      const r = new BotReplication(this.multiplayer);
      used.replication = r;
      r.start();
      this.once("disconnected", () => r.stop());
    }
    return used.replication;
  }

  // TypeScript-private, not a # method: that would cost each bot a slot (V8's brand).
  private usedOf(): Used4 {
    this.#used ??= { nodes: null, calls: null, replication: null };
    return this.#used;
  }

  /** Manifest checks that failed so far (the `manifest_error` events). */
  get manifestErrors(): number {
    return this.#dialect.manifestErrors;
  }
}

/** Godot 4 for Bot.connect: greets with the bare 4-byte peer id. */
export const godot4Engine: BotEngine = {
  godot: 4,
  greeting: "a 4-byte peer id",
  createBot: (client, options, times) => new Godot4Bot(client, options, times),
};
