/**
 * Godot 3's WebSocketMultiplayerPeer framing (modules/websocket/websocket_multiplayer_peer.cpp):
 * every WebSocket message is `u8 type, i32 from, i32 to` then the payload, little-endian.
 * System messages come from the server (1) to 0 and carry one i32 peer id.
 */
import { readI32 } from "../../core/index.js";

export const PROTO_SIZE = 9;

export enum SysType {
  /** A payload message (a MultiplayerAPI packet). */
  NONE = 0,
  /** A peer joined (for id 1: the server, i.e. connection succeeded). */
  ADD = 1,
  /** A peer left. */
  DEL = 2,
  /** The server tells a new client its id. */
  ID = 3,
}

/** NetworkedMultiplayerPeer target constants. */
export const TARGET_PEER_BROADCAST = 0;
export const TARGET_PEER_SERVER = 1;

export interface FrameHeader {
  readonly type: number;
  readonly from: number;
  readonly to: number;
}

/** Why an incoming frame was dropped, as Godot drops it (with an ERR_FAIL there). */
export type FrameDropReason =
  | "too-short"
  | "unknown-type"
  | "sys-from-client"
  | "spoofed-from"
  | "sys-too-short"
  | "text-frame";

export class FrameError extends Error {
  override readonly name = "FrameError";
  constructor(
    readonly reason: FrameDropReason,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

/** One message: header then payload, in a single allocation. */
export function makeFrame(type: SysType, from: number, to: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(PROTO_SIZE + payload.length);
  const v = new DataView(out.buffer);
  v.setUint8(0, type);
  v.setInt32(1, from, true);
  v.setInt32(5, to, true);
  out.set(payload, PROTO_SIZE);
  return out;
}

/** A system message: from the server (1) to 0, carrying `peerId`. */
export function makeSysFrame(type: SysType.ADD | SysType.DEL | SysType.ID, peerId: number): Uint8Array {
  const out = new Uint8Array(PROTO_SIZE + 4);
  const v = new DataView(out.buffer);
  v.setUint8(0, type);
  v.setInt32(1, 1, true);
  v.setInt32(5, 0, true);
  v.setInt32(9, peerId, true);
  return out;
}

export function readHeader(frame: Uint8Array): FrameHeader {
  if (frame.length < PROTO_SIZE) throw new FrameError("too-short", `${frame.length} bytes < ${PROTO_SIZE}`);
  return { type: frame[0] as number, from: readI32(frame, 1), to: readI32(frame, 5) };
}

/** The i32 peer id a system message carries. */
export function readSysPeerId(frame: Uint8Array): number {
  if (frame.length < PROTO_SIZE + 4) throw new FrameError("sys-too-short", `${frame.length} bytes`);
  return readI32(frame, PROTO_SIZE);
}
