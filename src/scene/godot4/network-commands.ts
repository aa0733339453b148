/**
 * The command byte of every Godot 4 SceneMultiplayer packet (modules/multiplayer/scene_multiplayer.h):
 * `byte0 & 7` is the command, bits 4–7 are flags its subsystem defines. SYS packets carry a
 * sub-command in byte 1 and a peer id in bytes 2–5.
 */

export const NetworkCommand = {
  REMOTE_CALL: 0,
  SIMPLIFY_PATH: 1,
  CONFIRM_PATH: 2,
  RAW: 3,
  SPAWN: 4,
  DESPAWN: 5,
  SYNC: 6,
  SYS: 7,
} as const;
export type NetworkCommand = (typeof NetworkCommand)[keyof typeof NetworkCommand];

export const SysCommand = {
  AUTH: 0,
  ADD_PEER: 1,
  DEL_PEER: 2,
  RELAY: 3,
} as const;
export type SysCommand = (typeof SysCommand)[keyof typeof SysCommand];

/** byte0 & CMD_MASK = the command. */
export const CMD_MASK = 7;
/** Command + sys command + peer id (+ an optional payload). */
export const SYS_CMD_SIZE = 6;
export const CMD_FLAG_0_SHIFT = 4;
export const CMD_FLAG_2_SHIFT = 6;
export const CMD_FLAG_3_SHIFT = 7;

/** REMOTE_CALL meta: node id size in bits 4–5 (0 = u8, 1 = u16, 2 = u32), method id size in bit 6, byte-only in bit 7. */
export const NODE_ID_COMPRESSION_FLAG = 3 << CMD_FLAG_0_SHIFT;
export const NAME_ID_COMPRESSION_FLAG = 1 << CMD_FLAG_2_SHIFT;
export const BYTE_ONLY_OR_NO_ARGS_FLAG = 1 << CMD_FLAG_3_SHIFT;
export const NODE_ID_COMPRESSION_8 = 0;
export const NODE_ID_COMPRESSION_16 = 1;
export const NODE_ID_COMPRESSION_32 = 2;

/** A node target with this bit is `offset of the full path` in the packet, not a cache id. */
export const FULL_PATH_FLAG = 0x80000000;
/** Method ids of node-level `rpc_config()` entries carry bit 15. */
export const NODE_RPC_FLAG = 0x8000;
/** Godot refuses to send a call with more arguments than its u8 count holds. */
export const MAX_RPC_ARGUMENTS = 255;
/** SIMPLIFY_PATH: command, 32 hex digits + NUL, u32 id; the path follows. */
export const SIMPLIFY_PATH_MIN_SIZE = 38;
export const CONFIRM_PATH_SIZE = 6;

export const COMMAND_NAMES: readonly string[] = Object.keys(NetworkCommand);
