/** Why Godot 4's WebSocketMultiplayerPeer refused something, as a typed error with a stable reason. */
import { GodotError, WebSocketError } from "../../websocket/index.js";

/**
 * - greeting-size: the server's first message was not exactly 4 bytes (Godot: "Invalid ID received from server")
 * - greeting-id: the id in it was below 2 (same message in Godot)
 * - handshake-timeout: no greeting within handshake_timeout of create_client
 * - message-too-big: a message over inbound_buffer_size came in (the connection is closed with 1009)
 * - packet-too-large: putPacket() of more bytes than the server's inbound_buffer_size (it would close with 1009)
 * - output-bytes: putPacket() of more bytes than outbound_buffer_size (Godot's own check)
 */
export type MultiplayerPeer4ErrorReason =
  | "greeting-size"
  | "greeting-id"
  | "handshake-timeout"
  | "message-too-big"
  | "packet-too-large"
  | "output-bytes";

const CODES: Readonly<Record<MultiplayerPeer4ErrorReason, GodotError>> = {
  "greeting-size": GodotError.ERR_INVALID_DATA,
  "greeting-id": GodotError.ERR_INVALID_DATA,
  "handshake-timeout": GodotError.ERR_TIMEOUT,
  "message-too-big": GodotError.ERR_OUT_OF_MEMORY,
  "packet-too-large": GodotError.ERR_OUT_OF_MEMORY,
  "output-bytes": GodotError.ERR_OUT_OF_MEMORY,
};

export class MultiplayerPeer4Error extends WebSocketError {
  override readonly name = "MultiplayerPeer4Error";
  constructor(
    readonly reason: MultiplayerPeer4ErrorReason,
    message: string,
  ) {
    super(message, CODES[reason]);
  }
}

/** What a peer counts as dropped on receipt, by reason (in the order Godot checks). */
export type Peer4DropReason = "greeting-size" | "greeting-id" | "message-too-big" | "empty-packet";
