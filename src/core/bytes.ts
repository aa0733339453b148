/**
 * Little-endian integers read and written in place, the one home for them: every Godot wire
 * format (marshalls, Godot 3's multiplayer framing, MultiplayerAPI headers) is little-endian.
 * Plain byte arithmetic, no DataView: these sit on every packet's path.
 */

/** The signed 32-bit integer at `at` (no bounds check: the caller checked the length). */
export function readI32(b: Uint8Array, at: number): number {
  return (
    (b[at] as number) |
    ((b[at + 1] as number) << 8) |
    ((b[at + 2] as number) << 16) |
    ((b[at + 3] as number) << 24)
  );
}

/** The unsigned 32-bit integer at `at` (no bounds check). */
export function readU32(b: Uint8Array, at: number): number {
  return readI32(b, at) >>> 0;
}

/** Writes `v` (signed or unsigned 32-bit) at `at` (no bounds check). */
export function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
