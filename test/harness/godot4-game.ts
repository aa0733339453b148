/**
 * The Godot 4 example game (test/godot/g4/game4*.gd, game4.tscn) run by a real Godot 4.6.3, server
 * and clients, for tests. Everything the game does is printed as `EVT {json}` lines; the engine's own
 * refusals ("RPC '…' is not allowed on node …") are collected from its stderr.
 *
 * API (every process is stopped at the end of the test, pass or fail; its log is attached on failure):
 *
 *   const server = await startGodot4Server(t, { auth: true, relay: true });   // server.url, server.port
 *   const a = await startGodot4Client(t, server.url, { name: "alice", token: "good-1", peers: 1 });
 *   const b = await startGodot4Client(t, server.url, { name: "bob", token: "good-2", peers: 1 });
 *   const aId = await a.connected();                     // the id the server gave it
 *   const crowd = await startGodot4Clients(t, server.url, 3, { session: "idle" });   // crowd0…crowd2
 *   await a.waitForEvent("done");                        // the scripted session ran to its end
 *   server.events("call", (e) => e.method === "move");   // what the server saw, parsed
 *   await server.waitForRefusals(6);                     // [{ kind: "RPC", method, node, from, mode }]
 *   server.errorLines();                                 // every ERROR line, for "no error" checks
 *
 * Server options: port (default: a free one), auth (tokens "good-…" are accepted, others kicked at
 * once, silence times out after authTimeout s), relay (SceneMultiplayer.server_relay, default on).
 * Client sessions (GODOT4_SESSIONS): "play" (default: the scripted session, see game4.gd _play),
 * "idle" (connect and stay), "kick" (join, then kick_me), "kick_other" (ask the server, through
 * Control.kick, to kick the lowest-id other client; needs peers ≥ 1), "variants" (send each value of a
 * "name base64(var_to_bytes)" file, option variantsFile, as RPC arguments; see game4_variants.gd).
 * `peers`: the session waits until it knows that many other clients (server_relay must be on).
 *
 * EVT lines (fields after `ev`):
 *   server  listening {port, relay, auth} · peer_authenticating {id} · auth {id, token, ok} ·
 *           peer_authentication_failed {id} · peer_connected {id} · peer_disconnected {id} ·
 *           join {id, name} · chat {id, text} · ping {id, seq} · echo {id, args} · kick {id} ·
 *           control {what: call_peer|send_raw|kick, target, …} · variant / variant_one (below)
 *   client  connected {id} · connection_failed · server_disconnected · peer_connected {id} ·
 *           peer_disconnected {id} · peer_authenticating {id} · peer_authentication_failed {id} ·
 *           welcome {id, players} · player_joined {id, name} · player_left {id} ·
 *           chat_message {from, text} · pong {seq} · echoed {args} · done {id, others} · settled {id} ·
 *           variants_done {sent} · variant_sent {name, instance_id}
 *   both    call {node, method, from, me, args: var_to_str[]} (an @rpc method of Arena/Outpost ran) ·
 *           position {node, from, value} (a mover moved) · raw {from, bytes: number[]} ·
 *           variant {side, name, type, b64} · variant_one {side, seq, type, b64} (var_to_bytes, base64)
 * Logs of different processes reach us through different pipes, in no fixed order between them:
 * wait on the process whose log you read (a "settled" client has its whole session; the server has
 * logged all of a client's session once it logged its chat "bye").
 *
 * The same API shape (GameLog: events, waitForEvent, refusals over any LineSource) is what a
 * bot-backed or Node-server-backed handle should offer, so one test body runs against each: our
 * Node server's is startNodeGame4Server (node-godot4-game.ts), the shared bodies are in
 * test/godot4/game4-scenarios.ts.
 */
import type { ExecutionContext } from "ava";
import type { GodotProcess } from "../../src/engine/index.js";
import { startFixture } from "./godot.js";

export const GODOT4_VERSION = "4.6.3" as const;

/** The main script of the game, relative to the g4 fixture project. */
export const GAME4_SCRIPT = "game4_main.gd";

/** One `EVT {json}` line. `ev` names it; the other fields depend on it (see game4*.gd). */
export interface GameEvent {
  readonly ev: string;
  readonly [field: string]: unknown;
}

