/**
 * The Godot Variant codec (core/io/marshalls.cpp), byte-exact with Godot 3.x and 4.x.
 * See protocol-notes/variant.md for the wire format and the JS mapping.
 */
import { Decoder } from "./decoder.js";
import { Encoder } from "./encoder.js";
import { DecodeError } from "./errors.js";
import { DEFAULT_MAX_DEPTH, type Dialect, dialectTable } from "./types.js";
import type { Variant } from "./values.js";

export { DecodeError, type DecodeErrorReason, EncodeError } from "./errors.js";
export { Quat, Transform } from "./math.js";
export { DEFAULT_MAX_DEPTH, type Dialect, Kind } from "./types.js";
export {
  AABB,
  Basis,
  Callable,
  Color,
  type ContainerType,
  EncodedObjectAsID,
  Float,
  GodotObject,
  NodePath,
  PackedColorArray,
  PackedColorArray as PoolColorArray,
  PackedStringArray,
  PackedStringArray as PoolStringArray,
  PackedVector2Array,
  PackedVector2Array as PoolVector2Array,
  PackedVector3Array,
  PackedVector3Array as PoolVector3Array,
  PackedVector4Array,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  RID,
  Signal,
  StringName,
  Transform2D,
  Transform3D,
  TypedArray,
  TypedDictionary,
  type Variant,
  type VariantRecord,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
  variantEquals,
} from "./values.js";

export interface EncodeOptions {
  /** Wire dialect; default "godot3". */
  dialect?: Dialect;
}

export interface DecodeOptions {
  /** Wire dialect; default "godot3". */
  dialect?: Dialect;
  /** Accept full Objects (class name + properties), as Godot's allow_objects. Default false. */
  allowObjects?: boolean;
  /** Deepest container nesting accepted (the root is depth 0). Default 1024, the limit of Godot 3.6 and 4.x. */
  maxDepth?: number;
  /** Where in `bytes` the Variant starts. Default 0. */
  offset?: number;
}

const encoder = new Encoder();
const decoder = new Decoder();

/**
 * Encodes a value as Godot's encode_variant does. The result is a view into a shared chunk that is
 * never written again: keep it as long as you like, but copy it if you need its own ArrayBuffer.
 */
export function encode(value: Variant, options?: EncodeOptions): Uint8Array {
  return encoder.encode(value, dialectTable(options?.dialect));
}

/**
 * Decodes one Variant at `offset`; `bytesRead` counts its bytes (trailing bytes are left alone).
 * `into`: an object of the caller's to fill and return instead of a new one (hot loops).
 */
export function decode(
  bytes: Uint8Array,
  options?: DecodeOptions,
  into?: { value: Variant; bytesRead: number },
): { value: Variant; bytesRead: number } {
  if (!(bytes instanceof Uint8Array)) throw new TypeError("decode expects a Uint8Array");
  const offset = options?.offset ?? 0;
  if (!Number.isInteger(offset) || offset < 0 || offset > bytes.length) {
    throw new DecodeError("invalid-offset", 0, `offset ${offset} outside 0..${bytes.length}`);
  }
  const maxDepth = options?.maxDepth ?? DEFAULT_MAX_DEPTH;
  decoder.reset(
    bytes,
    offset,
    dialectTable(options?.dialect),
    options?.allowObjects ?? false,
    Number.isFinite(maxDepth) ? maxDepth : DEFAULT_MAX_DEPTH,
  );
  try {
    const value = decoder.value(0);
    if (into) {
      into.value = value;
      into.bytesRead = decoder.pos - offset;
      return into;
    }
    return { value, bytesRead: decoder.pos - offset };
  } catch (err) {
    // A maxDepth raised past what the stack holds: the depth is refused, as any depth past maxDepth.
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      throw new DecodeError(
        "too-deep",
        decoder.pos,
        `nesting deeper than the stack allows (maxDepth ${maxDepth})`,
      );
    }
    throw err;
  } finally {
    decoder.release();
  }
}

/** PacketPeer.put_var: one packet holding one encoded Variant. */
export function putVar(value: Variant, options?: EncodeOptions): Uint8Array {
  return encode(value, options);
}

/**
 * PacketPeer.get_var: the Variant of one packet. Like Godot, bytes after the Variant are ignored.
 */
export function getVar(
  packet: Uint8Array,
  options?: { dialect?: Dialect; allowObjects?: boolean; maxDepth?: number },
): Variant {
  return decode(packet, options).value;
}
