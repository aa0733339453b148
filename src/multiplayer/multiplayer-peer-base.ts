/**
 * What Godot's WebSocketMultiplayerPeer gives both its client and its server: the queue of
 * payloads for the MultiplayerAPI, the target peer, the transfer mode (always reliable on
 * WebSocket), refuse_new_connections, and the signal wiring a MultiplayerAPI subscribes to.
 */
import { EventEmitter } from "node:events";
import type { ConnectionStatus, GodotError } from "../websocket/index.js";
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
  extends EventEmitter<E>
  implements NetworkedMultiplayerPeer
{
  #queue: QueuedPacket[] = [];
  #targetPeer = 0;
  #transferMode = TransferMode.RELIABLE;
  #refusing = false;
  #subscribers: PeerSignalHandlers[] | null = null;

  abstract poll(): void;
  abstract putPacket(payload: Uint8Array): GodotError;
  abstract getUniqueId(): number;
  abstract isServer(): boolean;
  abstract getConnectionStatus(): ConnectionStatus;

  /** The signals as any NetworkedMultiplayerPeer has them (subclasses may emit more). */
  protected get signals(): EventEmitter<NetworkedMultiplayerPeerEvents> {
    return this as unknown as EventEmitter<NetworkedMultiplayerPeerEvents>;
  }

  subscribe(h: PeerSignalHandlers): void {
    if (!this.#subscribers) this.#subscribers = [h];
    else if (!this.#subscribers.includes(h)) this.#subscribers.push(h);
  }

  unsubscribe(h: PeerSignalHandlers): void {
    const subs = this.#subscribers;
    const at = subs ? subs.indexOf(h) : -1;
    if (!subs || at < 0) return;
    subs.splice(at, 1);
    if (subs.length === 0) this.#subscribers = null;
  }

  // The signals: subscribers (a MultiplayerAPI) are called directly, then the peer's own listeners.
  // Direct calls, not listeners per subscriber: a swarm process takes millions of these a second.

  protected peerConnected(id: number): void {
    for (const h of this.#subscribers ?? NONE) h.peer_connected(id);
    this.signals.emit("peer_connected", id);
  }

  protected peerDisconnected(id: number): void {
    for (const h of this.#subscribers ?? NONE) h.peer_disconnected(id);
    this.signals.emit("peer_disconnected", id);
  }

  protected connectionSucceeded(): void {
    for (const h of this.#subscribers ?? NONE) h.connection_succeeded();
    this.signals.emit("connection_succeeded");
  }

  protected connectionFailed(): void {
    for (const h of this.#subscribers ?? NONE) h.connection_failed();
    this.signals.emit("connection_failed");
  }

  protected serverDisconnected(): void {
    for (const h of this.#subscribers ?? NONE) h.server_disconnected();
    this.signals.emit("server_disconnected");
  }

  /** Queues a payload for the MultiplayerAPI and emits peer_packet, as Godot's _store_pkt. */
  protected storePacket(from: number, payload: Uint8Array): void {
    this.#queue.push({ from, payload });
    for (const h of this.#subscribers ?? NONE) h.peer_packet(from);
    this.signals.emit("peer_packet", from);
  }

  protected clearPackets(): void {
    this.#queue = [];
  }

  getAvailablePacketCount(): number {
    return this.#queue.length;
  }

  getPacketPeer(): number {
    return this.#queue[0]?.from ?? 1;
  }

  getPacket(): Uint8Array {
    const p = this.#queue.shift();
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
