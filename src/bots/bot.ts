/**
 * A bot, with no Godot dialect in it: an async connect that resolves once the server assigned
 * our id and announced its peers, typed handlers, waiting for an RPC, request/response, a clean
 * disconnect, and its own telemetry. It talks to its engine through a BotDialect (dialect.ts):
 * the engine is read from the server's first message on the same connection, or told. Two
 * styles: "event" (default; everything is delivered as it arrives) and "tick" (like a Godot
 * game loop: nothing happens except inside bot.poll()).
 */
import { performance } from "node:perf_hooks";
import { GodotError, SignalEmitter } from "../core/index.js";
import type { MethodStats, ScriptErrorSite } from "../scene/index.js";
import type { Variant } from "../variant/index.js";
import {
  type CloseInfo,
  type ConnectError,
  type MultiplayerSink,
  type Traffic,
  WebSocketClient,
  type WebSocketClientOptions,
} from "../websocket/index.js";
import type {
  BotDialect,
  BotEngine,
  BotNode,
  BotRpcDeclaration,
  DialectHost,
  GodotEngine,
  OpeningTimes,
  ReplicationCounts,
} from "./dialect.js";
import type { BotByEngine, EngineBot, EngineOptions } from "./engines.js";
import { BotConnectError, BotDisconnectedError, BotTimeoutError } from "./errors.js";

export interface BotOptions extends WebSocketClientOptions {
  readonly url: string;
  readonly protocols?: readonly string[];
  /** "Name: value" handshake headers, as Godot takes them. */
  readonly customHeaders?: readonly string[];
  /** "event" (default): delivered on arrival. "tick": only inside bot.poll(). */
  readonly style?: "event" | "tick";
  /** Give up connecting after this long (default 10 s). */
  readonly joinTimeoutMs?: number;
  /** The engine the server runs. Default: read from its first message (a bare 4-byte id is Godot 4). */
  readonly godot?: GodotEngine;
  /** Abandons a connect still in progress (its socket dropped): connect() rejects with reason "unfinished". */
  readonly signal?: AbortSignal;
}

/** What Bot.connect takes: the options of every bot, and those of each engine's bot. */
export type ConnectOptions = BotOptions & EngineOptions;

/** A call received: its arguments (typed by the caller's promise `A`) and its sender. */
export interface ReceivedCall<A extends Variant[] = Variant[]> {
  readonly args: A;
  readonly from: number;
}

export interface RequestResult<A extends Variant[] = Variant[]> extends ReceivedCall<A> {
  /** Time from the send to the matching reply, in ms (performance.now). */
  readonly rttMs: number;
}

export type ArgsMatcher = (args: readonly Variant[], from: number) => boolean;

export interface WaitOptions<Mode = never> {
  /** Only a call whose arguments this accepts (others go to handlers as usual). */
  readonly match?: ArgsMatcher;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  /** How to declare the method if nothing declared it yet (default "authority": callable by the node's authority, the server). */
  readonly mode?: BotRpcDeclaration<Mode>;
}

export interface BotEvents {
  /** A request() got its reply: `key` is "path:method" of what was sent. */
  round_trip: [key: string, rttMs: number];
  /** A waitForRpc() or request() gave up. */
  wait_timeout: [key: string];
  /** The connection ended (server gone, kicked, or our disconnect). */
  disconnected: [info: CloseInfo | null, error: ConnectError | null];
  peer_connected: [id: number];
  peer_disconnected: [id: number];
  raw: [from: number, bytes: Uint8Array];
  /** An incoming packet the engine would refuse, not run: the engine's reason. */
  packet_dropped: [reason: string, detail: string];
  /** A handler threw (Godot prints SCRIPT ERROR and goes on). */
  script_error: [error: unknown, where: ScriptErrorSite];
  /** Emitted by each poll() after it delivered (SceneTree's process_frame): seconds since the previous one, as _process(delta). */
  process_frame: [delta: number];
  /**
   * Godot 4: a node's RPC names differ between the server and our manifest (SIMPLIFY_PATH's MD5),
   * or one side lacks the node: a ManifestError naming the node and the differing names. With
   * no listener it is printed (console.error), never silent.
   */
  manifest_error: [error: Error];
}

