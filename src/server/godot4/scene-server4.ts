/**
 * A Godot 4 server as a game script sets one up: a server-side MultiplayerPeer (Godot 4's
 * WebSocketMultiplayerPeer.create_server, src/server/godot4's transport, or any peer of the
 * contract) given to a SceneMultiplayer, which does the server's duties: id greeting is the
 * transport's, then ADD_PEER / DEL_PEER announcements, relay with Godot 4's rules, auth_callback
 * and auth_timeout, rpc-mode checks.
 *
 * Nothing a client sends and nothing a game handler does can take it down: every refused packet is
 * counted and printed as the ERROR line 4.6.3 prints for it; a handler that throws is a SCRIPT
 * ERROR line; a send the engine would refuse (an unknown peer, a packet too big) is an ERROR line
 * too, never an exception out of the handler (`guard`).
 */
import type { MultiplayerPeer } from "../../multiplayer/index.js";
import { RpcError4, type RpcManifest, SceneMultiplayer } from "../../scene/index.js";
import { GodotError, WebSocketError } from "../../websocket/index.js";
import { GameOutput4 } from "./game-output4.js";
import {
  WebSocketMultiplayerServer4,
  type WebSocketMultiplayerServer4Options,
} from "./websocket-multiplayer-server.js";

export interface SceneServer4Options {
  /** Nodes may be declared in code instead (multiplayer.node(path, declaration)). */
  readonly manifest?: RpcManifest;
  /** SceneMultiplayer.server_relay (default on, as in Godot). */
  readonly serverRelay?: boolean;
  /** Where the server's lines go; default: a new output keeping `keepLines` lines. */
  readonly output?: GameOutput4;
  /** Lines the default output keeps (default 100,000; 0 = none, listeners still see every line). */
  readonly keepLines?: number;
  /** Milliseconds, for auth_timeout (tests). */
  readonly clock?: () => number;
}

/** Where in the game a refused call came from, for its SCRIPT ERROR line. */
function scriptError(err: unknown, where: { path: string; method: string; from: number }): string {
  const at = where.path ? `/root/${where.path}::${where.method}` : where.method;
  return `SCRIPT ERROR: ${at} (from ${where.from}): ${err instanceof Error ? err.message : String(err)}`;
}

export class SceneServer4 {
  readonly multiplayer: SceneMultiplayer;
  readonly output: GameOutput4;
  #peer: MultiplayerPeer | null = null;
  #stopping: Promise<void> | null = null;

  constructor(options: SceneServer4Options = {}) {
    this.output = options.output ?? new GameOutput4(options.keepLines ?? 100_000, () => this.stop());
    this.multiplayer = new SceneMultiplayer({
      autoProcess: true,
      ...(options.manifest ? { manifest: options.manifest } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
    });
    this.multiplayer.serverRelay = options.serverRelay ?? true;
    const out = this.output;
    // Godot prints these and goes on; an empty message is a drop Godot makes silently.
    this.multiplayer.on("packet_dropped", (d) => {
      if (d.message) out.error(d.message);
    });
    this.multiplayer.on("packet_error", (e) => out.error(e.message));
    this.multiplayer.on("manifest_error", (e) => out.error(e.message));
    this.multiplayer.on("script_error", (err, where) => out.print(scriptError(err, where)));
  }

  /** The transport, once given. */
  get peer(): MultiplayerPeer | null {
    return this.#peer;
  }

  /**
   * `peer.create_server(port, bind_address)` then `multiplayer.multiplayer_peer = peer`, over our
   * WebSocketMultiplayerServer4. Resolves with the port (0: one the OS picks); rejects with the
   * transport's error (its `godotError` is what create_server returned).
   */
  async listen(
    port = 0,
    bindAddress = "127.0.0.1",
    options: WebSocketMultiplayerServer4Options = {},
  ): Promise<number> {
    const peer = new WebSocketMultiplayerServer4({ autoPoll: true, ...options });
    const err = await peer.createServer(port, bindAddress);
    if (err !== GodotError.OK) {
      throw peer.lastError ?? new WebSocketError(`create_server failed (Godot error ${err})`, err);
    }
    this.host(peer);
    return peer.getPort();
  }

  /** `multiplayer.multiplayer_peer = peer`: the server is up from here. */
  host(peer: MultiplayerPeer): void {
    if (!peer.isServer())
      throw new RangeError("SceneServer4.host needs a server-side MultiplayerPeer (id 1)");
    this.multiplayer.multiplayerPeer = peer;
    this.#peer = peer;
  }

  /** `multiplayer.multiplayer_peer.disconnect_peer(id)`: the client is closed (code 1000). */
  kick(id: number): void {
    this.guard(() => this.#peer?.disconnectPeer(id));
  }

  /**
   * Runs a game action that sends (rpc, send_bytes, complete_auth …): what Godot refuses with
   * ERR_FAIL is printed as its ERROR line and the action ends there, as in GDScript.
   */
  guard(action: () => void): void {
    try {
      action();
    } catch (err) {
      if (!(err instanceof RpcError4)) throw err;
      this.output.error(err.message);
    }
  }

  /** Closes every connection and the listener; the output ends. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const peer = this.#peer;
      this.multiplayer.multiplayerPeer = null;
      peer?.close();
      const closing = peer as { stop?: () => Promise<void> } | null;
      if (closing && typeof closing.stop === "function") await closing.stop();
      this.output.ended();
    })();
    return this.#stopping;
  }
}
