/**
 * The smallest Godot 4 WebSocket client peer, for testing SceneMultiplayer against a real engine
 * before src/multiplayer/godot4's own client lands: the 4-byte id greeting, then one message =
 * one packet from peer 1. It records the bytes both ways, as a capture would.
 */
import WebSocket from "ws";
import type { MultiplayerPeer, MultiplayerPeerHandlers } from "../../../src/multiplayer/index.js";
import { TransferMode4 } from "../../../src/multiplayer/index.js";
import { ConnectionStatus, GodotError } from "../../../src/websocket/index.js";

export class WsClientPeer implements MultiplayerPeer {
  transferMode: TransferMode4 = TransferMode4.RELIABLE;
  transferChannel = 0;
  refuseNewConnections = false;
  readonly received: Uint8Array[] = [];
  readonly sent: Uint8Array[] = [];
  readonly #handlers = new Set<MultiplayerPeerHandlers>();
  readonly #queue: Uint8Array[] = [];
  readonly #ws: WebSocket;
  #id = 0;
  #status: ConnectionStatus = ConnectionStatus.CONNECTING;

  constructor(url: string) {
    this.#ws = new WebSocket(url);
    this.#ws.binaryType = "nodebuffer";
    this.#ws.on("message", (data: Buffer) => {
      const p = new Uint8Array(data);
      if (this.#id === 0) {
        this.#id = data.readInt32LE(0);
        this.#status = ConnectionStatus.CONNECTED;
        for (const h of this.#handlers) h.connection_status_changed(this.#status);
        for (const h of this.#handlers) h.peer_connected(1);
        return;
      }
      this.received.push(p);
      this.#queue.push(p);
      for (const h of this.#handlers) h.peer_packet(1);
    });
    this.#ws.on("close", () => {
      if (this.#status === ConnectionStatus.CONNECTED) for (const h of this.#handlers) h.peer_disconnected(1);
      this.#status = ConnectionStatus.DISCONNECTED;
      for (const h of this.#handlers) h.connection_status_changed(this.#status);
    });
    this.#ws.on("error", () => {});
  }

  subscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.add(h);
  }
  unsubscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.delete(h);
  }
  poll(): void {}
  close(): void {
    this.#ws.close();
  }
  disconnectPeer(): void {
    this.#ws.close();
  }
  getAvailablePacketCount(): number {
    return this.#queue.length;
  }
  getPacketPeer(): number {
    return 1;
  }
  getPacketChannel(): number {
    return 0;
  }
  getPacketMode(): TransferMode4 {
    return TransferMode4.RELIABLE;
  }
  getPacket(): Uint8Array | null {
    return this.#queue.shift() ?? null;
  }
  putPacket(payload: Uint8Array): GodotError {
    if (this.#status !== ConnectionStatus.CONNECTED) return GodotError.ERR_UNCONFIGURED;
    this.sent.push(payload);
    this.#ws.send(payload);
    return GodotError.OK;
  }
  setTargetPeer(): void {}
  getTargetPeer(): number {
    return 1;
  }
  getUniqueId(): number {
    return this.#id;
  }
  isServer(): boolean {
    return false;
  }
  isServerRelaySupported(): boolean {
    return true;
  }
  getConnectionStatus(): ConnectionStatus {
    return this.#status;
  }
}
