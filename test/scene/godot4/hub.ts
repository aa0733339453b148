/**
 * An in-memory MultiplayerPeer network for SceneMultiplayer tests: one server peer (id 1) and
 * clients, with Godot 4's WebSocket semantics (one message = one packet, a client talks only to
 * the server, the server greets a client with its id). Nothing is delivered until run(), so
 * every test is deterministic and no call re-enters another.
 */
import type { MultiplayerPeer, MultiplayerPeerHandlers } from "../../../src/multiplayer/index.js";
import { TransferMode4 } from "../../../src/multiplayer/index.js";
import { ConnectionStatus, GodotError } from "../../../src/websocket/index.js";

interface Queued {
  readonly from: number;
  readonly packet: Uint8Array;
  readonly mode: TransferMode4;
  readonly channel: number;
}

type HubEvent =
  | { readonly kind: "packet"; readonly to: HubPeer; readonly item: Queued }
  | { readonly kind: "greet"; readonly client: HubPeer }
  | { readonly kind: "drop"; readonly client: HubPeer };

/** What went over the wire, in order: the bytes a real capture would show (hex made when read). */
export class WireRecord {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly packet: Uint8Array,
  ) {}
  get hex(): string {
    return hex(this.packet);
  }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const bytes = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h.replace(/[\s|]/g, ""), "hex"));

export class HubPeer implements MultiplayerPeer {
  transferMode: TransferMode4 = TransferMode4.RELIABLE;
  transferChannel = 0;
  refuseNewConnections = false;
  lastError: Error | null = null;
  status: ConnectionStatus;
  readonly #handlers = new Set<MultiplayerPeerHandlers>();
  readonly #inbox: Queued[] = [];
  #head = 0;
  #target = 0;
  /** Refuse the next put with this error (tests of send failures). */
  failNextPut: GodotError | null = null;

  constructor(
    readonly hub: Hub,
    readonly id: number,
    readonly server: boolean,
  ) {
    this.status = server ? ConnectionStatus.CONNECTED : ConnectionStatus.CONNECTING;
  }

  subscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.add(h);
  }
  unsubscribe(h: MultiplayerPeerHandlers): void {
    this.#handlers.delete(h);
  }
  poll(): void {}
  close(): void {
    if (this.status === ConnectionStatus.DISCONNECTED) return;
    if (this.server) {
      for (const c of this.hub.clients.values()) this.hub.drop(c);
      this.setStatus(ConnectionStatus.DISCONNECTED);
    } else {
      this.hub.drop(this);
    }
  }
  disconnectPeer(id: number): void {
    if (this.server) {
      const c = this.hub.clients.get(id);
      if (c) this.hub.drop(c);
    } else if (id === 1) this.close();
  }
  getAvailablePacketCount(): number {
    return this.#inbox.length - this.#head;
  }
  getPacketPeer(): number {
    return this.#inbox[this.#head]?.from ?? 0;
  }
  getPacketChannel(): number {
    return this.#inbox[this.#head]?.channel ?? 0;
  }
  getPacketMode(): TransferMode4 {
    return this.#inbox[this.#head]?.mode ?? TransferMode4.RELIABLE;
  }
  getPacket(): Uint8Array | null {
    const q = this.#inbox[this.#head];
    if (!q) return null;
    this.#head++;
    if (this.#head === this.#inbox.length) {
      this.#inbox.length = 0;
      this.#head = 0;
    }
    return q.packet;
  }
  putPacket(payload: Uint8Array): GodotError {
    if (this.failNextPut !== null) {
      const e = this.failNextPut;
      this.failNextPut = null;
      this.lastError = new Error("refused by the test");
      return e;
    }
    if (this.status !== ConnectionStatus.CONNECTED) return GodotError.ERR_UNCONFIGURED;
    const item = {
      from: this.id,
      packet: Uint8Array.from(payload),
      mode: this.transferMode,
      channel: this.transferChannel,
    };
    if (!this.server) {
      this.hub.enqueue(this, this.hub.server, item);
      return GodotError.OK;
    }
    const targets =
      this.#target > 0
        ? [this.#target]
        : [...this.hub.clients.keys()].filter((id) => this.#target === 0 || id !== -this.#target);
    for (const id of targets) {
      const c = this.hub.clients.get(id);
      if (!c) return GodotError.ERR_INVALID_PARAMETER;
      this.hub.enqueue(this, c, item);
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
    return this.id;
  }
  isServer(): boolean {
    return this.server;
  }
  isServerRelaySupported(): boolean {
    return true;
  }
  getConnectionStatus(): ConnectionStatus {
    return this.status;
  }

  // ---- the hub's side ----
  receive(item: Queued): void {
    if (this.status !== ConnectionStatus.CONNECTED) return;
    this.#inbox.push(item);
    for (const h of [...this.#handlers]) h.peer_packet(item.from);
  }
  setStatus(s: ConnectionStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const h of [...this.#handlers]) h.connection_status_changed(s);
  }
  signalConnected(id: number): void {
    for (const h of [...this.#handlers]) h.peer_connected(id);
  }
  signalDisconnected(id: number): void {
    for (const h of [...this.#handlers]) h.peer_disconnected(id);
  }
}

export class Hub {
  readonly server: HubPeer = new HubPeer(this, 1, true);
  readonly clients = new Map<number, HubPeer>();
  readonly wire: WireRecord[] = [];
  /** The transfer mode and channel each packet was put with (not on the wire: kept beside it). */
  readonly modes: { readonly from: number; readonly mode: TransferMode4; readonly channel: number }[] = [];
  #events: HubEvent[] = [];
  #head = 0;
  #nextId = 2;

  /** A client that will be greeted with `id` (default: 2, 3, …) on the next run(). */
  connect(id: number = this.#nextId++): HubPeer {
    const c = new HubPeer(this, id, false);
    this.#events.push({ kind: "greet", client: c });
    return c;
  }

  enqueue(from: HubPeer, to: HubPeer, item: Queued): void {
    this.wire.push(new WireRecord(from.id, to.id, item.packet));
    this.modes.push({ from: from.id, mode: item.mode, channel: item.channel });
    this.#events.push({ kind: "packet", to, item });
  }

  drop(client: HubPeer): void {
    this.#events.push({ kind: "drop", client });
  }

  /** Delivers everything queued, and what that causes, until the network is quiet. */
  run(maxEvents = 10_000_000): number {
    let n = 0;
    while (this.#head < this.#events.length) {
      if (++n > maxEvents) throw new Error("the hub did not settle");
      const e = this.#events[this.#head++] as HubEvent;
      if (this.#head > 4096 && this.#head * 2 > this.#events.length) {
        this.#events = this.#events.slice(this.#head);
        this.#head = 0;
      }
      if (e.kind === "packet") e.to.receive(e.item);
      else if (e.kind === "greet") {
        if (e.client.status === ConnectionStatus.DISCONNECTED) continue; // gave up while connecting
        this.clients.set(e.client.id, e.client);
        // The server admits first (and may queue packets for the newcomer), then the id arrives.
        this.server.signalConnected(e.client.id);
        e.client.setStatus(ConnectionStatus.CONNECTED);
        e.client.signalConnected(1);
      } else {
        const c = e.client;
        if (!this.clients.delete(c.id)) continue;
        // As Godot's WebSocketMultiplayerPeer: peer_disconnected(1), then the status.
        c.signalDisconnected(1);
        c.setStatus(ConnectionStatus.DISCONNECTED);
        this.server.signalDisconnected(c.id);
      }
    }
    return n;
  }

  /** The wire records since `mark` (an index from `wire.length`). */
  since(mark: number): WireRecord[] {
    return this.wire.slice(mark);
  }
}
