/**
 * decode_variant: bytes → JS value. Every length is checked against the bytes that remain before
 * anything is allocated for it, so hostile input costs at most what it weighs; every failure is a
 * DecodeError with the offset of the field at fault.
 */
import { readI32 } from "../core/index.js";
import { DecodeError } from "./errors.js";
import {
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
  CONTAINER_NONE,
  type DialectTable,
  FLAG_64,
  FLAG_OBJECT_AS_ID,
  HEADER_TYPE_MASK,
  KIND_COUNT,
  Kind,
  NODE_PATH_ABSOLUTE,
  NODE_PATH_NEW_FORMAT,
  NODE_PATH_OLD_PROPERTY,
  TYPED_ARRAY_SHIFT,
  TYPED_DICT_KEY_SHIFT,
  TYPED_DICT_VALUE_SHIFT,
} from "./types.js";
import {
  Callable,
  type ContainerType,
  EncodedObjectAsID,
  Float,
  GodotObject,
  NodePath,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
  PackedVector4Array,
  RID,
  Signal,
  StringName,
  TypedArray,
  TypedDictionary,
  type Variant,
} from "./values.js";
import { LITTLE_ENDIAN_HOST } from "./writer.js";

const TWO_32 = 4294967296;
const EMPTY = new Uint8Array(0);
/** Floats are read by storing their bits here: cheaper than a DataView per input buffer. */
const scratchF64 = new Float64Array(1);
const scratchF32 = new Float32Array(scratchF64.buffer, 0, 1);
const scratchI32 = new Int32Array(scratchF64.buffer);
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

type Latin1Slice = (this: Uint8Array, start: number, end: number) => string;
/** Node's native latin1 slicer: the fastest way to turn short ASCII bytes into a string. */
const latin1Slice: Latin1Slice | undefined = (
  globalThis as { Buffer?: { prototype: { latin1Slice?: Latin1Slice } } }
).Buffer?.prototype.latin1Slice;

/**
 * Short ASCII strings (method names, Dictionary keys, player names) repeat from packet to packet:
 * like msgpackr's key cache, keep the last string seen per hash slot and hand it out again. Reusing
 * the instance also spares V8 rehashing it when it is used as a Map key.
 */
const CACHE_MAX_LEN = 32;
const CACHE_SLOTS = 4096;
const CACHE_MASK = CACHE_SLOTS - 1;
const cacheStrings: (string | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);
/** The cached strings' bytes as little-endian words, the tail of the last word zeroed. */
const cacheWords = new Int32Array(CACHE_SLOTS * (CACHE_MAX_LEN / 4));
const cacheLengths = new Uint8Array(CACHE_SLOTS);

function cacheAscii(b: Uint8Array, start: number, len: number, slot: number): string {
  let s = "";
  for (let j = 0; j < len; j++) s += String.fromCharCode(b[start + j]!);
  const at = slot * (CACHE_MAX_LEN / 4);
  for (let w = 0; w * 4 < len; w++) {
    let word = 0;
    for (let k = 0; k < 4 && w * 4 + k < len; k++) word |= b[start + w * 4 + k]! << (8 * k);
    cacheWords[at + w] = word;
  }
  cacheStrings[slot] = s;
  cacheLengths[slot] = len;
  return s;
}

const SLAB_SIZE = 64 * 1024;
const SLAB_MAX_PIECE = 4 * 1024;

/**
 * One reusable decoder: decode() is synchronous and never re-entered, so its state is simply reset
 * per call instead of allocated.
 */
export class Decoder {
  private bytes: Uint8Array = new Uint8Array(0);
  /** Only for the rare 64-bit integer reads; everything else reads the bytes directly. */
  private view: DataView = new DataView(new ArrayBuffer(0));
  /** bytes.byteOffset, for addressing the underlying ArrayBuffer. */
  private base = 0;
  pos = 0;
  private end = 0;
  private t!: DialectTable;
  /** Whether math types may carry FLAG_64 (doubles): only Godot 4 reads it. */
  private doubles = false;
  private allowObjects = false;
  private maxDepth = 0;
  /** Decoded packed arrays get their own memory carved from a slab (never handed out twice). */
  private slab = new ArrayBuffer(SLAB_SIZE);
  private slabPos = 0;