/**
 * What a runner hears of the bots it runs: one object for all of them, told beside the signals
 * of the same names, before their listeners. No listener array on each bot (an idle bot of a big
 * swarm costs none) and no "path:method" string made per round trip. Internal (the swarm's):
 * watchBot() sets it, the package's index does not export it.
 */
export interface BotWatcher {
  roundTrip(bot: Bot<unknown>, path: string, method: string, rttMs: number): void;
  waitTimeout(bot: Bot<unknown>, key: string): void;
  packetDropped(bot: Bot<unknown>, reason: string, detail: string): void;
  /** A handler threw: the watcher takes it (the bot's end, charged), as a script_error listener would. */
  scriptError(bot: Bot<unknown>, error: unknown, where: ScriptErrorSite): void;
  /** Godot 4's manifest_error: taken (not printed) when a watcher is set. */
  manifestError(bot: Bot<unknown>, error: Error): void;
  disconnected(bot: Bot<unknown>, info: CloseInfo | null, error: ConnectError | null): void;
}

/** Bot's own accessors of its watcher (set in its static block: the field is #private). */
let watcherOf: (bot: Bot<unknown>) => BotWatcher | null = () => null;
let setWatcherOf: (bot: Bot<unknown>, w: BotWatcher | null) => void = () => undefined;

/** The runner's: `w` hears `bot` from now on (null: no longer). */
export function watchBot(bot: Bot<unknown>, w: BotWatcher | null): void {
  setWatcherOf(bot, w);
}

/**
 * What a handler's `this` is: the call being run, so a handler knows its sender with no side
 * call (`function (this: RpcCall, …) { this.from }`). Arrow handlers simply do not see it.
 */
export interface RpcCall {
  /** The caller's peer id (get_remote_sender_id). */
  readonly from: number;
  /** The node's path (normal form, relative to /root) and the method called. */
  readonly path: string;
  readonly method: string;
}

/** A handler: the arguments as the caller promises them, the call as `this`. */
export type BotRpcHandler<A extends Variant[] = Variant[]> = (this: RpcCall, ...args: A) => unknown;

class Call implements RpcCall {
  constructor(
    readonly from: number,
    readonly path: string,
    readonly method: string,
  ) {}
}

/** A frame hook's site, for script_error (no node: the bot's own loop). */
const FRAME_SITE: ScriptErrorSite = { path: "", name: "process_frame", from: 0 };

/** What a bot measured of itself, whatever the engine: what swarm metrics and reports read. */
export interface BotTelemetry {
  /** performance.now() at connect, at the WebSocket open, at the join (0: not yet). */
  readonly startedAt: number;
  readonly openedAt: number;
  readonly joinedAt: number;
  /** Every message and byte at the socket, both ways. */
  readonly traffic: Readonly<Traffic>;
  /**
   * Calls and their bytes by "path:method", both ways, as the engine counts them: its callsOut
   * are packets (a broadcast becomes one per peer, or one per path-cache step).
   */
  readonly callsByMethod: ReadonlyMap<string, MethodStats>;
  /** Calls made through the bot (node().rpc/rpcId, request), by "path:method": a broadcast is one. */
  readonly callsOut: ReadonlyMap<string, number>;
  /** Incoming packets refused, by reason. */
  readonly drops: ReadonlyMap<string, number>;
  /** Calls whose handler threw. */
  readonly scriptErrors: number;
  /** Godot 4: replication counters (spawns, despawns, syncs in and out); undefined for Godot 3. */
  readonly replication: Readonly<ReplicationCounts> | undefined;
}

/** Bot's sendCall, for CallingNode (set in Bot's static block). */
let callOf: (bot: Bot<unknown>, to: number, path: string, method: string, args: readonly Variant[]) => void;

/** A node as the neutral Bot hands it out: its calls go through the bot, which counts them. */
class CallingNode implements BotNode {
  constructor(
    readonly bot: Bot<unknown>,
    readonly path: string,
  ) {}
  rpc(method: string, ...args: Variant[]): void {
    callOf(this.bot, 0, this.path, method, args);
  }
  rpcId(peerId: number, method: string, ...args: Variant[]): void {
    callOf(this.bot, peerId, this.path, method, args);
  }
}

