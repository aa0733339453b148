/**
 * MultiplayerAPI (core/io/multiplayer_api.cpp, Godot 3): rpc, rset and raw packets over a
 * NetworkedMultiplayerPeer, the node-path cache both ways, rpc-mode checks and the *sync
 * modes' local calls — the engine's rules, in the engine's order. What Godot would refuse
 * with an ERROR line is refused here too: thrown (RpcError) when we send, reported
 * (`packet_dropped` and a counter) when we receive.
 */

import { ConnectionStatus, GodotError, SignalEmitter } from "../../core/index.js";
import {
  type NetworkedMultiplayerPeer,
  PeerIdSet,
  type PeerSignalHandlers,
  TransferMode,
} from "../../multiplayer/index.js";
import type { Variant } from "../../variant/index.js";
import { RpcError, type SceneDropReason, ScenePacketError } from "../errors.js";
import { normalizeNodePath } from "../node-path.js";
import type { DroppedPacket, MethodStats, MultiplayerStats, PeerStats, ScriptErrorSite } from "../stats.js";
import {
  decodeRemoteValues,
  encodeConfirmPath,
  encodeRaw,
  encodeRemote,
  encodeSimplifyPath,
  MAX_RPC_ARGUMENTS,
  NetworkCommand,
  type NodeTarget,
  parseSceneHeader,
  type SceneHeader,
} from "./network-command.js";
import { canCallMode, RpcMode, shouldCallLocal } from "./rpc-mode.js";
import { SceneNode } from "./scene-node.js";

export interface TraceRecord {
  readonly dir: "in" | "out";
  /** Sender (in) or us (out). */
  readonly from: number;
  /** Target peer as set on the network peer (out), or our id (in). */
  readonly to: number;
  readonly command: keyof typeof NetworkCommand;
  readonly path?: string;
  readonly cacheId?: number;
  readonly name?: string;
  readonly args?: readonly Variant[];
  readonly bytes: number;
}

/** A packet the MultiplayerAPI sends on its own (CONFIRM_PATH, or one peer of a broadcast) that the peer refused. */
export interface RefusedSend {
  readonly to: number;
  readonly command: keyof typeof NetworkCommand;
  readonly godotError: GodotError;
  readonly detail: string;
}

export interface MultiplayerAPIEvents {
  network_peer_connected: [id: number];
  network_peer_disconnected: [id: number];
  connected_to_server: [];
  connection_failed: [];
  server_disconnected: [];
  network_peer_packet: [id: number, packet: Uint8Array];
  /** An incoming packet Godot would refuse: not run, reported. */
  packet_dropped: [drop: DroppedPacket];
  /**
   * A remote function or property handler, or a listener of one of these signals, threw (Godot
   * prints SCRIPT ERROR and goes on). For a listener, `path` is "" and `name` the signal's name.
   */
  script_error: [error: unknown, where: ScriptErrorSite];
  /**
   * Beyond Godot (which prints the peer's ERROR and goes on): a packet we send on our own — the
   * CONFIRM_PATH answering a SIMPLIFY_PATH, one peer's copy of a broadcast — was refused by the
   * peer (its output buffer is full); it was not sent. A call the script sends to one peer throws instead.
   */
  send_refused: [report: RefusedSend];
}

type TraceOut = Omit<TraceRecord, "dir" | "from" | "to">;

/** The paths one peer has simplified for us (Godot's path_get_cache entry), and their size. */
interface PeerPathCache {
  readonly paths: Map<number, string>;
  /** UTF-16 code units of the paths held: what the heap keeps for them, halved. */
  units: number;
}

/** Beyond Godot (no limit there): what one peer's path cache may hold, in UTF-16 code units of path. */
export const DEFAULT_MAX_PATH_CACHE_UNITS = 256 * 1024;

interface PathSentCache {
  readonly id: number;
  /** Peer → has it confirmed? (absent: SIMPLIFY_PATH not sent yet.) */
  readonly confirmed: Map<number, boolean>;
}

