/**
 * The Godot 4 dialect of a bot: a WebSocketMultiplayerPeer4 and a SceneMultiplayer over the
 * connection the bot opened, the neutral rpc access mapped onto Godot 4's rpc_mode / call_local,
 * the auth exchange, and the RPC manifest (method ids are indices into each node's sorted names,
 * so a bot must know every name of a node it talks to: from a manifest, or declared in code).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  type MultiplayerPeerHandlers,
  WebSocketMultiplayerPeer4,
  type WebSocketMultiplayerPeer4Options,
} from "../../multiplayer/index.js";
import {
  type DroppedPacket4,
  type ManifestError,
  type MethodStats4,
  NetworkCommand4,
  type ReplicationStats,
  type RpcConfig,
  type RpcDeclaration,
  RpcError4,
  type RpcManifest,
  RpcMode4,
  type RpcNode,
  SceneMultiplayer,
  type SceneMultiplayerEvents,
  type SceneMultiplayerObserver,
  SysCommand,
} from "../../scene/index.js";
import type { Variant } from "../../variant/index.js";
import { ConnectError, ConnectionStatus, GodotError, type WebSocketClient } from "../../websocket/index.js";
import type { BotDialect, BotRpcConfig, BotRpcDeclaration, DialectHost } from "../dialect.js";
import type { Godot4Bot } from "./bot.js";

/** Godot 4's own forms of a declaration: MultiplayerAPI.RPCMode, or an rpc_config() dictionary. */
export type Mode4 = RpcMode4 | Partial<RpcConfig>;

/**
 * The full auth exchange: called with null when the server starts authenticating us (Godot's
 * peer_authenticating(1)), then with each auth packet the server sends (auth_callback). It
 * answers with bot.sendAuth(…) and, when our side is done, bot.completeAuth().
 */
export type AuthExchange = (bot: Godot4Bot, data: Uint8Array | null) => unknown;

/**
 * SceneMultiplayer authentication from the bot's side. A token (string: its UTF-8 bytes) is sent
 * with send_auth and our side completed at once, as most games' clients do; an AuthExchange runs
 * the whole exchange. The join completes when both sides have completed; a server that refuses
 * (or lets auth_timeout pass) fails connect() with reason "auth-failed".
 */
export type Godot4Auth = string | Uint8Array | { readonly token: string | Uint8Array } | AuthExchange;

/** What a Godot 4 bot takes beyond BotOptions. */
export interface Godot4Options {
  /**
   * The game's RPC manifest (`godot-peer manifest`), or the path of its JSON file (read once per
   * process). Nodes it lacks may be declared in code (Godot4Bot.declareNode, handle()).
   */
  readonly manifest?: RpcManifest | string;
  /** Authenticate (SceneMultiplayer.auth_callback on our side): a token or the full exchange. */
  readonly auth?: Godot4Auth;
  /** SceneMultiplayer.auth_timeout on our side, in seconds (default 3, Godot's; 0: never). */
  readonly authTimeout?: number;
  /** The multiplayer peer's limits (inbound_buffer_size …), as WebSocketMultiplayerPeer4 takes them. */
  readonly peer?: Pick<
    WebSocketMultiplayerPeer4Options,
    "inboundBufferSize" | "outboundBufferSize" | "maxQueuedPackets" | "serverInboundBufferSize"
  >;
}

const RPC_MODE_NAMES: Readonly<Record<RpcMode4, RpcConfig["rpc_mode"]>> = {
  [RpcMode4.DISABLED]: "disabled",
  [RpcMode4.ANY_PEER]: "any_peer",
  [RpcMode4.AUTHORITY]: "authority",
};

/**
 * The Godot 4 config of a declaration: any_peer / authority as they are (call_local from
 * callLocal, default false); a MultiplayerAPI.RPCMode number; an rpc_config() dictionary as given.
 * Only what the declaration says is returned (transfer mode and channel stay the manifest's).
 */
