/**
 * encode_variant: JS value → Variant bytes, choosing exactly what Godot chooses
 * (INT as int32 unless it does not fit, FLOAT as float32 unless that loses precision).
 */
import { EncodeError } from "./errors.js";
import type {
  AABB,
  Basis,
  Color,
  Plane,
  Projection,
  Quaternion,
  Rect2,
  Rect2i,
  Transform2D,
  Transform3D,
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from "./math.js";
import {
  CONTAINER_BUILTIN,
  CONTAINER_CLASS_NAME,
  CONTAINER_SCRIPT,
  DEFAULT_MAX_DEPTH,
  type DialectTable,
  FLAG_64,
  FLAG_OBJECT_AS_ID,
  KIND_COUNT,
  KIND_NAMES,
  Kind,
  NODE_PATH_ABSOLUTE,
  NODE_PATH_NEW_FORMAT,
  TYPED_ARRAY_SHIFT,
  TYPED_DICT_KEY_SHIFT,
  TYPED_DICT_VALUE_SHIFT,
} from "./types.js";
import type {
  ContainerType,
  EncodedObjectAsID,
  Float,
  GodotObject,
  NodePath,
  PackedStringArray,
  RID,
  Signal,
  StringName,
  TypedArray,
  TypedDictionary,
  Variant,
  VariantRecord,
} from "./values.js";
import { Writer } from "./writer.js";

const TWO_32 = 4294967296;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const textEncoder = new TextEncoder();

interface WellFormed {
  isWellFormed(): boolean;
}

export class Encoder {
  private readonly w = new Writer();
  private t!: DialectTable;

  encode(value: Variant, table: DialectTable): Uint8Array {
    this.t = table;
    this.w.begin();
    try {
      this.value(value, 0);
    } catch (e) {
      this.w.abort();
      throw e;
    }
    return this.w.finish();
  }

  private header(kind: Kind, flags = 0): void {
    const id = this.t.wireId[kind]!;
    if (id < 0) throw new EncodeError(`${KIND_NAMES[kind]} has no Godot 3 form`);
    this.w.u32(id | flags);
  }

  private value(v: Variant | undefined, depth: number): void {
    switch (typeof v) {
      case "number":
        this.number(v);
        return;
      case "string":
        this.header(Kind.STRING);
        this.string(v);
        return;
      case "boolean":
        this.header(Kind.BOOL);
        this.w.u32(v ? 1 : 0);
        return;
      case "bigint":
        this.bigint(v);
        return;
      case "undefined":
        this.header(Kind.NIL);
        return;
      case "object":
        if (v === null) {
          this.header(Kind.NIL);
          return;
        }
        if (depth > DEFAULT_MAX_DEPTH) {
          throw new EncodeError(`nested deeper than ${DEFAULT_MAX_DEPTH} (a cycle?)`);
        }
        this.object(v, depth);
        return;
      default:
        throw new EncodeError(`a ${typeof v} has no Variant form`);
    }
  }

  private number(v: number): void {
    if (Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0)) {
      if (v >= -2147483648 && v <= 2147483647) {
        this.header(Kind.INT);
        this.w.i32(v);
      } else {
        this.header(Kind.INT, FLAG_64);
        const hi = Math.floor(v / TWO_32);
        this.w.u32(v - hi * TWO_32);
        this.w.i32(hi);
      }
      return;
    }
    this.float(v);
  }

  private float(v: number): void {
    // Godot: double(float(d)) != d → 64 bits. NaN compares unequal, so NaN is always a double.
    if (Math.fround(v) === v) {
      this.header(Kind.FLOAT);
      this.w.f32(v);
    } else {
      this.header(Kind.FLOAT, FLAG_64);
      this.w.f64(v);
    }
  }

  private bigint(v: bigint): void {
    if (v >= -2147483648n && v <= 2147483647n) {
      this.header(Kind.INT);
      this.w.i32(Number(v));
    } else if (v >= INT64_MIN && v <= INT64_MAX) {
      this.header(Kind.INT, FLAG_64);
      this.w.u64(v);
    } else {
      throw new EncodeError(`integer ${v} does not fit in 64 bits`);
    }
  }

  /** u32 byte length, UTF-8 bytes, zero padding to 4. `terminator` adds the NUL Pool strings carry. */
  private string(s: string, terminator = false): void {
    const w = this.w;
    const n = s.length;
    w.ensure(8 + n * 3);
    const buf = w.buf;
    const lenAt = w.pos;
    let p = lenAt + 4;
    if (n < 64) {
      for (let i = 0; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c < 0x80) {
          if (c === 0) throw new EncodeError("Godot strings end at U+0000; this one contains it");
          buf[p++] = c;
        } else if (c < 0x800) {
          buf[p++] = 0xc0 | (c >> 6);
          buf[p++] = 0x80 | (c & 0x3f);
        } else if ((c & 0xf800) !== 0xd800) {
          buf[p++] = 0xe0 | (c >> 12);
          buf[p++] = 0x80 | ((c >> 6) & 0x3f);
          buf[p++] = 0x80 | (c & 0x3f);
        } else {
          const d = s.charCodeAt(i + 1);
          if (c >= 0xdc00 || (d & 0xfc00) !== 0xdc00) throw loneSurrogate();
          const cp = 0x10000 + ((c & 0x3ff) << 10) + (d & 0x3ff);
          i++;
          buf[p++] = 0xf0 | (cp >> 18);
          buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[p++] = 0x80 | (cp & 0x3f);
        }
      }
    } else {
      if (!(s as unknown as WellFormed).isWellFormed()) throw loneSurrogate();
      if (s.includes("\0")) throw new EncodeError("Godot strings end at U+0000; this one contains it");
      p += textEncoder.encodeInto(s, buf.subarray(p)).written;
    }
    let len = p - lenAt - 4;
    if (terminator) {
      buf[p++] = 0;
      len++;
    }
    w.view.setUint32(lenAt, len, true);
    w.pos = p;
    w.pad();
  }

  private object(v: object, depth: number): void {
    const kind = (v as { variantKind?: Kind }).variantKind;
    if (kind !== undefined) {
      this.classed(v, kind, depth);
      return;
    }
    if (Array.isArray(v)) {
      this.array(v as readonly Variant[], depth);
      return;
    }
    if (v instanceof Map) {
      this.dictionary(v as Map<Variant, Variant>, depth);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      this.packed(v);
      return;
    }
    const proto = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      this.record(v as VariantRecord, depth);
      return;
    }
    throw new EncodeError(`a ${v.constructor?.name ?? "object"} has no Variant form`);
  }

  private classed(v: object, kind: Kind, depth: number): void {
    const w = this.w;
    switch (kind) {
      case Kind.FLOAT:
        this.float((v as Float).value);
        return;
      case Kind.VECTOR2: {
        const o = v as Vector2;
        this.header(kind);
        w.f32(o.x);
        w.f32(o.y);
        return;
      }
      case Kind.VECTOR2I: {
        const o = v as Vector2i;
        this.header(kind);
        w.i32(int32(o.x));
        w.i32(int32(o.y));
        return;
      }
      case Kind.RECT2: {
        const o = v as Rect2;
        this.header(kind);
        w.f32(o.position.x);
        w.f32(o.position.y);
        w.f32(o.size.x);
        w.f32(o.size.y);
        return;
      }
      case Kind.RECT2I: {
        const o = v as Rect2i;
        this.header(kind);
        w.i32(int32(o.position.x));
        w.i32(int32(o.position.y));
        w.i32(int32(o.size.x));
        w.i32(int32(o.size.y));
        return;
      }
      case Kind.VECTOR3: {
        const o = v as Vector3;
        this.header(kind);
        w.f32(o.x);
        w.f32(o.y);
        w.f32(o.z);
        return;
      }
      case Kind.VECTOR3I: {
        const o = v as Vector3i;
        this.header(kind);
        w.i32(int32(o.x));
        w.i32(int32(o.y));
        w.i32(int32(o.z));
        return;
      }
      case Kind.TRANSFORM2D: {
        const o = v as Transform2D;
        this.header(kind);
        w.f32(o.x.x);
        w.f32(o.x.y);
        w.f32(o.y.x);
        w.f32(o.y.y);
        w.f32(o.origin.x);
        w.f32(o.origin.y);
        return;
      }
      case Kind.VECTOR4:
      case Kind.QUATERNION: {
        const o = v as Vector4 | Quaternion;
        this.header(kind);
        w.f32(o.x);
        w.f32(o.y);
        w.f32(o.z);
        w.f32(o.w);
        return;
      }
      case Kind.VECTOR4I: {
        const o = v as Vector4i;
        this.header(kind);
        w.i32(int32(o.x));
        w.i32(int32(o.y));
        w.i32(int32(o.z));
        w.i32(int32(o.w));
        return;
      }
      case Kind.PLANE: {
        const o = v as Plane;
        this.header(kind);
        w.f32(o.x);
        w.f32(o.y);
        w.f32(o.z);
        w.f32(o.d);
        return;
      }
      case Kind.AABB: {
        const o = v as AABB;
        this.header(kind);
        w.f32(o.position.x);
        w.f32(o.position.y);
        w.f32(o.position.z);
        w.f32(o.size.x);
        w.f32(o.size.y);
        w.f32(o.size.z);
        return;
      }
      case Kind.BASIS:
        this.header(kind);
        this.basis(v as Basis);
        return;
      case Kind.TRANSFORM3D: {
        const o = v as Transform3D;
        this.header(kind);
        this.basis(o.basis);
        w.f32(o.origin.x);
        w.f32(o.origin.y);
        w.f32(o.origin.z);
        return;
      }
      case Kind.PROJECTION: {
        const o = v as Projection;
        this.header(kind);
        for (const c of [o.x, o.y, o.z, o.w]) {
          w.f32(c.x);
          w.f32(c.y);
          w.f32(c.z);
          w.f32(c.w);
        }
        return;
      }
      case Kind.COLOR: {
        const o = v as Color;
        this.header(kind);
        w.f32(o.r);
        w.f32(o.g);
        w.f32(o.b);
        w.f32(o.a);
        return;
      }
      case Kind.STRING_NAME:
        // Godot 3 has no StringName Variant: it converts to String, and so do we.
        this.header(this.t.dialect === "godot3" ? Kind.STRING : Kind.STRING_NAME);
        this.string((v as StringName).name);
        return;
      case Kind.NODE_PATH:
        this.nodePath(v as NodePath);
        return;
      case Kind.RID:
        this.header(kind);
        // Godot 3 writes no payload for an RID.
        if (this.t.dialect === "godot4") w.u64(id64((v as RID).id));
        return;
      case Kind.OBJECT:
        this.godotObject(v as GodotObject | EncodedObjectAsID, depth);
        return;
      case Kind.CALLABLE:
        this.header(kind);
        return;
      case Kind.SIGNAL: {
        const o = v as Signal;
        this.header(kind);
        this.string(o.name);
        w.u64(id64(o.objectId));
        return;
      }
      case Kind.DICTIONARY:
        this.typedDictionary(v as TypedDictionary, depth);
        return;
      case Kind.ARRAY:
        this.typedArray(v as TypedArray, depth);
        return;
      case Kind.PACKED_STRING_ARRAY: {
        const strings = (v as PackedStringArray).strings;
        this.header(kind);
        w.u32(strings.length);
        for (const s of strings) this.string(s, true);
        return;
      }
      case Kind.PACKED_VECTOR2_ARRAY:
      case Kind.PACKED_VECTOR3_ARRAY:
      case Kind.PACKED_VECTOR4_ARRAY:
      case Kind.PACKED_COLOR_ARRAY: {
        const o = v as { data: Float32Array; width: number };
        if (!(o.data instanceof Float32Array) || o.data.length % o.width !== 0) {
          throw new EncodeError(`${KIND_NAMES[kind]} data must be a Float32Array of ${o.width}-number items`);
        }
        this.header(kind);
        w.u32(o.data.length / o.width);
        w.raw(o.data);
        return;
      }
      default:
        throw new EncodeError(`unknown variantKind ${String(kind)}`);
    }
  }

  /** The wire holds Basis row by row; our Basis holds columns x, y, z. */
  private basis(b: Basis): void {
    const w = this.w;
    w.f32(b.x.x);
    w.f32(b.y.x);
    w.f32(b.z.x);
    w.f32(b.x.y);
    w.f32(b.y.y);
    w.f32(b.z.y);
    w.f32(b.x.z);
    w.f32(b.y.z);
    w.f32(b.z.z);
  }

  private nodePath(p: NodePath): void {
    const w = this.w;
    this.header(Kind.NODE_PATH);
    w.u32((p.names.length | NODE_PATH_NEW_FORMAT) >>> 0);
    w.u32(p.subnames.length);
    w.u32(p.absolute ? NODE_PATH_ABSOLUTE : 0);
    // Godot 3 leaves these paddings uninitialised; we write zeros, as Godot 4 does.
    for (const s of p.names) this.string(s);
    for (const s of p.subnames) this.string(s);
  }

  private godotObject(o: GodotObject | EncodedObjectAsID, depth: number): void {
    if ("objectId" in o) {
      this.header(Kind.OBJECT, FLAG_OBJECT_AS_ID);
      this.w.u64(id64(o.objectId));
      return;
    }
    if (o.className === "" && o.properties.size > 0) {
      throw new EncodeError("a null Object (empty class name) cannot carry properties");
    }
    this.header(Kind.OBJECT);
    if (o.className === "") {
      this.w.u32(0);
      return;
    }
    this.string(o.className);
    this.w.u32(o.properties.size);
    for (const [name, value] of o.properties) {
      this.string(name);
      this.value(value, depth + 1);
    }
  }

  private array(items: readonly Variant[], depth: number): void {
    this.header(Kind.ARRAY);
    this.w.u32(items.length);
    for (let i = 0; i < items.length; i++) this.value(items[i], depth + 1);
  }

  private dictionary(map: ReadonlyMap<Variant, Variant>, depth: number): void {
    this.header(Kind.DICTIONARY);
    this.entries(map, depth);
  }

  private entries(map: ReadonlyMap<Variant, Variant>, depth: number): void {
    this.w.u32(map.size);
    for (const [k, v] of map) {
      this.value(k, depth + 1);
      this.value(v, depth + 1);
    }
  }

  private record(r: VariantRecord, depth: number): void {
    const keys = Object.keys(r);
    this.header(Kind.DICTIONARY);
    this.w.u32(keys.length);
    for (const k of keys) {
      this.header(Kind.STRING);
      this.string(k);
      this.value(r[k], depth + 1);
    }
  }

  private typedArray(a: TypedArray, depth: number): void {
    this.godot4Only("a typed Array");
    this.header(Kind.ARRAY, containerKind(a.elementType) << TYPED_ARRAY_SHIFT);
    this.containerType(a.elementType);
    this.w.u32(a.items.length);
    for (const item of a.items) this.value(item, depth + 1);
  }

  private typedDictionary(d: TypedDictionary, depth: number): void {
    this.godot4Only("a typed Dictionary");
    this.header(
      Kind.DICTIONARY,
      (containerKind(d.keyType) << TYPED_DICT_KEY_SHIFT) |
        (containerKind(d.valueType) << TYPED_DICT_VALUE_SHIFT),
    );
    this.containerType(d.keyType);
    this.containerType(d.valueType);
    this.entries(d.entries, depth);
  }

  private containerType(t: ContainerType | undefined): void {
    if (t === undefined) return;
    if (t.kind === "builtin") {
      if (!Number.isInteger(t.type) || t.type <= 0 || t.type >= KIND_COUNT) {
        throw new EncodeError(`container element type ${t.type} is not a Godot 4 type id`);
      }
      this.w.u32(t.type);
      return;
    }
    this.string(t.kind === "class" ? t.className : t.path);
  }

  private godot4Only(what: string): void {
    if (this.t.dialect !== "godot4") throw new EncodeError(`${what} has no Godot 3 form`);
  }

  private packed(a: ArrayBufferView): void {
    let kind: Kind;
    if (a instanceof Uint8Array) kind = Kind.PACKED_BYTE_ARRAY;
    else if (a instanceof Int32Array) kind = Kind.PACKED_INT32_ARRAY;
    else if (a instanceof Float32Array) kind = Kind.PACKED_FLOAT32_ARRAY;
    else if (a instanceof BigInt64Array) kind = Kind.PACKED_INT64_ARRAY;
    else if (a instanceof Float64Array) kind = Kind.PACKED_FLOAT64_ARRAY;
    else throw new EncodeError(`a ${a.constructor.name} has no Variant form`);
    this.header(kind);
    const bytesPer =
      kind === Kind.PACKED_BYTE_ARRAY
        ? 1
        : kind === Kind.PACKED_INT32_ARRAY || kind === Kind.PACKED_FLOAT32_ARRAY
          ? 4
          : 8;
    this.w.u32(a.byteLength / bytesPer);
    this.w.raw(a);
    this.w.pad();
  }
}

function containerKind(t: ContainerType | undefined): number {
  if (t === undefined) return 0;
  return t.kind === "builtin"
    ? CONTAINER_BUILTIN
    : t.kind === "class"
      ? CONTAINER_CLASS_NAME
      : CONTAINER_SCRIPT;
}

function int32(v: number): number {
  if ((v | 0) !== v) throw new EncodeError(`${v} is not a 32-bit integer`);
  return v;
}

function id64(v: bigint): bigint {
  // Ids are u64 on the wire; GDScript shows them as signed int (4.x RefCounted ids are negative).
  if (typeof v !== "bigint" || v < -(2n ** 63n) || v > 0xffffffffffffffffn) {
    throw new EncodeError(`${String(v)} is not a 64-bit id`);
  }
  return v;
}

function loneSurrogate(): EncodeError {
  return new EncodeError("string is not well-formed UTF-16 (lone surrogate)");
}
