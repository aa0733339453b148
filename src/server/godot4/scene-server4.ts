/**
 * A Godot 4 server as a game script sets one up: a server-side MultiplayerPeer (Godot 4's
 * WebSocketMultiplayerPeer.create_server, src/server/godot4's transport, or any peer of the
 * contract) given to a SceneMultiplayer, which does the server's duties: id greeting is the
 * transport's, then ADD_PEER / DEL_PEER announcements, relay with Godot 4's rules, auth_callback
 * and auth_timeout, rpc-mode checks.
 *
 * Nothing a client sends and nothing a game handler does can take it down: every refused packet is
 * counted and printed as the ERROR lines 4.6.3 prints for it; a handler that throws is a SCRIPT
 * ERROR line; a send the engine would refuse (an unknown peer, an empty packet) is an ERROR line
 * too, never an exception out of the handler (`guard`). A packet a client's output limits refuse
 * (WebSocketMultiplayerServer4.refusedOutput: a client that does not read, or a greeting of more
 * ADD_PEER than max_queued_packets behind a backlog) is printed as 4.6.3's WSLPeer::_send prints it.
 */
import type { MultiplayerPeer } from "../../multiplayer/index.js";
import {
  type ManifestError,
  type PacketError4,
  RpcError4,
  type RpcManifest,
  SceneMultiplayer,
} from "../../scene/index.js";
import { GodotError, WebSocketError } from "../../websocket/index.js";
import type { OutputRefusalReason } from "../output.js";
import { GameOutput4 } from "./game-output4.js";
import { ServerReplication4 } from "./server-replication4.js";
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
  /** How Godot names the node at a root-relative path in call errors, e.g. "Node(game4.gd)". Default "Node". */
  readonly nodeClass?: (path: string) => string;
  /** Network frames per second for replication (Engine.max_fps; default 60). */
  readonly fps?: number;
}

const REQUESTED_NOT_FOUND = "Invalid packet received. Requested node was not found.";

/** WSLPeer::_send's checks in 4.6.3, as printed when one refuses a packet. */
const REFUSED_OUTPUT_LINES: Readonly<Record<OutputRefusalReason, string>> = {
  "output-packets":
    'Condition "wslay_event_get_queued_msg_count(wsl_ctx) >= (uint32_t)max_queued_packets" is true. Returning: ERR_OUT_OF_MEMORY',
  "output-bytes":
    'Condition "outbound_buffer_size > 0 && (wslay_event_get_queued_msg_length(wsl_ctx) + p_buffer_size > (uint32_t)outbound_buffer_size)" is true. Returning: ERR_OUT_OF_MEMORY',
};

/** Where in the game a refused call came from, for its SCRIPT ERROR line. */
function scriptError(err: unknown, where: { path: string; method: string; from: number }): string {
  const at = where.path ? `/root/${where.path}::${where.method}` : where.method;
  return `SCRIPT ERROR: ${at} (from ${where.from}): ${err instanceof Error ? err.message : String(err)}`;
}

export class SceneServer4 {
  readonly multiplayer: SceneMultiplayer;
  readonly output: GameOutput4;
  /** MultiplayerSpawner / MultiplayerSynchronizer: spawns, despawns and the SYNC network frame. */
  readonly replication: ServerReplication4;
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
    this.replication = new ServerReplication4(this.multiplayer, {
      ...(options.fps !== undefined ? { fps: options.fps } : {}),
    });
    const out = this.output;
    const mp = this.multiplayer;
    this.#nodeClass = options.nodeClass ?? (() => "Node");
    mp.on("packet_dropped", (d) => {
      for (const line of this.#dropLines(d.reason, d.message)) out.error(line);
    });
    mp.on("packet_error", (e) => out.error(this.#packetErrorLine(e)));
    mp.on("manifest_error", (e) => {
      for (const line of this.#manifestLines(e)) out.error(line);
    });
    mp.on("script_error", (err, where) => out.print(scriptError(err, where)));
  }

  readonly #nodeClass: (path: string) => string;

  /** `RPC - '<class>::<method>'`: how Godot names a method it could not call. */
  rpcCallError(path: string, method: string, detail: string): string {
    return `RPC - '${this.#nodeClass(path)}::${method}': ${detail}`;
  }

  /**
   * The lines 4.6.3 prints for a dropped packet: SceneMultiplayer reports the check that failed;
   * Godot also prints what that failure causes further up (get_node's own error, process_rpc's).
   */
  #dropLines(reason: string, message: string): string[] {
    if (!message) return []; // Godot drops it silently
    switch (reason) {
      case "unknown-cache-id":
        return [message, REQUESTED_NOT_FOUND];
      case "spawn-unknown-spawner":
        // get_cached_object's line, then on_spawn_receive's null check.
        return message.startsWith("ID ") ? [message, 'Parameter "spawner" is null.'] : [message];
      case "unknown-node": {
        const m = /^Failed to get path from RPC: (.*)\.$/.exec(message);
        if (!m) return [message, REQUESTED_NOT_FOUND];
        return [this.#nodeNotFound(m[1] as string), message, REQUESTED_NOT_FOUND];
      }
      default:
        return [message];
    }
  }

  #nodeNotFound(path: string): string {
    return `Node not found: "${path}" (relative to "${this.multiplayer.rootPath}").`;
  }

  #manifestLines(e: ManifestError): string[] {
    switch (e.reason) {
      case "unknown-node":
        // SIMPLIFY_PATH of a node we do not have: get_node fails, then the cache's null check.
        return [this.#nodeNotFound(e.path), 'Parameter "node" is null.'];
      case "checksum-mismatch":
        // Godot's line ends at the path; which names differ is ours (in the event).
        return [e.message.replace(/ \(peer \d+: .*$/s, "")];
      default:
        return [e.message];
    }
  }

  #packetErrorLine(e: PacketError4): string {
    if (e.reason === "argument-count") {
      const m = /expected (\d+) argument\(s\), but called with (\d+)/.exec(e.message);
      if (m)
        return this.rpcCallError(
          e.path,
          e.method,
          `Method expected ${m[1]} argument(s), but called with ${m[2]}`,
        );
    }
    // A bad argument: Godot's line has no detail (ours names the decoder's reason after it).
    return e.message.replace(/ \(.*\)$/s, "");
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
    if (peer instanceof WebSocketMultiplayerServer4) {
      const out = this.output;
      peer.onRefusedOutput = (r) => out.error(REFUSED_OUTPUT_LINES[r.reason]);
    }
  }

  /** `multiplayer.multiplayer_peer.disconnect_peer(id)`: the client is closed (code 1000). */
  kick(id: number): void {
    const peer = this.#peer;
    if (!peer) return;
    const before = peer.lastError;
    peer.disconnectPeer(id);
    if (peer.lastError !== before) this.output.error('Condition "!peers_map.has(p_peer_id)" is true.');
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
      // send_bytes to a peer it does not know: Godot's line names what the check returns.
      const unknown = /^(Condition ".*" is true) \(peer -?\d+\)\.$/.exec(err.message);
      this.output.error(unknown ? `${unknown[1]}. Returning: ERR_BUG` : err.message);
    }
  }

  /** Closes every connection and the listener; the output ends. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const peer = this.#peer;
      this.replication.stop();
      this.multiplayer.multiplayerPeer = null;
      peer?.close();
      const closing = peer as { stop?: () => Promise<void> } | null;
      if (closing && typeof closing.stop === "function") await closing.stop();
      this.output.ended();
    })();
    return this.#stopping;
  }
}
