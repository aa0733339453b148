/**
 * A node as SceneMultiplayer sees it: a path relative to the multiplayer root, its RPC table (from
 * the manifest or declared in code), its multiplayer authority (1 unless set, as in Godot) and
 * the handlers that play the part of the script's `@rpc` methods.
 */
import type { Variant } from "../../variant/index.js";
import { type RpcDeclaration, RpcNodeConfig } from "./rpc-config.js";
import type { RpcConfig } from "./rpc-manifest.js";
import type { SceneMultiplayer } from "./scene-multiplayer.js";

export type RpcHandler = (...args: Variant[]) => unknown;

export class RpcNode {
  /** Node.multiplayer_authority: peer id allowed to call its `authority` RPCs. */
  multiplayerAuthority = 1;
  #config: RpcNodeConfig;
  #handlers: Map<string, RpcHandler> | null = null;
  /** Our path cache id for this node (0 = not given yet); set by the cache interface. */
  cacheId = 0;
  /** Peer → has it confirmed our SIMPLIFY_PATH? (absent: not sent yet). Made on first send. */
  confirmed: Map<number, boolean> | null = null;
  /** The table has been used on the wire: Godot keeps the one it built first. */
  used = false;
  /**
   * Matched by a manifest pattern past the node limit, so not remembered: it gets no cache id
   * (every call to it carries the full path), which keeps the id tables bounded.
   */
  transient = false;

  constructor(
    readonly multiplayer: SceneMultiplayer,
    /** Relative to the multiplayer root, e.g. "Main/Players/42". */
    readonly path: string,
    config: RpcNodeConfig,
    /** The manifest key (path or pattern) it was declared by; stats are kept per key. */
    readonly declaredAs: string = path,
    /** Made from the manifest (not declared in code): forgotten when another manifest is loaded. */
    readonly fromManifest = false,
  ) {
    this.#config = config;
  }

  get config(): RpcNodeConfig {
    return this.#config;
  }

  /** The script's implementation of an `@rpc` method (or an rpc_config() one). */
  onRpc(method: string, handler: RpcHandler): this {
    if (!this.#config.byName(method)) {
      throw new RangeError(
        `"${method}" is not an RPC of node ${this.path} (declared: ${this.#config.names.join(", ") || "none"})`,
      );
    }
    this.#handlers ??= new Map();
    this.#handlers.set(method, handler);
    return this;
  }

  getHandler(method: string): RpcHandler | undefined {
    return this.#handlers?.get(method);
  }

  /** Node.rpc_config(): a node-level RPC (id 0x8000 | i). Only before the node's first RPC. */
  rpcConfig(method: string, config: Partial<RpcConfig>): this {
    if (this.used) {
      throw new RangeError(
        `rpc_config("${method}") on ${this.path} after its first RPC: Godot keeps the table it built first`,
      );
    }
    const c = this.#config;
    const decl: RpcDeclaration = {
      rpcs: Object.fromEntries(c.script.map((m) => [m.name, m.config])),
      node_rpcs: { ...Object.fromEntries(c.node.map((m) => [m.name, m.config])), [method]: config },
    };
    this.#config = new RpcNodeConfig(decl);
    return this;
  }

  getMultiplayerAuthority(): number {
    return this.multiplayerAuthority;
  }

  setMultiplayerAuthority(id: number): void {
    this.multiplayerAuthority = id;
  }

  isMultiplayerAuthority(): boolean {
    return this.multiplayer.getUniqueId() === this.multiplayerAuthority;
  }

  /** Node.rpc(): to every peer (and locally with call_local). */
  rpc(method: string, ...args: Variant[]): void {
    this.multiplayer.rpc(0, this, method, args);
  }

  /** Node.rpc_id(): to one peer; 0 = all, −X = all but X. */
  rpcId(peer: number, method: string, ...args: Variant[]): void {
    this.multiplayer.rpc(peer, this, method, args);
  }
}
