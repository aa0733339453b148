import type { GodotError } from "../core/index.js";

/** Why an incoming MultiplayerAPI packet was dropped; one stable code per case. */
export type SceneDropReason =
  | "empty"
  | "unknown-command"
  | "too-short"
  | "unterminated-name"
  | "bad-path-offset"
  | "unknown-cached-path"
  | "unknown-peer-cache"
  | "unknown-node"
  | "unknown-method"
  | "unknown-property"
  | "not-allowed"
  | "bad-argument"
  | "too-many-arguments"
  | "confirm-unknown-path"
  /** Beyond Godot: a peer's path cache reached its size limit (MultiplayerAPI.maxPathCacheUnits). */
  | "path-cache-full"
  /** A remote call with fewer or more arguments than its function takes: Godot's call error, not run. */
  | "wrong-argument-count";

/** A MultiplayerAPI packet that Godot would refuse, with where and why. */
export class ScenePacketError extends Error {
  override readonly name = "ScenePacketError";
  constructor(
    readonly reason: SceneDropReason,
    /** Byte offset in the MultiplayerAPI packet (after the 9-byte peer header). */
    readonly offset: number,
    detail?: string,
  ) {
    super(`${reason} at offset ${offset}${detail ? `: ${detail}` : ""}`);
  }
}

/** Why a call we tried to send was refused (Godot's ERR_FAIL messages, typed). */
export type RpcErrorReason =
  | "no-network-peer"
  | "not-connected"
  | "too-many-arguments"
  | "unknown-peer"
  | "not-allowed-on-self"
  | "send-failed"
  | "empty-raw-packet";

export class RpcError extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly reason: RpcErrorReason,
    message: string,
    /** The peer's Godot error code when a send failed (e.g. ERR_OUT_OF_MEMORY on a full buffer). */
    readonly godotError?: GodotError,
  ) {
    super(message);
  }
}
