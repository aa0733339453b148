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

/** Any peer base: the relays below touch only fields every one has. */
// biome-ignore lint/suspicious/noExplicitAny: any event map
type AnyPeerBase = MultiplayerPeerBase<any>;

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

  // One listener per signal for all peers, reading the subscribers from `this`: a swarm holds
  // thousands of peers, and a bound function per peer per signal cost a kilobyte a bot.
  static readonly #relays: ReadonlyArray<readonly [keyof PeerSignalHandlers, (...a: never[]) => void]> = [
    [
      "peer_connected",
      function (this: AnyPeerBase, id: number) {
        for (const h of this.#subscribers ?? []) h.peer_connected(id);
      },
    ],
    [
      "peer_disconnected",
      function (this: AnyPeerBase, id: number) {
        for (const h of this.#subscribers ?? []) h.peer_disconnected(id);
      },
    ],
    [
      "connection_succeeded",
      function (this: AnyPeerBase) {
        for (const h of this.#subscribers ?? []) h.connection_succeeded();
      },
    ],
    [
      "connection_failed",
      function (this: AnyPeerBase) {
        for (const h of this.#subscribers ?? []) h.connection_failed();
      },
    ],
    [
      "server_disconnected",
      function (this: AnyPeerBase) {
        for (const h of this.#subscribers ?? []) h.server_disconnected();
      },
    ],
    [
      "peer_packet",
      function (this: AnyPeerBase, id: number) {
        for (const h of this.#subscribers ?? []) h.peer_packet(id);
      },
    ],
  ];

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
    if (this.#subscribers) {
      if (!this.#subscribers.includes(h)) this.#subscribers.push(h);
      return;
    }
    this.#subscribers = [h];
    const e = this as unknown as EventEmitter;
    for (const [s, fn] of MultiplayerPeerBase.#relays) e.on(s, fn as (...a: unknown[]) => void);
  }

  unsubscribe(h: PeerSignalHandlers): void {
    const subs = this.#subscribers;
    const at = subs ? subs.indexOf(h) : -1;
    if (!subs || at < 0) return;
    subs.splice(at, 1);
    if (subs.length > 0) return;
    this.#subscribers = null;
    const e = this as unknown as EventEmitter;
    for (const [s, fn] of MultiplayerPeerBase.#relays) e.off(s, fn as (...a: unknown[]) => void);
  }

  /** Queues a payload for the MultiplayerAPI and emits peer_packet, as Godot's _store_pkt. */
  protected storePacket(from: number, payload: Uint8Array): void {
    this.#queue.push({ from, payload });
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
