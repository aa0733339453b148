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
  /** How many arguments a remote call must carry, as a GDScript func's parameters and defaults say. */
  readonly minArgs: number;
  readonly maxArgs: number;
}

/** A GDScript func's parameter count: exact, or [required, all] when some have defaults. */
export type ArgumentCount = number | readonly [min: number, max: number];

/**
 * A property's setter (GDScript `setget`): called instead of storing the value; it may refuse it,
 * change it, or store it with `node.set(property, v)`, which inside the setter stores directly
 * (no recursion, as GDScript's assignment to the member inside its own setter).
 */
export type RemoteSetter = (value: Variant) => void;

export interface RemoteProperty {
  readonly mode: RpcMode;
  value: Variant;
  /** Called after the value changed (remote rset or a sync mode's local set). */
  readonly onSet?: (value: Variant) => void;
  readonly setget?: RemoteSetter;
  /** Is the setter running (a set() from inside it stores the value)? */
  inSetter: boolean;
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

  /**
   * Node.rpc_config with the function itself: `remote func name(...)` in GDScript. A remote call
   * with another number of arguments than the function takes is refused and not run, as Godot's
   * call error: `args` gives the count (default: at least `handler.length`, which counts the
   * parameters before the first default or rest one; any number more).
   */
  rpcConfig(method: string, mode: RpcMode, handler: RemoteHandler, args?: ArgumentCount): this {
    const [minArgs, maxArgs] =
      args === undefined
        ? [handler.length, Number.POSITIVE_INFINITY]
        : typeof args === "number"
          ? [args, args]
          : args;
    this.#functions.set(method, { mode, handler, minArgs, maxArgs });
    return this;
  }

  /**
   * Node.rset_config with the property's value: `remote var name = initial` in GDScript; with
   * `{ setget }`, `remote var name = initial setget setter`.
   */
  rsetConfig(
    property: string,
    mode: RpcMode,
    initial: Variant = null,
    onSet?: ((value: Variant) => void) | { readonly setget: RemoteSetter },
  ): this {
    const p: RemoteProperty =
      typeof onSet === "function"
        ? { mode, value: initial, onSet, inSetter: false }
        : onSet
          ? { mode, value: initial, setget: onSet.setget, inSetter: false }
          : { mode, value: initial, inSetter: false };
    this.#properties.set(property, p);
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

  /** A local set (no network traffic), as `node.set()`: through the setter if there is one; declares nothing. */
  set(property: string, value: Variant): boolean {
    const p = this.#properties.get(property);
    if (!p) return false;
    if (p.setget && !p.inSetter) {
      p.inSetter = true;
      try {
        p.setget(value);
      } finally {
        p.inSetter = false;
      }
      return true;
    }
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
