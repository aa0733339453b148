/**
 * What SceneMultiplayer (Godot 4) refuses, typed: a drop reason per ERR_FAIL_* condition of the
 * engine (with the text Godot prints), errors of calls we make, and manifest mismatches.
 */
import type { GodotError } from "../../websocket/index.js";

/** Why an incoming packet was not processed; one stable code per engine check. */
export type SceneDropReason4 =
  /** A packet from a peer still authenticating that is not `07 00 …`. */
  | "pending-peer"
  /** A packet from a peer that was never admitted. */
  | "unknown-peer"
  /** `07 00 <data>` from an admitted peer. */
  | "auth-after-admit"
  | "too-short"
  | "unknown-command"
  | "unknown-sys-command"
  /** ADD_PEER / DEL_PEER from a client, to the server, or with the relay off. */
  | "sys-peer-refused"
  | "relay-disabled"
  /** RELAY to a client the server does not know (to = 1 included): Godot drops it silently. */
  | "relay-unknown-target"
  | "relay-not-from-server"
  | "bad-node-id-mode"
  | "bad-path-offset"
  | "unknown-node"
  | "no-peer-cache"
  | "unknown-cache-id"
  | "duplicate-cache-id"
  | "cache-full"
  /** CONFIRM_PATH for an id we never gave out: Godot ignores it silently. */
  | "confirm-unknown-id"
  | "confirm-not-requested"
  | "unknown-method"
  | "not-allowed"
  /** SPAWN / DESPAWN / SYNC (scene-replication-interface.ts), one per check of on_spawn_receive & co. */
  | "spawn-too-short"
  | "spawn-unknown-spawner"
  | "spawn-not-authority"
  | "spawn-bad-size"
  | "spawn-empty-name"
  | "spawn-bad-name"
  | "spawn-no-parent"
  | "spawn-name-exists"
  | "spawn-bad-argument"
  | "spawn-limit"
  | "spawn-no-function"
  | "spawn-unknown-scene"
  | "spawn-net-id-in-use"
  | "spawn-missing-sync-id"
  | "spawn-bad-state"
  | "spawn-unused-sync-ids"
  | "despawn-too-short"
  | "despawn-unknown"
  | "despawn-not-authority"
  | "sync-too-short"
  | "sync-bad-size"
  /** A SYNC entry by path cache id the peer never gave: get_cached_object's line, then skipped. */
  | "sync-unknown-cache-id"
  | "sync-not-authority"
  | "sync-bad-state"
  | "delta-no-properties";

/** Errors Godot logs while it still processes the packet (the call runs, the path is cached). */
export type ScenePacketErrorReason4 =
  /** An argument could not be decoded: the method still runs, with null from that argument on. */
  | "bad-argument"
  /** The handler's declared argument count does not match the call ("RPC - Method expected …"). */
  | "argument-count";

/** Our declaration (the RPC manifest) and the peer's disagree, or lack a node. */
export type ManifestErrorReason =
  /** The peer's MD5 of a node's RPC names differs from ours ("The rpc node checksum failed"). */
  | "checksum-mismatch"
  /** The peer confirmed our path with valid = 0: its names for the node differ from ours. */
  | "checksum-refused"
  /** The peer named a node our manifest does not have. */
  | "unknown-node";

export interface DroppedPacket4 {
  readonly from: number;
  readonly reason: SceneDropReason4;
  /** What Godot prints for the same packet (empty where Godot is silent). */
  readonly message: string;
  readonly path?: string;
  readonly method?: string;
}

export interface PacketError4 {
  readonly from: number;
  readonly reason: ScenePacketErrorReason4;
  readonly message: string;
  readonly path: string;
  readonly method: string;
}

/** A disagreement between our manifest and the peer's, named as precisely as we can. */
export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    readonly reason: ManifestErrorReason,
    /** The peer whose declaration differs. */
    readonly peer: number,
    /** Node path relative to the multiplayer root. */
    readonly path: string,
    message: string,
    /** Names we declare that the peer's checksum lacks (found by trying our names one by one out). */
    readonly missingOnPeer: readonly string[] = [],
    /** Names the peer declares that we lack (found among the other names our manifest knows). */
    readonly extraOnPeer: readonly string[] = [],
    readonly ourMd5?: string,
    readonly peerMd5?: string,
  ) {
    super(message);
  }
}

/** Why a call we make was refused (Godot's ERR_FAIL messages, typed). */
export type RpcError4Reason =
  | "no-multiplayer-peer"
  | "not-connected"
  | "unknown-node"
  | "unknown-method"
  | "not-allowed-on-self"
  | "too-many-arguments"
  | "unknown-peer"
  | "not-visible"
  | "encode-failed"
  | "send-failed"
  | "empty-raw-packet"
  | "auth-refused";

export class RpcError4 extends Error {
  override readonly name = "RpcError";
  constructor(
    readonly reason: RpcError4Reason,
    message: string,
    /** The Godot error code Godot's method returns for the same refusal. */
    readonly godotError: GodotError,
  ) {
    super(message);
  }
}
