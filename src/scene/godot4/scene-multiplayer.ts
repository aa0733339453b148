/**
 * SceneMultiplayer (modules/multiplayer/scene_multiplayer.cpp), Godot 4's high-level multiplayer
 * over a MultiplayerPeer: the same class on a client and on the server. It dispatches each packet
 * by command (byte0 & 7) to the path cache (SIMPLIFY_PATH / CONFIRM_PATH), the RPC interface
 * (REMOTE_CALL), raw packets (RAW) and SYS (AUTH, ADD_PEER, DEL_PEER, RELAY), keeps the peer list,
 * runs the authentication handshake and relays client-to-client traffic as Godot 4 does.
 *
 * What Godot refuses with an ERROR line is refused here too: thrown (RpcError4) when we send,
 * reported when we receive (`packet_dropped` with Godot's message, and a counter).
 */
import { SignalEmitter } from "../../core/index.js";
import type { MultiplayerPeer, MultiplayerPeerHandlers } from "../../multiplayer/index.js";
import type { Variant } from "../../variant/index.js";
import { ConnectionStatus, GodotError } from "../../websocket/index.js";
import { ConnectedPeers } from "./connected-peers.js";
import {
  type DroppedPacket4,
  type ManifestError,
  type ManifestErrorReason,
  type PacketError4,
  RpcError4,
  type SceneDropReason4,
  type ScenePacketErrorReason4,
} from "./errors.js";
import { type MultiplayerHost, PACKET_START, type PeerIds } from "./host.js";
import { ManifestIndex } from "./manifest-index.js";
import { CMD_MASK, NetworkCommand, SYS_CMD_SIZE, SysCommand } from "./network-commands.js";
import { copyBytes, getI32, PacketWriter, putU32 } from "./packet-writer.js";
import {
  type MethodStats,
  NO_RPCS,
  type RpcDeclaration,
  type RpcMethod,
  RpcNodeConfig,
} from "./rpc-config.js";
import type { RpcManifest } from "./rpc-manifest.js";
import { RpcNode } from "./rpc-node.js";
import { type CacheLimits, normalizePath, SceneCacheInterface } from "./scene-cache-interface.js";
import { SceneReplicationInterface } from "./scene-replication-interface.js";
import { SceneRPCInterface } from "./scene-rpc-interface.js";

export interface SceneMultiplayerEvents {
  peer_connected: [id: number];
  peer_disconnected: [id: number];
  connected_to_server: [];
  connection_failed: [];
  server_disconnected: [];
  peer_authenticating: [id: number];
  peer_authentication_failed: [id: number];
  peer_packet: [id: number, packet: Uint8Array];
  /** An incoming packet Godot would refuse: not processed, reported. */
  packet_dropped: [drop: DroppedPacket4];
  /** Godot logged an error but went on (an argument that did not decode, a wrong arg count). */
  packet_error: [error: PacketError4];
  /** Our manifest and the peer's disagree (checksum) or lack a node. */
  manifest_error: [error: ManifestError];
  /** A handler (RPC, auth callback or signal listener) threw: Godot prints SCRIPT ERROR and goes on. */
  script_error: [error: unknown, where: { path: string; method: string; from: number }];
}

/**
 * One object told of every signal before its listeners (beyond Godot): what a bot's dialect uses
 * instead of a closure per signal, so that a swarm makes no listener per bot.
 */
export interface SceneMultiplayerObserver {
  observe<K extends keyof SceneMultiplayerEvents>(signal: K, args: SceneMultiplayerEvents[K]): void;
}

export interface PeerStats4 {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface SceneMultiplayerStats {
  /** Per "manifest key:method" (a pattern's calls count together); raw packets under ":raw". */
  readonly byMethod: Map<string, MethodStats>;
  /** Per transport peer; an entry goes when its peer leaves. */
  readonly byPeer: Map<number, PeerStats4>;
  readonly dropped: Map<SceneDropReason4, number>;
  readonly errors: Map<ScenePacketErrorReason4, number>;
  readonly manifest: Map<ManifestErrorReason, number>;
  scriptErrors: number;
  /** Packets the peer refused (put_packet error; Godot ignores these too). */
  sendErrors: number;
}

/** No peer id (ids are positive; 0 means everyone). */
const NO_PEER = -1;

/**
 * The stats, each map made on first use (a bot that only calls and is called needs two of five).
 * A client's transport peer is the server alone: the first peer's counters are fields here, with
 * no Map nor record (~280 B a bot), until `byPeer` is read or a second peer is counted; from then
 * on its record in `byPeer` counts.
 */
/** What goes wrong, counted: made on the first fault (an idle bot has none). Exported for the idle-memory test (not from the index). */
export class Faults4 {
  dropped: Map<SceneDropReason4, number> | null = null;
  errors: Map<ScenePacketErrorReason4, number> | null = null;
  manifest: Map<ManifestErrorReason, number> | null = null;
  scriptErrors = 0;
  sendErrors = 0;
}

// TypeScript-private methods, not #private: # methods cost each instance a slot (V8's brand).
class Stats4 implements SceneMultiplayerStats {
  #byMethod: Map<string, MethodStats> | null = null;
  #byPeer: Map<number, PeerStats4> | null = null;
  /** While #byPeer is null: the only peer counted so far (NO_PEER: none), and its counters. */
  #firstId = NO_PEER;
  #packetsIn = 0;
  #packetsOut = 0;
  #bytesIn = 0;
  #bytesOut = 0;
  #faults: Faults4 | null = null;

  get scriptErrors(): number {
    return this.#faults?.scriptErrors ?? 0;
  }
  set scriptErrors(n: number) {
    this.faults().scriptErrors = n;
  }
  get sendErrors(): number {
    return this.#faults?.sendErrors ?? 0;
  }
  set sendErrors(n: number) {
    this.faults().sendErrors = n;
  }
  private faults(): Faults4 {
    this.#faults ??= new Faults4();
    return this.#faults;
  }