export function godot4Config(mode: BotRpcDeclaration<Mode4>): Partial<RpcConfig> {
  if (typeof mode === "number") {
    const name = RPC_MODE_NAMES[mode];
    if (name === undefined) throw new RangeError(`not a Godot 4 rpc mode: ${mode}`);
    return { rpc_mode: name };
  }
  if (typeof mode === "object" && mode !== null && !("access" in mode)) return mode;
  const config: BotRpcConfig = typeof mode === "string" ? { access: mode } : mode;
  if (config.access !== "any_peer" && config.access !== "authority") {
    throw new RangeError(
      `rpc access must be "any_peer" or "authority" (or a Godot 4 RpcMode4 / rpc config), not ${JSON.stringify(config.access)}`,
    );
  }
  return { rpc_mode: config.access, call_local: config.callLocal ?? false };
}

/** Manifests read from files, by absolute path: a swarm of bots reads each file once. */
const MANIFESTS = new Map<string, RpcManifest>();

/** The manifest of an option: as given, or read (and checked to be one) from its JSON file. */
export function loadManifest(manifest: RpcManifest | string): RpcManifest {
  if (typeof manifest !== "string") return manifest;
  const path = resolve(manifest);
  const known = MANIFESTS.get(path);
  if (known) return known;
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new RangeError(`cannot read the RPC manifest ${manifest}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const m = parsed as Partial<RpcManifest> | null;
  if (
    typeof m !== "object" ||
    m === null ||
    m.format !== "godot-peer-rpc-manifest" ||
    m.version !== 1 ||
    typeof m.nodes !== "object" ||
    m.nodes === null
  ) {
    throw new RangeError(
      `${manifest} is not an RPC manifest (format "godot-peer-rpc-manifest", version 1, nodes): make one with \`godot-peer manifest\``,
    );
  }
  MANIFESTS.set(path, m as RpcManifest);
  return m as RpcManifest;
}

/** The packets a joining bot processes at once: AUTH, ADD_PEER, DEL_PEER (the rest waits for its handlers). */
function isJoinPacket(p: Uint8Array): boolean {
  return (
    p.length >= 2 && ((p[0] as number) & 7) === NetworkCommand4.SYS && (p[1] as number) <= SysCommand.DEL_PEER
  );
}

/**
 * The bot's WebSocketMultiplayerPeer4: until the bot's handlers are declared (connect() resolved
 * and its caller ran to its first await), only the join's packets are handed to SceneMultiplayer;
 * the server's first calls wait, in order, instead of running with no handler.
 */
class BotPeer4 extends WebSocketMultiplayerPeer4 {
  held = true;
  override getAvailablePacketCount(): number {
    const n = super.getAvailablePacketCount();
    if (!this.held || n === 0) return n;
    const next = this.peekPacket();
    return next && isJoinPacket(next) ? n : 0;
  }
}

/** SceneMultiplayer.multiplayer_peer must be connecting when set: set it as adoptClient makes it so. */
class Attach implements MultiplayerPeerHandlers {
  constructor(
    readonly peer: BotPeer4,
    readonly mp: SceneMultiplayer,
  ) {}
  peer_connected(): void {}
  peer_disconnected(): void {}
  peer_packet(): void {}
  connection_status_changed(status: ConnectionStatus): void {
    if (status !== ConnectionStatus.CONNECTING || this.mp.multiplayerPeer) return;
    this.mp.multiplayerPeer = this.peer;
    this.peer.unsubscribe(this);
  }
}

const HAS_MANIFEST = 1;
const JOINED = 2;
const CLOSED = 4;
const AUTHENTICATING = 8;
const AUTH_FAILED = 16;

const utf8 = new TextEncoder();
const bytesOf = (data: string | Uint8Array): Uint8Array =>
  typeof data === "string" ? utf8.encode(data) : data;

