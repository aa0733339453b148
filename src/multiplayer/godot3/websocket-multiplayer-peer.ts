/**
 * The client side of Godot 3's WebSocketMultiplayerPeer: what a WebSocketClient becomes with
 * `connect_to_url(url, protocols, true)`. It owns a WebSocketClient in gd_mp_api mode, frames
 * payloads with the 9-byte header, learns its id from SYS_ID, tracks peers from SYS_ADD/SYS_DEL
 * and queues payloads for the MultiplayerAPI, as `_process_multiplayer` does for a client.
 */

import { performance } from "node:perf_hooks";
import { type ConnectionStatus, GodotError } from "../../core/index.js";
import type { Variant } from "../../variant/index.js";
import {
  type CloseInfo,
  type ConnectError,
  type MultiplayerSink,
  type Traffic,
  WebSocketClient,
  type WebSocketClientOptions,
} from "../../websocket/index.js";
import { MultiplayerPeerBase } from "./multiplayer-peer-base.js";
import type { NetworkedMultiplayerPeerEvents } from "./networked-multiplayer-peer.js";
import { FrameError, makeFrame, PROTO_SIZE, readHeader, readSysPeerId, SysType } from "./protocol.js";

/**
 * The largest frame a Godot 3 WebSocketServer takes with its default input buffer
 * (network/limits/websocket_server/max_in_buffer_kb = 64): its ring holds 2^16 − 1 bytes. Measured
 * on 3.2.3 and 3.6.2: 65 535 bytes pass; 65 536 are dropped with an ERROR line (the link stays up).
 */
export const GODOT3_SERVER_MAX_FRAME = 65_535;

export interface WebSocketMultiplayerPeerOptions extends WebSocketClientOptions {
  /**
   * Largest frame (header included) we send; default GODOT3_SERVER_MAX_FRAME. A Godot 3 server
   * drops a larger message without telling the sender; we refuse it at send instead, naming the limit.
   */
  readonly maxFrameSize?: number;
  /**
   * Godot 3's client emits connection_failed when an established connection ends (it never emits
   * server_disconnected). By default we emit server_disconnected once connection_succeeded was
   * seen; true reproduces Godot's signal exactly.
   */
  readonly godotDisconnectSignal?: boolean;
}

const NO_DROPS: ReadonlyMap<FrameError["reason"], number> = new Map();

export class WebSocketMultiplayerPeer extends MultiplayerPeerBase<NetworkedMultiplayerPeerEvents> {
  readonly client: WebSocketClient;
  /** NetworkedMultiplayerPeer.transfer_mode: kept, but WebSocket is always reliable. */
  #uniqueId = 0;
  #succeeded = false;
  readonly #maxFrameSize: number;
  readonly #godotDisconnectSignal: boolean;
  #dropped: Map<FrameError["reason"], number> | null = null;
  /** Frames refused on receipt, by reason. */
  get droppedFrames(): ReadonlyMap<FrameError["reason"], number> {
    return this.#dropped ?? NO_DROPS;
  }
  lastError: Error | null = null;
  /** Every frame and its bytes, both ways, as the socket saw them (SYS messages included). */
  get traffic(): Readonly<Traffic> {
    return this.client.traffic;
  }
  /** performance.now() at connectToUrl, at the WebSocket open, and at connection_succeeded. */
  readonly timings: { startedAt: number; openedAt: number; succeededAt: number } = {
    startedAt: 0,
    openedAt: 0,
    succeededAt: 0,
  };
  /** How the last connection ended (code, reason, cleanliness, who), or why it never came up. */
  lastClose: { readonly info: CloseInfo | null; readonly error: ConnectError | null } | null = null;

  /**
   * `client`: beyond Godot, a client that connectToUrl(…, gdMpApi = true) already opened, taken
   * over as it is (see adopt()); by default the peer makes its own from `options`.
   */
  constructor(options: WebSocketMultiplayerPeerOptions = {}, client?: WebSocketClient) {
    super();
    this.client = client ?? new WebSocketClient(options);
    this.#maxFrameSize = options.maxFrameSize ?? GODOT3_SERVER_MAX_FRAME;
    this.#godotDisconnectSignal = options.godotDisconnectSignal ?? false;
    this.client.setMultiplayerSink(new WebSocketMultiplayerPeer.#Sink(this));
  }

  /** The client's frames, delivered here: one small object per peer, no closures. */
  static readonly #Sink = class implements MultiplayerSink {
    constructor(readonly peer: WebSocketMultiplayerPeer) {}
    connected(): void {
      // Godot waits for SYS_ID and SYS_ADD(1) before anything is announced.
      this.peer.timings.openedAt = performance.now();
    }
    packet(data: Uint8Array): void {
      this.peer.#processFrame(data);
    }
    disconnected(info: CloseInfo | null, error: ConnectError | null): void {
      this.peer.#onDisconnected(info, error);
    }
  };

