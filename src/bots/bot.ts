/**
 * A bot: a WebSocketMultiplayerPeer and a MultiplayerAPI with an API that feels right in
 * TypeScript — an async connect that resolves once the server assigned our id and announced its
 * peers, typed handlers, waiting for an RPC, request/response, and a clean disconnect. Two
 * styles: "event" (default; everything is delivered as it arrives) and "tick" (like a Godot
 * game loop: nothing happens except inside bot.poll()).
 */
import { performance } from "node:perf_hooks";
import { SignalEmitter } from "../core/signal-emitter.js";
import {
  WebSocketMultiplayerPeer,
  type WebSocketMultiplayerPeerOptions,
} from "../multiplayer/websocket-multiplayer-peer.js";
import { MultiplayerAPI } from "../scene/multiplayer-api.js";
import { RpcMode } from "../scene/rpc-mode.js";
import type { SceneNode } from "../scene/scene-node.js";
import type { Variant } from "../variant/index.js";
import { type CloseInfo, type ConnectError, GodotError } from "../websocket/index.js";
import { BotConnectError, BotDisconnectedError, BotTimeoutError } from "./errors.js";

export interface BotOptions extends WebSocketMultiplayerPeerOptions {
  readonly url: string;
  readonly protocols?: readonly string[];
  /** "Name: value" handshake headers, as Godot takes them. */
  readonly customHeaders?: readonly string[];
  /** "event" (default): delivered on arrival. "tick": only inside bot.poll(). */
  readonly style?: "event" | "tick";
  /** Give up connecting after this long (default 10 s). */
  readonly joinTimeoutMs?: number;
  /** Abandons a connect still in progress (its socket dropped): connect() rejects with reason "unfinished". */
  readonly signal?: AbortSignal;
}

export interface ReceivedCall {
  readonly args: Variant[];
  readonly from: number;
}

export interface RequestResult extends ReceivedCall {
  /** Time from the send to the matching reply, in ms (performance.now). */
  readonly rttMs: number;
}

export type ArgsMatcher = (args: readonly Variant[], from: number) => boolean;

export interface WaitOptions {
  /** Only a call whose arguments this accepts (others go to handlers as usual). */
  readonly match?: ArgsMatcher;
  /** Default 5 s. */
  readonly timeoutMs?: number;
  /** Mode to declare the method with if nothing declared it yet (default PUPPET: callable by the node's master). */
  readonly mode?: RpcMode;
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
}

/** A waitForRpc in progress. */
class Waiter {
  resolve: (call: ReceivedCall) => void = noop;
  reject: (err: Error) => void = noop;
  timer: NodeJS.Timeout | undefined;
  constructor(
    readonly bot: Bot,
    readonly set: Set<Waiter>,
    readonly key: string,
    readonly path: string,
    readonly method: string,
    readonly timeoutMs: number,
    readonly match: ArgsMatcher | undefined,
  ) {}

  settle(call: ReceivedCall): void {
    clearTimeout(this.timer);
    this.resolve(call);
  }

  fail(err: Error): void {
    clearTimeout(this.timer);
    this.reject(err);
  }
}

function noop(): void {}

/** A close during the join: a protocol-level close code (ours or the server's) is a protocol error. */
function closeReason(info: CloseInfo | null | undefined): string {
  if (info && (info.error !== undefined || info.code === 1002 || info.code === 1007 || info.code === 1009)) {
    return "protocol";
  }
  return "closed";
}

/** The bot of each MultiplayerAPI, for the listeners below (shared by all bots: no closures per bot). */
const botOf = new WeakMap<MultiplayerAPI, Bot>();

function forwardPeerConnected(this: MultiplayerAPI, id: number): void {
  botOf.get(this)?.emit("peer_connected", id);
}
function forwardPeerDisconnected(this: MultiplayerAPI, id: number): void {
  botOf.get(this)?.emit("peer_disconnected", id);
}
function forwardRaw(this: MultiplayerAPI, id: number, bytes: Uint8Array): void {
  botOf.get(this)?.emit("raw", id, bytes);
}

export class Bot extends SignalEmitter<BotEvents> {
  readonly peer: WebSocketMultiplayerPeer;
  readonly multiplayer: MultiplayerAPI;
  readonly style: "event" | "tick";
  // Made on first use, as is #closed: an idle bot in a big swarm should cost next to nothing.
  #handlers: Map<string, (...args: Variant[]) => unknown> | null = null;
  #waiters: Map<string, Set<Waiter>> | null = null;
  #connected = false;
  #gone = false;
  #closed: Promise<void> | null = null;
  #markClosed: (() => void) | null = null;