  reset(bytes: Uint8Array, offset: number, t: DialectTable, allowObjects: boolean, maxDepth: number): void {
    this.bytes = bytes;
    this.base = bytes.byteOffset;
    this.pos = offset;
    this.end = bytes.length;
    this.t = t;
    this.doubles = t.dialect === "godot4";
    this.allowObjects = allowObjects;
    this.maxDepth = maxDepth;
  }

  /** Drops the reference to the caller's bytes once done. */
  release(): void {
    this.bytes = EMPTY;
  }

  /** Little-endian int32 at `p` (no bounds check: callers check with need()). */
  private peek32(p: number): number {
    return readI32(this.bytes, p);
  }

  /** For the rare 64-bit integer reads. */
  private dataView(): DataView {
    if (this.view.buffer !== this.bytes.buffer) this.view = new DataView(this.bytes.buffer);
    return this.view;
  }

  private need(n: number, what: string): void {
    if (this.end - this.pos < n) {
      throw new DecodeError("truncated", this.pos, `${what} needs ${n} bytes, ${this.end - this.pos} left`);
    }
  }

  private u32(what: string): number {
    this.need(4, what);
    const v = this.peek32(this.pos) >>> 0;
    this.pos += 4;
    return v;
  }

  private i32(): number {
    const v = this.peek32(this.pos);
    this.pos += 4;
    return v;
  }

  /** Floats go through a scratch word: the int32 store is native-endian, so no byte order fuss. */
  private f32(): number {
    scratchI32[0] = this.peek32(this.pos);
    this.pos += 4;
    return scratchF32[0]!;
  }

  private f64(): number {
    const lo = this.peek32(this.pos);
    const hi = this.peek32(this.pos + 4);
    scratchI32[LITTLE_ENDIAN_HOST ? 0 : 1] = lo;
    scratchI32[LITTLE_ENDIAN_HOST ? 1 : 0] = hi;
    this.pos += 8;
    return scratchF64[0]!;
  }

  /** `count` items of at least `size` bytes each must fit in what remains; checked before allocating. */
  private count(size: number, what: string): number {
    const at = this.pos;
    const n = this.u32(`${what} count`);
    if (n > 0x7fffffff || n * size > this.end - this.pos) {
      throw new DecodeError(
        "length-out-of-range",
        at,
        `${what} of ${n} items in ${this.end - this.pos} bytes`,
      );
    }
    return n;
  }

  /** Whether this math value holds doubles (FLAG_64, Godot 4 double builds); checks `n` reals fit. */
  private wide(header: number, n: number, what: string): boolean {
    const wide = this.doubles && (header & FLAG_64) !== 0;
    this.need(n * (wide ? 8 : 4), what);
    return wide;
  }

  private real(wide: boolean): number {
    return wide ? this.f64() : this.f32();
  }

  string(what = "String"): string {
    const at = this.pos;
    const len = this.u32(`${what} length`);
    const padded = len + ((4 - (len & 3)) & 3);
    if (len > 0x7fffffff || padded > this.end - this.pos) {
      throw new DecodeError("length-out-of-range", at, `${what} of ${len} bytes in ${this.end - this.pos}`);
    }
    const start = this.pos;
    this.pos += padded;
    return this.utf8(start, start + len);
  }