/** A waitForRpc in progress. */
class Waiter {
  resolve: (call: ReceivedCall) => void = noop;
  reject: (err: Error) => void = noop;
  timer: NodeJS.Timeout | undefined;
  /** Settled by resolve and reject (waitForRpc's, or request's with its round trip). */
  promise: Promise<unknown> = resolvedWait;
  constructor(
    readonly bot: Bot<unknown>,
    readonly set: Set<Waiter>,
    readonly key: string,
    readonly path: string,
    readonly method: string,
    readonly timeoutMs: number,
    readonly match: ArgsMatcher | undefined,
  ) {}

  /** A request's wait (≥ 0: when it was sent): settled with its round trip, no second promise. */
  started = -1;
  sentPath = "";
  sentMethod = "";

  settle(call: ReceivedCall): void {
    clearTimeout(this.timer);
    if (this.started < 0) {
      this.resolve(call);
      return;
    }
    const rttMs = performance.now() - this.started;
    const watcher = watcherOf(this.bot);
    if (watcher !== null || this.bot.listenerCount("round_trip") > 0) {
      try {
        watcher?.roundTrip(this.bot, this.sentPath, this.sentMethod, rttMs);
        if (this.bot.listenerCount("round_trip") > 0) {
          this.bot.emit("round_trip", `${this.sentPath}:${this.sentMethod}`, rttMs);
        }
      } catch (err) {
        this.reject(err as Error);
        return;
      }
    }
    const result: RequestResult = { args: call.args, from: call.from, rttMs };
    this.resolve(result);
  }

  fail(err: Error): void {
    clearTimeout(this.timer);
    this.reject(err);
  }
}

function noop(): void {}

/** A Waiter's promise until its own is made. */
const resolvedWait: Promise<unknown> = Promise.resolve();

function notConnected<T>(): Promise<T> {
  return Promise.reject(new BotDisconnectedError("not connected"));
}

/** A close during the join: a protocol-level close (ours or the server's: 1002, 1007, 1009, or a frame error) is a protocol error. */
function closeReason(info: CloseInfo | null): string {
  if (info && (info.error !== undefined || info.code === 1002 || info.code === 1007 || info.code === 1009)) {
    return "protocol";
  }
  return "closed";
}

/** What a close said: its code, and its reason or the error that caused it. */
function closeText(info: CloseInfo): string {
  const why = info.error ? info.error.message : info.reason;
  return `closed with ${info.code}${why ? ` (${why})` : ""}`;
}

/** The engines Bot.connect can talk to (registerBotEngine; the library's index registers each). */
const ENGINES = new Map<GodotEngine, BotEngine>();

/** Makes an engine available to Bot.connect: how a dialect plugs in, with no change to Bot. */
export function registerBotEngine(engine: BotEngine): void {
  ENGINES.set(engine.godot, engine);
}

/** The engine a server's first message shows: Godot 4 greets with its bare 4-byte id, Godot 3 with a 13-byte SYS_ID frame. */
export function engineOfGreeting(first: Uint8Array, isString: boolean): GodotEngine {
  return !isString && first.length === 4 ? 4 : 3;
}

function unsupported(godot: GodotEngine, url: string, how: "told" | "greeting"): BotConnectError {
  return new BotConnectError(
    how === "greeting"
      ? `the server at ${url} speaks Godot ${godot} (${godot === 4 ? "a 4-byte id greeting" : "its greeting"}), and no Godot ${godot} bot is available`
      : `no Godot ${godot} bot is available (godot: ${godot})`,
    "unsupported-dialect",
  );
}

/** The bot's end of the seam, with the join in progress. */
interface BotHost extends DialectHost {
  /** Settles the join in progress (null once settled). */
  onJoin:
    | ((
        info: CloseInfo | null,
        error: ConnectError | null,
        joined: boolean,
        failure?: { readonly reason: string; readonly message: string },
      ) => void)
    | null;
  /** A drop during the join: the server speaks something else (null once settled). */
  onGarbled: ((reason: string, detail: string) => void) | null;
}

/** When the connection came up and the join completed (performance.now(); 0: not yet). */
interface Times extends OpeningTimes {
  startedAt: number;
  openedAt: number;
  joinedAt: number;
}

/** A bot's frames: performance.now() of the previous process_frame (0: none yet), the onFrame() loop and how many hooks it runs. */
interface Frames {
  last: number;
  loop: NodeJS.Timeout | null;
  hooks: number;
}