  static readonly #onServerGone = function (this: MultiplayerAPI): void {
    const bot = botOf.get(this);
    if (bot) bot.#onGone();
  };

  private constructor(options: BotOptions) {
    super();
    this.style = options.style ?? "event";
    const event = this.style === "event";
    this.peer = new WebSocketMultiplayerPeer({ ...options, autoPoll: event });
    this.multiplayer = new MultiplayerAPI();
    // Payloads wait until connect() has resolved and the caller has run up to its first await:
    // its handlers and nodes are declared before the first call can arrive (see #join).
    this.multiplayer.autoProcess = false;
    botOf.set(this.multiplayer, this);
  }

  /** Connects and resolves once the server assigned our id and announced the peers already there. */
  static async connect(options: BotOptions): Promise<Bot> {
    const bot = new Bot(options);
    await bot.#join(options);
    return bot;
  }

  async #join(options: BotOptions): Promise<void> {
    const err = this.peer.connectToUrl(options.url, options.protocols ?? [], options.customHeaders ?? []);
    if (err !== GodotError.OK) {
      throw new BotConnectError(
        `connect_to_url(${options.url}) failed: ${this.peer.lastError?.message ?? err}`,
        "bad-url",
        { cause: this.peer.lastError },
      );
    }
    const api = this.multiplayer;
    api.networkPeer = this.peer;
    api.on("network_peer_connected", forwardPeerConnected);
    api.on("network_peer_disconnected", forwardPeerDisconnected);
    api.on("network_peer_packet", forwardRaw);
    const timeoutMs = options.joinTimeoutMs ?? 10_000;
    let ticker: NodeJS.Timeout | undefined;
    // Tick style: only the peer is polled while joining (SYS frames); payloads wait for bot.poll().
    if (this.style === "tick") ticker = setInterval(() => this.peer.poll(), 2);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          cleanup();
          this.peer.disconnectFromHost(1001, "join timeout");
          const opened = this.peer.timings.openedAt > 0;
          reject(
            new BotConnectError(
              opened
                ? `no SYS_ID/SYS_ADD from ${options.url} within ${timeoutMs} ms`
                : `no WebSocket connection to ${options.url} within ${timeoutMs} ms`,
              opened ? "join-timeout" : "timeout",
            ),
          );
        }, timeoutMs);
        // A frame no Godot server sends, before we joined: the server speaks something else.
        const garbled = (err: Error) => {
          cleanup();
          this.peer.client.dropConnection();
          reject(
            new BotConnectError(`could not join ${options.url}: protocol error: ${err.message}`, "protocol"),
          );
        };
        const abandon = () => {
          cleanup();
          this.peer.client.dropConnection();
          reject(new BotConnectError(`connect to ${options.url} abandoned: the run ended`, "unfinished"));
        };
        const ok = () => {
          cleanup();
          // SYS_ADD of the peers already there follows SYS_ADD(1) in the same server poll: let the
          // frames of that read be processed before we resolve.
          setImmediate(() => {
            if (this.style === "tick") this.peer.poll();
            resolve();
          });
        };
        const fail = () => {
          cleanup();
          const close = this.peer.lastClose;
          const why =
            close?.error?.message ??
            (close?.info
              ? `closed with ${close.info.code}${close.info.error ? ` (${close.info.error.message})` : close.info.reason ? ` (${close.info.reason})` : ""}`
              : "connection failed");
          reject(
            new BotConnectError(
              `could not join ${options.url}: ${why}`,
              close?.error?.reason ?? closeReason(close?.info),
              {
                cause: close?.error ?? undefined,
              },
            ),
          );
        };
        const cleanup = () => {
          clearTimeout(timer);
          api.off("connected_to_server", ok);
          api.off("connection_failed", fail);
          api.off("server_disconnected", fail);
          this.peer.off("frame_dropped", garbled);
          options.signal?.removeEventListener("abort", abandon);
        };
        if (options.signal?.aborted) return abandon();
        options.signal?.addEventListener("abort", abandon, { once: true });
        this.peer.on("frame_dropped", garbled);
        api.on("connected_to_server", ok);
        api.on("connection_failed", fail);
        api.on("server_disconnected", fail);
      });
    } finally {
      if (ticker) clearInterval(ticker);
    }
    this.#connected = true;
    if (this.style === "event") {
      // After the caller's continuation (a microtask) has declared what it handles.
      setImmediate(() => {
        this.multiplayer.autoProcess = true;
        this.multiplayer.poll();
      });
    }
    api.on("server_disconnected", Bot.#onServerGone);
    api.on("connection_failed", Bot.#onServerGone);
  }

  #onGone(): void {
    if (!this.#connected) return;
    this.#connected = false;
    this.#gone = true;
    const api = this.multiplayer;
    api.off("server_disconnected", Bot.#onServerGone);
    api.off("connection_failed", Bot.#onServerGone);
    const err = new BotDisconnectedError(
      `disconnected${this.peer.lastClose?.info ? ` (${this.peer.lastClose.info.code} ${this.peer.lastClose.info.reason})` : ""}`,
    );
    const waiters = this.#waiters;
    this.#waiters = null;
    for (const set of waiters?.values() ?? []) for (const w of set) w.fail(err);
    this.emit("disconnected", this.peer.lastClose?.info ?? null, this.peer.lastClose?.error ?? null);
    this.#markClosed?.();
  }

  get id(): number {
    return this.multiplayer.getNetworkUniqueId();
  }

  get connected(): boolean {
    return this.#connected;
  }

  /** Every other peer the server announced, the server (1) included; ascending. */
  get peers(): number[] {
    return this.multiplayer.getNetworkConnectedPeers();
  }

  node(path: string): SceneNode {
    return this.multiplayer.node(path);
  }

  /** Tick style: deliver what has arrived (and send nothing new). Harmless in event style. */
  poll(): void {
    this.multiplayer.poll();
  }

  /**
   * Declares `path.method` with its rpc mode and a typed handler (Godot's `remote func`).
   * The types are the caller's promise about what the server sends.
   */
  handle<A extends Variant[] = Variant[]>(
    path: string,
    method: string,
    mode: RpcMode,
    handler: (...args: A) => unknown,
  ): this {
    const key = this.#declare(path, method, mode);
    this.#handlers ??= new Map();
    this.#handlers.set(key, handler as (...args: Variant[]) => unknown);
    return this;
  }

  #declare(path: string, method: string, mode: RpcMode): string {
    const node = this.multiplayer.node(path);
    const key = `${node.path}:${method}`;
    node.rpcConfig(method, mode, (...args: Variant[]) => {
      const from = this.multiplayer.getRpcSenderId();
      const set = this.#waiters?.get(key);
      if (set) {
        for (const w of set) {
          if (w.match && !w.match(args, from)) continue;
          set.delete(w);
          w.settle({ args, from });
          return; // a reply awaited is consumed by its waiter
        }
      }
      return this.#handlers?.get(key)?.(...args);
    });
    return key;
  }

  /** Resolves with the next call of `path.method` whose arguments match. */
  waitForRpc(path: string, method: string, options: WaitOptions = {}): Promise<ReceivedCall> {
    const node = this.multiplayer.node(path);
    const key = `${node.path}:${method}`;
    if (!node.getRemoteFunction(method)) this.#declare(path, method, options.mode ?? RpcMode.PUPPET);
    if (!this.#connected) return Promise.reject(new BotDisconnectedError("not connected"));
    const timeoutMs = options.timeoutMs ?? 5_000;
    this.#waiters ??= new Map();
    let set = this.#waiters.get(key);
    if (!set) {
      set = new Set();
      this.#waiters.set(key, set);
    }
    // One object, one timer and the promise per wait; no closures (a busy swarm waits a lot).
    const waiter = new Waiter(this, set, key, node.path, method, timeoutMs, options.match);
    const promise = new Promise<ReceivedCall>((resolve, reject) => {
      waiter.resolve = resolve;
      waiter.reject = reject;
    });
    waiter.timer = setTimeout(Bot.#onWaitTimeout, timeoutMs, waiter);
    set.add(waiter);
    return promise;
  }

  static readonly #onWaitTimeout = (waiter: Waiter): void => {
    waiter.set.delete(waiter);
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
  async request(
    to: number,
    path: string,
    method: string,
    args: readonly Variant[],
    reply: { path?: string; method: string } & WaitOptions,
  ): Promise<RequestResult> {
    const waiting = this.waitForRpc(reply.path ?? path, reply.method, reply);
    const started = performance.now();
    const node = this.multiplayer.node(path);
    node.rpcId(to, method, ...args);
    const call = await waiting;
    const rttMs = performance.now() - started;
    if (this.listenerCount("round_trip") > 0) this.emit("round_trip", `${node.path}:${method}`, rttMs);
    return { args: call.args, from: call.from, rttMs };
  }

  /** Closes cleanly and resolves once the connection is gone. */
  async disconnect(code = 1000, reason = ""): Promise<void> {
    if (!this.#connected) return;
    this.peer.disconnectFromHost(code, reason);
    await this.#untilClosed();
  }

  /** Drops the connection with no close handshake (a crash, a pulled cable) and resolves once it is gone. */
  async terminate(): Promise<void> {
    if (!this.#connected) return;
    this.peer.client.dropConnection();
    await this.#untilClosed();
  }

  /** In tick style the close is only seen by poll(): keep polling until it is. */
  async #untilClosed(): Promise<void> {
    if (this.style !== "tick") return this.closed();
    const t = setInterval(() => this.multiplayer.poll(), 2);
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