  /** UTF-8 up to the first NUL, as Godot's parse_utf8 reads it; invalid UTF-8 is refused, as in Godot. */
  private utf8(start: number, stop: number): string {
    const b = this.bytes;
    const n = stop - start;
    if (n === 0) return "";
    if (n <= CACHE_MAX_LEN) {
      // Cached strings are known ASCII without NUL: a byte-equal hit needs no further checks.
      const slot =
        ((n * 0x9e37 + b[start]! * 0x3f1 + b[stop - 1]! * 31 + b[start + (n >> 1)]!) | 0) & CACHE_MASK;
      const hit = cacheStrings[slot];
      if (hit !== undefined && cacheLengths[slot] === n) {
        // Word compares; the last word's bytes past the string are its padding, present in the input.
        const at = slot * (CACHE_MAX_LEN / 4);
        const full = n >> 2;
        let w = 0;
        while (w < full && cacheWords[at + w] === this.peek32(start + w * 4)) w++;
        if (w === full) {
          const rest = n & 3;
          if (rest === 0 || cacheWords[at + w] === (this.peek32(start + w * 4) & ((1 << (8 * rest)) - 1)))
            return hit;
        }
      }
      let i = start;
      while (i < stop) {
        const c = b[i]!;
        if (c === 0 || c >= 0x80) break;
        i++;
      }
      if (i === stop) return cacheAscii(b, start, n, slot);
      if (b[i] !== 0) return this.utf8Slow(start, stop);
      stop = i; // a NUL ends the string; keep the ASCII before it
    } else if (n <= 64) {
      let i = start;
      while (i < stop) {
        const c = b[i]!;
        if (c === 0 || c >= 0x80) break;
        i++;
      }
      if (i < stop && b[i] !== 0) return this.utf8Slow(start, stop);
      stop = i;
    } else {
      return this.utf8Slow(start, stop);
    }
    if (stop - start > 8 && latin1Slice) return latin1Slice.call(b, start, stop);
    let s = "";
    for (let j = start; j < stop; j++) s += String.fromCharCode(b[j]!);
    return s;
  }

  private utf8Slow(start: number, stop: number): string {
    const nul = this.bytes.indexOf(0, start);
    const cut = nul >= 0 && nul < stop ? nul : stop;
    try {
      return utf8.decode(this.bytes.subarray(start, cut));
    } catch {
      throw new DecodeError("invalid-utf8", start - 4, "string is not valid UTF-8");
    }
  }

  /**
   * Copies `n` elements of `size` bytes out of the input into memory of their own, aligned for a
   * typed array. Small pieces come from a shared slab: fresh ArrayBuffers cost more than the copy.
   */
  private copy(n: number, size: number): [ArrayBuffer, number] {
    const len = n * size;
    const from = this.base + this.pos;
    this.pos += len;
    if (len > SLAB_MAX_PIECE) return [this.bytes.buffer.slice(from, from + len) as ArrayBuffer, 0];
    let at = (this.slabPos + 7) & ~7;
    if (at + len > SLAB_SIZE) {
      this.slab = new ArrayBuffer(SLAB_SIZE);
      at = 0;
    }
    this.slabPos = at + len;
    new Uint8Array(this.slab, at, len).set(new Uint8Array(this.bytes.buffer, from, len));
    return [this.slab, at];
  }

  private typed<T>(ctor: new (b: ArrayBuffer, at: number, n: number) => T, n: number, size: number): T {
    const [buffer, at] = this.copy(n, size);
    return new ctor(buffer, at, n);
  }