/** The connection until its first message shows the engine (or it ends first). */
class Opening implements MultiplayerSink {
  readonly times: Times = { startedAt: 0, openedAt: 0, joinedAt: 0 };
  constructor(
    readonly take: (first: Uint8Array, isString: boolean) => void,
    readonly end: (info: CloseInfo | null, error: ConnectError | null) => void,
  ) {}
  connected(): void {
    this.times.openedAt = performance.now();
  }
  packet(data: Uint8Array, isString: boolean): void {
    this.take(data, isString);
  }
  disconnected(info: CloseInfo | null, error: ConnectError | null): void {
    this.end(info, error);
  }
}

/**
 * A bot of any engine. `Mode`: the engine's own rpc modes, accepted beside the neutral ones
 * (RpcMode on Godot3Bot). Each engine's bot class adds what that engine alone has.
 */
export class Bot<Mode = never> extends SignalEmitter<BotEvents> {
  readonly style: "event" | "tick";
  readonly #client: WebSocketClient;
  readonly #dialect: BotDialect<Mode>;
  /** The bot's side of the seam, which also keeps its times (startedAt, openedAt, joinedAt). */
  readonly #host: BotHost & Times;
  #telemetry: BotTelemetry | null = null;
  // Made on first use, as is #closed: an idle bot in a big swarm should cost next to nothing.
  #handlers: Map<string, BotRpcHandler> | null = null;
  /** Calls made through the bot, by "path:method" (telemetry.callsOut). */
  #callsOut: Map<string, number> | null = null;
  #nodes: Map<string, BotNode> | null = null;
  #waiters: Map<string, Set<Waiter>> | null = null;
  #connected = false;
  #gone = false;
  #closed: Promise<void> | null = null;
  #markClosed: (() => void) | null = null;
  /** The frames (process_frame), made on the first hook or frame: an idle bot has none. */
  #frames: Frames | null = null;
  /** Its runner (watchBot), if any. */
  #watcher: BotWatcher | null = null;

  static {
    watcherOf = (bot) => bot.#watcher;
    setWatcherOf = (bot, w) => {
      bot.#watcher = w;
    };
  }

