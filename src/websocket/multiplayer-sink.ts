/**
 * With gd_mp_api = true the connection belongs to the multiplayer layer (src/multiplayer, which
 * sits above this one). The client then emits no data_received, connection_established,
 * connection_closed or connection_error, and hands every frame to this sink instead, from
 * poll() (or on arrival with autoPoll) — as Godot's client hands frames to _process_multiplayer.
 */
import type { ConnectError } from "./errors.js";
import type { CloseInfo } from "./signals.js";

export interface MultiplayerSink {
  /** The WebSocket handshake completed (Godot then waits for the server's SYS_ID). */
  connected(protocol: string): void;
  /** One frame from the server, in order. */
  packet(data: Uint8Array, isString: boolean): void;
  /** The connection ended (`info`) or never came up (`error`): Godot's connection_failed. */
  disconnected(info: CloseInfo | null, error: ConnectError | null): void;
}
