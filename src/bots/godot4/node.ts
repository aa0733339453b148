/**
 * A node of a Godot 4 bot, as the bot hands it out: the SceneMultiplayer's RpcNode at that path
 * (looked up on each use: declaring names in code replaces it), its multiplayer authority, and
 * calls that go through the bot, which counts them (a broadcast is one call).
 */
import type { RpcConfig, RpcHandler, RpcNode, RpcNodeConfig, SceneMultiplayer } from "../../scene/index.js";
import type { Variant } from "../../variant/index.js";
import type { BotNode } from "../dialect.js";

/** How the node reaches its bot and its SceneMultiplayer. */
export interface Godot4Calls {
  call(to: number, path: string, method: string, args: readonly Variant[]): void;
  /** The RpcNode now declared at `path`. */
  resolve(path: string): RpcNode;
}

export class Godot4Node implements BotNode {
  constructor(
    /** The normal form of the path, relative to the multiplayer root ("Main/World/Arena"). */
    readonly path: string,
    readonly calls: Godot4Calls,
  ) {}

  /** The SceneMultiplayer's own node at this path, now. */
  get scene(): RpcNode {
    return this.calls.resolve(this.path);
  }
  /** Its RPC table: names, ids, configs, and the MD5 SIMPLIFY_PATH carries. */
  get config(): RpcNodeConfig {
    return this.scene.config;
  }
  /** Node.multiplayer_authority: who may call its "authority" methods (1, the server, unless set). */
  get multiplayerAuthority(): number {
    return this.scene.getMultiplayerAuthority();
  }
  set multiplayerAuthority(id: number) {
    this.scene.setMultiplayerAuthority(id);
  }
  getMultiplayerAuthority(): number {
    return this.scene.getMultiplayerAuthority();
  }
  setMultiplayerAuthority(id: number): void {
    this.scene.setMultiplayerAuthority(id);
  }
  isMultiplayerAuthority(): boolean {
    return this.scene.isMultiplayerAuthority();
  }
  /** Node.multiplayer: the SceneMultiplayer that declared it (the bot's). */
  get multiplayer(): SceneMultiplayer {
    return this.scene.multiplayer;
  }
  /** The script's function for an RPC it declares (Bot.handle does this and routes waits too). */
  onRpc(method: string, handler: RpcHandler): this {
    this.scene.onRpc(method, handler);
    return this;
  }
  /** Node.rpc_config(): a node-level RPC (id 0x8000 | i), only before the node's first RPC. */
  rpcConfig(method: string, config: Partial<RpcConfig>): this {
    this.scene.rpcConfig(method, config);
    return this;
  }

  /** Node.rpc(): to every peer (through the server with server_relay). */
  rpc(method: string, ...args: Variant[]): void {
    this.calls.call(0, this.path, method, args);
  }
  /** Node.rpc_id(): to one peer (1: the server); 0 everyone, −X all but X. */
  rpcId(peerId: number, method: string, ...args: Variant[]): void {
    this.calls.call(peerId, this.path, method, args);
  }
}