  /** A handler threw: the watcher's, then script_error's listeners'. */
  #scriptError(error: unknown, where: ScriptErrorSite): void {
    this.#watcher?.scriptError(this as Bot<unknown>, error, where);
    this.emit("script_error", error, where);
  }

  /**
   * The bot's side of the seam: one small object per bot, the dialect's events up; it keeps the
   * bot's times too (no record of their own).
   */
  static readonly #Host = class implements BotHost, Times {
    /** Settles the join in progress (null once settled). */
    onJoin: BotHost["onJoin"] = null;
    onGarbled: ((reason: string, detail: string) => void) | null = null;
    startedAt: number;
    openedAt: number;
    joinedAt = 0;
    constructor(
      readonly bot: Bot<unknown>,
      times: OpeningTimes,
    ) {
      this.startedAt = times.startedAt;
      this.openedAt = times.openedAt;
    }
    joined(): void {
      this.joinedAt = performance.now();
      this.onJoin?.(null, null, true);
    }
    closed(
      info: CloseInfo | null,
      error: ConnectError | null,
      failure?: { readonly reason: string; readonly message: string },
    ): void {
      if (this.onJoin) this.onJoin(info, error, false, failure);
      else this.bot.#onGone(info, error);
    }
    peerConnected(id: number): void {
      this.bot.emit("peer_connected", id);
    }
    peerDisconnected(id: number): void {
      this.bot.emit("peer_disconnected", id);
    }
    raw(from: number, bytes: Uint8Array): void {
      this.bot.emit("raw", from, bytes);
    }
    dropped(reason: string, detail: string): void {
      this.onGarbled?.(reason, detail);
      this.bot.#watcher?.packetDropped(this.bot, reason, detail);
      this.bot.emit("packet_dropped", reason, detail);
    }
    scriptError(error: unknown, where: ScriptErrorSite): void {
      this.bot.#scriptError(error, where);
    }
    manifestError(error: Error): void {
      const watcher = this.bot.#watcher;
      watcher?.manifestError(this.bot, error);
      if (this.bot.listenerCount("manifest_error") > 0) this.bot.emit("manifest_error", error);
      else if (watcher === null) console.error(`godot-peer bot ${this.bot.id}: ${error.message}`);
    }
  };

  /**
   * Made by an engine's createBot(), over the connection Bot.connect opened; `times` are the
   * opening's (OpeningTimes), which the bot completes with its join.
   */
  protected constructor(
    client: WebSocketClient,
    options: BotOptions,
    times: OpeningTimes,
    dialect: (host: DialectHost) => BotDialect<Mode>,
  ) {
    super();
    this.style = options.style ?? "event";
    this.#client = client;
    this.#host = new Bot.#Host(this as Bot<unknown>, times);
    this.#dialect = dialect(this.#host);
  }

  /**
   * Connects and resolves once the server assigned our id and announced the peers already there.
   * The engine is read from the server's first message on this very connection (no second
   * connection a game would see as a peer), unless `godot` tells it.
   */
  static connect<G extends keyof BotByEngine>(
    options: ConnectOptions & { readonly godot: G },
  ): Promise<BotByEngine[G]>;
  static connect(options: ConnectOptions): Promise<EngineBot>;
  static async connect(options: ConnectOptions): Promise<Bot<unknown>> {
    const told = options.godot;
    if (told !== undefined && !ENGINES.has(told)) throw unsupported(told, options.url, "told");
    const style = options.style ?? "event";
    const client = new WebSocketClient({ ...options, autoPoll: style === "event" });
    const timeoutMs = options.joinTimeoutMs ?? 10_000;
    let greeting = told !== undefined ? ENGINES.get(told)?.greeting : undefined;
    let bot: Bot<unknown> | null = null;
    let ticker: NodeJS.Timeout | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        const couldNotJoin = (
          info: CloseInfo | null,
          error: ConnectError | null,
          failure?: { readonly reason: string; readonly message: string },
        ) => {
          const why = failure?.message ?? error?.message ?? (info ? closeText(info) : "connection failed");
          return new BotConnectError(
            `could not join ${options.url}: ${why}`,
            failure?.reason ?? error?.reason ?? closeReason(info),
            { cause: error ?? undefined },
          );
        };
        let settled = false;
        const settle = (err: BotConnectError | null) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          options.signal?.removeEventListener("abort", abandon);
          if (bot) {
            bot.#host.onJoin = null;
            bot.#host.onGarbled = null;
          }
          if (err) {
            reject(err);
            return;
          }
          // The announcements of the peers already there follow in the same server poll: let the
          // frames of that read be processed before we resolve.
          setImmediate(() => {
            if (style === "tick") client.poll();
            resolve();
          });
        };
        const opening = new Opening(
          (first, isString) => {
            const godot = told ?? engineOfGreeting(first, isString);
            const engine = ENGINES.get(godot);
            if (!engine) {
              settle(unsupported(godot, options.url, "greeting"));
              client.disconnectFromHost(1000, "");
              return;
            }
            greeting = engine.greeting;
            let made: Bot<unknown>;
            try {
              made = engine.createBot(client, options, opening.times);
            } catch (err) {
              // The engine's own options were wrong (a manifest that is none): say so, at once.
              settle(
                new BotConnectError(
                  `could not join ${options.url}: ${(err as Error).message}`,
                  "bad-options",
                  {
                    cause: err,
                  },
                ),
              );
              client.disconnectFromHost(1000, "");
              return;
            }
            bot = made;
            made.#host.onJoin = (info, error, joined, failure) =>
              settle(joined ? null : couldNotJoin(info, error, failure));
            // A packet the engine refuses before we joined: no Godot server sends it.
            made.#host.onGarbled = (reason, detail) => {
              const what = detail.includes(reason) ? detail : detail ? `${reason}: ${detail}` : reason;
              settle(
                new BotConnectError(`could not join ${options.url}: protocol error: ${what}`, "protocol"),
              );
              client.dropConnection();
            };
            made.#dialect.greet(first, isString);
          },
          (info, error) => settle(couldNotJoin(info, error)),
        );
        const timer = setTimeout(() => {
          const opened = opening.times.openedAt > 0;
          settle(
            new BotConnectError(
              opened
                ? `no ${greeting ?? "greeting"} from ${options.url} within ${timeoutMs} ms`
                : `no WebSocket connection to ${options.url} within ${timeoutMs} ms`,
              opened ? "join-timeout" : "timeout",
            ),
          );
          client.disconnectFromHost(1001, "join timeout");
        }, timeoutMs);
        function abandon(): void {
          settle(new BotConnectError(`connect to ${options.url} abandoned: the run ended`, "unfinished"));
          client.dropConnection();
        }
        if (options.signal?.aborted) {
          abandon();
          return;
        }
        options.signal?.addEventListener("abort", abandon, { once: true });
        client.setMultiplayerSink(opening);
        opening.times.startedAt = performance.now();
        const err = client.connectToUrl(
          options.url,
          options.protocols ?? [],
          true,
          options.customHeaders ?? [],
        );
        if (err !== GodotError.OK) {
          settle(
            new BotConnectError(
              `connect_to_url(${options.url}) failed: ${client.lastError?.message ?? err}`,
              "bad-url",
              { cause: client.lastError },
            ),
          );
          return;
        }
        // Tick style: only the connection is polled while joining; calls wait for bot.poll().
        if (style === "tick") ticker = setInterval(() => client.poll(), 2);
      });
    } finally {
      if (ticker) clearInterval(ticker);
    }
    const joined = bot as Bot<unknown> | null;
    if (!joined) throw new Error("unreachable: joined without a bot");
    joined.#connected = true;
    if (style === "event") {
      // After the caller's continuation (a microtask) has declared what it handles.
      setImmediate(() => joined.#dialect.processOnArrival());
    }
    return joined;
  }

  /** The dialect's closed() after the join: the connection is gone. */
  #onGone(info: CloseInfo | null, error: ConnectError | null): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#gone = true;
    const err = new BotDisconnectedError(`disconnected${info ? ` (${info.code} ${info.reason})` : ""}`);
    const waiters = this.#waiters;
    this.#waiters = null;
    for (const set of waiters?.values() ?? []) for (const w of set) w.fail(err);
    this.#stopFrames();
    this.#watcher?.disconnected(this as Bot<unknown>, info, error);
    this.emit("disconnected", info, error);
    this.#markClosed?.();
  }

  /** The engine this bot talks to. */
  get godot(): GodotEngine {
    return this.#dialect.godot;
  }

  get id(): number {
    return this.#dialect.id;
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Every other peer the server announced, the server (1) included; ascending. */
  get peers(): number[] {
    return this.#dialect.peers;
  }

  /** Sender of the call being handled (get_remote_sender_id); 0 outside a handler. */
  get senderId(): number {
    return this.#dialect.senderId;
  }

  /** What the bot measured of itself: times, traffic, calls, drops (what swarm metrics read). */
  get telemetry(): BotTelemetry {
    this.#telemetry ??= new Bot.#Telemetry(this as Bot<unknown>);
    return this.#telemetry;
  }

  /** The telemetry view of a bot: its own times, the socket's traffic, the dialect's counters. */
  static readonly #Telemetry = class implements BotTelemetry {
    constructor(readonly bot: Bot<unknown>) {}
    get startedAt(): number {
      return this.bot.#host.startedAt;
    }
    get openedAt(): number {
      return this.bot.#host.openedAt;
    }
    get joinedAt(): number {
      return this.bot.#host.joinedAt;
    }
    get traffic(): Readonly<Traffic> {
      return this.bot.#client.traffic;
    }
    /** Made on first read or first call, then the same live map. */
    get callsOut(): ReadonlyMap<string, number> {
      this.bot.#callsOut ??= new Map();
      return this.bot.#callsOut;
    }
    get callsByMethod(): ReadonlyMap<string, MethodStats> {
      return this.bot.#dialect.callsByMethod;
    }
    get drops(): ReadonlyMap<string, number> {
      return this.bot.#dialect.drops;
    }
    get scriptErrors(): number {
      return this.bot.#dialect.scriptErrors;
    }
    get replication(): Readonly<ReplicationCounts> | undefined {
      return this.bot.#dialect.replication;
    }
  };

  /** The node at `path`, relative to /root: its rpc and rpcId are the bot's calls (counted). */
  node(path: string): BotNode {
    this.#nodes ??= new Map();
    let n = this.#nodes.get(path);
    if (!n) {
      n = new CallingNode(this as Bot<unknown>, this.#dialect.node(path).path);
      this.#nodes.set(path, n);
    }
    return n;
  }

  /** Sends `path.method(args)` to `to` (0: everyone, 1: the server) through the dialect: one call counted. */
  protected sendCall(to: number, path: string, method: string, args: readonly Variant[]): void {
    this.#dialect.call(to, path, method, args);
    this.countCall(path, method);
  }

  /**
   * Counts one call of `path.name` made by this bot, once it was sent (a broadcast is one call,
   * whatever packets it became). For an engine's own kinds of call (Godot 3's rset, rpc_unreliable).
   */
  protected countCall(path: string, name: string): void {
    const key = `${this.#dialect.node(path).path}:${name}`;
    this.#callsOut ??= new Map();
    this.#callsOut.set(key, (this.#callsOut.get(key) ?? 0) + 1);
  }

  static {
    callOf = (bot, to, path, method, args) => bot.sendCall(to, path, method, args);
  }

  /** MultiplayerAPI.send_bytes: a raw packet to `to` (default 0: everyone; 1: the server). */
  sendBytes(bytes: Uint8Array, to = 0): void {
    this.#dialect.sendBytes(bytes, to);
  }

  /**
   * Tick style: deliver what has arrived (and send nothing new). Harmless in event style. Then
   * process_frame(delta), as Godot's main loop runs _process after the network poll.
   */
  poll(): void {
    this.#dialect.poll();
    if (this.listenerCount("process_frame") === 0) return;
    const frames = this.#frames ?? this.#makeFrames();
    const now = performance.now();
    const delta = frames.last === 0 ? 0 : (now - frames.last) / 1000;
    frames.last = now;
    this.emit("process_frame", delta);
  }

  /**
   * A per-frame hook, as Godot's _process(delta): `fn` runs after each poll(), and a loop polls
   * `fps` times a second (the game loop of a tick-style script; one loop per bot, at the rate of
   * its latest onFrame) until the last hook is removed or the connection ends. A hook that
   * throws is a script_error, not a crash. Returns the function that removes the hook.
   */
  onFrame(fn: (delta: number) => void, fps = 60): () => void {
    if (!(fps > 0 && fps <= 1000)) throw new RangeError(`fps must be in (0, 1000], not ${fps}`);
    const hook = (delta: number) => {
      try {
        fn(delta);
      } catch (err) {
        this.#scriptError(err, FRAME_SITE);
      }
    };
    this.on("process_frame", hook);
    const frames = this.#frames ?? this.#makeFrames();
    frames.hooks++;
    if (this.#connected) {
      if (frames.loop) clearInterval(frames.loop);
      frames.loop = setInterval(() => this.poll(), 1000 / fps);
    }
    let removed = false;
    return () => {
      if (removed) return;
      removed = true;
      this.off("process_frame", hook);
      if (--frames.hooks === 0) this.#stopFrames();
    };
  }

  #makeFrames(): Frames {
    this.#frames = { last: 0, loop: null, hooks: 0 };
    return this.#frames;
  }

  #stopFrames(): void {
    const frames = this.#frames;
    if (frames?.loop) clearInterval(frames.loop);
    if (frames) frames.loop = null;
  }

  /**
   * Declares `path.method` callable on us, with a typed handler (`@rpc("authority") func` in
   * Godot 4, `puppet func` in Godot 3). The types are the caller's promise about what the server
   * sends. The handler's `this` is the call (RpcCall: its sender `from`, path, method).
   */
  handle<A extends Variant[] = Variant[]>(
    path: string,
    method: string,
    mode: BotRpcDeclaration<Mode>,
    handler: BotRpcHandler<A>,
  ): this {
    const key = this.#declare(path, method, mode);
    this.#handlers ??= new Map();
    this.#handlers.set(key, handler as BotRpcHandler);
    return this;
  }

  #declare(path: string, method: string, mode: BotRpcDeclaration<Mode>): string {
    const nodePath = this.#dialect.node(path).path;
    const key = `${nodePath}:${method}`;
    this.#dialect.declare(path, method, mode, (...args: Variant[]) => {
      const from = this.#dialect.senderId;
      const set = this.#waiters?.get(key);
      if (set) {
        for (const w of set) {
          if (w.match && !w.match(args, from)) continue;
          set.delete(w);
          w.settle({ args, from });
          return; // a reply awaited is consumed by its waiter
        }
      }
      const handler = this.#handlers?.get(key);
      return handler?.apply(new Call(from, nodePath, method), args);
    });
    return key;
  }

  /** Resolves with the next call of `path.method` whose arguments match. */
  waitForRpc<R extends Variant[] = Variant[]>(
    path: string,
    method: string,
    options: WaitOptions<Mode> = {},
  ): Promise<ReceivedCall<R>> {
    const waiter = this.#wait(path, method, options);
    return waiter === null ? notConnected() : (waiter.promise as Promise<ReceivedCall<R>>);
  }

  /** A wait in progress (null: not connected); its promise is the waiter's. */
  #wait(path: string, method: string, options: WaitOptions<Mode>): Waiter | null {
    const node = this.#dialect.node(path);
    const key = `${node.path}:${method}`;
    if (!this.#dialect.declares(path, method)) this.#declare(path, method, options.mode ?? "authority");
    if (!this.#connected) return null;
    const timeoutMs = options.timeoutMs ?? 5_000;
    this.#waiters ??= new Map();
    let set = this.#waiters.get(key);
    if (!set) {
      set = new Set();
      this.#waiters.set(key, set);
    }
    // One object, one timer and the promise per wait; no closures (a busy swarm waits a lot).
    const waiter = new Waiter(this as Bot<unknown>, set, key, node.path, method, timeoutMs, options.match);
    waiter.promise = new Promise<ReceivedCall>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    waiter.timer = setTimeout(Bot.#onWaitTimeout, timeoutMs, waiter);
    set.add(waiter);
    return waiter;
  }

  static readonly #onWaitTimeout = (waiter: Waiter): void => {
    waiter.set.delete(waiter);
    watcherOf(waiter.bot)?.waitTimeout(waiter.bot, waiter.key);
    waiter.bot.emit("wait_timeout", waiter.key);
    waiter.reject(
      new BotTimeoutError(
        `no ${waiter.method} on /root/${waiter.path} within ${waiter.timeoutMs} ms`,
        waiter.path,
        waiter.method,
        waiter.timeoutMs,
      ),
    );
  };

  /**
   * Sends `path.method(args)` to `to` (default the server) and resolves with the first call of
   * `reply.path`.`reply.method` that `reply.match` accepts. Replies that never come time out;
   * further or unmatched replies go to the handlers as usual.
   */
  request<R extends Variant[] = Variant[]>(
    to: number,
    path: string,
    method: string,
    args: readonly Variant[],
    reply: { path?: string; method: string } & WaitOptions<Mode>,
  ): Promise<RequestResult<R>> {
    // The waiter's own promise resolves with the round trip: one promise a request, not three.
    // Whatever fails (a bad path, a send that throws) rejects it, as an async function would.
    let waiter: Waiter | null = null;
    try {
      const sentPath = this.#dialect.node(path).path;
      waiter = this.#wait(reply.path ?? path, reply.method, reply);
      if (waiter === null) return notConnected();
      waiter.started = performance.now();
      waiter.sentPath = sentPath;
      waiter.sentMethod = method;
      this.sendCall(to, path, method, args);
    } catch (err) {
      if (waiter !== null) {
        // The reply will not come: no wait left behind.
        clearTimeout(waiter.timer);
        waiter.set.delete(waiter);
      }
      return Promise.reject(err);
    }
    return waiter.promise as Promise<RequestResult<R>>;
  }

  /** Closes cleanly and resolves once the connection is gone. */
  async disconnect(code = 1000, reason = ""): Promise<void> {
    if (!this.#connected) return;
    this.#client.disconnectFromHost(code, reason);
    await this.#untilClosed();
  }

  /**
   * Drops the connection with no close handshake (a crash, a pulled cable) and resolves once it is
   * gone. "network-condition": a scheduled drop (its close says so, initiatedBy "network-condition").
   */
  async terminate(cause?: "network-condition"): Promise<void> {
    if (!this.#connected) return;
    this.#client.dropConnection(cause);
    await this.#untilClosed();
  }

  /** In tick style the close is only seen by poll(): keep polling until it is. */
  async #untilClosed(): Promise<void> {
    if (this.style !== "tick") return this.closed();
    const t = setInterval(() => this.#dialect.poll(), 2);
    try {
      await this.closed();
    } finally {
      clearInterval(t);
    }
  }

  /** Resolves when the connection ends, for whatever reason. */
  closed(): Promise<void> {
    if (!this.#closed) {
      if (this.#gone) this.#closed = Promise.resolve();
      else
        this.#closed = new Promise((resolve) => {
          this.#markClosed = resolve;
        });
    }
    return this.#closed;
  }
}