  value(depth: number): Variant {
    if (depth > this.maxDepth) {
      throw new DecodeError("too-deep", this.pos, `nesting deeper than ${this.maxDepth}`);
    }
    const at = this.pos;
    const header = this.u32("Variant header");
    const kind = this.t.kindOf[header & HEADER_TYPE_MASK]!;
    if (kind < 0) {
      throw new DecodeError("unknown-type", at, `type id ${header & HEADER_TYPE_MASK} in ${this.t.dialect}`);
    }
    switch (kind) {
      case Kind.NIL:
        return null;
      case Kind.BOOL:
        return this.u32("bool") !== 0;
      case Kind.INT: {
        if ((header & FLAG_64) === 0) {
          this.need(4, "int");
          return this.i32();
        }
        this.need(8, "int64");
        const lo = this.peek32(this.pos) >>> 0;
        const hi = this.peek32(this.pos + 4);
        const v = hi * TWO_32 + lo;
        if (Number.isSafeInteger(v)) {
          this.pos += 8;
          return v;
        }
        const big = this.dataView().getBigInt64(this.base + this.pos, true);
        this.pos += 8;
        return big;
      }
      case Kind.FLOAT: {
        let v: number;
        if (header & FLAG_64) {
          this.need(8, "float64");
          v = this.f64();
        } else {
          this.need(4, "float");
          v = this.f32();
        }
        // A whole number would come back as INT if it were a plain number.
        return Number.isSafeInteger(v) && !(v === 0 && 1 / v < 0) ? new Float(v) : v;
      }
      case Kind.STRING:
        return this.string();
      case Kind.VECTOR2: {
        const w = this.wide(header, 2, "Vector2");
        return new Vector2(this.real(w), this.real(w));
      }
      case Kind.VECTOR2I:
        this.need(8, "Vector2i");
        return new Vector2i(this.i32(), this.i32());
      case Kind.RECT2: {
        const w = this.wide(header, 4, "Rect2");
        return new Rect2(new Vector2(this.real(w), this.real(w)), new Vector2(this.real(w), this.real(w)));
      }
      case Kind.RECT2I:
        this.need(16, "Rect2i");
        return new Rect2i(new Vector2i(this.i32(), this.i32()), new Vector2i(this.i32(), this.i32()));
      case Kind.VECTOR3: {
        const w = this.wide(header, 3, "Vector3");
        return new Vector3(this.real(w), this.real(w), this.real(w));
      }
      case Kind.VECTOR3I:
        this.need(12, "Vector3i");
        return new Vector3i(this.i32(), this.i32(), this.i32());
      case Kind.TRANSFORM2D: {
        const w = this.wide(header, 6, "Transform2D");
        return new Transform2D(this.vector2(w), this.vector2(w), this.vector2(w));
      }
      case Kind.VECTOR4: {
        const w = this.wide(header, 4, "Vector4");
        return new Vector4(this.real(w), this.real(w), this.real(w), this.real(w));
      }
      case Kind.VECTOR4I:
        this.need(16, "Vector4i");
        return new Vector4i(this.i32(), this.i32(), this.i32(), this.i32());
      case Kind.PLANE: {
        const w = this.wide(header, 4, "Plane");
        return new Plane(this.real(w), this.real(w), this.real(w), this.real(w));
      }
      case Kind.QUATERNION: {
        const w = this.wide(header, 4, "Quaternion");
        return new Quaternion(this.real(w), this.real(w), this.real(w), this.real(w));
      }
      case Kind.AABB: {
        const w = this.wide(header, 6, "AABB");
        return new AABB(this.vector3(w), this.vector3(w));
      }
      case Kind.BASIS:
        return this.basis(this.wide(header, 9, "Basis"));
      case Kind.TRANSFORM3D: {
        const w = this.wide(header, 12, "Transform3D");
        return new Transform3D(this.basis(w), this.vector3(w));
      }
      case Kind.PROJECTION: {
        const w = this.wide(header, 16, "Projection");
        const col = () => new Vector4(this.real(w), this.real(w), this.real(w), this.real(w));
        return new Projection(col(), col(), col(), col());
      }
      case Kind.COLOR:
        // Always float32, even in double builds.
        this.need(16, "Color");
        return new Color(this.f32(), this.f32(), this.f32(), this.f32());
      case Kind.STRING_NAME:
        return new StringName(this.string("StringName"));
      case Kind.NODE_PATH:
        return this.nodePath(at);
      case Kind.RID:
        if (this.t.dialect === "godot3") return new RID(0n);
        this.need(8, "RID");
        this.pos += 8;
        return new RID(this.dataView().getBigInt64(this.base + this.pos - 8, true));
      case Kind.OBJECT:
        return this.object(header, at, depth);
      case Kind.CALLABLE:
        return new Callable();
      case Kind.SIGNAL: {
        const name = this.string("Signal name");
        this.need(8, "Signal object id");
        this.pos += 8;
        return new Signal(name, this.dataView().getBigInt64(this.base + this.pos - 8, true));
      }
      case Kind.DICTIONARY:
        return this.dictionary(header, depth);
      case Kind.ARRAY:
        return this.array(header, depth);
      case Kind.PACKED_BYTE_ARRAY: {
        const n = this.count(1, "PackedByteArray");
        const out = this.typed(Uint8Array, n, 1);
        // Godot does not insist on the final padding: take what is there.
        this.pos = Math.min(this.end, this.pos + ((4 - (n & 3)) & 3));
        return out;
      }
      case Kind.PACKED_INT32_ARRAY: {
        const n = this.count(4, "PackedInt32Array");
        return LITTLE_ENDIAN_HOST
          ? this.typed(Int32Array, n, 4)
          : Int32Array.from({ length: n }, () => this.i32());
      }
      case Kind.PACKED_FLOAT32_ARRAY:
        return this.floats(this.count(4, "PackedFloat32Array"));
      case Kind.PACKED_INT64_ARRAY: {
        const n = this.count(8, "PackedInt64Array");
        if (LITTLE_ENDIAN_HOST) return this.typed(BigInt64Array, n, 8);
        return BigInt64Array.from({ length: n }, () => {
          this.pos += 8;
          return this.dataView().getBigInt64(this.base + this.pos - 8, true);
        });
      }
      case Kind.PACKED_FLOAT64_ARRAY: {
        const n = this.count(8, "PackedFloat64Array");
        return LITTLE_ENDIAN_HOST
          ? this.typed(Float64Array, n, 8)
          : Float64Array.from({ length: n }, () => this.f64());
      }
      case Kind.PACKED_STRING_ARRAY: {
        const n = this.count(4, "PackedStringArray");
        const strings: string[] = [];
        for (let i = 0; i < n; i++) strings.push(this.string("PackedStringArray item"));
        return new PackedStringArray(strings);
      }
      case Kind.PACKED_VECTOR2_ARRAY:
        return new PackedVector2Array(this.vectors(header, 2, "PackedVector2Array"));
      case Kind.PACKED_VECTOR3_ARRAY:
        return new PackedVector3Array(this.vectors(header, 3, "PackedVector3Array"));
      case Kind.PACKED_VECTOR4_ARRAY:
        return new PackedVector4Array(this.vectors(header, 4, "PackedVector4Array"));
      case Kind.PACKED_COLOR_ARRAY: {
        const n = this.count(16, "PackedColorArray");
        return new PackedColorArray(this.floats(n * 4));
      }
      default:
        throw new DecodeError("unknown-type", at, `type id ${header & HEADER_TYPE_MASK}`);
    }
  }