export class Godot4Dialect implements BotDialect<Mode4>, SceneMultiplayerObserver {
  get godot(): 4 {
    return 4;
  }
  readonly peer: WebSocketMultiplayerPeer4;
  readonly multiplayer: SceneMultiplayer;
  /** The bot this dialect serves (an AuthExchange gets it); set by Godot4Bot. */
  bot: Godot4Bot | null = null;
  /**
   * Until the join completes: the connection (until greet() hands it to the peer) and the auth
   * option (until the exchange is over); null after (a joined bot keeps neither).
   */
  #joining: { client: WebSocketClient | null; readonly auth: Godot4Auth | undefined } | null;
  /** The bot's side; it keeps the opening's times, which the peer takes as they are (no copy). */
  readonly #host: DialectHost;
  /** HAS_MANIFEST, JOINED, CLOSED, AUTHENTICATING, AUTH_FAILED: one number, not a field each. */
  #flags = 0;
  #manifestErrors = 0;

  constructor(
    client: WebSocketClient,
    options: Godot4Options & { readonly style?: "event" | "tick" },
    host: DialectHost,
  ) {
    this.#joining = { client, auth: options.auth };
    this.#host = host;
    this.peer = new BotPeer4({ ...options.peer, autoPoll: (options.style ?? "event") === "event" });
    const manifest = options.manifest === undefined ? undefined : loadManifest(options.manifest);
    if (manifest !== undefined) this.#flags |= HAS_MANIFEST;
    // Processing on arrival while joining (auth, ADD_PEERs); the peer holds every other packet.
    const mp = new SceneMultiplayer({ ...(manifest ? { manifest } : {}), autoProcess: true });
    this.multiplayer = mp;
    if (options.authTimeout !== undefined) mp.authTimeout = options.authTimeout;
    const auth = options.auth;
    if (auth !== undefined) {
      if (typeof auth !== "function") {
        const token = typeof auth === "object" && !(auth instanceof Uint8Array) ? auth.token : auth;
        if (bytesOf(token).length === 0)
          throw new RangeError("auth: an empty token (send_auth refuses empty data)");
      }
      mp.authCallback =
        typeof auth === "function" ? (_peer, data) => auth(this.requireBot(), data) : () => undefined;
    }
    // One observer (this dialect), not a listener per signal: a swarm makes no closures per bot.
    mp.observer = this;
  }

  /** SceneMultiplayerObserver: the signals the bot turns into its own events and join state. */
  observe<K extends keyof SceneMultiplayerEvents>(signal: K, args: SceneMultiplayerEvents[K]): void {
    const host = this.#host;
    switch (signal) {
      case "connected_to_server":
        this.#flags |= JOINED;
        this.#joining = null;
        host.joined();
        return;
      case "peer_authenticating":
        this.onAuthenticating(args[0] as number);
        return;
      case "peer_authentication_failed":
        if (args[0] === 1) this.#flags |= AUTH_FAILED;
        return;
      case "connection_failed":
      case "server_disconnected":
        this.onClosed();
        return;
      case "peer_connected":
        host.peerConnected(args[0] as number);
        return;
      case "peer_disconnected":
        host.peerDisconnected(args[0] as number);
        return;
      case "peer_packet":
        host.raw(args[0] as number, args[1] as Uint8Array);
        return;
      case "packet_dropped": {
        const d = args[0] as DroppedPacket4;
        host.dropped(d.reason, d.message);
        return;
      }
      case "manifest_error":
        this.#manifestErrors++;
        host.manifestError(args[0] as ManifestError);
        return;
      case "script_error": {
        const where = args[1] as SceneMultiplayerEvents["script_error"][1];
        host.scriptError(args[0], { path: where.path, name: where.method, from: where.from });
        return;
      }
    }
  }

  private requireBot(): Godot4Bot {
    if (!this.bot) throw new Error("unreachable: a Godot 4 dialect without its bot");
    return this.bot;
  }

