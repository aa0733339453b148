/**
 * MultiplayerAPI::encode_and_compress_variant / decode_and_decompress_variant
 * (scene/main/multiplayer_api.cpp): how Godot 4 writes one RPC argument, spawn or sync value.
 *
 *   meta byte: bits 0–5 the Variant type, bits 6–7 an encoding mode
 *   BOOL   1 byte, the value in bit 7: 01 / 81
 *   INT    meta 02 | mode<<6, then the smallest signed size: i8 (02), i16 (42), i32 (82), i64 (c2)
 *   other  the plain marshalls encoding (its header's low byte is the type, so it is the meta)
 *
 * Only the top level is compressed: inside Arrays and Dictionaries everything is plain marshalls.
 */
import {
  Color,
  DecodeError,
  decode,
  EncodeError,
  encode,
  Float,
  Quaternion,
  type Variant,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
} from "../../variant/index.js";
import { PacketWriter } from "./packet-writer.js";

const TYPE_BOOL = 1;
const TYPE_INT = 2;
/** Godot 4's VARIANT_MAX: a meta type at or above it is refused. */
const VARIANT_MAX = 39;
const META_TYPE_MASK = 0x3f;
const META_EMODE_MASK = 0xc0;
const ENCODE_8 = 0 << 6;
const ENCODE_16 = 1 << 6;
const ENCODE_32 = 2 << 6;
const ENCODE_64 = 3 << 6;
const TWO_32 = 2 ** 32;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const ENCODE_GODOT4 = { dialect: "godot4" } as const;

/** Whether `v` is written as an INT (the codec's rule: safe integers but −0, and 64-bit bigints). */
function isInt(v: Variant): v is number | bigint {
  return (typeof v === "number" && Number.isSafeInteger(v) && !Object.is(v, -0)) || typeof v === "bigint";
}

/** Appends the compressed form of `v` to `w`. Throws EncodeError for values with no Godot 4 form. */
export function writeCompressedVariant(w: PacketWriter, v: Variant): void {
  if (typeof v === "boolean") {
    w.u8(TYPE_BOOL | (v ? 0x80 : 0));
    return;
  }
  if (isInt(v)) {
    writeInt(w, v);
    return;
  }
  w.bytes(encode(v, ENCODE_GODOT4));
}

function writeInt(w: PacketWriter, v: number | bigint): void {
  if (typeof v === "bigint") {
    if (v < INT64_MIN || v > INT64_MAX) throw new EncodeError(`integer ${v} does not fit in 64 bits`);
    if (v >= -2147483648n && v <= 2147483647n) {
      writeInt(w, Number(v));
      return;
    }
    w.ensure(9);
    w.u8(TYPE_INT | ENCODE_64);
    w.u32(Number(BigInt.asUintN(32, v)));
    w.u32(Number(BigInt.asUintN(32, v >> 32n)));
    return;
  }
  if (v >= -128 && v <= 127) {
    w.ensure(2);
    w.u8(TYPE_INT | ENCODE_8);
    w.u8(v & 0xff);
  } else if (v >= -32768 && v <= 32767) {
    w.ensure(3);
    w.u8(TYPE_INT | ENCODE_16);
    w.u16(v & 0xffff);
  } else if (v >= -2147483648 && v <= 2147483647) {
    w.ensure(5);
    w.u8(TYPE_INT | ENCODE_32);
    w.u32(v);
  } else {
    const hi = Math.floor(v / TWO_32);
    w.ensure(9);
    w.u8(TYPE_INT | ENCODE_64);
    w.u32(v - hi * TWO_32);
    w.u32(hi);
  }
}

/** One decoded value; the object is reused by the next call (read it before decoding again). */
export interface DecodedVariant {
  value: Variant;
  /** Bytes the value took. */
  length: number;
}

const result: DecodedVariant = { value: null, length: 0 };
const decodeOptions = { dialect: "godot4" as const, allowObjects: false, offset: 0 };
/** decode()'s answer, reused: no object per value. */
const decoded: { value: Variant; bytesRead: number } = { value: null, bytesRead: 0 };

/**
 * Decodes the compressed value at `offset`, reading no byte at or after `end`. Throws DecodeError
 * where Godot returns ERR_INVALID_DATA (or ERR_UNAUTHORIZED for a full Object not allowed).
 */
export function readCompressedVariant(
  bytes: Uint8Array,
  offset: number,
  end: number,
  allowObjects: boolean,
): DecodedVariant {
  if (offset >= end) throw new DecodeError("truncated", offset, "no byte left for the variant meta");
  const meta = bytes[offset] as number;
  const type = meta & META_TYPE_MASK;
  if (type >= VARIANT_MAX) throw new DecodeError("unknown-type", offset, `meta type ${type}`);
  if (type === TYPE_BOOL) {
    result.value = (meta & 0x80) !== 0;
    result.length = 1;
    return result;
  }
  if (type === TYPE_INT) {
    const mode = meta & META_EMODE_MASK;
    const at = offset + 1;
    const size = mode === ENCODE_8 ? 1 : mode === ENCODE_16 ? 2 : mode === ENCODE_32 ? 4 : 8;
    if (end - at < size) throw new DecodeError("truncated", at, `int of ${size} bytes`);
    let v: number | bigint;
    if (size === 1) v = ((bytes[at] as number) << 24) >> 24;
    else if (size === 2) v = (((bytes[at] as number) | ((bytes[at + 1] as number) << 8)) << 16) >> 16;
    else if (size === 4) v = readI32(bytes, at);
    else {
      const lo = readI32(bytes, at) >>> 0;
      const hi = readI32(bytes, at + 4);
      const n = hi * TWO_32 + lo;
      v = Number.isSafeInteger(n) ? n : (BigInt(hi) << 32n) | BigInt(lo);
    }
    result.value = v;
    result.length = 1 + size;
    return result;
  }
  decodeOptions.allowObjects = allowObjects;
  decodeOptions.offset = offset;
  const d = decode(end === bytes.length ? bytes : bytes.subarray(0, end), decodeOptions, decoded);
  result.value = d.value;
  result.length = d.bytesRead;
  d.value = null;
  return result;
}