/** A call the engine refused, from its error line. */
export interface Refusal {
  readonly kind: "RPC";
  readonly method: string;
  /** Absolute node path, e.g. /root/Main/World/Arena. */
  readonly node: string;
  readonly from: number;
  /** What the error says of the mode: "authority", "disabled" or a number. */
  readonly mode: string;
}

export const GODOT4_SESSIONS = ["play", "idle", "kick", "kick_other", "variants"] as const;
export type Godot4Session = (typeof GODOT4_SESSIONS)[number];

export interface Godot4ServerOptions {
  readonly port?: number;
  readonly auth?: boolean;
  /** Seconds a peer may stay unauthenticated (default 3, Godot's default). */
  readonly authTimeout?: number;
  readonly relay?: boolean;
}

export interface Godot4ClientOptions {
  readonly name?: string;
  /** Sent as auth data when given (the client then authenticates). */
  readonly token?: string;
  readonly session?: Godot4Session;
  readonly peers?: number;
  /** For the "variants" session: the file of "name base64" lines. */
  readonly variantsFile?: string;
}

const EVT = /^EVT (\{.*\})$/;
const REFUSAL = /RPC '([^']*)' is not allowed on node (\S+) from: (-?\d+)\. Mode is "?([^",.]+)"?/;

/** Parses one log line; undefined if it is not an EVT line. */
export function parseEvent(line: string): GameEvent | undefined {
  const m = EVT.exec(line);
  if (!m?.[1]) return undefined;
  const v: unknown = JSON.parse(m[1]);
  return typeof v === "object" && v !== null && typeof (v as { ev?: unknown }).ev === "string"
    ? (v as GameEvent)
    : undefined;
}

/** Parses one engine error line about a refused call; undefined for any other line. */
export function parseRefusal(line: string): Refusal | undefined {
  const m = REFUSAL.exec(line);
  if (!m?.[1] || !m[2] || !m[3] || !m[4]) return undefined;
  return { kind: "RPC", method: m[1], node: m[2], from: Number(m[3]), mode: m[4] };
}

type Match = (e: GameEvent) => boolean;

/**
 * Where a game's log lines come from: a Godot process here; our Node server's Godot 4 game, printing
 * the same lines, can be one too, so one test body asserts both.
 */
export interface LineSource {
  readonly lines: readonly string[];
  readonly running: boolean;
  on(event: "line", listener: (line: string) => void): unknown;
  off(event: "line", listener: (line: string) => void): unknown;
  /** Lines that are errors (ERROR:, SCRIPT ERROR:, …). */
  errorLines(): string[];
  stop(): Promise<void>;
}

const gone = (source: LineSource, what: string) =>
  new Error(`the game ended before ${what}\n${source.lines.slice(-30).join("\n")}`);

/** A game's EVT lines and the engine's refusals, parsed, with bounded waits. */
export class GameLog {
  constructor(readonly source: LineSource) {}

  get lines(): readonly string[] {
    return this.source.lines;
  }

  /** Every EVT so far, optionally only those named `ev` that `match`. */
  events(ev?: string, match: Match = () => true): GameEvent[] {
    const out: GameEvent[] = [];
    for (const l of this.source.lines) {
      const e = parseEvent(l);
      if (e && (ev === undefined || e.ev === ev) && match(e)) out.push(e);
    }
    return out;
  }

