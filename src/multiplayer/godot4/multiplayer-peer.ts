/**
 * MultiplayerPeer as Godot 4 defines it (core/io/multiplayer_peer.h): what SceneMultiplayer
 * (src/scene/godot4) needs from a transport. Godot 4's WebSocketMultiplayerPeer, client side
 * (src/multiplayer/godot4) and the Node server's side (src/server/godot4) implement it.
 *
 * Differences from Godot 3's NetworkedMultiplayerPeer: no framing of its own (one message is one
 * packet, the sender is known from the connection), channels, disconnect_peer, server relay
 * support, and signals reduced to peer_connected / peer_disconnected (SceneMultiplayer reads the
 * connection status in poll()).
 */
import type { ConnectionStatus, GodotError } from "../../core/index.js";

/** MultiplayerPeer.TransferMode (Godot 4 numbering). WebSocket carries every mode reliably. */
export const TransferMode4 = {
  UNRELIABLE: 0,
  UNRELIABLE_ORDERED: 1,
  RELIABLE: 2,
} as const;
export type TransferMode4 = (typeof TransferMode4)[keyof typeof TransferMode4];

/** MultiplayerPeer.TARGET_PEER_BROADCAST / TARGET_PEER_SERVER. */
export const TARGET_PEER_BROADCAST4 = 0;
export const TARGET_PEER_SERVER4 = 1;

/**
 * What SceneMultiplayer does on the peer's signals. Called directly (no emitter, no closure per
 * peer): an idle bot in a swarm of 20,000 must cost next to nothing.
 */
export interface MultiplayerPeerHandlers {
  /** Godot's `peer_connected`: a client learns 1 when its id greeting arrives. */
  peer_connected(id: number): void;
  peer_disconnected(id: number): void;
  /** Beyond Godot: a packet from `id` was queued (event style processes it at once). */
  peer_packet(id: number): void;
  /** Beyond Godot: getConnectionStatus() changed (Godot's SceneMultiplayer notices in poll()). */
  connection_status_changed(status: ConnectionStatus): void;
}

export interface MultiplayerPeer {
  subscribe(handlers: MultiplayerPeerHandlers): void;
  unsubscribe(handlers: MultiplayerPeerHandlers): void;
  poll(): void;
  close(): void;
  /** Godot 4: `disconnect_peer(peer, force)`; on a client only 1 is known. */
  disconnectPeer(id: number, force?: boolean): void;
  getAvailablePacketCount(): number;
  /** Sender of the packet getPacket() returns next. */
  getPacketPeer(): number;
  getPacketChannel(): number;
  getPacketMode(): TransferMode4;
  /** The next packet; null when none is queued. */
  getPacket(): Uint8Array | null;
  /** Sends to the target peer (setTargetPeer); 0 = broadcast, −X = all but X. */
  putPacket(payload: Uint8Array): GodotError;
  setTargetPeer(id: number): void;
  getTargetPeer(): number;
  transferMode: TransferMode4;
  transferChannel: number;
  refuseNewConnections: boolean;
  getUniqueId(): number;
  isServer(): boolean;
  isServerRelaySupported(): boolean;
  getConnectionStatus(): ConnectionStatus;
  /** Why the last call that returned an error failed, when the peer knows (Godot prints it). */
  readonly lastError?: Error | null;
}