  /**
   * Beyond Godot: the peer of a connection someone else opened in multiplayer mode and read the
   * first message of (a bot learning the server's dialect from its greeting): the frames from
   * now on come here; hand over the ones already read with receiveFrame(), in order.
   */
  static adopt(
    client: WebSocketClient,
    options: WebSocketMultiplayerPeerOptions,
    timings: { readonly startedAt: number; readonly openedAt: number },
  ): WebSocketMultiplayerPeer {
    const peer = new WebSocketMultiplayerPeer(options, client);
    peer.timings.startedAt = timings.startedAt;
    peer.timings.openedAt = timings.openedAt;
    return peer;
  }

  /** A frame from the server read before this peer owned the connection (see adopt()). */
  receiveFrame(frame: Uint8Array): void {
    this.#processFrame(frame);
  }

  /** WebSocketClient.connect_to_url(url, protocols, true, custom_headers). */
  connectToUrl(
    url: string,
    protocols: readonly string[] = [],
    customHeaders: readonly string[] = [],
  ): GodotError {
    this.#reset();
    this.timings.startedAt = performance.now();
    this.timings.openedAt = 0;
    this.timings.succeededAt = 0;
    const err = this.client.connectToUrl(url, protocols, true, customHeaders);
    if (err !== GodotError.OK) this.lastError = this.client.lastError;
    return err;
  }

  disconnectFromHost(code = 1000, reason = ""): void {
    this.client.disconnectFromHost(code, reason);
  }

  #reset(): void {
    this.#uniqueId = 0;
    this.setTargetPeer(0);
    this.lastClose = null;
    this.#succeeded = false;
    this.clearPackets();
  }

  // ---- NetworkedMultiplayerPeer ----

  poll(): void {
    this.client.poll();
  }

  putPacket(payload: Uint8Array): GodotError {
    const size = PROTO_SIZE + payload.length;
    if (size > this.#maxFrameSize) {
      this.lastError = new RangeError(
        `frame of ${size} bytes (9-byte header included) exceeds maxFrameSize ${this.#maxFrameSize}: ` +
          "a Godot 3 server with the default 64 KiB input buffer drops it; raise maxFrameSize only " +
          "if the server's network/limits/websocket_server/max_in_buffer_kb is raised too",
      );
      return GodotError.ERR_OUT_OF_MEMORY;
    }
    const peer = this.client.getPeer(1);
    if (!peer) return GodotError.ERR_UNCONFIGURED;
    const err = peer.putPacket(makeFrame(SysType.NONE, this.#uniqueId, this.getTargetPeer(), payload));

    if (err !== GodotError.OK) this.lastError = this.client.lastError;
    return err;
  }

  /** PacketPeer.put_var through the multiplayer framing. */
  putVar(_value: Variant): GodotError {
    this.lastError = new Error(
      "put_var on a multiplayer peer sends a raw Variant no MultiplayerAPI reads; use MultiplayerAPI",
    );
    return GodotError.ERR_UNAVAILABLE;
  }

  getUniqueId(): number {
    return this.#uniqueId;
  }

  isServer(): boolean {
    return false;
  }

  getConnectionStatus(): ConnectionStatus {
    return this.client.getConnectionStatus();
  }

  // ---- _process_multiplayer, client side ----

  #processFrame(frame: Uint8Array): void {
    let type: number;
    let from: number;
    let to: number;
    try {
      ({ type, from, to } = readHeader(frame));
    } catch (err) {
      this.#dropFrame(err as FrameError, frame);
      return;
    }
    if (type === SysType.NONE) {
      void to; // Godot's client does not check `to`: the server already routed it.
      this.storePacket(from, frame.subarray(PROTO_SIZE));
      return;
    }
    let id: number;
    try {
      id = readSysPeerId(frame);
    } catch (err) {
      this.#dropFrame(err as FrameError, frame);
      return;
    }
    switch (type) {
      case SysType.ADD:
        this.peerConnected(id);
        if (id === 1) {
          this.#succeeded = true;
          this.timings.succeededAt = performance.now();
          this.connectionSucceeded();
        }
        return;
      case SysType.DEL:
        this.peerDisconnected(id);
        return;
      case SysType.ID:
        this.#uniqueId = id;
        return;
      default:
        this.#dropFrame(new FrameError("unknown-type", `type ${type}`), frame);
        return;
    }
  }

  #dropFrame(err: FrameError, _frame: Uint8Array): void {
    this.#dropped ??= new Map();
    const dropped = this.#dropped;
    dropped.set(err.reason, (dropped.get(err.reason) ?? 0) + 1);
    this.emit("frame_dropped", err, 1);
  }

  #onDisconnected(info: CloseInfo | null, error: ConnectError | null): void {
    const wasUp = this.#succeeded;
    this.#succeeded = false;
    this.lastClose = { info, error };
    if (wasUp && !this.#godotDisconnectSignal) this.serverDisconnected();
    else this.connectionFailed();
  }
}
