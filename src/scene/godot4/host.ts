/**
 * What the cache and RPC interfaces need from their SceneMultiplayer (Godot's interfaces hold a
 * SceneMultiplayer pointer; here a narrow view of it, implemented inside the class).
 */
import type { Variant } from "../../variant/index.js";
import type { GodotError } from "../../websocket/index.js";
import type { ManifestError, SceneDropReason4, ScenePacketErrorReason4 } from "./errors.js";
import type { PacketWriter } from "./packet-writer.js";
import type { RpcMethod } from "./rpc-config.js";
import type { RpcNode } from "./rpc-node.js";

/** Packets are written at this offset of the scratch, leaving room for a relay header in front. */
export const PACKET_START = 6;

/** The admitted peers in admission order: a Set on a server, a ConnectedPeers (shared by the bots of a process) on a client. */
export interface PeerIds {
  has(id: number): boolean;
  readonly size: number;
  [Symbol.iterator](): Iterator<number>;
}

export interface MultiplayerHost {
  readonly writer: PacketWriter;
  readonly connectedPeers: PeerIds;
  readonly allowObjectDecoding: boolean;
  /** Every RPC name our declarations know (for naming a checksum's differences). */
  readonly knownNames: ReadonlySet<string>;
  readonly rootPath: string;
  uniqueId(): number;
  /** SceneMultiplayer::send_command for writer.buf[PACKET_START, end): relayed when Godot relays. */
  sendCommand(to: number, end: number): GodotError;
  /** The peer's transfer mode and channel for the next sends. */
  setTransfer(mode: number, channel: number): void;
  drop(from: number, reason: SceneDropReason4, message: string, path?: string, method?: string): void;
  packetError(
    from: number,
    reason: ScenePacketErrorReason4,
    message: string,
    path: string,
    method: string,
  ): void;
  manifestError(error: ManifestError): void;
  /** The declared node at a root-relative path (made from a manifest pattern if one matches). */
  resolveNode(path: string): RpcNode | null;
  /** Runs a handler as the script method, with get_remote_sender_id() = `sender`. */
  invoke(node: RpcNode, method: RpcMethod, args: Variant[], sender: number): void;
  countIn(node: RpcNode, method: RpcMethod, bytes: number): void;
  countOut(node: RpcNode, method: RpcMethod, bytes: number): void;
  /** is_rpc_visible: may an RPC on the node go to `peer` (0: to everyone)? True with no replication. */
  rpcVisible(node: RpcNode, peer: number): boolean;
}
