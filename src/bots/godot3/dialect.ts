/**
 * The Godot 3 dialect of a bot: a WebSocketMultiplayerPeer (3.x framing) and a MultiplayerAPI
 * over the connection the bot opened, with the neutral rpc access mapped onto Godot 3's modes.
 */
import {
  type FrameError,
  WebSocketMultiplayerPeer,
  type WebSocketMultiplayerPeerOptions,
} from "../../multiplayer/index.js";
import {
  type DroppedPacket,
  type MethodStats,
  MultiplayerAPI,
  RpcMode,
  type SceneNode,
} from "../../scene/index.js";
import type { Variant } from "../../variant/index.js";
import type { WebSocketClient } from "../../websocket/index.js";
import type { BotDialect, BotRpcConfig, BotRpcDeclaration, DialectHost, OpeningTimes } from "../dialect.js";

/** What a Godot 3 bot takes beyond BotOptions: its multiplayer peer's own options. */
export type Godot3Options = Pick<WebSocketMultiplayerPeerOptions, "maxFrameSize" | "godotDisconnectSignal">;

/**
 * The Godot 3 mode of a declaration: Godot 3's own modes as they are; any_peer → REMOTE,
 * authority → PUPPET (callable by the node's master only, as authority in Godot 4), and
 * callLocal → the *sync form (REMOTESYNC, PUPPETSYNC).
 */
export function godot3Mode(mode: BotRpcDeclaration<RpcMode>): RpcMode {
  if (typeof mode === "number") {
    if (!(mode in RpcMode)) throw new RangeError(`not a Godot 3 rpc mode: ${mode}`);
    return mode;
  }
  const config: BotRpcConfig = typeof mode === "string" ? { access: mode } : mode;
  switch (config.access) {
    case "any_peer":
      return config.callLocal ? RpcMode.REMOTESYNC : RpcMode.REMOTE;
    case "authority":
      return config.callLocal ? RpcMode.PUPPETSYNC : RpcMode.PUPPET;
    default:
      throw new RangeError(
        `rpc access must be "any_peer" or "authority" (or a Godot 3 RpcMode), not ${JSON.stringify(config.access)}`,
      );
  }
}

/** The host of each MultiplayerAPI, for the listeners below (shared by all bots: no closures per bot). */
const hostOf = new WeakMap<MultiplayerAPI, { host: DialectHost; peer: WebSocketMultiplayerPeer }>();

function onPeerConnected(this: MultiplayerAPI, id: number): void {
  hostOf.get(this)?.host.peerConnected(id);
}
function onPeerDisconnected(this: MultiplayerAPI, id: number): void {
  hostOf.get(this)?.host.peerDisconnected(id);
}
function onRaw(this: MultiplayerAPI, id: number, bytes: Uint8Array): void {
  hostOf.get(this)?.host.raw(id, bytes);
}
function onConnected(this: MultiplayerAPI): void {
  hostOf.get(this)?.host.joined();
}
/** connection_failed (before or, with godotDisconnectSignal, after the join) and server_disconnected. */
function onClosed(this: MultiplayerAPI): void {
  const link = hostOf.get(this);
  if (link) link.host.closed(link.peer.lastClose?.info ?? null, link.peer.lastClose?.error ?? null);
}
function onDropped(this: MultiplayerAPI, d: DroppedPacket): void {
  hostOf.get(this)?.host.dropped(d.reason, d.detail);
}
/** The host of each peer, for its framing drops. */
const hostOfPeer = new WeakMap<WebSocketMultiplayerPeer, DialectHost>();

function onFrameDropped(this: WebSocketMultiplayerPeer, err: FrameError): void {
  hostOfPeer.get(this)?.dropped(err.reason, err.message);
}
function onScriptError(
  this: MultiplayerAPI,
  err: unknown,
  where: { path: string; name: string; from: number },
): void {
  hostOf.get(this)?.host.scriptError(err, where);
}

export class Godot3Dialect implements BotDialect<RpcMode> {
  readonly godot = 3;
  readonly peer: WebSocketMultiplayerPeer;
  readonly multiplayer: MultiplayerAPI;

  constructor(client: WebSocketClient, options: Godot3Options, times: OpeningTimes, host: DialectHost) {
    this.peer = WebSocketMultiplayerPeer.adopt(client, options, times);
    const api = new MultiplayerAPI();
    this.multiplayer = api;
    // Payloads wait until connect() has resolved and the caller has run up to its first await:
    // its handlers and nodes are declared before the first call can arrive (processOnArrival).
    api.autoProcess = false;
    hostOf.set(api, { host, peer: this.peer });
    api.networkPeer = this.peer;
    api.on("network_peer_connected", onPeerConnected);
    api.on("network_peer_disconnected", onPeerDisconnected);
    api.on("network_peer_packet", onRaw);
    api.on("connected_to_server", onConnected);
    api.on("connection_failed", onClosed);
    api.on("server_disconnected", onClosed);
    api.on("packet_dropped", onDropped);
    api.on("script_error", onScriptError);
    // A frame the 3.x framing refuses (ERR_FAIL in Godot) is a drop too: during the join it
    // means the server speaks something else.
    hostOfPeer.set(this.peer, host);
    this.peer.on("frame_dropped", onFrameDropped);
  }

  greet(first: Uint8Array): void {
    this.peer.receiveFrame(first);
  }

  get id(): number {
    return this.multiplayer.getNetworkUniqueId();
  }

  get peers(): number[] {
    return Array.from(this.multiplayer.getNetworkConnectedPeers());
  }

  get senderId(): number {
    return this.multiplayer.getRpcSenderId();
  }

  node(path: string): SceneNode {
    return this.multiplayer.node(path);
  }

  declares(path: string, method: string): boolean {
    return this.multiplayer.node(path).getRemoteFunction(method) !== undefined;
  }

  declare(
    path: string,
    method: string,
    mode: BotRpcDeclaration<RpcMode>,
    run: (...args: Variant[]) => unknown,
  ): void {
    this.multiplayer.node(path).rpcConfig(method, godot3Mode(mode), run);
  }

  call(to: number, path: string, method: string, args: readonly Variant[]): void {
    this.multiplayer.node(path).rpcId(to, method, ...args);
  }

  sendBytes(bytes: Uint8Array, to: number): void {
    this.multiplayer.sendBytes(bytes, to);
  }

  poll(): void {
    this.multiplayer.poll();
  }

  processOnArrival(): void {
    this.multiplayer.autoProcess = true;
    this.multiplayer.poll();
  }

  get callsByMethod(): ReadonlyMap<string, MethodStats> {
    return this.multiplayer.stats.byMethod;
  }

  get drops(): ReadonlyMap<string, number> {
    return this.multiplayer.stats.dropped;
  }

  get scriptErrors(): number {
    return this.multiplayer.stats.scriptErrors;
  }
}