  get byMethod(): Map<string, MethodStats> {
    this.#byMethod ??= new Map();
    return this.#byMethod;
  }
  get byPeer(): Map<number, PeerStats4> {
    if (this.#byPeer === null) {
      this.#byPeer = new Map();
      if (this.#firstId !== NO_PEER) {
        this.#byPeer.set(this.#firstId, {
          packetsIn: this.#packetsIn,
          packetsOut: this.#packetsOut,
          bytesIn: this.#bytesIn,
          bytesOut: this.#bytesOut,
        });
        this.#firstId = NO_PEER;
      }
    }
    return this.#byPeer;
  }

  /** One packet of `bytes` from peer `id`. */
  countIn(id: number, bytes: number): void {
    if (this.#byPeer === null && this.owns(id)) {
      this.#packetsIn++;
      this.#bytesIn += bytes;
      return;
    }
    const p = this.record(id);
    p.packetsIn++;
    p.bytesIn += bytes;
  }

  /** One packet of `bytes` to peer `id`. */
  countOut(id: number, bytes: number): void {
    if (this.#byPeer === null && this.owns(id)) {
      this.#packetsOut++;
      this.#bytesOut += bytes;
      return;
    }
    const p = this.record(id);
    p.packetsOut++;
    p.bytesOut += bytes;
  }

  /** Are the fields (still) `id`'s? They are taken by the first peer counted. */
  private owns(id: number): boolean {
    if (this.#firstId === id) return true;
    if (this.#firstId !== NO_PEER) return false;
    this.#firstId = id;
    this.#packetsIn = 0;
    this.#packetsOut = 0;
    this.#bytesIn = 0;
    this.#bytesOut = 0;
    return true;
  }

  private record(id: number): PeerStats4 {
    const byPeer = this.byPeer;
    let p = byPeer.get(id);
    if (!p) {
      p = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 };
      byPeer.set(id, p);
    }
    return p;
  }

  /** The peer left: its counters go. */
  forgetPeer(id: number): void {
    if (this.#byPeer !== null) this.#byPeer.delete(id);
    else if (this.#firstId === id) this.#firstId = NO_PEER;
  }

  forgetPeers(): void {
    this.#byPeer?.clear();
    this.#firstId = NO_PEER;
  }
  get dropped(): Map<SceneDropReason4, number> {
    const f = this.faults();
    f.dropped ??= new Map();
    return f.dropped;
  }
  get errors(): Map<ScenePacketErrorReason4, number> {
    const f = this.faults();
    f.errors ??= new Map();
    return f.errors;
  }
  get manifest(): Map<ManifestErrorReason, number> {
    const f = this.faults();
    f.manifest ??= new Map();
    return f.manifest;
  }
}

export interface SceneMultiplayerOptions {
  /** The nodes and their RPC names (`godot-peer manifest`); nodes may also be declared in code. */
  readonly manifest?: RpcManifest;
  /** Process packets as soon as the peer queues them, instead of only in poll(). Default false. */
  readonly autoProcess?: boolean;
  /** Milliseconds, for auth_timeout. Default performance.now. */
  readonly clock?: () => number;
  readonly limits?: CacheLimits & {
    /** Nodes kept from manifest patterns (beyond it, matched nodes are not remembered). Default 262,144. */
    readonly maxNodes?: number;
  };
}

/** getNode's last answer: the path string asked (null: forgotten), the root path then, the node. */
interface LastNode {
  asked: string | null;
  root: string;
  node: RpcNode;
}

interface SendFailure {
  error: GodotError;
  message: string;
}

/** SceneMultiplayer.onRpcReceived. */
type RpcObserver = (node: RpcNode, method: string, args: readonly Variant[], from: number) => void;

/** What a SceneMultiplayer makes on its first call, send, path, packet beyond SYS or listened signal: an idle bot has none. */
interface Active {
  /** get_remote_sender_id: the sender of the packet being processed, and of the call being run. */
  sender: number;
  senderOverride: number;
  onRpcReceived: RpcObserver | null;
  /** getNode's last answer, for the path string it was asked (a bot names the same node per call). */
  last: LastNode | null;
  writer: PacketWriter | null;
  sendFailure: SendFailure | null;
  /** This instance's counters of each table entry it called or was called by. */
  statsOf: Map<RpcMethod, MethodStats> | null;
  /** The path cache and the RPC interface: an idle bot names no path and calls nothing. */
  cacheI: SceneCacheInterface | null;
  rpcI: SceneRPCInterface | null;
  /** Which signal is being emitted, for naming a listener that throws (one callback per instance). */
  emitting: keyof SceneMultiplayerEvents;
  onListenerError: ((err: unknown) => void) | null;
}

/** SceneMultiplayer.auth_callback. */
type AuthCallback = (peer: number, data: Uint8Array) => unknown;

interface AuthState {
  callback: AuthCallback | null;
  pending: Map<number, PendingPeer> | null;
  timer: ReturnType<typeof setTimeout> | null;
}

interface PendingPeer {
  local: boolean;
  remote: boolean;
  time: number;
}

const RAW_KEY = ":raw";
const now = (): number => performance.now();

/** What an instance is set to beyond Godot's public properties: never changed in place. */
interface MultiplayerSettings {
  /** auth_timeout in ms (0: never). */
  readonly authTimeoutMs: number;
  readonly clock: () => number;
  /** Nodes kept from manifest patterns. */
  readonly maxNodes: number;
  readonly limits: CacheLimits | undefined;
}

const DEFAULT_SETTINGS: MultiplayerSettings = Object.freeze({
  authTimeoutMs: 3000,
  clock: now,
  maxNodes: 262_144,
  limits: undefined,
});
const TRANSFER_RELIABLE = 2;

// SceneMultiplayer's flags.
const SERVER_RELAY = 1;
const ALLOW_OBJECT_DECODING = 2;
const AUTO_PROCESS = 4;
/** A drain is under way (a handler that polls must not re-enter). */
const PROCESSING = 8;
const BLOCK_SIGNALS = 16;
/** The peer's status as last seen, in two bits from STATUS_SHIFT. */
const STATUS_SHIFT = 5;
const STATUS = 3 << STATUS_SHIFT;

// Its methods are TypeScript-private, not #private: # methods cost each instance a slot (V8's brand).
export class SceneMultiplayer extends SignalEmitter<SceneMultiplayerEvents> {
  /** SceneMultiplayer.auth_callback: set it (on either side) to authenticate every new peer. */
  get authCallback(): AuthCallback | null {
    return this.#authState?.callback ?? null;
  }
  set authCallback(callback: AuthCallback | null) {
    if (callback !== null || this.#authState !== null) this.authState().callback = callback;
  }
  /** The auth callback, the peers authenticating and the auth_timeout timer: made when first set (a game without auth has none). */
  #authState: AuthState | null = null;
  /** SERVER_RELAY, ALLOW_OBJECT_DECODING, AUTO_PROCESS, PROCESSING, BLOCK_SIGNALS: one number, not a field each. */
  #flags = SERVER_RELAY;
  /** Beyond Godot: told of every signal before its listeners (SceneMultiplayerObserver). */
  observer: SceneMultiplayerObserver | null = null;
  /** Beyond Godot: sees every incoming call that passed Godot's checks (a bot's waiters use it). */
  get onRpcReceived(): RpcObserver | null {
    return this.#active?.onRpcReceived ?? null;
  }
  set onRpcReceived(f: RpcObserver | null) {
    if (f !== null || this.#active !== null) this.activeOf().onRpcReceived = f;
  }

  #rootPath = "/root";
  /** auth_timeout, the clock, the limits: shared by every instance made with the defaults (a bot's). */
  #cfg: MultiplayerSettings = DEFAULT_SETTINGS;
  #peer: MultiplayerPeer | null = null;
  /**
   * Admitted peers, in admission order (Godot's HashSet keeps insertion order; a client's rpc()
   * sends one relay per peer in it). A client's in a ConnectedPeers: with server_relay on every
   * client holds every peer id, and the bots of one process share one copy.
   */
  #connected: Set<number> | ConnectedPeers = new Set<number>();
  #nodes: Map<string, RpcNode> | null = null;
  #manifest: ManifestIndex | null = null;
  #stats: Stats4 | null = null;
  /** What calls, sends and listened signals use, made on the first of them: an idle bot has none. */
  #active: Active | null = null;

  /**
   * The narrow view the cache and RPC interfaces get of this instance, and its handlers of the
   * peer's signals: one small object per instance for both.
   */
  static readonly #Host = class implements MultiplayerHost, MultiplayerPeerHandlers {
    constructor(readonly mp: SceneMultiplayer) {}
    peer_connected(id: number): void {
      this.mp.addPeer(id);
    }
    peer_disconnected(id: number): void {
      this.mp.delPeer(id);
    }
    peer_packet(): void {
      const mp = this.mp;
      if (!mp.autoProcess) return;
      mp.updateStatus();
      if (mp.lastStatus === ConnectionStatus.CONNECTED) mp.drain();
    }
    connection_status_changed(): void {
      const mp = this.mp;
      mp.updateStatus();
      // Packets queued while we were still connecting are processed once connected.
      if (mp.autoProcess && mp.lastStatus === ConnectionStatus.CONNECTED) mp.drain();
    }
    get writer(): PacketWriter {
      this.mp.writer ??= new PacketWriter(256);
      return this.mp.writer;
    }
    get connectedPeers(): PeerIds {
      return this.mp.#connected;
    }
    get allowObjectDecoding(): boolean {
      return this.mp.allowObjectDecoding;
    }
    get knownNames(): ReadonlySet<string> {
      const names = new Set(this.mp.#manifest?.allNames ?? []);
      for (const n of this.mp.#nodes?.values() ?? []) for (const name of n.config.names) names.add(name);
      return names;
    }
    get rootPath(): string {
      return this.mp.#rootPath;
    }
    uniqueId(): number {
      return this.mp.getUniqueId();
    }
    sendCommand(to: number, end: number): GodotError {
      return this.mp.sendCommand(to, end);
    }
    setTransfer(mode: number, channel: number): void {
      const peer = this.mp.#peer;
      if (!peer) return;
      peer.transferMode = mode as MultiplayerPeer["transferMode"];
      peer.transferChannel = channel;
    }
    drop(from: number, reason: SceneDropReason4, message: string, path?: string, method?: string): void {
      this.mp.drop(from, reason, message, path, method);
    }
    packetError(
      from: number,
      reason: ScenePacketErrorReason4,
      message: string,
      path: string,
      method: string,
    ): void {
      const mp = this.mp;
      const errors = mp.stats.errors;
      errors.set(reason, (errors.get(reason) ?? 0) + 1);
      mp.emitSignal("packet_error", { from, reason, message, path, method });
    }
    manifestError(error: ManifestError): void {
      const mp = this.mp;
      const m = mp.stats.manifest;
      m.set(error.reason, (m.get(error.reason) ?? 0) + 1);
      mp.emitSignal("manifest_error", error);
    }
    resolveNode(path: string): RpcNode | null {
      return this.mp.resolveNode(path);
    }
    rpcVisible(node: RpcNode, peer: number): boolean {
      return this.mp.#replication?.isRpcVisible(node.path, peer) ?? true;
    }
    invoke(node: RpcNode, method: RpcMethod, args: Variant[], sender: number): void {
      this.mp.invoke(node, method, args, sender);
    }
    countIn(node: RpcNode, method: RpcMethod, bytes: number): void {
      const m = this.mp.methodStats(node, method);
      m.callsIn++;
      m.bytesIn += bytes;
    }
    countOut(node: RpcNode, method: RpcMethod, bytes: number): void {
      const m = this.mp.methodStats(node, method);
      m.callsOut++;
      m.bytesOut += bytes;
    }
  };

  readonly #host: MultiplayerHost & MultiplayerPeerHandlers = new SceneMultiplayer.#Host(this);
  /** Made on first use: a bot of a game without spawners or synchronizers needs none (its tables cost ~1 KB). */
  #replication: SceneReplicationInterface | null = null;
  /** The manifest loaded last, for a replicator made after it. */
  #rawManifest: RpcManifest | null = null;

  constructor(options: SceneMultiplayerOptions = {}) {
    super();
    this.autoProcess = options.autoProcess ?? false;
    if (options.clock !== undefined || options.limits !== undefined) {
      this.#cfg = Object.freeze({
        authTimeoutMs: DEFAULT_SETTINGS.authTimeoutMs,
        clock: options.clock ?? now,
        maxNodes: options.limits?.maxNodes ?? DEFAULT_SETTINGS.maxNodes,
        limits: options.limits,
      });
    }
    if (options.manifest) this.loadManifest(options.manifest);
  }

  /** The peer's status as last seen (STATUS bits of the flags). */
  private get lastStatus(): ConnectionStatus {
    return ((this.#flags & STATUS) >> STATUS_SHIFT) as ConnectionStatus;
  }
  private set lastStatus(status: ConnectionStatus) {
    this.#flags = (this.#flags & ~STATUS) | (status << STATUS_SHIFT);
  }
  /** The sender of the packet being processed (0: none). */
  private get remoteSenderId(): number {
    return this.#active?.sender ?? 0;
  }
  private set remoteSenderId(id: number) {
    if (id !== 0 || this.#active !== null) this.activeOf().sender = id;
  }
  /** The sender of the call being run (rpc with call_local: ourselves). */
  private get remoteSenderOverride(): number {
    return this.#active?.senderOverride ?? 0;
  }
  private set remoteSenderOverride(id: number) {
    if (id !== 0 || this.#active !== null) this.activeOf().senderOverride = id;
  }

  private activeOf(): Active {
    this.#active ??= {
      sender: 0,
      senderOverride: 0,
      onRpcReceived: null,
      last: null,
      writer: null,
      sendFailure: null,
      statsOf: null,
      cacheI: null,
      rpcI: null,
      emitting: "peer_packet",
      onListenerError: null,
    };
    return this.#active;
  }
  private get last(): LastNode | null {
    return this.#active?.last ?? null;
  }
  private set last(v: LastNode | null) {
    if (v !== null || this.#active !== null) this.activeOf().last = v;
  }
  private get writer(): PacketWriter | null {
    return this.#active?.writer ?? null;
  }
  private set writer(v: PacketWriter | null) {
    if (v !== null || this.#active !== null) this.activeOf().writer = v;
  }
  private get sendFailure(): SendFailure | null {
    return this.#active?.sendFailure ?? null;
  }
  private set sendFailure(v: SendFailure | null) {
    if (v !== null || this.#active !== null) this.activeOf().sendFailure = v;
  }
  private get statsOf(): Map<RpcMethod, MethodStats> | null {
    return this.#active?.statsOf ?? null;
  }
  private set statsOf(v: Map<RpcMethod, MethodStats> | null) {
    if (v !== null || this.#active !== null) this.activeOf().statsOf = v;
  }
  private get cacheI(): SceneCacheInterface | null {
    return this.#active?.cacheI ?? null;
  }
  private set cacheI(v: SceneCacheInterface | null) {
    if (v !== null || this.#active !== null) this.activeOf().cacheI = v;
  }
  private get rpcI(): SceneRPCInterface | null {
    return this.#active?.rpcI ?? null;
  }
  private set rpcI(v: SceneRPCInterface | null) {
    if (v !== null || this.#active !== null) this.activeOf().rpcI = v;
  }
  private get onListenerError(): ((err: unknown) => void) | null {
    return this.#active?.onListenerError ?? null;
  }
  private set onListenerError(v: ((err: unknown) => void) | null) {
    if (v !== null || this.#active !== null) this.activeOf().onListenerError = v;
  }

  private authState(): AuthState {
    this.#authState ??= { callback: null, pending: null, timer: null };
    return this.#authState;
  }
  private get pending(): Map<number, PendingPeer> | null {
    return this.#authState?.pending ?? null;
  }
  private set pending(pending: Map<number, PendingPeer> | null) {
    if (pending !== null || this.#authState !== null) this.authState().pending = pending;
  }
  private get authTimer(): ReturnType<typeof setTimeout> | null {
    return this.#authState?.timer ?? null;
  }
  private set authTimer(timer: ReturnType<typeof setTimeout> | null) {
    if (timer !== null || this.#authState !== null) this.authState().timer = timer;
  }

  /** SceneMultiplayer.server_relay: client-to-client traffic through the server (default on). */
  get serverRelay(): boolean {
    return (this.#flags & SERVER_RELAY) !== 0;
  }
  set serverRelay(on: boolean) {
    this.setFlag(SERVER_RELAY, on);
  }

  /** SceneMultiplayer.allow_object_decoding (off by default, as in Godot). */
  get allowObjectDecoding(): boolean {
    return (this.#flags & ALLOW_OBJECT_DECODING) !== 0;
  }
  set allowObjectDecoding(on: boolean) {
    this.setFlag(ALLOW_OBJECT_DECODING, on);
  }

  /** Process packets when the peer queues them (event style), not only in poll(). */
  get autoProcess(): boolean {
    return (this.#flags & AUTO_PROCESS) !== 0;
  }
  set autoProcess(on: boolean) {
    this.setFlag(AUTO_PROCESS, on);
  }

  private setFlag(flag: number, on: boolean): void {
    this.#flags = on ? this.#flags | flag : this.#flags & ~flag;
  }

  /** SceneMultiplayer's replicator: MultiplayerSpawner / MultiplayerSynchronizer traffic. */
  /** Whether the replicator exists (made on first use, or for a manifest that declares spawners or synchronizers). */
  get hasReplication(): boolean {
    return this.#replication !== null;
  }

  get replication(): SceneReplicationInterface {
    if (this.#replication) return this.#replication;
    const r = new SceneReplicationInterface(
      this.#host,
      this.cacheInterface(),
      (path) => this.node(path),
      (path) => this.removeNode(path),
    );
    this.#replication = r;
    if (this.#rawManifest) r.loadManifest(this.#rawManifest);
    return r;
  }

  private cacheInterface(): SceneCacheInterface {
    this.cacheI ??= new SceneCacheInterface(this.#host, this.#cfg.limits);
    return this.cacheI;
  }

  private rpcInterface(): SceneRPCInterface {
    this.rpcI ??= new SceneRPCInterface(this.#host, this.cacheInterface());
    return this.rpcI;
  }

  /** Counters, made on first use: an idle bot in a big swarm should cost next to nothing. */
  get stats(): SceneMultiplayerStats {
    this.#stats ??= new Stats4();
    return this.#stats;
  }

  // ---- configuration ----

  get multiplayerPeer(): MultiplayerPeer | null {
    return this.#peer;
  }

  /** SceneMultiplayer.multiplayer_peer: replacing a peer clears every cache. */
  set multiplayerPeer(peer: MultiplayerPeer | null) {
    if (peer === this.#peer) return;
    if (peer && peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) {
      throw new RpcError4(
        "not-connected",
        "Supplied MultiplayerPeer must be connecting or connected.",
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    if (this.#peer) {
      this.#peer.unsubscribe(this.#host);
      this.clear();
    }
    this.#peer = peer;
    if (peer && !peer.isServer()) {
      if (!(this.#connected instanceof ConnectedPeers)) this.#connected = new ConnectedPeers();
    } else if (this.#connected instanceof ConnectedPeers) this.#connected = new Set<number>();
    peer?.subscribe(this.#host);
    this.updateStatus();
  }

  /** SceneMultiplayer.root_path: node paths on the wire are relative to it. */
  get rootPath(): string {
    return this.#rootPath;
  }

  set rootPath(path: string) {
    if (!path.startsWith("/")) throw new RangeError("SceneMultiplayer root path must be absolute.");
    this.#rootPath = path.length > 1 ? path.replace(/\/+$/, "") : path;
  }

  /** SceneMultiplayer.auth_timeout, in seconds (0 = never). */
  get authTimeout(): number {
    return this.#cfg.authTimeoutMs / 1000;
  }

  set authTimeout(seconds: number) {
    if (!(seconds >= 0))
      throw new RangeError("Timeout must be greater or equal to 0 (where 0 means no timeout)");
    this.#cfg = Object.freeze({ ...this.#cfg, authTimeoutMs: Math.floor(seconds * 1000) });
  }

  get refuseNewConnections(): boolean {
    return this.#peer?.refuseNewConnections ?? false;
  }

  set refuseNewConnections(refuse: boolean) {
    if (!this.#peer) {
      throw new RpcError4(
        "no-multiplayer-peer",
        "No multiplayer peer is assigned. Unable to set 'refuse_new_connections'.",
        GodotError.ERR_UNCONFIGURED,
      );
    }
    this.#peer.refuseNewConnections = refuse;
  }

  /** Takes the nodes (and root path) of a manifest; nodes made from an earlier one are forgotten. */
  loadManifest(manifest: RpcManifest): void {
    if (this.last) this.last.asked = null;
    this.#manifest = ManifestIndex.of(manifest);
    this.rootPath = this.#manifest.root;
    this.#rawManifest = manifest;
    const replicates =
      Object.keys(manifest.spawners ?? {}).length > 0 || Object.keys(manifest.synchronizers ?? {}).length > 0;
    if (this.#replication) this.#replication.loadManifest(manifest);
    else if (replicates) void this.replication; // made now, with this manifest's tables
    if (!this.#nodes) return;
    for (const [path, n] of this.#nodes) {
      if (!n.fromManifest) continue;
      this.cacheI?.forgetNode(n);
      this.#nodes.delete(path);
    }
  }

  // ---- nodes ----

  /**
   * Declares the node at a root-relative path in code (Godot: its script's `@rpc` methods and its
   * rpc_config() names), or returns the one the manifest declares. With neither, a node with no RPCs.
   */
  node(path: string, declaration?: RpcDeclaration): RpcNode {
    const key = normalizePath(path, this.#rootPath);
    if (declaration) {
      if (this.last) this.last.asked = null;
      const n = new RpcNode(this, key, new RpcNodeConfig(declaration));
      const old = this.#nodes?.get(key);
      if (old) this.cacheI?.forgetNode(old);
      this.#nodes ??= new Map();
      this.#nodes.set(key, n);
      return n;
    }
    const known = this.resolveNode(key);
    if (known) return known;
    const n = new RpcNode(this, key, NO_RPCS);
    this.#nodes ??= new Map();
    this.#nodes.set(key, n);
    return n;
  }

  /** The node at `path` if declared (in code or by the manifest): get_node_or_null. */
  getNode(path: string): RpcNode | null {
    const last = this.last;
    if (last !== null && path === last.asked && this.#rootPath === last.root) return last.node;
    const n = this.resolveNode(normalizePath(path, this.#rootPath));
    // Only a remembered node is remembered here: a miss, or a transient node, is asked again.
    if (n !== null && !n.transient) {
      if (last === null) this.last = { asked: path, root: this.#rootPath, node: n };
      else {
        last.asked = path;
        last.root = this.#rootPath;
        last.node = n;
      }
    }
    return n;
  }

  /** The node left the tree: its cache ids are forgotten, as Godot's tree_exited does. */
  removeNode(path: string): boolean {
    const key = normalizePath(path, this.#rootPath);
    const n = this.#nodes?.get(key);
    if (!n) return false;
    if (this.last) this.last.asked = null;
    this.cacheI?.forgetNode(n);
    this.#nodes?.delete(key);
    return true;
  }

  /** SceneMultiplayer.get_rpc_md5: the checksum SIMPLIFY_PATH carries for the node. */
  getRpcMd5(node: RpcNode | string): string {
    const n = typeof node === "string" ? this.getNode(node) : node;
    return (n?.config ?? NO_RPCS).md5;
  }

  private resolveNode(path: string): RpcNode | null {
    const known = this.#nodes?.get(path);
    if (known) return known;
    const decl = this.#manifest?.lookup(path);
    // A MultiplayerSpawner / MultiplayerSynchronizer the replication knows: a node with no RPCs.
    if (!decl && !this.#replication?.declares(path)) return null;
    const n = decl
      ? new RpcNode(this, path, decl.config, decl.key, true)
      : new RpcNode(this, path, NO_RPCS, path, true);
    this.#nodes ??= new Map();
    // Beyond the limit a matched node still works, but is not remembered and gets no cache id.
    if (this.#nodes.size < this.#cfg.maxNodes) this.#nodes.set(path, n);
    else n.transient = true;
    return n;
  }

  // ---- state ----

  getUniqueId(): number {
    return this.#peer?.getUniqueId() ?? 0;
  }

  isServer(): boolean {
    return this.getUniqueId() === 1;
  }

  /** The admitted peers, in the order they were admitted. */
  getPeers(): number[] {
    return [...this.#connected];
  }

  getAuthenticatingPeers(): number[] {
    return this.pending ? [...this.pending.keys()] : [];
  }

  /** Inside an RPC: who called it (our own id in a call_local call); 0 elsewhere. */
  getRemoteSenderId(): number {
    return this.remoteSenderOverride || this.remoteSenderId;
  }

  /** SceneMultiplayer.clear: forget peers, pending authentications and the path caches. */
  clear(): void {
    this.lastStatus = ConnectionStatus.DISCONNECTED;
    this.pending = null;
    this.#connected.clear();
    this.cacheI?.clear();
    this.#replication?.clear();
    this.#stats?.forgetPeers();
    if (this.authTimer) clearTimeout(this.authTimer);
    this.authTimer = null;
  }

  /** Polls the peer, runs every queued packet and kicks peers whose authentication timed out. */
  poll(): void {
    this.updateStatus();
    if (this.lastStatus === ConnectionStatus.DISCONNECTED) return;
    this.#peer?.poll();
    this.updateStatus();
    if (this.lastStatus !== ConnectionStatus.CONNECTED) return;
    this.drain();
    this.checkAuthTimeouts();
    this.#replication?.process();
  }

  private updateStatus(): void {
    const status = this.#peer ? this.#peer.getConnectionStatus() : ConnectionStatus.DISCONNECTED;
    if (status === this.lastStatus) return;
    const was = this.lastStatus;
    this.lastStatus = status;
    if (status === ConnectionStatus.DISCONNECTED) {
      // Godot emits first (listeners still see the peers), then clears.
      this.emitSignal(was === ConnectionStatus.CONNECTING ? "connection_failed" : "server_disconnected");
      this.clear();
    }
  }

  // ---- sending ----

  private requirePeer(what: string): MultiplayerPeer {
    const peer = this.#peer;
    if (!peer) {
      throw new RpcError4(
        "no-multiplayer-peer",
        `Trying to ${what} while no multiplayer peer is active.`,
        GodotError.ERR_UNCONFIGURED,
      );
    }
    if (peer.getConnectionStatus() !== ConnectionStatus.CONNECTED) {
      throw new RpcError4(
        "not-connected",
        `Trying to ${what} via a multiplayer peer which is not connected.`,
        GodotError.ERR_CONNECTION_ERROR,
      );
    }
    return peer;
  }

  /** MultiplayerAPI.rpc(peer, object, method, arguments): 0 = everyone, −X = all but X. */
  rpc(peer: number, node: RpcNode | string, method: string, args: readonly Variant[] = []): void {
    if (!this.#peer) {
      throw new RpcError4(
        "no-multiplayer-peer",
        "Trying to call an RPC while no multiplayer peer is active.",
        GodotError.ERR_UNCONFIGURED,
      );
    }
    const n = typeof node === "string" ? this.getNode(node) : node;
    if (!n || n.multiplayer !== this) {
      throw new RpcError4(
        "unknown-node",
        `The object must be a valid Node inside the SceneTree (no node declared at ${typeof node === "string" ? `"${node}"` : `"${node.path}" in this SceneMultiplayer`}).`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    this.requirePeer("call an RPC");
    this.sendFailure = null;
    this.rpcInterface().rpcp(n, peer, method, args);
    this.throwSendFailure();
  }

  /** SceneMultiplayer.send_bytes: a RAW packet, `peer_packet` on the other side. */
  sendBytes(bytes: Uint8Array, id = 0, mode = TRANSFER_RELIABLE, channel = 0): void {
    if (bytes.length === 0) {
      throw new RpcError4(
        "empty-raw-packet",
        "Trying to send an empty raw packet.",
        GodotError.ERR_INVALID_DATA,
      );
    }
    this.requirePeer("send a raw packet");
    const w = this.#host.writer;
    w.pos = PACKET_START;
    w.u8(NetworkCommand.RAW);
    w.bytes(bytes);
    this.#host.setTransfer(mode, channel);
    this.sendFailure = null;
    const err = this.sendCommand(id, w.pos);
    if (err === GodotError.ERR_BUG) {
      throw new RpcError4(
        "unknown-peer",
        `Condition "!connected_peers.has(p_to)" is true (peer ${id}).`,
        err,
      );
    }
    this.throwSendFailure();
    const m = this.rawStats();
    m.callsOut++;
    m.bytesOut += bytes.length + 1;
  }

  /** SceneMultiplayer.send_auth: `07 00 <data>` to a peer still authenticating. */
  sendAuth(id: number, data: Uint8Array): void {
    const pending = this.authChecks(id, "send_auth");
    if (data.length === 0) {
      throw new RpcError4(
        "auth-refused",
        'Condition "p_data.is_empty()" is true.',
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    if (pending.local) {
      throw new RpcError4(
        "auth-refused",
        "The authentication session was previously marked as completed, no more authentication data can be sent.",
        GodotError.ERR_FILE_CANT_WRITE,
      );
    }
    if (pending.remote) {
      throw new RpcError4(
        "auth-refused",
        "The remote peer notified that the authentication session was completed, no more authentication data can be sent.",
        GodotError.ERR_FILE_CANT_WRITE,
      );
    }
    const packet = new Uint8Array(2 + data.length);
    packet[0] = NetworkCommand.SYS;
    packet[1] = SysCommand.AUTH;
    packet.set(data, 2);
    this.sendFailure = null;
    this.putTo(id, packet, TRANSFER_RELIABLE, 0);
    this.throwSendFailure();
  }

  /** SceneMultiplayer.complete_auth: our side is done (`07 00`); admitted once both sides are. */
  completeAuth(id: number): void {
    const pending = this.authChecks(id, "complete_auth");
    if (pending.local) {
      throw new RpcError4(
        "auth-refused",
        "The authentication session was already marked as completed.",
        GodotError.ERR_FILE_CANT_WRITE,
      );
    }
    pending.local = true;
    this.sendFailure = null;
    this.putTo(id, Uint8Array.of(NetworkCommand.SYS, SysCommand.AUTH), TRANSFER_RELIABLE, 0);
    // Admitting may send packets: after the confirmation, as Godot does.
    if (pending.remote) {
      this.pending?.delete(id);
      this.admitPeer(id);
    }
    this.throwSendFailure();
  }

  private authChecks(id: number, what: string): PendingPeer {
    const peer = this.#peer;
    if (!peer || peer.getConnectionStatus() !== ConnectionStatus.CONNECTED) {
      throw new RpcError4(
        "not-connected",
        `${what}: Condition "multiplayer_peer.is_null() || multiplayer_peer->get_connection_status() != MultiplayerPeer::CONNECTION_CONNECTED" is true.`,
        GodotError.ERR_UNCONFIGURED,
      );
    }
    const pending = this.pending?.get(id);
    if (!pending) {
      throw new RpcError4(
        "auth-refused",
        `${what}: Condition "!pending_peers.has(${id})" is true.`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    return pending;
  }

  /** SceneMultiplayer.disconnect_peer: forget the peer without peer_disconnected, then drop it. */
  disconnectPeer(id: number): void {
    const peer = this.#peer;
    if (!peer || peer.getConnectionStatus() !== ConnectionStatus.CONNECTED) return;
    const blocking = (this.#flags & BLOCK_SIGNALS) !== 0;
    this.#flags |= BLOCK_SIGNALS;
    try {
      this.delPeer(id);
    } finally {
      this.setFlag(BLOCK_SIGNALS, blocking);
    }
    peer.disconnectPeer(id);
  }

  private throwSendFailure(): void {
    const f = this.sendFailure;
    if (!f) return;
    this.sendFailure = null;
    throw new RpcError4(
      "send-failed",
      `The multiplayer peer refused the packet (Godot error ${f.error})${f.message}`,
      f.error,
    );
  }

  /** SceneMultiplayer::send_command for writer.buf[PACKET_START, end). */
  private sendCommand(to: number, end: number): GodotError {
    const peer = this.#peer;
    if (!peer) return GodotError.ERR_UNCONFIGURED;
    const w = this.#host.writer;
    if (this.serverRelay && peer.getUniqueId() !== 1 && to !== 1 && peer.isServerRelaySupported()) {
      // To another client (or several): wrapped for the server to relay.
      const b = w.buf;
      b[0] = NetworkCommand.SYS;
      b[1] = SysCommand.RELAY;
      putU32(b, 2, to);
      peer.setTargetPeer(1);
      return this.put(peer, 1, w.take(0, end));
    }
    if (to > 0) {
      if (!this.#connected.has(to)) return GodotError.ERR_BUG;
      peer.setTargetPeer(to);
      return this.put(peer, to, w.take(PACKET_START, end));
    }
    const packet = w.take(PACKET_START, end);
    for (const id of this.#connected) {
      if (to !== 0 && id === -to) continue;
      peer.setTargetPeer(id);
      this.put(peer, id, packet);
    }
    return GodotError.OK;
  }

  /** A packet straight to one peer (auth, ADD/DEL_PEER, relayed packets): Godot's _send. */
  private putTo(id: number, packet: Uint8Array, mode: number, channel: number): GodotError {
    const peer = this.#peer;
    if (!peer) return GodotError.ERR_UNCONFIGURED;
    peer.transferMode = mode as MultiplayerPeer["transferMode"];
    peer.transferChannel = channel;
    peer.setTargetPeer(id);
    return this.put(peer, id, packet);
  }

  private put(peer: MultiplayerPeer, to: number, packet: Uint8Array): GodotError {
    const err = peer.putPacket(packet);
    if (err !== GodotError.OK) {
      this.stats.sendErrors++;
      // A full buffer or a packet too big is the caller's to fix: the API call that sent it throws.
      if (err === GodotError.ERR_OUT_OF_MEMORY || err === GodotError.ERR_INVALID_PARAMETER) {
        const why = peer.lastError?.message;
        this.sendFailure ??= { error: err, message: why ? `: ${why}` : "." };
      }
      return err;
    }
    this.#stats ??= new Stats4();
    this.#stats.countOut(to, packet.length);
    return err;
  }

  // ---- receiving ----

  private drain(): void {
    if ((this.#flags & PROCESSING) !== 0) return; // a handler that polls must not re-enter
    this.#flags |= PROCESSING;
    try {
      for (;;) {
        const peer = this.#peer;
        if (!peer || peer.getAvailablePacketCount() === 0) break;
        const sender = peer.getPacketPeer();
        const channel = peer.getPacketChannel();
        const mode = peer.getPacketMode();
        const packet = peer.getPacket();
        if (!packet) break;
        this.processOne(sender, packet, mode, channel);
        // Processing may have closed the connection.
        this.updateStatus();
        if (this.lastStatus !== ConnectionStatus.CONNECTED) break;
      }
    } finally {
      this.#flags &= ~PROCESSING;
    }
  }

  private processOne(sender: number, p: Uint8Array, mode: number, channel: number): void {
    const len = p.length;
    this.#stats ??= new Stats4();
    this.#stats.countIn(sender, len);
    const pending = this.pending?.get(sender);
    if (pending) {
      if (len < 2 || ((p[0] as number) & CMD_MASK) !== NetworkCommand.SYS || p[1] !== SysCommand.AUTH) {
        this.drop(
          sender,
          "pending-peer",
          'Condition "len < 2 || (packet[0] & CMD_MASK) != NETWORK_COMMAND_SYS || packet[1] != SYS_COMMAND_AUTH" is true. Continuing.',
        );
        return;
      }
      if (len > 2) {
        const cb = this.authCallback;
        if (!cb) {
          this.drop(sender, "pending-peer", "Failed to call authentication callback");
          return;
        }
        try {
          const r = cb(sender, copyBytes(p, 2));
          if (r instanceof Promise) this.settle(r, "", "auth_callback", sender);
        } catch (err) {
          this.scriptError(err, "", "auth_callback", sender);
        }
        return;
      }
      // The remote side has completed.
      pending.remote = true;
      if (pending.local) {
        this.pending?.delete(sender);
        this.admitPeer(sender);
      }
      return;
    }
    if (!this.#connected.has(sender)) {
      this.drop(sender, "unknown-peer", 'Condition "!connected_peers.has(sender)" is true. Continuing.');
      return;
    }
    if (len > 0 && ((p[0] as number) & CMD_MASK) === NetworkCommand.SYS) {
      if (len > 1 && p[1] === SysCommand.AUTH) {
        // A late "completed" notice is fine; auth data from an admitted peer is not.
        if (len !== 2) this.drop(sender, "auth-after-admit", 'Condition "len != 2" is true. Continuing.');
        return;
      }
      this.processSys(sender, p, mode, channel);
      return;
    }
    this.remoteSenderId = sender;
    try {
      this.processPacket(sender, p);
    } finally {
      this.remoteSenderId = 0;
    }
  }

  private processPacket(from: number, p: Uint8Array): void {
    if (p.length < 1) {
      this.drop(from, "too-short", "Invalid packet received. Size too small.");
      return;
    }
    const command = (p[0] as number) & CMD_MASK;
    switch (command) {
      case NetworkCommand.REMOTE_CALL:
        this.rpcInterface().processRpc(from, p);
        return;
      case NetworkCommand.SIMPLIFY_PATH:
        this.cacheInterface().processSimplifyPath(from, p);
        return;
      case NetworkCommand.CONFIRM_PATH:
        this.cacheInterface().processConfirmPath(from, p);
        return;
      case NetworkCommand.RAW: {
        if (p.length < 2) {
          this.drop(from, "too-short", "Invalid packet received. Size too small.");
          return;
        }
        const m = this.rawStats();
        m.callsIn++;
        m.bytesIn += p.length;
        this.emitSignal("peer_packet", from, copyBytes(p, 1));
        return;
      }
      case NetworkCommand.SPAWN:
        this.replication.onSpawnReceive(from, p);
        return;
      case NetworkCommand.DESPAWN:
        this.replication.onDespawnReceive(from, p);
        return;
      case NetworkCommand.SYNC:
        this.replication.onSyncReceive(from, p);
        return;
      default:
        // SYS inside a relay.
        this.drop(from, "unknown-command", `Invalid network command from ${from}`);
    }
  }

  private processSys(from: number, p: Uint8Array, mode: number, channel: number): void {
    const len = p.length;
    if (len < SYS_CMD_SIZE) {
      this.drop(from, "too-short", "Invalid packet received. Size too small.");
      return;
    }
    const peer = this.#peer;
    if (!peer) return;
    const relay = this.serverRelay && peer.isServerRelaySupported();
    const self = peer.getUniqueId();
    let target = getI32(p, 2);
    switch (p[1]) {
      case SysCommand.ADD_PEER:
      case SysCommand.DEL_PEER:
        if (!relay || self === 1 || from !== 1) {
          this.drop(
            from,
            "sys-peer-refused",
            'Condition "!server_relay || !multiplayer_peer->is_server_relay_supported() || get_unique_id() == 1 || p_from != 1" is true.',
          );
          return;
        }
        if (p[1] === SysCommand.ADD_PEER) this.admitPeer(target);
        else this.delPeer(target);
        return;
      case SysCommand.RELAY: {
        if (!relay) {
          this.drop(
            from,
            "relay-disabled",
            'Condition "!server_relay || !multiplayer_peer->is_server_relay_supported()" is true.',
          );
          return;
        }
        if (len < SYS_CMD_SIZE + 1) {
          this.drop(from, "too-short", 'Condition "p_packet_len < SYS_CMD_SIZE + 1" is true.');
          return;
        }
        const inner = p.subarray(SYS_CMD_SIZE);
        let process = false;
        if (self === 1) {
          // The target may have left while the packet was on its way: Godot drops it silently.
          if (target > 0 && !this.#connected.has(target)) {
            this.drop(from, "relay-unknown-target", "");
            return;
          }
          const w = this.#host.writer;
          w.pos = PACKET_START;
          w.u8(NetworkCommand.SYS);
          w.u8(SysCommand.RELAY);
          w.u32(from); // the source, in place of the destination
          w.bytes(inner);
          const packet = w.take(PACKET_START, w.pos);
          if (target > 0) {
            this.putTo(target, packet, mode, channel);
          } else {
            peer.transferMode = mode as MultiplayerPeer["transferMode"];
            peer.transferChannel = channel;
            for (const id of this.#connected) {
              if (id === from || id === -target) continue;
              peer.setTargetPeer(id);
              this.put(peer, id, packet);
            }
            // The server is one of the targets unless excluded (−1).
            if (target !== -1) {
              process = true;
              target = from;
            }
          }
        } else {
          if (from !== 1) {
            this.drop(from, "relay-not-from-server", 'Condition "p_from != 1" is true.');
            return;
          }
          process = true;
        }
        if (process) {
          this.remoteSenderId = target;
          try {
            this.processPacket(target, inner);
          } finally {
            this.remoteSenderId = 0;
          }
        }
        return;
      }
      default:
        this.drop(from, "unknown-sys-command", "Method/function failed.");
    }
  }

  // ---- peers and authentication ----

  private addPeer(id: number): void {
    if (this.authCallback) {
      this.pending ??= new Map();
      this.pending.set(id, { local: false, remote: false, time: this.#cfg.clock() });
      this.emitSignal("peer_authenticating", id);
      this.armAuthTimer();
      return;
    }
    this.admitPeer(id);
  }

  private admitPeer(id: number): void {
    const peer = this.#peer;
    if (peer && this.serverRelay && peer.getUniqueId() === 1 && peer.isServerRelaySupported()) {
      // Tell the others about the newcomer (one packet for all), and the newcomer about the others.
      const announce = sysPacket(SysCommand.ADD_PEER, id);
      for (const other of this.#connected) {
        this.putTo(other, announce, TRANSFER_RELIABLE, 0);
        this.putTo(id, sysPacket(SysCommand.ADD_PEER, other), TRANSFER_RELIABLE, 0);
      }
    }
    const connected = this.#connected;
    if (connected instanceof ConnectedPeers && peer) connected.setSelf(peer.getUniqueId());
    connected.add(id);
    this.#replication?.onPeerChange(id, true);
    if (id === 1) this.emitSignal("connected_to_server");
    this.emitSignal("peer_connected", id);
  }

  private delPeer(id: number): void {
    if (this.pending?.delete(id)) {
      this.#stats?.forgetPeer(id);
      this.emitSignal("peer_authentication_failed", id);
      return;
    }
    if (!this.#connected.has(id)) return;
    const peer = this.#peer;
    if (peer && this.serverRelay && peer.getUniqueId() === 1 && peer.isServerRelaySupported()) {
      const gone = sysPacket(SysCommand.DEL_PEER, id);
      for (const other of this.#connected) {
        if (other !== id) this.putTo(other, gone, TRANSFER_RELIABLE, 0);
      }
    }
    this.#replication?.onPeerChange(id, false);
    this.cacheI?.onPeerGone(id);
    this.#connected.delete(id);
    this.#stats?.forgetPeer(id);
    this.emitSignal("peer_disconnected", id);
  }

  private checkAuthTimeouts(): void {
    const pending = this.pending;
    const timeout = this.#cfg.authTimeoutMs;
    if (!pending || pending.size === 0 || timeout === 0) return;
    const now = this.#cfg.clock();
    const late: number[] = [];
    for (const [id, p] of pending) if (p.time + timeout <= now) late.push(id);
    for (const id of late) this.#peer?.disconnectPeer(id);
    for (const id of late) {
      // Each signal might trigger a disconnection.
      if (!pending.delete(id)) continue;
      this.#stats?.forgetPeer(id);
      this.emitSignal("peer_authentication_failed", id);
    }
    this.armAuthTimer();
  }

  /** Event style: nobody polls, so a timer checks authentication deadlines (only while some are pending). */
  private armAuthTimer(): void {
    if (!this.autoProcess || this.authTimer || this.#cfg.authTimeoutMs === 0) return;
    const pending = this.pending;
    if (!pending || pending.size === 0) return;
    let first = Number.POSITIVE_INFINITY;
    for (const p of pending.values()) first = Math.min(first, p.time);
    const wait = Math.max(0, first + this.#cfg.authTimeoutMs - this.#cfg.clock());
    this.authTimer = setTimeout(() => {
      this.authTimer = null;
      this.checkAuthTimeouts();
    }, wait);
    this.authTimer.unref?.();
  }

  // ---- handlers, events, counters ----

  private invoke(node: RpcNode, method: RpcMethod, args: Variant[], sender: number): void {
    const saved = this.remoteSenderOverride;
    if (sender) this.remoteSenderOverride = sender;
    const from = this.getRemoteSenderId();
    try {
      const observer = this.onRpcReceived;
      if (observer && !sender) {
        try {
          observer(node, method.name, args, from);
        } catch (err) {
          this.scriptError(err, node.path, method.name, from);
        }
      }
      const handler = node.getHandler(method.name);
      if (handler) {
        try {
          const r = handler(...args);
          if (r instanceof Promise) this.settle(r, node.path, method.name, from);
        } catch (err) {
          this.scriptError(err, node.path, method.name, from);
        }
      }
    } finally {
      this.remoteSenderOverride = saved;
    }
  }

  /** An async handler's rejection is a script error too. */
  private settle(r: Promise<unknown>, path: string, method: string, from: number): void {
    r.catch((err: unknown) => this.scriptError(err, path, method, from));
  }

  private scriptError(err: unknown, path: string, method: string, from: number): void {
    this.stats.scriptErrors++;
    if (this.observer || this.listenerCount("script_error") > 0) {
      try {
        const where = { path, method, from };
        this.observer?.observe("script_error", [err, where]);
        if (this.listenerCount("script_error") > 0) this.emit("script_error", err, where);
        return;
      } catch {
        // A throwing script_error listener: fall through to the warning.
      }
    }
    process.emitWarning(
      `${path ? `${this.#rootPath}/${path}:` : ""}${method} threw: ${String(err)}`,
      "GodotPeerScriptError",
    );
  }

  /** Emits a signal; a listener that throws is a script error, never an exception in the caller. */
  private emitSignal<K extends keyof SceneMultiplayerEvents>(
    signal: K,
    ...args: SceneMultiplayerEvents[K]
  ): void {
    if ((this.#flags & BLOCK_SIGNALS) !== 0) return;
    if (this.observer) {
      try {
        this.observer.observe(signal, args);
      } catch (err) {
        this.scriptError(err, "", signal, 0);
      }
    }
    // A bot's SceneMultiplayer has its observer and no listeners: no callback made for it.
    if (this.listenerCount(signal) === 0) return;
    this.activeOf().emitting = signal;
    this.onListenerError ??= (err: unknown): void =>
      this.scriptError(err, "", String((this.#active as Active).emitting), 0);
    this.emitCatching(signal, args, this.onListenerError);
  }

  private drop(
    from: number,
    reason: SceneDropReason4,
    message: string,
    path?: string,
    method?: string,
  ): void {
    const dropped = this.stats.dropped;
    dropped.set(reason, (dropped.get(reason) ?? 0) + 1);
    if (this.listenerCount("packet_dropped") === 0 && !this.observer) return;
    this.emitSignal("packet_dropped", {
      from,
      reason,
      message,
      ...(path !== undefined ? { path } : {}),
      ...(method !== undefined ? { method } : {}),
    });
  }

  private methodStats(node: RpcNode, method: RpcMethod): MethodStats {
    // By table entry: the tables of a manifest are shared by every SceneMultiplayer of the process.
    this.statsOf ??= new Map();
    const known = this.statsOf.get(method);
    if (known) return known;
    const key = `${node.declaredAs}:${method.name}`;
    const byMethod = this.stats.byMethod;
    let m = byMethod.get(key);
    if (!m) {
      m = { callsIn: 0, callsOut: 0, bytesIn: 0, bytesOut: 0 };
      byMethod.set(key, m);
    }
    this.statsOf.set(method, m);
    return m;
  }

  private rawStats(): MethodStats {
    const byMethod = this.stats.byMethod;
    let m = byMethod.get(RAW_KEY);
    if (!m) {
      m = { callsIn: 0, callsOut: 0, bytesIn: 0, bytesOut: 0 };
      byMethod.set(RAW_KEY, m);
    }
    return m;
  }
}

function sysPacket(command: number, id: number): Uint8Array {
  const b = new Uint8Array(SYS_CMD_SIZE);
  b[0] = NetworkCommand.SYS;
  b[1] = command;
  putU32(b, 2, id);
  return b;
}