  private onAuthenticating(id: number): void {
    if (id !== 1) return;
    this.#flags |= AUTHENTICATING;
    const auth = this.#joining?.auth;
    if (auth === undefined) return;
    if (typeof auth === "function") {
      auth(this.requireBot(), null);
      return;
    }
    const token = typeof auth === "object" && !(auth instanceof Uint8Array) ? auth.token : auth;
    this.multiplayer.sendAuth(1, bytesOf(token));
    this.multiplayer.completeAuth(1);
  }

  private onClosed(): void {
    if (this.#flags & CLOSED) return;
    this.#flags |= CLOSED;
    this.#joining = null;
    const last = this.peer.lastClose;
    const info = last?.info ?? null;
    const error = last?.error instanceof ConnectError ? last.error : null;
    const joined = (this.#flags & JOINED) !== 0;
    if (!joined && (this.#flags & AUTHENTICATING) !== 0) {
      this.#host.closed(info, error, {
        reason: "auth-failed",
        message:
          this.#flags & AUTH_FAILED
            ? `the authentication did not complete within auth_timeout (${this.multiplayer.authTimeout} s)`
            : `the server ended the connection during authentication${info ? ` (${info.code}${info.reason ? ` ${info.reason}` : ""})` : ""}`,
      });
      return;
    }
    if (!joined && last?.error && !error) {
      // A bad greeting, a handshake timeout: the peer's own error, by its reason.
      const reason = (last.error as { reason?: string }).reason ?? "closed";
      this.#host.closed(info, null, { reason, message: last.error.message });
      return;
    }
    this.#host.closed(info, error);
  }

  greet(first: Uint8Array): void {
    const joining = this.#joining;
    const client = joining?.client ?? null;
    if (joining === null || client === null) throw new Error("unreachable: a Godot 4 dialect greeted twice");
    // Without auth nothing of the join is needed past the greeting.
    if (joining.auth === undefined) this.#joining = null;
    else joining.client = null;
    const peer = this.peer;
    peer.subscribe(new Attach(peer as BotPeer4, this.multiplayer));
    const err = peer.adoptClient(client, first, this.#host);
    if (err !== GodotError.OK) {
      this.#flags |= CLOSED;
      this.#host.closed(null, null, {
        reason: "closed",
        message: `adoptClient failed: ${peer.lastError?.message ?? err}`,
      });
    }
  }

  get id(): number {
    return this.multiplayer.getUniqueId();
  }

  get peers(): number[] {
    return this.multiplayer.getPeers().sort((a, b) => a - b);
  }

  get senderId(): number {
    return this.multiplayer.getRemoteSenderId();
  }

  /** Manifest checks that failed (SIMPLIFY_PATH checksums, unknown nodes). */
  get manifestErrors(): number {
    return this.#manifestErrors;
  }

  node(path: string): RpcNode {
    return this.multiplayer.getNode(path) ?? this.multiplayer.node(path);
  }

  /**
   * Does the bot run `path.method` (a handler of its own is attached)? A name the manifest
   * declares is not enough: the bot's declare() attaches its handler (and waits) to it.
   */
  declares(path: string, method: string): boolean {
    return this.multiplayer.getNode(path)?.getHandler(method) !== undefined;
  }