export class MultiplayerAPI extends SignalEmitter<MultiplayerAPIEvents> {
  /** MultiplayerAPI.allow_object_decoding (off by default, as in Godot). */
  allowObjectDecoding = false;
  /** Process packets as soon as the peer queues them, instead of only in poll(). */
  autoProcess = false;
  /** Opt-in: every packet decoded or sent, for learning a game's traffic. */
  trace: ((record: TraceRecord) => void) | null = null;
  #stats: MultiplayerStats | null = null;
  /** Counters, made on first use: an idle bot in a big swarm should cost next to nothing. */
  get stats(): MultiplayerStats {
    this.#stats ??= {
      byMethod: new Map(),
      byPeer: new Map(),
      dropped: new Map(),
      scriptErrors: 0,
      sendsToGonePeers: 0,
      sendsRefused: 0,
    };
    return this.#stats;
  }

  static readonly #PeerSignals = class implements PeerSignalHandlers {
    constructor(readonly api: MultiplayerAPI) {}
    peer_connected(id: number): void {
      this.api.#addPeer(id);
    }
    peer_disconnected(id: number): void {
      this.api.#delPeer(id);
    }
    connection_succeeded(): void {
      this.api.#signal(0, "connected_to_server");
    }
    connection_failed(): void {
      this.api.#signal(0, "connection_failed");
    }
    server_disconnected(): void {
      this.api.#signal(1, "server_disconnected");
    }
    peer_packet(): void {
      if (this.api.autoProcess) this.api.#drain();
    }
  };

  #peer: NetworkedMultiplayerPeer | null = null;
  /** What this API listens to on its peer; one small object, not a closure per signal. */
  readonly #signals: PeerSignalHandlers = new MultiplayerAPI.#PeerSignals(this);
  /** Declared nodes by path (made on the first declaration: an idle bot has none). */
  #nodes: Map<string, SceneNode> | null = null;
  readonly #connectedPeers = new PeerIdSet();
  // Both caches made on first use (a peer's cache on its first SIMPLIFY_PATH).
  #pathGetCache: Map<number, PeerPathCache> | null = null;
  /**
   * Beyond Godot: the size a peer's path cache may reach (UTF-16 code units of its paths); a
   * SIMPLIFY_PATH that would pass it is dropped ("path-cache-full") and its path not confirmed.
   */
  maxPathCacheUnits = DEFAULT_MAX_PATH_CACHE_UNITS;
  #pathSendCache: Map<string, PathSentCache> | null = null;

  #lastSendCacheId = 1;
  #rpcSenderId = 0;
  #processing = false;

  get networkPeer(): NetworkedMultiplayerPeer | null {
    return this.#peer;
  }

  /** MultiplayerAPI.network_peer: attaching a peer listens to its signals; replacing one clears the caches. */
  set networkPeer(peer: NetworkedMultiplayerPeer | null) {
    if (peer === this.#peer) return;
    if (this.#peer) {
      this.#peer.unsubscribe(this.#signals);
      this.clear();
    }
    this.#peer = peer;
    if (!peer) return;
    if (peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) {
      this.#peer = null;
      throw new RpcError(
        "not-connected",
        "Supplied NetworkedMultiplayerPeer must be connecting or connected.",
      );
    }
    peer.subscribe(this.#signals);
  }

  /** Declares (or returns) the node at `path`, relative to /root. */
  node(path: string): SceneNode {
    // Hot path: a path already in its normal form needs no parsing.
    this.#nodes ??= new Map();
    const nodes = this.#nodes;
    const known = nodes.get(path);
    if (known) return known;
    const key = normalizeNodePath(path);
    let n = nodes.get(key);
    if (!n) {
      n = new SceneNode(this, key);
      nodes.set(key, n);
    }
    return n;
  }

  /** The node at `path` if declared (get_node_or_null); `path` in any form node() accepts. */
  getNode(path: string): SceneNode | undefined {
    const nodes = this.#nodes;
    if (!nodes) return undefined;
    return nodes.get(path) ?? nodes.get(normalizeNodePath(path));
  }

  /** Forgets a node, with what we keep for it: its counters and its entry in our path cache. */
  removeNode(path: string): boolean {
    const key = normalizeNodePath(path);
    if (!this.#nodes?.delete(key)) return false;
    // Godot 3 keeps a freed node's path_send_cache entry forever: under churn (a node per player) that grows without end.
    this.#pathSendCache?.delete(key);
    const byMethod = this.#stats?.byMethod;
    if (byMethod) {
      const prefix = `${key}:`;
      for (const k of byMethod.keys()) if (k.startsWith(prefix)) byMethod.delete(k);
    }
    return true;
  }

  /** MultiplayerAPI.clear: forget peers and both path caches. */
  clear(): void {
    this.#connectedPeers.clear();
    this.#pathGetCache = null;
    this.#pathSendCache = null;
    this.#lastSendCacheId = 1;
  }

  /** Polls the peer and runs every packet it has queued. */
  poll(): void {
    const peer = this.#peer;
    if (!peer || peer.getConnectionStatus() === ConnectionStatus.DISCONNECTED) return;
    peer.poll();
    this.#drain();
  }

  #drain(): void {
    if (this.#processing) return; // a handler that polls must not re-enter
    this.#processing = true;
    try {
      for (;;) {
        const peer = this.#peer;
        if (!peer || peer.getAvailablePacketCount() === 0) break;
        const sender = peer.getPacketPeer();
        const packet = peer.getPacket();
        this.#rpcSenderId = sender;
        try {
          this.#processPacket(sender, packet);
        } finally {
          this.#rpcSenderId = 0;
        }
      }
    } finally {
      this.#processing = false;
    }
  }

  getRpcSenderId(): number {
    return this.#rpcSenderId;
  }

  getNetworkUniqueId(): number {
    return this.#peer?.getUniqueId() ?? 0;
  }

  isNetworkServer(): boolean {
    return this.#peer?.isServer() ?? false;
  }

  /** Ascending, as Godot's Set<int>; a PoolIntArray, as Godot's (so it goes out as one in a call). */
  getNetworkConnectedPeers(): Int32Array {
    return Int32Array.from(this.#connectedPeers.sorted());
  }

  get refuseNewNetworkConnections(): boolean {
    return this.#peer?.refuseNewConnections ?? false;
  }

  set refuseNewNetworkConnections(value: boolean) {
    if (!this.#peer)
      throw new RpcError(
        "no-network-peer",
        "No network peer is assigned. Unable to set 'refuse_new_connections'.",
      );
    this.#peer.refuseNewConnections = value;
  }

  hasNetworkPeer(): boolean {
    return this.#peer !== null;
  }

  // ---- sending ----

  #requireConnected(what: string): NetworkedMultiplayerPeer {
    const peer = this.#peer;
    if (!peer) throw new RpcError("no-network-peer", `Trying to ${what} while no network peer is active.`);
    if (peer.getConnectionStatus() !== ConnectionStatus.CONNECTED) {
      throw new RpcError("not-connected", `Trying to ${what} via a network peer which is not connected.`);
    }
    return peer;
  }

  /**
   * Whether a call or set we make runs locally and whether it is sent, for a target that includes
   * us (0, our id, or all-but-someone-else); throws where Godot refuses a call on ourselves.
   */
  #route(
    ownId: number,
    peerId: number,
    mode: RpcMode,
    isMaster: boolean,
    what: string,
  ): { skip: boolean; local: boolean } {
    let skip = ownId === peerId;
    let local = false;
    if (peerId === 0 || peerId === ownId || (peerId < 0 && peerId !== -ownId)) {
      const d = shouldCallLocal(mode, isMaster);
      local = d.callLocal;
      skip ||= d.skipRemote;
    }
    if (skip && !local)
      throw new RpcError("not-allowed-on-self", `${what} on yourself is not allowed by selected mode.`);
    return { skip, local };
  }

  /** Node.rpc/rpc_id/rpc_unreliable(_id): Godot's rpcp (sends, then calls locally). */
  rpcp(node: SceneNode, peerId: number, unreliable: boolean, method: string, args: readonly Variant[]): void {
    const peer = this.#requireConnected("call an RPC");
    const r = this.#route(
      peer.getUniqueId(),
      peerId,
      node.rpcMode(method),
      node.isNetworkMaster(),
      `RPC '${method}'`,
    );
    if (!r.skip) this.#sendRpc(peer, node, peerId, unreliable, false, method, args);
    if (r.local) {
      const fn = node.getRemoteFunction(method);
      if (fn) this.#runLocal(node, method, () => fn.handler(...args));
    }
  }

  /** Node.rset/rset_id/rset_unreliable(_id): Godot's rsetp (sets locally, then sends). */
  rsetp(node: SceneNode, peerId: number, unreliable: boolean, property: string, value: Variant): void {
    const peer = this.#requireConnected("send an RSET");
    const what = `RSET for '${property}'`;
    const r = this.#route(peer.getUniqueId(), peerId, node.rsetMode(property), node.isNetworkMaster(), what);
    if (r.local) this.#runLocal(node, property, () => node.set(property, value));
    if (!r.skip) this.#sendRpc(peer, node, peerId, unreliable, true, property, [value]);
  }

  #runLocal(node: SceneNode, name: string, fn: () => unknown): void {
    const saved = this.#rpcSenderId;
    this.#rpcSenderId = this.getNetworkUniqueId();
    try {
      this.#guard(fn, node.path, name, this.#rpcSenderId);
    } finally {
      this.#rpcSenderId = saved;
    }
  }

  /** MultiplayerAPI.send_bytes. */
  sendBytes(bytes: Uint8Array, id = 0, mode: TransferMode = TransferMode.RELIABLE): void {
    if (bytes.length < 1) throw new RpcError("empty-raw-packet", "Trying to send an empty raw packet.");
    const peer = this.#requireConnected("send a raw packet");
    const packet = encodeRaw(bytes);
    peer.setTargetPeer(id);
    peer.transferMode = mode;
    this.#put(peer, packet, id, ":raw", this.trace && (() => ({ command: "RAW", bytes: packet.length })));
  }

  #sendRpc(
    peer: NetworkedMultiplayerPeer,
    node: SceneNode,
    to: number,
    unreliable: boolean,
    isSet: boolean,
    name: string,
    values: readonly Variant[],
  ): void {
    if (values.length > MAX_RPC_ARGUMENTS) {
      throw new RpcError(
        "too-many-arguments",
        `Too many arguments (${values.length}) > ${MAX_RPC_ARGUMENTS}.`,
      );
    }
    if (to !== 0 && !this.#connectedPeers.has(Math.abs(to))) {
      throw new RpcError("unknown-peer", `Attempt to remote call unexisting ID: ${to}.`);
    }
    const path = node.path;
    this.#pathSendCache ??= new Map();
    let psc = this.#pathSendCache.get(path);
    if (!psc) {
      psc = { id: this.#lastSendCacheId++, confirmed: new Map() };
      this.#pathSendCache.set(path, psc);
    }
    const command = isSet ? NetworkCommand.REMOTE_SET : NetworkCommand.REMOTE_CALL;
    const key = `${path}:${name}`;
    const hasAll = this.#sendConfirmPath(peer, path, psc, to);
    peer.transferMode = unreliable ? TransferMode.UNRELIABLE : TransferMode.RELIABLE;
    // Trace records are built only when a trace is on: nothing is allocated for them otherwise.
    const trace = this.trace
      ? (target: NodeTarget, bytes: number): TraceOut => ({
          command: isSet ? ("REMOTE_SET" as const) : ("REMOTE_CALL" as const),
          ...("path" in target ? { path: target.path } : { path, cacheId: target.cacheId }),
          name,
          args: values,
          bytes,
        })
      : null;
    if (hasAll) {
      const packet = encodeRemote(command, { cacheId: psc.id }, name, values);
      peer.setTargetPeer(to);
      this.#put(peer, packet, to, key, trace && (() => trace({ cacheId: psc.id }, packet.length)));
      return;
    }
    // Not every target confirmed the path: one packet per peer, full path where unconfirmed.
    let byId: Uint8Array | undefined;
    let byPath: Uint8Array | undefined;
    for (const id of this.#targets(to)) {
      if (to < 0 && id === -to) continue;
      if (to > 0 && id !== to) continue;
      const confirmed = psc.confirmed.get(id);
      if (confirmed === undefined) continue; // cannot happen: _send_confirm_path inserted it
      peer.setTargetPeer(id);
      // One peer of a broadcast that does not read must not cost the others their copy.
      const own = to <= 0;
      if (confirmed) {
        byId ??= encodeRemote(command, { cacheId: psc.id }, name, values);
        const packet = byId;
        this.#put(peer, packet, id, key, trace && (() => trace({ cacheId: psc.id }, packet.length)), own);
      } else {
        byPath ??= encodeRemote(command, { path }, name, values);
        const packet = byPath;
        this.#put(peer, packet, id, key, trace && (() => trace({ path }, packet.length)), own);
      }
    }
  }

  /** The connected peers `to` may reach, ascending; a unicast needs no sorted copy of them all. */
  #targets(to: number): Iterable<number> {
    if (to > 0) return this.#connectedPeers.has(to) ? [to] : [];
    return this.#connectedPeers.sorted();
  }

  /** SIMPLIFY_PATH to every targeted peer that has not been sent one; true if all have confirmed. */
  #sendConfirmPath(peer: NetworkedMultiplayerPeer, path: string, psc: PathSentCache, to: number): boolean {
    // Unicast to a confirmed peer, the steady state of a busy bot: nothing to look at or allocate.
    if (to > 0 && psc.confirmed.get(to) === true) return true;
    let hasAll = true;
    const toAdd: number[] = [];
    for (const id of this.#targets(to)) {
      if (to < 0 && id === -to) continue;
      if (to > 0 && id !== to) continue;
      const c = psc.confirmed.get(id);
      if (c !== true) {
        if (c === undefined) toAdd.push(id);
        hasAll = false;
      }
    }
    for (const id of toAdd) {
      const packet = encodeSimplifyPath(psc.id, path);
      peer.setTargetPeer(id);
      peer.transferMode = TransferMode.RELIABLE;
      const sent = this.#put(
        peer,
        packet,
        id,
        null,
        this.trace &&
          (() => ({
            command: "SIMPLIFY_PATH",
            path,
            cacheId: psc.id,
            bytes: packet.length,
          })),
        to <= 0,
      );
      // Refused (a broadcast's peer that does not read): not sent, so offered again with the next call.
      if (sent) psc.confirmed.set(id, false);
    }
    return hasAll;
  }

  #put(
    peer: NetworkedMultiplayerPeer,
    packet: Uint8Array,
    to: number,
    key: string | null,
    /** Given only when a trace is on: the hot path allocates nothing for it. */
    trace: (() => TraceOut) | null,
    /** Sent on our own, not as the script's call to one peer: a refusal is reported, never thrown. */
    own = false,
  ): boolean {
    const err = peer.putPacket(packet);
    if (
      err !== GodotError.OK &&
      err !== GodotError.ERR_OUT_OF_MEMORY &&
      err !== GodotError.ERR_INVALID_PARAMETER
    ) {
      // The connection is closing or gone: Godot's MultiplayerAPI ignores put_packet's error, and
      // so do we (counted). What the caller could fix — a full buffer, a frame too big — throws.
      this.stats.sendsToGonePeers++;
      return false;
    }
    if (err !== GodotError.OK) {
      const why = peer.lastError?.message;
      if (own) {
        this.stats.sendsRefused++;
        const command = (NetworkCommand[packet[0] as number] ?? "RAW") as keyof typeof NetworkCommand;
        const detail = `${command} to peer ${to} refused (Godot error ${err})${why ? `: ${why}` : "."}`;
        this.#signal(to, "send_refused", { to, command, godotError: err, detail });
        return false;
      }
      throw new RpcError(
        "send-failed",
        `The network peer refused the packet (Godot error ${err})${why ? `: ${why}` : "."}`,
        err,
      );
    }
    if (key) {
      const m = this.#methodStats(key);
      m.callsOut++;
      m.bytesOut += packet.length;
    }
    const p = this.#peerStats(to);
    p.packetsOut++;
    p.bytesOut += packet.length;
    if (this.trace && trace) this.trace({ dir: "out", from: peer.getUniqueId(), to, ...trace() });
    return true;
  }

  // ---- receiving ----

  /** True if the packet was run; false if it was dropped (and reported). */
  #processPacket(from: number, packet: Uint8Array): boolean {
    const ps = this.#peerStats(from);
    ps.packetsIn++;
    ps.bytesIn += packet.length;
    let cmd: SceneHeader;
    try {
      cmd = parseSceneHeader(packet);
    } catch (err) {
      if (err instanceof ScenePacketError) return this.#drop(from, err.reason, err.message);
      throw err;
    }
    const self = this.getNetworkUniqueId();
    switch (cmd.command) {
      case NetworkCommand.SIMPLIFY_PATH: {
        this.trace?.({
          dir: "in",
          from,
          to: self,
          command: "SIMPLIFY_PATH",
          path: cmd.path,
          cacheId: cmd.cacheId,
          bytes: packet.length,
        });
        this.#pathGetCache ??= new Map();
        let cache = this.#pathGetCache.get(from);
        if (!cache) {
          cache = { paths: new Map(), units: 0 };
          this.#pathGetCache.set(from, cache);
        }
        const units = cache.units - (cache.paths.get(cmd.cacheId)?.length ?? 0) + cmd.path.length;
        if (units > this.maxPathCacheUnits) {
          return this.#drop(
            from,
            "path-cache-full",
            `Path cache of peer ${from} full: ${cache.paths.size} paths, ${cache.units} of ${this.maxPathCacheUnits} units.`,
          );
        }
        cache.paths.set(cmd.cacheId, cmd.path);
        cache.units = units;
        const peer = this.#peer;
        if (!peer) return true;
        const reply = encodeConfirmPath(cmd.path);
        peer.transferMode = TransferMode.RELIABLE;
        peer.setTargetPeer(from);
        this.#put(
          peer,
          reply,
          from,
          null,
          this.trace &&
            (() => ({
              command: "CONFIRM_PATH",
              path: cmd.path,
              bytes: reply.length,
            })),
          true,
        );
        return true;
      }
      case NetworkCommand.CONFIRM_PATH: {
        this.trace?.({
          dir: "in",
          from,
          to: self,
          command: "CONFIRM_PATH",
          path: cmd.path,
          bytes: packet.length,
        });
        const psc = this.#pathSendCache?.get(cmd.path);
        if (!psc)
          return this.#drop(
            from,
            "confirm-unknown-path",
            "Tries to confirm a path which was not found in cache.",
            cmd.path,
          );
        if (!psc.confirmed.has(from)) {
          return this.#drop(
            from,
            "confirm-unknown-path",
            "Source peer was not found in cache for the given path.",
            cmd.path,
          );
        }
        psc.confirmed.set(from, true);
        return true;
      }
      case NetworkCommand.RAW: {
        this.trace?.({ dir: "in", from, to: self, command: "RAW", bytes: packet.length });
        const m = this.#methodStats(":raw");
        m.callsIn++;
        m.bytesIn += packet.length;
        this.#signal(from, "network_peer_packet", from, cmd.data);
        return true;
      }
      case NetworkCommand.REMOTE_CALL:
      case NetworkCommand.REMOTE_SET: {
        // Godot's order: node, name, room for values, rpc mode, then the Variants.
        let path: string;
        if ("path" in cmd.target) {
          path = cmd.target.path;
        } else {
          // A peer's cache is made by its first SIMPLIFY_PATH (none: empty, as Godot's).
          const cache = this.#pathGetCache?.get(from);
          if (!cache && !this.#connectedPeers.has(from)) {
            return this.#drop(from, "unknown-peer-cache", "Requests invalid peer cache.");
          }
          const cached = cache?.paths.get(cmd.target.cacheId);
          if (cached === undefined) {
            return this.#drop(
              from,
              "unknown-cached-path",
              `Unable to find requested cached node ${cmd.target.cacheId}.`,
            );
          }
          path = cached;
        }
        const node = this.#nodes?.get(path);
        if (!node) return this.#drop(from, "unknown-node", `Failed to get path from RPC: ${path}.`, path);
        const name = cmd.name;
        if (name === null)
          return this.#drop(from, "unterminated-name", "Invalid packet received. Size too small.", path);
        if (cmd.valuesOffset >= packet.length) {
          return this.#drop(from, "too-short", "Invalid packet received. Size too small.", path, name);
        }
        const isCall = cmd.command === NetworkCommand.REMOTE_CALL;
        const mode = isCall ? node.rpcMode(name) : node.rsetMode(name);
        if (!canCallMode(mode, node.isNetworkMaster(), node.networkMaster, from)) {
          const undeclared = isCall ? !node.getRemoteFunction(name) : !node.getRemoteProperty(name);
          return this.#drop(
            from,
            undeclared ? (isCall ? "unknown-method" : "unknown-property") : "not-allowed",
            `${isCall ? "RPC" : "RSET"} '${name}' is not allowed on node /root/${path} from: ${from}. Mode is ${mode} (${RpcMode[mode]}), master is ${node.networkMaster}.`,
            path,
            name,
          );
        }
        let values: Variant[];
        try {
          values = decodeRemoteValues(packet, cmd, {
            allowObjects: this.allowObjectDecoding || (this.#peer?.allowObjectDecoding ?? false),
          });
        } catch (err) {
          if (err instanceof ScenePacketError) return this.#drop(from, err.reason, err.message, path, name);
          throw err;
        }
        this.trace?.({
          dir: "in",
          from,
          to: self,
          command: isCall ? "REMOTE_CALL" : "REMOTE_SET",
          path,
          ...("cacheId" in cmd.target ? { cacheId: cmd.target.cacheId } : {}),
          name,
          args: values,
          bytes: packet.length,
        });
        const m = this.#methodStats(`${path}:${name}`);
        m.callsIn++;
        m.bytesIn += packet.length;
        if (isCall) {
          const fn = node.getRemoteFunction(name);
          if (fn && (values.length < fn.minArgs || values.length > fn.maxArgs)) {
            // Godot's call error (Variant::get_call_error_text), printed as "RPC - …"; the function does not run.
            const expected =
              fn.minArgs === fn.maxArgs || fn.maxArgs === Number.POSITIVE_INFINITY ? fn.minArgs : fn.maxArgs;
            return this.#drop(
              from,
              "wrong-argument-count",
              `RPC - Error calling method from 'rpc': '/root/${path}::${name}': Method expected ${expected} arguments, but called with ${values.length}.`,
              path,
              name,
            );
          }
          if (fn) this.#guard(() => fn.handler(...values), path, name, from);
        } else {
          this.#guard(() => node.set(name, values[0] ?? null), path, name, from);
        }
        return true;
      }
    }
    return false;
  }

  /**
   * Emits one of our signals to the game's listeners. A listener that throws is a script error, as
   * in Godot (SCRIPT ERROR, carry on): reported, and the other listeners still run. The containment
   * is here, not in SignalEmitter, which keeps EventEmitter's rule (a throw propagates) for
   * emitters whose caller must see it.
   */
  #signal<K extends keyof MultiplayerAPIEvents>(
    from: number,
    signal: K,
    ...args: MultiplayerAPIEvents[K]
  ): void {
    // What is being emitted, for the one error callback: no closure per emission (a swarm makes
    // millions) and no field per instance (an idle bot must stay small). Saved for nested emissions.
    const api = MultiplayerAPI.#emittingApi;
    const outer = MultiplayerAPI.#emittingSignal;
    const outerFrom = MultiplayerAPI.#emittingFrom;
    MultiplayerAPI.#emittingApi = this;
    MultiplayerAPI.#emittingSignal = signal;
    MultiplayerAPI.#emittingFrom = from;
    try {
      this.emitCatching(signal, args, MultiplayerAPI.#onListenerError);
    } finally {
      MultiplayerAPI.#emittingApi = api;
      MultiplayerAPI.#emittingSignal = outer;
      MultiplayerAPI.#emittingFrom = outerFrom;
    }
  }

  static #emittingApi: MultiplayerAPI | null = null;
  static #emittingSignal: keyof MultiplayerAPIEvents = "connected_to_server";
  static #emittingFrom = 0;
  static readonly #onListenerError = (err: unknown): void => {
    const api = MultiplayerAPI.#emittingApi;
    if (api)
      api.#scriptError(err, {
        path: "",
        name: MultiplayerAPI.#emittingSignal,
        from: MultiplayerAPI.#emittingFrom,
      });
  };

  #scriptError(err: unknown, where: ScriptErrorSite): void {
    this.stats.scriptErrors++;
    const warn = (e: unknown) => {
      const at = where.path === "" ? `a ${where.name} listener` : `handler /root/${where.path}:${where.name}`;
      const text = e instanceof Error && e.stack ? e.stack : String(e);
      process.emitWarning(`${at} threw: ${text}`, "GodotPeerScriptError");
    };
    // A script_error listener that throws, too, goes to a warning: there is no one left to tell.
    if (this.listenerCount("script_error") > 0) this.emitCatching("script_error", [err, where], warn);
    else warn(err);
  }

  #guard(fn: () => unknown, path: string, name: string, from: number): void {
    const report = (err: unknown) => this.#scriptError(err, { path, name, from });
    try {
      const r = fn();
      if (r instanceof Promise) r.catch(report);
    } catch (err) {
      report(err);
    }
  }

  #drop(from: number, reason: SceneDropReason, detail: string, path?: string, name?: string): false {
    this.stats.dropped.set(reason, (this.stats.dropped.get(reason) ?? 0) + 1);
    // A server kicking on bad input (kickOnBadInput) kicks for scene-level garbage too.
    const peer = this.#peer;
    if (peer?.kickOnBadInput && peer.isServer() && from !== 1)
      peer.disconnectPeer?.(from, 1008, `bad input: ${reason}`);
    this.#signal(from, "packet_dropped", {
      from,
      reason,
      detail,
      ...(path ? { path } : {}),
      ...(name ? { name } : {}),
    });
    return false;
  }

  #addPeer(id: number): void {
    // Our own id joins the shared copy of the peer set, hidden (see PeerIdSet).
    const self = this.#peer?.getUniqueId() ?? 0;
    if (self > 0) this.#connectedPeers.setSelf(self);
    this.#connectedPeers.add(id);
    // Made on its first SIMPLIFY_PATH: an empty Map per peer per bot is quadratic in a swarm.
    this.#pathGetCache?.delete(id);
    this.#signal(id, "network_peer_connected", id);
  }

  #delPeer(id: number): void {
    this.#connectedPeers.delete(id);
    this.#pathGetCache?.delete(id);
    this.#stats?.byPeer.delete(id); // per-peer state goes with the peer
    for (const psc of this.#pathSendCache?.values() ?? []) psc.confirmed.delete(id);
    this.#signal(id, "network_peer_disconnected", id);
  }

  #methodStats(key: string): MethodStats {
    let m = this.stats.byMethod.get(key);
    if (!m) {
      m = { callsIn: 0, callsOut: 0, bytesIn: 0, bytesOut: 0 };
      this.stats.byMethod.set(key, m);
    }
    return m;
  }

  #peerStats(id: number): PeerStats {
    let p = this.stats.byPeer.get(id);
    if (!p) {
      p = { packetsIn: 0, packetsOut: 0, bytesIn: 0, bytesOut: 0 };
      this.stats.byPeer.set(id, p);
    }
    return p;
  }
}