/** Floats read through a scratch word (as the Variant decoder does): no view per buffer. */
const scratchF64 = new Float64Array(1);
const scratchF32 = new Float32Array(scratchF64.buffer, 0, 1);
const scratchI32 = new Int32Array(scratchF64.buffer);
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const FLAG_64 = 1 << 16;

function f32(p: Uint8Array, at: number): number {
  scratchI32[0] = readI32(p, at);
  return scratchF32[0] as number;
}

function f64(p: Uint8Array, at: number): number {
  scratchI32[LITTLE_ENDIAN_HOST ? 0 : 1] = readI32(p, at);
  scratchI32[LITTLE_ENDIAN_HOST ? 1 : 0] = readI32(p, at + 4);
  return scratchF64[0] as number;
}

/**
 * The compressed value at `offset`, already checked to be whole and of a fixed-size type
 * (replication keeps such states as bytes): the common types are read straight from the bytes,
 * with nothing built but the value; the others as readCompressedVariant reads them.
 */
export function readFixedCompressedVariant(bytes: Uint8Array, offset: number, end: number): Variant {
  const meta = bytes[offset] as number;
  const type = meta & META_TYPE_MASK;
  if (type !== TYPE_BOOL && type !== TYPE_INT) {
    const header = readI32(bytes, offset);
    const at = offset + 4;
    const wide = (header & FLAG_64) !== 0;
    switch (header & 0xff) {
      case 0:
        fixedLength = 4;
        return null;
      case 3: {
        fixedLength = wide ? 12 : 8;
        const v = wide ? f64(bytes, at) : f32(bytes, at);
        // A whole number would come back as INT if it were a plain number (the codec's rule).
        return Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0) ? new Float(v) : v;
      }
      case 5:
        fixedLength = wide ? 20 : 12;
        return wide
          ? new Vector2(f64(bytes, at), f64(bytes, at + 8))
          : new Vector2(f32(bytes, at), f32(bytes, at + 4));
      case 6:
        fixedLength = 12;
        return new Vector2i(readI32(bytes, at), readI32(bytes, at + 4));
      case 9:
        fixedLength = wide ? 28 : 16;
        return wide
          ? new Vector3(f64(bytes, at), f64(bytes, at + 8), f64(bytes, at + 16))
          : new Vector3(f32(bytes, at), f32(bytes, at + 4), f32(bytes, at + 8));
      case 10:
        fixedLength = 16;
        return new Vector3i(readI32(bytes, at), readI32(bytes, at + 4), readI32(bytes, at + 8));
      case 12:
        fixedLength = wide ? 36 : 20;
        return wide
          ? new Vector4(f64(bytes, at), f64(bytes, at + 8), f64(bytes, at + 16), f64(bytes, at + 24))
          : new Vector4(f32(bytes, at), f32(bytes, at + 4), f32(bytes, at + 8), f32(bytes, at + 12));
      case 15:
        fixedLength = wide ? 36 : 20;
        return wide
          ? new Quaternion(f64(bytes, at), f64(bytes, at + 8), f64(bytes, at + 16), f64(bytes, at + 24))
          : new Quaternion(f32(bytes, at), f32(bytes, at + 4), f32(bytes, at + 8), f32(bytes, at + 12));
      case 20:
        fixedLength = 20;
        // Always float32, even in double builds.
        return new Color(f32(bytes, at), f32(bytes, at + 4), f32(bytes, at + 8), f32(bytes, at + 12));
    }
  }
  const r = readCompressedVariant(bytes, offset, end, false);
  fixedLength = r.length;
  return r.value;
}

/** The bytes the last readFixedCompressedVariant took. */
export let fixedLength = 0;

function readI32(p: Uint8Array, at: number): number {
  return (
    (p[at] as number) |
    ((p[at + 1] as number) << 8) |
    ((p[at + 2] as number) << 16) |
    ((p[at + 3] as number) << 24)
  );
}

/** encode_and_compress_variant of one value, as its own bytes (tools and tests). */
export function encodeAndCompressVariant(v: Variant): Uint8Array {
  const w = new PacketWriter(64);
  writeCompressedVariant(w, v);
  return w.take(0, w.pos);
}

/** decode_and_decompress_variant of one value at `offset` (tools and tests). */
export function decodeAndDecompressVariant(
  bytes: Uint8Array,
  options?: { offset?: number; allowObjects?: boolean },
): { value: Variant; bytesRead: number } {
  const r = readCompressedVariant(bytes, options?.offset ?? 0, bytes.length, options?.allowObjects ?? false);
  return { value: r.value, bytesRead: r.length };
}
