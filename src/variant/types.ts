/**
 * Variant type ids and header bits of both dialects (core/variant/variant.h, core/io/marshalls.cpp).
 *
 * Internally every value has a `Kind`: Godot 4's type id, the superset. Each dialect maps a Kind
 * to its own wire id; Godot 3 lacks the 4.x-only kinds (-1 in its table).
 */

export type Dialect = "godot3" | "godot4";

/** Godot 4.x `Variant::Type` (4.3+ numbering, unchanged through 4.6). */
export const Kind = {
  NIL: 0,
  BOOL: 1,
  INT: 2,
  FLOAT: 3,
  STRING: 4,
  VECTOR2: 5,
  VECTOR2I: 6,
  RECT2: 7,
  RECT2I: 8,
  VECTOR3: 9,
  VECTOR3I: 10,
  TRANSFORM2D: 11,
  VECTOR4: 12,
  VECTOR4I: 13,
  PLANE: 14,
  QUATERNION: 15,
  AABB: 16,
  BASIS: 17,
  TRANSFORM3D: 18,
  PROJECTION: 19,
  COLOR: 20,
  STRING_NAME: 21,
  NODE_PATH: 22,
  RID: 23,
  OBJECT: 24,
  CALLABLE: 25,
  SIGNAL: 26,
  DICTIONARY: 27,
  ARRAY: 28,
  PACKED_BYTE_ARRAY: 29,
  PACKED_INT32_ARRAY: 30,
  PACKED_INT64_ARRAY: 31,
  PACKED_FLOAT32_ARRAY: 32,
  PACKED_FLOAT64_ARRAY: 33,
  PACKED_STRING_ARRAY: 34,
  PACKED_VECTOR2_ARRAY: 35,
  PACKED_VECTOR3_ARRAY: 36,
  PACKED_COLOR_ARRAY: 37,
  PACKED_VECTOR4_ARRAY: 38,
} as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/** Number of Kinds (Godot 4's VARIANT_MAX). */
export const KIND_COUNT = 39;

/** Godot 3.x `Variant::Type` names, in wire-id order (VARIANT_MAX = 27). */
const GODOT3_ORDER: readonly Kind[] = [
  Kind.NIL,
  Kind.BOOL,
  Kind.INT,
  Kind.FLOAT, // REAL
  Kind.STRING,
  Kind.VECTOR2,
  Kind.RECT2,
  Kind.VECTOR3,
  Kind.TRANSFORM2D,
  Kind.PLANE,
  Kind.QUATERNION, // QUAT
  Kind.AABB,
  Kind.BASIS,
  Kind.TRANSFORM3D, // TRANSFORM
  Kind.COLOR,
  Kind.NODE_PATH,
  Kind.RID, // _RID
  Kind.OBJECT,
  Kind.DICTIONARY,
  Kind.ARRAY,
  Kind.PACKED_BYTE_ARRAY, // POOL_BYTE_ARRAY
  Kind.PACKED_INT32_ARRAY, // POOL_INT_ARRAY
  Kind.PACKED_FLOAT32_ARRAY, // POOL_REAL_ARRAY
  Kind.PACKED_STRING_ARRAY,
  Kind.PACKED_VECTOR2_ARRAY,
  Kind.PACKED_VECTOR3_ARRAY,
  Kind.PACKED_COLOR_ARRAY,
];

export interface DialectTable {
  readonly dialect: Dialect;
  /** Kind → wire type id, -1 when the dialect has no such type. */
  readonly wireId: Int8Array;
  /** Wire type id (header & 0xFF) → Kind, -1 for ids the dialect does not know. */
  readonly kindOf: Int8Array;
}

function table(dialect: Dialect, order: readonly Kind[]): DialectTable {
  const wireId = new Int8Array(KIND_COUNT).fill(-1);
  const kindOf = new Int8Array(256).fill(-1);
  order.forEach((kind, id) => {
    wireId[kind] = id;
    kindOf[id] = kind;
  });
  return { dialect, wireId, kindOf };
}

export const GODOT3: DialectTable = table("godot3", GODOT3_ORDER);
export const GODOT4: DialectTable = table(
  "godot4",
  Array.from({ length: KIND_COUNT }, (_, i) => i as Kind),
);

export function dialectTable(dialect: Dialect | undefined): DialectTable {
  if (dialect === undefined || dialect === "godot3") return GODOT3;
  if (dialect === "godot4") return GODOT4;
  throw new TypeError(`unknown dialect ${String(dialect)}: expected "godot3" or "godot4"`);
}

/** The low byte of the header is the type id; bits 16+ carry per-type data. */
export const HEADER_TYPE_MASK = 0xff;
/** INT/FLOAT hold 64 bits; in 4.x also: math types hold doubles (REAL_T_IS_DOUBLE builds). */
export const FLAG_64 = 1 << 16;
/** OBJECT holds a bare u64 instance id instead of class name + properties. */
export const FLAG_OBJECT_AS_ID = 1 << 16;
/** 4.x typed containers: 2-bit ContainerTypeKind fields. */
export const TYPED_ARRAY_SHIFT = 16;
export const TYPED_DICT_KEY_SHIFT = 16;
export const TYPED_DICT_VALUE_SHIFT = 18;
export const CONTAINER_NONE = 0;
export const CONTAINER_BUILTIN = 1;
export const CONTAINER_CLASS_NAME = 2;
export const CONTAINER_SCRIPT = 3;

/** Variant::MAX_RECURSION_DEPTH of Godot 3.6 and 4.x (3.2 had none); the root is depth 0. */
export const DEFAULT_MAX_DEPTH = 1024;

/** A NodePath's name count carries this bit: the "new" format (3.0+); without it Godot refuses it. */
export const NODE_PATH_NEW_FORMAT = 0x80000000;
export const NODE_PATH_ABSOLUTE = 1;
/** Pre-3.0 property field: one more subname follows. Decoded, never written. */
export const NODE_PATH_OLD_PROPERTY = 2;

export const KIND_NAMES: readonly string[] = Object.keys(Kind);
