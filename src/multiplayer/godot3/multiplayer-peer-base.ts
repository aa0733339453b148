/**
 * What Godot's WebSocketMultiplayerPeer gives both its client and its server: the queue of
 * payloads for the MultiplayerAPI, the target peer, the transfer mode (always reliable on
 * WebSocket), refuse_new_connections, and the signal wiring a MultiplayerAPI subscribes to.
 */

import { type ConnectionStatus, type GodotError, SignalEmitter } from "../../core/index.js";
import {
  type NetworkedMultiplayerPeer,
  type NetworkedMultiplayerPeerEvents,
  type PeerSignalHandlers,
  TransferMode,
} from "./networked-multiplayer-peer.js";

interface QueuedPacket {
  readonly from: number;
  readonly payload: Uint8Array;
}

const NONE: readonly PeerSignalHandlers[] = [];

export abstract class MultiplayerPeerBase<
    E extends NetworkedMultiplayerPeerEvents & Record<keyof E, unknown[]>,
  >
  extends SignalEmitter<E>
  implements NetworkedMultiplayerPeer
{
  /** Packets for the MultiplayerAPI, oldest first (made on the first packet). */
  #queue: QueuedPacket[] | null = null;
  #targetPeer = 0;
  #transferMode = TransferMode.RELIABLE;
  #refusing = false;
  /** The subscribers: nearly always one (the MultiplayerAPI), so the first has its own field. */
  #subscriber: PeerSignalHandlers | null = null;
  #moreSubscribers: PeerSignalHandlers[] | null = null;

  abstract poll(): void;
  abstract putPacket(payload: Uint8Array): GodotError;
  abstract getUniqueId(): number;
  abstract isServer(): boolean;
  abstract getConnectionStatus(): ConnectionStatus;

  /** The signals as any NetworkedMultiplayerPeer has them (subclasses may emit more). */
  protected get signals(): SignalEmitter<NetworkedMultiplayerPeerEvents> {
    return this as unknown as SignalEmitter<NetworkedMultiplayerPeerEvents>;
  }

  subscribe(h: PeerSignalHandlers): void {
    if (this.#subscriber === h || this.#moreSubscribers?.includes(h)) return;
    if (this.#subscriber === null) this.#subscriber = h;
    else if (this.#moreSubscribers === null) this.#moreSubscribers = [h];
    else this.#moreSubscribers.push(h);
  }

  unsubscribe(h: PeerSignalHandlers): void {
    const more = this.#moreSubscribers;
    if (this.#subscriber === h) {
      this.#subscriber = more?.shift() ?? null;
    } else {
      const at = more ? more.indexOf(h) : -1;
      if (at < 0) return;
      more!.splice(at, 1);
    }
    if (more?.length === 0) this.#moreSubscribers = null;
  }

  // The signals: subscribers (a MultiplayerAPI) are called directly, then the peer's own listeners.
  // Direct calls, not listeners per subscriber: a swarm process takes millions of these a second.

  protected peerConnected(id: number): void {
    this.#subscriber?.peer_connected(id);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_connected(id);
    this.signals.emit("peer_connected", id);
  }

  protected peerDisconnected(id: number): void {
    this.#subscriber?.peer_disconnected(id);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_disconnected(id);
    this.signals.emit("peer_disconnected", id);
  }

  protected connectionSucceeded(): void {
    this.#subscriber?.connection_succeeded();
    for (const h of this.#moreSubscribers ?? NONE) h.connection_succeeded();
    this.signals.emit("connection_succeeded");
  }

  protected connectionFailed(): void {
    this.#subscriber?.connection_failed();
    for (const h of this.#moreSubscribers ?? NONE) h.connection_failed();
    this.signals.emit("connection_failed");
  }

  protected serverDisconnected(): void {
    this.#subscriber?.server_disconnected();
    for (const h of this.#moreSubscribers ?? NONE) h.server_disconnected();
    this.signals.emit("server_disconnected");
  }

  /** Queues a payload for the MultiplayerAPI and emits peer_packet, as Godot's _store_pkt. */
  protected storePacket(from: number, payload: Uint8Array): void {
    const packet = { from, payload };
    if (this.#queue === null) this.#queue = [packet];
    else this.#queue.push(packet);
    this.#subscriber?.peer_packet(from);
    for (const h of this.#moreSubscribers ?? NONE) h.peer_packet(from);
    this.signals.emit("peer_packet", from);
  }

  protected clearPackets(): void {
    this.#queue = null;
  }

  getAvailablePacketCount(): number {
    return this.#queue?.length ?? 0;
  }

  getPacketPeer(): number {
    return this.#queue?.[0]?.from ?? 1;
  }

  getPacket(): Uint8Array {
    const p = this.#queue?.shift();
    if (!p) throw new RangeError("getPacket: no packet available");
    return p.payload;
  }

  setTargetPeer(id: number): void {
    this.#targetPeer = id;
  }

  getTargetPeer(): number {
    return this.#targetPeer;
  }

  get transferMode(): TransferMode {
    // WebSocket is TCP: Godot reports reliable whatever was set.
    return TransferMode.RELIABLE;
  }

  set transferMode(mode: TransferMode) {
    this.#transferMode = mode;
  }

  /** The mode last asked for (Godot forgets it; kept for counters and traces). */
  get requestedTransferMode(): TransferMode {
    return this.#transferMode;
  }

  get refuseNewConnections(): boolean {
    return this.#refusing;
  }

  set refuseNewConnections(value: boolean) {
    this.#refusing = value;
  }

  get allowObjectDecoding(): boolean {
    return false;
  }
}
