/**
 * NetworkedMultiplayerPeer: what the MultiplayerAPI (src/scene) needs from a transport, as
 * Godot 3 defines it. Our WebSocketMultiplayerPeer (client) and the Node server implement it.
 */
import type { ConnectionStatus, GodotError } from "../../core/index.js";
import type { FrameError } from "./protocol.js";

/** NetworkedMultiplayerPeer.TransferMode. WebSocket is always reliable, whatever is asked. */
export enum TransferMode {
  UNRELIABLE = 0,
  UNRELIABLE_ORDERED = 1,
  RELIABLE = 2,
}

/** Signals, with Godot's names. */
export interface NetworkedMultiplayerPeerEvents {
  peer_connected: [id: number];
  peer_disconnected: [id: number];
  connection_succeeded: [];
  connection_failed: [];
  server_disconnected: [];
  /** WebSocketMultiplayerPeer's own signal: a packet from `id` was queued. */
  peer_packet: [id: number];
  /** Beyond Godot: a frame Godot would refuse (ERR_FAIL), dropped and reported; `from` is the connection's peer. */
  frame_dropped: [error: FrameError, from: number];
}

/** What a MultiplayerAPI does on each of the peer's signals. */
export interface PeerSignalHandlers {
  peer_connected(id: number): void;
  peer_disconnected(id: number): void;
  connection_succeeded(): void;
  connection_failed(): void;
  server_disconnected(): void;
  peer_packet(id: number): void;
}

export interface NetworkedMultiplayerPeer {
  /** Connects the handlers to the peer's signals (called in the order subscribed). */
  subscribe(handlers: PeerSignalHandlers): void;
  unsubscribe(handlers: PeerSignalHandlers): void;
  poll(): void;
  getAvailablePacketCount(): number;
  /** Sender of the packet getPacket() returns next. */
  getPacketPeer(): number;
  getPacket(): Uint8Array;
  putPacket(payload: Uint8Array): GodotError;
  setTargetPeer(id: number): void;
  getTargetPeer(): number;
  transferMode: TransferMode;
  getUniqueId(): number;
  isServer(): boolean;
  getConnectionStatus(): ConnectionStatus;
  refuseNewConnections: boolean;
  /** Why the last call that returned an error failed, when the peer knows (Godot prints it). */
  readonly lastError?: Error | null;
  /** PacketPeer.allow_object_decoding of the peer (Godot 3 ORs it with the MultiplayerAPI's). */
  readonly allowObjectDecoding: boolean;
  /** A server's disconnect_peer(id, code, reason) (WebSocketServer's, ENet's; Godot 4's MultiplayerPeer's). */
  disconnectPeer?(id: number, code?: number, reason?: string): void;
  /** Beyond Godot, a server's option: close a client that sends what Godot would refuse (1008). */
  readonly kickOnBadInput?: boolean;
}