  private vector2(w: boolean): Vector2 {
    return new Vector2(this.real(w), this.real(w));
  }

  private vector3(w: boolean): Vector3 {
    return new Vector3(this.real(w), this.real(w), this.real(w));
  }

  /** The wire holds rows; our Basis holds columns. */
  private basis(w: boolean): Basis {
    const r0 = this.real(w);
    const r1 = this.real(w);
    const r2 = this.real(w);
    const r3 = this.real(w);
    const r4 = this.real(w);
    const r5 = this.real(w);
    const r6 = this.real(w);
    const r7 = this.real(w);
    const r8 = this.real(w);
    return new Basis(new Vector3(r0, r3, r6), new Vector3(r1, r4, r7), new Vector3(r2, r5, r8));
  }

  private floats(n: number): Float32Array {
    return LITTLE_ENDIAN_HOST
      ? this.typed(Float32Array, n, 4)
      : Float32Array.from({ length: n }, () => this.f32());
  }

  /** Packed vectors: float32, or doubles (narrowed to float32) from Godot 4 double builds. */
  private vectors(header: number, width: number, what: string): Float32Array {
    if (this.doubles && header & FLAG_64) {
      const n = this.count(8 * width, what);
      return Float32Array.from({ length: n * width }, () => this.f64());
    }
    return this.floats(this.count(4 * width, what) * width);
  }

  private nodePath(at: number): NodePath {
    const first = this.u32("NodePath name count");
    if ((first & NODE_PATH_NEW_FORMAT) === 0) {
      throw new DecodeError("invalid-node-path", at + 4, "pre-3.0 NodePath format, which Godot refuses too");
    }
    this.need(8, "NodePath");
    const nameCount = first & 0x7fffffff;
    let subCount = this.peek32(this.pos) >>> 0;
    const flags = this.peek32(this.pos + 4);
    this.pos += 8;
    if (flags & NODE_PATH_OLD_PROPERTY) subCount++;
    if ((nameCount + subCount) * 4 > this.end - this.pos) {
      throw new DecodeError("length-out-of-range", at + 4, `NodePath of ${nameCount + subCount} names`);
    }
    const names: string[] = [];
    for (let i = 0; i < nameCount; i++) names.push(this.string("NodePath name"));
    const subnames: string[] = [];
    for (let i = 0; i < subCount; i++) subnames.push(this.string("NodePath subname"));
    return new NodePath(names, subnames, (flags & NODE_PATH_ABSOLUTE) !== 0);
  }

