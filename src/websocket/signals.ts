/**
 * The client's signals. Names are Godot's own (snake_case), so `client.on("connection_closed", …)`
 * is what a Godot developer searches for; methods are camelCase. Godot's arguments come first;
 * the extra trailing arguments say why (Godot's signals carry no cause).
 */
import type { ConnectError } from "./errors.js";

/** Who ended a connection. */
export type CloseInitiator =
  | "client" // disconnectFromHost() / getPeer(1).close()
  | "server" // the server sent a close frame first
  | "heartbeat" // no answer to our pings within heartbeatTimeoutMs: the link is dead
  | "network" // the TCP connection ended without a close frame (server killed, reset …)
  | "network-condition"; // a scheduled drop of the network conditions (no close frame): not a fault

/** Everything known about a close. */
export interface CloseInfo {
  /**
   * The close code received (1005: the frame had none; 1006: no close frame came). After our own
   * protocol error (a message over the input buffer …) it is the code we sent (1009 …).
   */
  readonly code: number;
  readonly reason: string;
  /** True when the close handshake completed (a close frame was received in answer or first). */
  readonly wasClean: boolean;
  readonly initiatedBy: CloseInitiator;
  /** A protocol or socket error behind the close, if any (message too big, reset …). */
  readonly error?: Error;
}

/** Why a received packet was dropped (Godot's input ring was full: the connection stays open). */
export type DropReason = "input-bytes" | "input-packets";

export interface WebSocketClientEvents {
  /** The handshake completed; `protocol` is the subprotocol the server chose ("" if none). */
  connection_established: [protocol: string];
  /** The connection could not be established; `error` says why (Godot's signal has no argument). */
  connection_error: [error: ConnectError];
  /** An established connection ended. */
  connection_closed: [wasCleanClose: boolean, info: CloseInfo];
  /** A message arrived (read it with getPeer(1).getPacket()). Not emitted with gdMpApi. */
  data_received: [];
  /** The server started the close handshake with this code and reason. */
  server_close_request: [code: number, reason: string];
  /** Beyond Godot: a received packet did not fit the input buffer and was dropped, as Godot drops it. */
  packet_dropped: [size: number, reason: DropReason];
  /** Beyond Godot: a signal handler threw; the client carried on. */
  handler_error: [error: unknown, signal: string];
}

export type WebSocketClientSignal = keyof WebSocketClientEvents;
