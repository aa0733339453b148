/**
 * A node of a Godot 3 bot: the SceneNode (rpc modes, rset, network master) as the bot hands it
 * out, every call it makes going through the bot, which counts it (a broadcast is one call).
 */
import type { RemoteFunction, RemoteHandler, RemoteProperty, RpcMode, SceneNode } from "../../scene/index.js";
import type { Variant } from "../../variant/index.js";
import type { BotNode } from "../dialect.js";

/** How the node reaches its bot: rpc/rpcId through the seam, the rest counted after the fact. */
export interface Godot3Calls {
  call(to: number, path: string, method: string, args: readonly Variant[]): void;
  count(path: string, name: string): void;
}

export class Godot3Node implements BotNode {
  constructor(
    /** The MultiplayerAPI's own node. */
    readonly scene: SceneNode,
    readonly calls: Godot3Calls,
  ) {}

  get path(): string {
    return this.scene.path;
  }
  /** Peer id of the node's network master; 1 (the server) unless set, as in Godot. */
  get networkMaster(): number {
    return this.scene.networkMaster;
  }
  set networkMaster(id: number) {
    this.scene.networkMaster = id;
  }

  rpcConfig(method: string, mode: RpcMode, handler: RemoteHandler): this {
    this.scene.rpcConfig(method, mode, handler);
    return this;
  }
  rsetConfig(
    property: string,
    mode: RpcMode,
    initial: Variant = null,
    onSet?: (value: Variant) => void,
  ): this {
    this.scene.rsetConfig(property, mode, initial, onSet);
    return this;
  }
  getRemoteFunction(method: string): RemoteFunction | undefined {
    return this.scene.getRemoteFunction(method);
  }
  getRemoteProperty(property: string): RemoteProperty | undefined {
    return this.scene.getRemoteProperty(property);
  }
  rpcMode(method: string): RpcMode {
    return this.scene.rpcMode(method);
  }
  rsetMode(property: string): RpcMode {
    return this.scene.rsetMode(property);
  }
  get(property: string): Variant {
    return this.scene.get(property);
  }
  set(property: string, value: Variant): boolean {
    return this.scene.set(property, value);
  }
  setNetworkMaster(id: number): void {
    this.scene.setNetworkMaster(id);
  }
  getNetworkMaster(): number {
    return this.scene.getNetworkMaster();
  }
  isNetworkMaster(): boolean {
    return this.scene.isNetworkMaster();
  }

  rpc(method: string, ...args: Variant[]): void {
    this.calls.call(0, this.scene.path, method, args);
  }
  rpcId(peerId: number, method: string, ...args: Variant[]): void {
    this.calls.call(peerId, this.scene.path, method, args);
  }
  rpcUnreliable(method: string, ...args: Variant[]): void {
    this.scene.rpcUnreliable(method, ...args);
    this.calls.count(this.scene.path, method);
  }
  rpcUnreliableId(peerId: number, method: string, ...args: Variant[]): void {
    this.scene.rpcUnreliableId(peerId, method, ...args);
    this.calls.count(this.scene.path, method);
  }
  rset(property: string, value: Variant): void {
    this.scene.rset(property, value);
    this.calls.count(this.scene.path, property);
  }
  rsetId(peerId: number, property: string, value: Variant): void {
    this.scene.rsetId(peerId, property, value);
    this.calls.count(this.scene.path, property);
  }
  rsetUnreliable(property: string, value: Variant): void {
    this.scene.rsetUnreliable(property, value);
    this.calls.count(this.scene.path, property);
  }
  rsetUnreliableId(peerId: number, property: string, value: Variant): void {
    this.scene.rsetUnreliableId(peerId, property, value);
    this.calls.count(this.scene.path, property);
  }
}
