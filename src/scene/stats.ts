/**
 * What a multiplayer API counts (beyond Godot: for bots, swarms and servers), the same in both
 * dialects: calls and bytes per "path:method", packets per peer, drops per reason.
 */
import type { SceneDropReason } from "./errors.js";

export interface DroppedPacket {
  readonly from: number;
  readonly reason: SceneDropReason;
  readonly detail: string;
  readonly path?: string;
  readonly name?: string;
}

export interface MethodStats {
  callsIn: number;
  callsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface PeerStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface MultiplayerStats {
  /** Per "path:method" (rpc) or "path:property" (rset); raw packets under ":raw". */
  readonly byMethod: Map<string, MethodStats>;
  readonly byPeer: Map<number, PeerStats>;
  readonly dropped: Map<SceneDropReason, number>;
  /** Calls that reached a handler that threw. */
  scriptErrors: number;
  /** Packets not sent because their peer had just gone (Godot ignores these too). */
  sendsToGonePeers: number;
  /** Packets sent on our own (CONFIRM_PATH, a peer of a broadcast) that the peer refused (send_refused). */
  sendsRefused: number;
}

/** Where a script error happened: a remote function or property, or a signal listener (path ""). */
export interface ScriptErrorSite {
  readonly path: string;
  readonly name: string;
  readonly from: number;
}
