/**
 * What Godot 4's WebSocketMultiplayerPeer gives both its client (here) and its server
 * (src/server/godot4): the queue of incoming packets with their senders, the target peer, the
 * transfer mode and channel (kept, never on the wire), refuse_new_connections, and the direct
 * calls to the subscribed handlers (SceneMultiplayer).
 *
 * Memory: a swarm holds 20,000 idle clients, so the queue is made on the first packet and the
 * first subscriber has a field of its own (there is nearly always exactly one).
 */
import type { ConnectionStatus, GodotError } from "../../websocket/index.js";
import { type MultiplayerPeer, type MultiplayerPeerHandlers, TransferMode4 } from "./multiplayer-peer.js";

const NONE: readonly MultiplayerPeerHandlers[] = [];

/** Incoming payloads and their senders, oldest at `head` (parallel arrays: no object per packet). */
interface PacketQueue {
  payloads: Uint8Array[];
  sources: number[];
  head: number;
}

export abstract class MultiplayerPeer4Base implements MultiplayerPeer {
  /** The packets not yet read: made on the first, dropped once drained (an idle peer holds none). */
  #queue: PacketQueue | null = null;
  #targetPeer = 0;
  #subscriber: MultiplayerPeerHandlers | null = null;
  #moreSubscribers: MultiplayerPeerHandlers[] | null = null;
  /** MultiplayerPeer.transfer_mode: kept for SceneMultiplayer; WebSocket sends everything reliably. */
  transferMode: TransferMode4 = TransferMode4.RELIABLE;
  /** MultiplayerPeer.transfer_channel: kept; WebSocket has one channel. */
  transferChannel = 0;
  /** MultiplayerPeer.refuse_new_connections. */
  refuseNewConnections = false;
  lastError: Error | null = null;

  abstract poll(): void;
  abstract close(): void;
  abstract disconnectPeer(id: number, force?: boolean): void;
  abstract putPacket(payload: Uint8Array): GodotError;
  abstract getUniqueId(): number;
  abstract isServer(): boolean;
  abstract getConnectionStatus(): ConnectionStatus;

  subscribe(h: MultiplayerPeerHandlers): void {
    if (this.#subscriber === h || this.#moreSubscribers?.includes(h)) return;
    if (this.#subscriber === null) this.#subscriber = h;
    // Copy on write: a dispatch under way keeps iterating the list it started with.
    else this.#moreSubscribers = this.#moreSubscribers === null ? [h] : [...this.#moreSubscribers, h];
  }

  unsubscribe(h: MultiplayerPeerHandlers): void {
    const more = this.#moreSubscribers;
    if (this.#subscriber === h) {
      this.#subscriber = more?.[0] ?? null;
      this.#moreSubscribers = more === null || more.length === 1 ? null : more.slice(1);
      return;
    }
    if (more === null || !more.includes(h)) return;
    const rest = more.filter((x) => x !== h);
    this.#moreSubscribers = rest.length === 0 ? null : rest;
  }

  // ---- the signals: called directly, the first subscriber first ----

  protected peerConnected(id: number): void {
    this.#subscriber?.peer_connected(id);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_connected(id);
  }

  protected peerDisconnected(id: number): void {
    this.#subscriber?.peer_disconnected(id);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_disconnected(id);
  }

  protected statusChanged(status: ConnectionStatus): void {
    this.#subscriber?.connection_status_changed(status);
    for (const h of this.#moreSubscribers ?? NONE) h.connection_status_changed(status);
  }

  /** Queues a packet from `from` and tells the subscribers (Godot queues it in poll()). */
  protected storePacket(from: number, payload: Uint8Array): void {
    const q = this.#queue;
    if (q === null) {
      this.#queue = { payloads: [payload], sources: [from], head: 0 };
    } else {
      q.payloads.push(payload);
      q.sources.push(from);
    }
    this.#subscriber?.peer_packet(from);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_packet(from);
  }

  /** Godot's _clear(): unread packets go. */
  protected clearPackets(): void {
    this.#queue = null;
  }

  getAvailablePacketCount(): number {
    const q = this.#queue;
    return q === null ? 0 : q.payloads.length - q.head;
  }

  /** Sender of the next packet; 1 when none is queued (Godot's ERR_FAIL_COND_V(…, 1)). */
  getPacketPeer(): number {
    const q = this.#queue;
    return q === null || q.head >= q.payloads.length ? 1 : q.sources[q.head]!;
  }

  /** Always 0: WebSocket has one channel (Godot's WebSocketMultiplayerPeer says the same). */
  getPacketChannel(): number {
    return 0;
  }

  /** Always RELIABLE: everything went over one TCP stream. */
  getPacketMode(): TransferMode4 {
    return TransferMode4.RELIABLE;
  }

  /** Beyond Godot: the packet getPacket() returns next, left in the queue (null when none). */
  peekPacket(): Uint8Array | null {
    const q = this.#queue;
    return q === null || q.head >= q.payloads.length ? null : q.payloads[q.head]!;
  }

  getPacket(): Uint8Array | null {
    const q = this.#queue;
    if (q === null || q.head >= q.payloads.length) return null;
    const payloads = q.payloads;
    const p = payloads[q.head]!;
    payloads[q.head] = undefined as unknown as Uint8Array;
    q.head++;
    if (q.head === payloads.length) {
      // Drained: keep nothing (an idle peer holds no array).
      this.clearPackets();
    } else if (q.head > 64 && q.head * 2 > payloads.length) {
      q.payloads = payloads.slice(q.head);
      q.sources = q.sources.slice(q.head);
      q.head = 0;
    }
    return p;
  }

  setTargetPeer(id: number): void {
    this.#targetPeer = id;
  }

  getTargetPeer(): number {
    return this.#targetPeer;
  }

  /** Godot's WebSocketMultiplayerPeer relays through the server: SceneMultiplayer's server_relay works. */
  isServerRelaySupported(): boolean {
    return true;
  }
}
