/**
 * A bot of a Godot 3 server: the neutral Bot, plus what Godot 3 alone has — its own rpc modes
 * (RpcMode, accepted wherever a declaration is), SceneNode (rset, network master), and the
 * WebSocketMultiplayerPeer and MultiplayerAPI it runs on.
 */

import type { WebSocketMultiplayerPeer } from "../../multiplayer/index.js";
import type { MultiplayerAPI, RpcMode } from "../../scene/index.js";
import type { WebSocketClient } from "../../websocket/index.js";
import { Bot, type BotOptions } from "../bot.js";
import type { BotEngine, OpeningTimes } from "../dialect.js";
import { Godot3Dialect, type Godot3Options } from "./dialect.js";
import { type Godot3Calls, Godot3Node } from "./node.js";

export class Godot3Bot extends Bot<RpcMode> {
  /** The WebSocketMultiplayerPeer (3.x) under the bot: framing drops, timings, lastClose. */
  readonly peer: WebSocketMultiplayerPeer;
  /** The MultiplayerAPI (3.x): stats, trace, sendBytes, nodes, rpc sender. */
  readonly multiplayer: MultiplayerAPI;
  #nodes: Map<string, Godot3Node> | null = null;
  #calls: Godot3Calls | null = null;

  constructor(client: WebSocketClient, options: BotOptions & Godot3Options, times: OpeningTimes) {
    let dialect: Godot3Dialect | undefined;
    super(client, options, times, (host) => {
      dialect = new Godot3Dialect(client, options, times, host);
      return dialect;
    });
    this.peer = dialect!.peer;
    this.multiplayer = dialect!.multiplayer;
  }

  override get godot(): 3 {
    return 3;
  }

  /**
   * Declares (or returns) the node at `path`, relative to /root: a Godot 3 SceneNode whose calls
   * (rpc, rset, their _id and _unreliable forms) are the bot's, counted in telemetry.callsOut.
   */
  override node(path: string): Godot3Node {
    this.#nodes ??= new Map();
    let n = this.#nodes.get(path);
    if (!n) {
      this.#calls ??= {
        call: (to, at, method, args) => this.sendCall(to, at, method, args),
        count: (at, name) => this.countCall(at, name),
      };
      n = new Godot3Node(this.multiplayer.node(path), this.#calls);
      this.#nodes.set(path, n);
    }
    return n;
  }
}

/** Godot 3 for Bot.connect: greets with SYS_ID then SYS_ADD(1), framed in 9 bytes. */
export const godot3Engine: BotEngine = {
  godot: 3,
  greeting: "SYS_ID/SYS_ADD",
  createBot: (client, options, times) => new Godot3Bot(client, options, times),
};
