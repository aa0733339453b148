/**
 * A bot-side node: a path (relative to /root, as Godot sends it), a network master, and the
 * functions and properties it exposes with their rpc modes — what a GDScript node declares
 * with `remote func`, `puppet var` and friends, or with rpc_config/rset_config.
 */
import type { Variant } from "../../variant/index.js";
import type { MultiplayerAPI } from "./multiplayer-api.js";
import { RpcMode } from "./rpc-mode.js";

export type RemoteHandler = (...args: Variant[]) => unknown;

export interface RemoteFunction {
  readonly mode: RpcMode;
  readonly handler: RemoteHandler;
}

export interface RemoteProperty {
  readonly mode: RpcMode;
  value: Variant;
  /** Called after the value changed (remote rset or a sync mode's local set). */
  readonly onSet?: (value: Variant) => void;
}

export class SceneNode {
  /** Peer id of the node's network master; 1 (the server) unless set, as in Godot. */
  networkMaster = 1;
  readonly #functions = new Map<string, RemoteFunction>();
  readonly #properties = new Map<string, RemoteProperty>();

  constructor(
    readonly multiplayer: MultiplayerAPI,
    /** Path relative to /root, e.g. "Game/Players/42". */
    readonly path: string,
  ) {}

  /** Node.rpc_config with the function itself: `remote func name(...)` in GDScript. */
  rpcConfig(method: string, mode: RpcMode, handler: RemoteHandler): this {
    this.#functions.set(method, { mode, handler });
    return this;
  }

  /** Node.rset_config with the property's value: `remote var name = initial` in GDScript. */
  rsetConfig(
    property: string,
    mode: RpcMode,
    initial: Variant = null,
    onSet?: (value: Variant) => void,
  ): this {
    this.#properties.set(property, { mode, value: initial, ...(onSet ? { onSet } : {}) });
    return this;
  }

  getRemoteFunction(method: string): RemoteFunction | undefined {
    return this.#functions.get(method);
  }

  getRemoteProperty(property: string): RemoteProperty | undefined {
    return this.#properties.get(property);
  }

  /** The rpc mode of a method (DISABLED when undeclared). */
  rpcMode(method: string): RpcMode {
    return this.#functions.get(method)?.mode ?? RpcMode.DISABLED;
  }

  rsetMode(property: string): RpcMode {
    return this.#properties.get(property)?.mode ?? RpcMode.DISABLED;
  }

  get(property: string): Variant {
    return this.#properties.get(property)?.value ?? null;
  }

  /** A local set (no network traffic), as `node.set()`; declares nothing. */
  set(property: string, value: Variant): boolean {
    const p = this.#properties.get(property);
    if (!p) return false;
    p.value = value;
    p.onSet?.(value);
    return true;
  }

  setNetworkMaster(id: number): void {
    this.networkMaster = id;
  }

  getNetworkMaster(): number {
    return this.networkMaster;
  }

  isNetworkMaster(): boolean {
    return this.multiplayer.getNetworkUniqueId() === this.networkMaster;
  }

  rpc(method: string, ...args: Variant[]): void {
    this.multiplayer.rpcp(this, 0, false, method, args);
  }

  rpcId(peerId: number, method: string, ...args: Variant[]): void {
    this.multiplayer.rpcp(this, peerId, false, method, args);
  }

  rpcUnreliable(method: string, ...args: Variant[]): void {
    this.multiplayer.rpcp(this, 0, true, method, args);
  }

  rpcUnreliableId(peerId: number, method: string, ...args: Variant[]): void {
    this.multiplayer.rpcp(this, peerId, true, method, args);
  }

  rset(property: string, value: Variant): void {
    this.multiplayer.rsetp(this, 0, false, property, value);
  }

  rsetId(peerId: number, property: string, value: Variant): void {
    this.multiplayer.rsetp(this, peerId, false, property, value);
  }

  rsetUnreliable(property: string, value: Variant): void {
    this.multiplayer.rsetp(this, 0, true, property, value);
  }

  rsetUnreliableId(peerId: number, property: string, value: Variant): void {
    this.multiplayer.rsetp(this, peerId, true, property, value);
  }
}