  /** The first EVT named `ev` that `match`es, already printed or yet to come. */
  waitForEvent(ev: string, match: Match = () => true, timeoutMs = 15_000): Promise<GameEvent> {
    const hit = (l: string) => {
      const e = parseEvent(l);
      return e && e.ev === ev && match(e) ? e : undefined;
    };
    for (const l of this.source.lines) {
      const e = hit(l);
      if (e) return Promise.resolve(e);
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        clearInterval(watch);
        this.source.off("line", onLine);
      };
      const onLine = (l: string) => {
        const e = hit(l);
        if (!e) return;
        done();
        resolve(e);
      };
      const watch = setInterval(() => {
        if (this.source.running) return;
        done();
        reject(gone(this.source, `EVT ${ev}`));
      }, 50);
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no EVT ${ev} within ${timeoutMs} ms\n${this.source.lines.slice(-30).join("\n")}`));
      }, timeoutMs);
      this.source.on("line", onLine);
    });
  }

  /** Waits (bounded) until `n` EVTs named `ev` that `match` have been printed. */
  waitForEvents(ev: string, n: number, match: Match = () => true, timeoutMs = 15_000): Promise<GameEvent[]> {
    return this.#until(() => this.events(ev, match), n, `${n} EVT ${ev}`, timeoutMs);
  }

  /** Waits (bounded) until the engine has logged `n` refusals (stderr may lag behind stdout). */
  waitForRefusals(n: number, timeoutMs = 15_000): Promise<Refusal[]> {
    return this.#until(() => this.refusals(), n, `${n} refusals`, timeoutMs);
  }

  /** Waits (bounded) until `n` error lines matching `re` have been logged. */
  waitForErrorLines(n: number, re: RegExp = /./, timeoutMs = 15_000): Promise<string[]> {
    return this.#until(() => this.errorLines().filter((l) => re.test(l)), n, `${n} errors ${re}`, timeoutMs);
  }

  async #until<T>(get: () => T[], n: number, what: string, timeoutMs: number): Promise<T[]> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const got = get();
      if (got.length >= n) return got;
      if (!this.source.running) throw gone(this.source, `${what} (got ${got.length})`);
      if (Date.now() > end) throw new Error(`only ${got.length} of ${what} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Error lines (ERROR:, SCRIPT ERROR:, …). */
  errorLines(): string[] {
    return this.source.errorLines();
  }

  /** Calls the engine refused, in the order it logged them. */
  refusals(): Refusal[] {
    return this.source.lines.map(parseRefusal).filter((r): r is Refusal => r !== undefined);
  }

  stop(): Promise<void> {
    return this.source.stop();
  }
}

/** A game process (server or client) of a real Godot 4. */
export class Godot4Game extends GameLog {
  constructor(readonly proc: GodotProcess) {
    super(proc);
  }
}

export class Godot4GameServer extends Godot4Game {
  get port(): number {
    return this.proc.port;
  }
  get url(): string {
    return `ws://127.0.0.1:${this.proc.port}`;
  }
}

export class Godot4GameClient extends Godot4Game {
  /** Resolves with the client's id once the server admitted it (after auth, if any). */
  async connected(timeoutMs = 15_000): Promise<number> {
    const e = await this.waitForEvent("connected", () => true, timeoutMs);
    return Number(e.id);
  }
}

const flag = (on: boolean) => (on ? "1" : "0");

export async function startGodot4Server(
  t: ExecutionContext,
  options: Godot4ServerOptions = {},
): Promise<Godot4GameServer> {
  const args = [
    "--",
    "mode=server",
    `relay=${flag(options.relay ?? true)}`,
    `auth=${flag(options.auth ?? false)}`,
  ];
  if (options.authTimeout !== undefined) args.push(`auth_timeout=${options.authTimeout}`);
  const proc = await startFixture(t, GODOT4_VERSION, GAME4_SCRIPT, {
    args,
    ...(options.port !== undefined ? { port: options.port } : {}),
  });
  return new Godot4GameServer(proc);
}

export async function startGodot4Client(
  t: ExecutionContext,
  url: string,
  options: Godot4ClientOptions = {},
): Promise<Godot4GameClient> {
  const args = ["--", "mode=client", `url=${url}`, `session=${options.session ?? "play"}`];
  if (options.name !== undefined) args.push(`name=${options.name}`);
  if (options.token !== undefined) args.push(`token=${options.token}`);
  if (options.peers !== undefined) args.push(`peers=${options.peers}`);
  const proc = await startFixture(t, GODOT4_VERSION, GAME4_SCRIPT, {
    args,
    ready: /^READY client\b/,
    ...(options.variantsFile !== undefined ? { env: { GP_IN: options.variantsFile } } : {}),
  });
  return new Godot4GameClient(proc);
}

/** `n` clients named `<prefix>0` … `<prefix>n-1`, each started after the previous one connected. */
export async function startGodot4Clients(
  t: ExecutionContext,
  url: string,
  n: number,
  options: Godot4ClientOptions & { readonly prefix?: string } = {},
): Promise<Godot4GameClient[]> {
  const { prefix = "crowd", ...rest } = options;
  const out: Godot4GameClient[] = [];
  for (let i = 0; i < n; i++) {
    const c = await startGodot4Client(t, url, { ...rest, name: `${prefix}${i}` });
    await c.connected();
    out.push(c);
  }
  return out;
}
