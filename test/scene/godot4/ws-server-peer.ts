/**
 * The smallest Godot 4 WebSocket server peer, for testing our SceneMultiplayer as a server
 * against real Godot clients before src/server's own lands: greets each client with its id (4
 * bytes), then one message = one packet. It records what it sends, as a capture would.
 */
import { type WebSocket, WebSocketServer } from "ws";
import type { MultiplayerPeer, MultiplayerPeerHandlers } from "../../../src/multiplayer/index.js";
import { TransferMode4 } from "../../../src/multiplayer/index.js";
import { ConnectionStatus, GodotError } from "../../../src/websocket/index.js";

interface Queued {
  readonly from: number;
  readonly packet: Uint8Array;
}

export class WsServerPeer implements MultiplayerPeer {
  transferMode: TransferMode4 = TransferMode4.RELIABLE;
  transferChannel = 0;
  refuseNewConnections = false;
  readonly sent: { to: number; packet: Uint8Array }[] = [];
  readonly #handlers = new Set<MultiplayerPeerHandlers>();
  readonly #queue: Queued[] = [];
  readonly #clients = new Map<number, WebSocket>();
  readonly #server: WebSocketServer;
  #target = 0;
  #nextId = 1000;
  readonly listening: Promise<number>;

  constructor() {
    this.#server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
    this.listening = new Promise((resolve) =>
      this.#server.once("listening", () => resolve((this.#server.address() as { port: number }).port)),
    );
    this.#server.on("connection", (ws: WebSocket) => {
      const id = this.#nextId++;
      this.#clients.set(id, ws);
      const greeting = Buffer.alloc(4);
      greeting.writeInt32LE(id);
      ws.send(greeting);
      for (const h of this.#handlers) h.peer_connected(id);
      ws.on("message", (data: Buffer) => {
        this.#queue.push({ from: id, packet: new Uint8Array(data) });
        for (const h of this.#handlers) h.peer_packet(id);
      });
      ws.on("close", () => {
        if (this.#clients.delete(id)) for (const h of this.#handlers) h.peer_disconnected(id);
      });
    });
  }

  subscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.add(h);
  }
  unsubscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.delete(h);
  }
  poll(): void {}
  close(): void {
    for (const ws of this.#clients.values()) ws.terminate();
    this.#server.close();
  }
  disconnectPeer(id: number): void {
    this.#clients.get(id)?.close(1000);
  }
  getAvailablePacketCount(): number {
    return this.#queue.length;
  }
  getPacketPeer(): number {
    return this.#queue[0]?.from ?? 0;
  }
  getPacketChannel(): number {
    return 0;
  }
  getPacketMode(): TransferMode4 {
    return TransferMode4.RELIABLE;
  }
  getPacket(): Uint8Array | null {
    return this.#queue.shift()?.packet ?? null;
  }
  putPacket(payload: Uint8Array): GodotError {
    const to = this.#target;
    for (const [id, ws] of this.#clients) {
      if (to > 0 ? id !== to : to < 0 && id === -to) continue;
      this.sent.push({ to: id, packet: payload });
      ws.send(payload);
    }
    return GodotError.OK;
  }
  setTargetPeer(id: number): void {
    this.#target = id;
  }
  getTargetPeer(): number {
    return this.#target;
  }
  getUniqueId(): number {
    return 1;
  }
  isServer(): boolean {
    return true;
  }
  isServerRelaySupported(): boolean {
    return true;
  }
  getConnectionStatus(): ConnectionStatus {
    return ConnectionStatus.CONNECTED;
  }
}