  /**
   * The rule of names: a node's method ids are indices into ALL its sorted names, so
   * - a method the manifest (or declareNode) declares keeps that config: it is the game's
   *   `@rpc` line, which the mode given here does not change (declareNode does);
   * - a node the manifest has takes only its names (another one is an error naming them);
   * - a node declared in code gains the name, with the mode given, until its first RPC
   *   (after it, ids are fixed).
   * A partial list of a node's names is caught at the first SIMPLIFY_PATH either way (a
   * manifest_error: the checksum differs), never silently.
   */
  declare(
    path: string,
    method: string,
    mode: BotRpcDeclaration<Mode4>,
    run: (...args: Variant[]) => unknown,
  ): void {
    const config = godot4Config(mode);
    let node = this.multiplayer.getNode(path);
    if (!node?.config.byName(method)) {
      if ((this.#flags & HAS_MANIFEST) !== 0 && !node?.fromManifest && !node?.config.names.length) {
        throw new RangeError(
          `no node ${path} in the manifest: if the game makes it at run time, declare it with every RPC name it has (declareNode)`,
        );
      }
      if (node?.fromManifest) {
        throw new RangeError(
          `"${method}" is not an RPC of ${node.path} in the manifest (its names: ${node.config.names.join(", ") || "none"}): ` +
            "method ids come from every name of the node, so a name the game lacks cannot be called or answered",
        );
      }
      const rpcs: Record<string, Partial<RpcConfig>> = {};
      const nodeRpcs: Record<string, Partial<RpcConfig>> = {};
      for (const m of node?.config.script ?? []) rpcs[m.name] = m.config;
      for (const m of node?.config.node ?? []) nodeRpcs[m.name] = m.config;
      rpcs[method] = config;
      node = this.redeclare(path, node, { rpcs, node_rpcs: nodeRpcs });
    }
    node.onRpc(method, run);
  }

  /** Declares the node at `path` in code with every name it has (Godot4Bot.declareNode). */
  declareNode(path: string, declaration: RpcDeclaration): RpcNode {
    return this.redeclare(path, this.multiplayer.getNode(path), declaration);
  }

  private redeclare(path: string, old: RpcNode | null, declaration: RpcDeclaration): RpcNode {
    if (old?.used) {
      throw new RangeError(
        `${old.path}: its RPC table is fixed after its first RPC (Godot keeps the table it built first); declare every name before the first call`,
      );
    }
    const node = this.multiplayer.node(path, declaration);
    if (old) {
      node.setMultiplayerAuthority(old.getMultiplayerAuthority());
      for (const name of old.config.names) {
        const h = old.getHandler(name);
        if (h && node.config.byName(name)) node.onRpc(name, h);
      }
    }
    return node;
  }

  call(to: number, path: string, method: string, args: readonly Variant[]): void {
    const node = this.multiplayer.getNode(path);
    // Unknown, or only looked at (node() gives a node with no RPCs): its ids are unknown.
    if (!node || (!node.fromManifest && node.config.names.length === 0)) {
      throw new RpcError4(
        "unknown-node",
        `no node ${path} ${(this.#flags & HAS_MANIFEST) !== 0 ? "in the manifest, nor declared in code" : "declared (no manifest given: declare its names with declareNode or handle)"}: its method ids are unknown`,
        GodotError.ERR_INVALID_PARAMETER,
      );
    }
    this.multiplayer.rpc(to, node, method, args);
  }

  sendBytes(bytes: Uint8Array, to: number): void {
    this.multiplayer.sendBytes(bytes, to);
  }

  /** Tick style: the first poll ends the join's processing on arrival (from now on only poll() runs packets). */
  poll(): void {
    const peer = this.peer as BotPeer4;
    if (peer.held) {
      peer.held = false;
      this.multiplayer.autoProcess = false;
    }
    this.multiplayer.poll();
  }

  processOnArrival(): void {
    (this.peer as BotPeer4).held = false;
    this.multiplayer.autoProcess = true;
    this.multiplayer.poll();
  }

  get callsByMethod(): ReadonlyMap<string, MethodStats4> {
    return this.multiplayer.stats.byMethod;
  }

  get drops(): ReadonlyMap<string, number> {
    return this.multiplayer.stats.dropped;
  }

  get scriptErrors(): number {
    return this.multiplayer.stats.scriptErrors;
  }

  /** Absent for a game with no replication: reading the counters must not make a replicator. */
  get replication(): Readonly<ReplicationStats> | undefined {
    return this.multiplayer.hasReplication ? this.multiplayer.replication.stats : undefined;
  }

  /** MultiplayerAPI.send_auth(1, data) (strings as UTF-8). */
  sendAuth(data: string | Uint8Array): void {
    this.multiplayer.sendAuth(1, bytesOf(data));
  }

  /** MultiplayerAPI.complete_auth(1). */
  completeAuth(): void {
    this.multiplayer.completeAuth(1);
  }
}