  private object(header: number, at: number, depth: number): Variant {
    if (header & FLAG_OBJECT_AS_ID) {
      this.need(8, "object id");
      this.pos += 8;
      return new EncodedObjectAsID(this.dataView().getBigInt64(this.base + this.pos - 8, true));
    }
    if (!this.allowObjects) {
      throw new DecodeError(
        "objects-not-allowed",
        at,
        "a full Object; decode with allowObjects to accept it",
      );
    }
    const className = this.string("Object class name");
    if (className === "") return new GodotObject("");
    const n = this.count(8, "Object property");
    const props = new Map<string, Variant>();
    for (let i = 0; i < n; i++) {
      const name = this.string("Object property name");
      props.set(name, this.value(depth + 1));
    }
    return new GodotObject(className, props);
  }

  private containerType(kind: number): ContainerType | undefined {
    if (kind === CONTAINER_NONE) return undefined;
    if (kind === CONTAINER_BUILTIN) {
      const at = this.pos;
      const type = this.u32("container element type");
      if (type >= KIND_COUNT) {
        throw new DecodeError("invalid-container-type", at, `element type ${type} is not a Variant type`);
      }
      // Typed with NIL is untyped to Godot (is_typed() is type != NIL): an Array, written back untyped.
      if (type === Kind.NIL) return undefined;
      return { kind: "builtin", type };
    }
    const name = this.string("container element class");
    return kind === CONTAINER_CLASS_NAME
      ? { kind: "class", className: name }
      : { kind: "script", path: name };
  }

  /** A container item: value(), with the commonest kinds (same ids in both dialects) inlined. */
  private item(depth: number): Variant {
    const p = this.pos;
    if (this.end - p >= 8 && depth <= this.maxDepth) {
      const header = this.peek32(p);
      if (header === Kind.INT) {
        this.pos = p + 8;
        return this.peek32(p + 4);
      }
      if (header === Kind.STRING) {
        this.pos = p + 4;
        return this.string();
      }
      if (header === Kind.BOOL) {
        this.pos = p + 8;
        return this.peek32(p + 4) !== 0;
      }
    }
    return this.value(depth);
  }

  private dictionary(header: number, depth: number): Variant {
    const typed = this.doubles;
    const keyType = typed ? this.containerType((header >>> TYPED_DICT_KEY_SHIFT) & 3) : undefined;
    const valueType = typed ? this.containerType((header >>> TYPED_DICT_VALUE_SHIFT) & 3) : undefined;
    const at = this.pos;
    const n = this.u32("Dictionary size") & 0x7fffffff; // bit 31: the obsolete "shared" flag
    if (n * 8 > this.end - this.pos) {
      throw new DecodeError(
        "length-out-of-range",
        at,
        `Dictionary of ${n} entries in ${this.end - this.pos} bytes`,
      );
    }
    const map = new Map<Variant, Variant>();
    for (let i = 0; i < n; i++) {
      const k = this.item(depth + 1);
      // A Map takes -0 for 0: the key FLOAT -0.0 is kept as a Float, a key of its own, written back as FLOAT.
      map.set(Object.is(k, -0) ? new Float(-0) : k, this.item(depth + 1));
    }
    return keyType || valueType ? new TypedDictionary(keyType, valueType, map) : map;
  }

  private array(header: number, depth: number): Variant {
    const elementType = this.doubles ? this.containerType((header >>> TYPED_ARRAY_SHIFT) & 3) : undefined;
    const at = this.pos;
    const n = this.u32("Array size") & 0x7fffffff;
    if (n * 4 > this.end - this.pos) {
      throw new DecodeError("length-out-of-range", at, `Array of ${n} items in ${this.end - this.pos} bytes`);
    }
    const items: Variant[] = [];
    for (let i = 0; i < n; i++) items.push(this.item(depth + 1));
    return elementType ? new TypedArray(elementType, items) : items;
  }
}
