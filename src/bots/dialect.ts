/**
 * The seam between a Bot (no dialect in it) and the engine it talks to. A Bot opens the
 * WebSocket itself, reads the server's first message to learn the engine (or is told), then
 * hands the open connection to that engine's BotEngine, which makes the bot and its BotDialect.
 * Everything the engines share goes through this seam; what one engine alone has (rset in
 * Godot 3, auth in Godot 4) lives on that engine's bot class only.
 */
import type { MethodStats, ScriptErrorSite } from "../scene/index.js";
import type { Variant } from "../variant/index.js";
import type { CloseInfo, ConnectError, WebSocketClient } from "../websocket/index.js";
import type { Bot, BotOptions } from "./bot.js";

/** The major version of the Godot engine a server runs: its high-level multiplayer dialect. */
export type GodotEngine = 3 | 4;

/**
 * Who may call a method on us, in Godot 4's words (`@rpc("any_peer")`, `@rpc("authority")`).
 * The Godot 3 dialect maps them onto its modes: any_peer → REMOTE, authority → PUPPET (callable
 * by the node's master, which is the server unless set).
 */
export type RpcAccess = "any_peer" | "authority";

/** An rpc declaration in neutral form, like Godot 4's `@rpc(mode, call_local)`. */
export interface BotRpcConfig {
  readonly access: RpcAccess;
  /** Our own calls run locally too (Godot 4's call_local; Godot 3's *sync modes). Default false. */
  readonly callLocal?: boolean;
}

/** How a method is declared: neutral, or in the engine's own modes (`Mode`: RpcMode on Godot 3). */
export type BotRpcDeclaration<Mode = never> = RpcAccess | BotRpcConfig | Mode;

/** A node as every engine's bot has it, by its path relative to /root. */
export interface BotNode {
  /** The normal form of the path ("Game/Players/7"): the key of waits and counters. */
  readonly path: string;
  /** Node.rpc: to every peer (through the server). */
  rpc(method: string, ...args: Variant[]): void;
  /** Node.rpc_id: to one peer (1: the server). */
  rpcId(peerId: number, method: string, ...args: Variant[]): void;
}

/** What a dialect tells its bot (events up): direct calls on one object per bot, no listeners. */
export interface DialectHost extends OpeningTimes {
  /** The server gave us our id and announced the peers already there: the join is complete. */
  joined(): void;
  /**
   * The connection ended, or never came up (`error`), before or after joined(). Called once.
   * `failure`: why the join failed when the dialect knows better than the socket (Godot 4's
   * "auth-failed"); it becomes the BotConnectError's reason and message.
   */
  closed(
    info: CloseInfo | null,
    error: ConnectError | null,
    failure?: { readonly reason: string; readonly message: string },
  ): void;
  peerConnected(id: number): void;
  peerDisconnected(id: number): void;
  /** A raw packet (send_bytes on the other side). */
  raw(from: number, bytes: Uint8Array): void;
  /** An incoming packet the engine would refuse: not run, named by the engine's reason. */
  dropped(reason: string, detail: string): void;
  /** One of our handlers threw (Godot prints SCRIPT ERROR and goes on). */
  scriptError(error: unknown, where: ScriptErrorSite): void;
  /** The server's declaration of a node and ours differ, or one lacks the node (Godot 4's manifest checks). */
  manifestError(error: Error): void;
}

/** What a Bot needs from the engine it talks to. `Mode`: the engine's own rpc modes, also accepted. */
export interface BotDialect<Mode = never> {
  readonly godot: GodotEngine;
  /** The server's greeting (the bot's first message), which chose this dialect: taken as if it had come here. */
  greet(first: Uint8Array, isString: boolean): void;
  /** Our peer id (0 until the server gave it). */
  readonly id: number;
  /** Every other peer the server announced, the server (1) included; ascending. */
  readonly peers: number[];
  /** Sender of the call being run (get_remote_sender_id); 0 outside a call. */
  readonly senderId: number;
  node(path: string): BotNode;
  /** Is `path.method` declared callable on us? */
  declares(path: string, method: string): boolean;
  /** Declares `path.method` callable on us as `mode` says; `run` gets the arguments of each call. */
  declare(
    path: string,
    method: string,
    mode: BotRpcDeclaration<Mode>,
    run: (...args: Variant[]) => unknown,
  ): void;
  /** Sends `path.method(args)` to `to` (0: everyone, 1: the server). */
  call(to: number, path: string, method: string, args: readonly Variant[]): void;
  /** MultiplayerAPI.send_bytes: a raw packet to `to` (0: everyone). */
  sendBytes(bytes: Uint8Array, to: number): void;
  /** Delivers what has arrived (polls the connection, runs the calls). */
  poll(): void;
  /** Event style, once connect() resolved: from now on calls run as they arrive (what waits runs now). */
  processOnArrival(): void;
  /** Calls and their bytes by "path:method", both ways, as the engine's multiplayer API counts them. */
  readonly callsByMethod: ReadonlyMap<string, MethodStats>;
  /** Incoming packets refused, by reason. */
  readonly drops: ReadonlyMap<string, number>;
  /** Calls whose handler threw. */
  readonly scriptErrors: number;
  /** Godot 4 replication counters (MultiplayerSpawner / MultiplayerSynchronizer); absent in Godot 3. */
  readonly replication?: Readonly<ReplicationCounts>;
}

/** SPAWN / DESPAWN / SYNC a bot received and sent (SceneReplicationInterface's stats). */
export interface ReplicationCounts {
  readonly spawnsIn: number;
  readonly despawnsIn: number;
  readonly syncsIn: number;
  readonly deltasIn: number;
  readonly syncsStale: number;
  readonly syncsUnknown: number;
  readonly syncsOut: number;
  readonly deltasOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  /** By declared synchronizer (its path, or its pattern, a `*` for a spawned node's name): SYNC entries and their state bytes. */
  readonly synchronizers?: ReadonlyMap<string, Readonly<SynchronizerCounts>>;
}

/** One synchronizer's entries applied, stale (skipped as Godot skips them) and sent, with their state bytes. */
export interface SynchronizerCounts {
  readonly syncsIn: number;
  readonly deltasIn: number;
  readonly syncsStale: number;
  readonly syncsOut: number;
  readonly deltasOut: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
}

/** When the connection came up, as the bot measured it (performance.now()). */
export interface OpeningTimes {
  readonly startedAt: number;
  readonly openedAt: number;
}

/** One engine, as Bot.connect finds it: registered with registerBotEngine(). */
export interface BotEngine {
  readonly godot: GodotEngine;
  /** How the server greets a new peer, for "no … from the server" errors ("SYS_ID/SYS_ADD"). */
  readonly greeting: string;
  /**
   * Makes the bot (of this engine's Bot class) over `client`, which connected in multiplayer
   * mode and whose first message the bot read; Bot.connect then calls its dialect's greet().
   */
  createBot(client: WebSocketClient, options: BotOptions, times: OpeningTimes): Bot<unknown>;
}
