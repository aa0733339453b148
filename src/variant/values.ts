/**
 * The non-math Variant classes and the markers for values whose JS form would be ambiguous.
 */
import {
  AABB,
  Basis,
  Color,
  markKind,
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
import { Kind } from "./types.js";

/**
 * A FLOAT whose value is a whole number. Decoding gives a plain number for every other float
 * (0.5, -0.0, NaN, ±Infinity, 1e300); whole ones come back as `Float` so that encoding them again
 * writes FLOAT, not INT. Wrap a number in `Float` to send it as FLOAT whatever its value.
 */
export class Float {
  declare readonly variantKind: typeof Kind.FLOAT;
  constructor(readonly value: number) {}
  valueOf(): number {
    return this.value;
  }
  equals(o: Float): boolean {
    return o instanceof Float && Object.is(this.value, o.value);
  }
  toString(): string {
    return String(this.value);
  }
}
markKind(Float, Kind.FLOAT);

/** Godot's StringName (4.x). In the godot3 dialect it is written as a String, as Godot 3 does. */
export class StringName {
  declare readonly variantKind: typeof Kind.STRING_NAME;
  constructor(readonly name: string) {}
  equals(o: StringName): boolean {
    return o instanceof StringName && o.name === this.name;
  }
  toString(): string {
    return this.name;
  }
}
markKind(StringName, Kind.STRING_NAME);

/** A NodePath: node names, then property subnames (`a/b:position:x`), absolute when it starts with "/". */
export class NodePath {
  declare readonly variantKind: typeof Kind.NODE_PATH;
  constructor(
    readonly names: readonly string[],
    readonly subnames: readonly string[] = [],
    readonly absolute: boolean = false,
  ) {}

  /** Parses Godot's text form: "/root/Main", "Player:position:x", ":position". */
  static parse(path: string): NodePath {
    const absolute = path.startsWith("/");
    const [head = "", ...subnames] = (absolute ? path.slice(1) : path).split(":");
    const names = head.split("/").filter((n) => n !== "");
    return new NodePath(
      names,
      subnames.filter((s) => s !== ""),
      absolute,
    );
  }

  toString(): string {
    const head = (this.absolute ? "/" : "") + this.names.join("/");
    return this.subnames.length ? `${head}:${this.subnames.join(":")}` : head;
  }

  equals(o: NodePath): boolean {
    return (
      o instanceof NodePath &&
      o.absolute === this.absolute &&
      sameStrings(o.names, this.names) &&
      sameStrings(o.subnames, this.subnames)
    );
  }
}
markKind(NodePath, Kind.NODE_PATH);

function sameStrings(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * A resource id. 64-bit ids (RID, object ids) are bigints as GDScript's int shows them: signed
 * (Godot 4 gives RefCounted objects negative ids); encode also takes the unsigned form.
 * Godot 4 sends an RID's 64-bit id; Godot 3 sends no payload at all (an RID is
 * meaningless in another process), so in the godot3 dialect every RID decodes as `new RID(0n)`.
 */
export class RID {
  declare readonly variantKind: typeof Kind.RID;
  constructor(readonly id: bigint = 0n) {}
  equals(o: RID): boolean {
    return o instanceof RID && o.id === this.id;
  }
}
markKind(RID, Kind.RID);

/** Godot 4 Callable: the wire carries nothing but the type, and decodes to an empty Callable. */
export class Callable {
  declare readonly variantKind: typeof Kind.CALLABLE;
  equals(o: Callable): boolean {
    return o instanceof Callable;
  }
}
markKind(Callable, Kind.CALLABLE);

/** Godot 4 Signal: its name and the instance id of the object that owns it. */
export class Signal {
  declare readonly variantKind: typeof Kind.SIGNAL;
  constructor(
    readonly name: string = "",
    readonly objectId: bigint = 0n,
  ) {}
  equals(o: Signal): boolean {
    return o instanceof Signal && o.name === this.name && o.objectId === this.objectId;
  }
}
markKind(Signal, Kind.SIGNAL);

/**
 * An Object sent whole (`var2bytes(obj, true)`, `put_var(obj, true)`): its class and the values of
 * its stored properties, in Godot's order. `className` "" is a null Object. Decoding one needs
 * `allowObjects: true`, as in Godot.
 */
export class GodotObject {
  declare readonly variantKind: typeof Kind.OBJECT;
  constructor(
    readonly className: string,
    readonly properties: ReadonlyMap<string, Variant> = new Map(),
  ) {}
  equals(o: GodotObject): boolean {
    if (!(o instanceof GodotObject) || o.className !== this.className) return false;
    if (o.properties.size !== this.properties.size) return false;
    const theirs = [...o.properties];
    let i = 0;
    for (const [k, v] of this.properties) {
      const t = theirs[i++];
      if (!t || t[0] !== k || !variantEquals(v, t[1])) return false;
    }
    return true;
  }
}
markKind(GodotObject, Kind.OBJECT);

/**
 * An Object sent as its instance id (the default for var2bytes/put_var): Godot decodes it to an
 * EncodedObjectAsID, or to null when the id is 0. Allowed without `allowObjects`, as in Godot.
 */
export class EncodedObjectAsID {
  declare readonly variantKind: typeof Kind.OBJECT;
  constructor(readonly objectId: bigint) {}
  equals(o: EncodedObjectAsID): boolean {
    return o instanceof EncodedObjectAsID && o.objectId === this.objectId;
  }
}
markKind(EncodedObjectAsID, Kind.OBJECT);

/** PoolStringArray / PackedStringArray (a JS string[] is an Array of Strings). */
export class PackedStringArray {
  declare readonly variantKind: typeof Kind.PACKED_STRING_ARRAY;
  constructor(readonly strings: readonly string[] = []) {}
  get length(): number {
    return this.strings.length;
  }
  equals(o: PackedStringArray): boolean {
    return o instanceof PackedStringArray && sameStrings(o.strings, this.strings);
  }
}
markKind(PackedStringArray, Kind.PACKED_STRING_ARRAY);

/** Base of the packed vector/color arrays: a flat Float32Array, `width` numbers per element. */
abstract class PackedFloats<T> {
  abstract readonly width: number;
  constructor(readonly data: Float32Array = new Float32Array(0)) {}
  get length(): number {
    return Math.floor(this.data.length / this.width);
  }
  abstract at(i: number): T | undefined;
  equals(o: PackedFloats<T>): boolean {
    return o.constructor === this.constructor && sameFloats(o.data, this.data);
  }
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.length; i++) yield this.at(i) as T;
  }
}

/** PoolVector2Array / PackedVector2Array: x0, y0, x1, y1 … */
export class PackedVector2Array extends PackedFloats<Vector2> {
  declare readonly variantKind: typeof Kind.PACKED_VECTOR2_ARRAY;
  get width(): number {
    return 2;
  }
  static of(items: readonly Vector2[]): PackedVector2Array {
    return new PackedVector2Array(Float32Array.from(items.flatMap((v) => [v.x, v.y])));
  }
  at(i: number): Vector2 | undefined {
    const d = this.data;
    return i >= 0 && i < this.length ? new Vector2(d[i * 2]!, d[i * 2 + 1]!) : undefined;
  }
}
markKind(PackedVector2Array, Kind.PACKED_VECTOR2_ARRAY);

/** PoolVector3Array / PackedVector3Array: x0, y0, z0, x1 … */
export class PackedVector3Array extends PackedFloats<Vector3> {
  declare readonly variantKind: typeof Kind.PACKED_VECTOR3_ARRAY;
  get width(): number {
    return 3;
  }
  static of(items: readonly Vector3[]): PackedVector3Array {
    return new PackedVector3Array(Float32Array.from(items.flatMap((v) => [v.x, v.y, v.z])));
  }
  at(i: number): Vector3 | undefined {
    const d = this.data;
    return i >= 0 && i < this.length ? new Vector3(d[i * 3]!, d[i * 3 + 1]!, d[i * 3 + 2]!) : undefined;
  }
}
markKind(PackedVector3Array, Kind.PACKED_VECTOR3_ARRAY);

/** PackedVector4Array (Godot 4.3+): x0, y0, z0, w0, x1 … */
export class PackedVector4Array extends PackedFloats<Vector4> {
  declare readonly variantKind: typeof Kind.PACKED_VECTOR4_ARRAY;
  get width(): number {
    return 4;
  }
  static of(items: readonly Vector4[]): PackedVector4Array {
    return new PackedVector4Array(Float32Array.from(items.flatMap((v) => [v.x, v.y, v.z, v.w])));
  }
  at(i: number): Vector4 | undefined {
    const d = this.data;
    const j = i * 4;
    return i >= 0 && i < this.length ? new Vector4(d[j]!, d[j + 1]!, d[j + 2]!, d[j + 3]!) : undefined;
  }
}
markKind(PackedVector4Array, Kind.PACKED_VECTOR4_ARRAY);

/** PoolColorArray / PackedColorArray: r0, g0, b0, a0, r1 … */
export class PackedColorArray extends PackedFloats<Color> {
  declare readonly variantKind: typeof Kind.PACKED_COLOR_ARRAY;
  get width(): number {
    return 4;
  }
  static of(items: readonly Color[]): PackedColorArray {
    return new PackedColorArray(Float32Array.from(items.flatMap((c) => [c.r, c.g, c.b, c.a])));
  }
  at(i: number): Color | undefined {
    const d = this.data;
    const j = i * 4;
    return i >= 0 && i < this.length ? new Color(d[j]!, d[j + 1]!, d[j + 2]!, d[j + 3]!) : undefined;
  }
}
markKind(PackedColorArray, Kind.PACKED_COLOR_ARRAY);

/**
 * The element type of a Godot 4 typed Array, or key/value type of a typed Dictionary:
 * a builtin Variant type (Godot 4 id, e.g. 2 = int), a class name, or a script path.
 * Without `allowObjects` Godot writes class name "EncodedObjectAsID" for object types.
 */
export type ContainerType =
  | { readonly kind: "builtin"; readonly type: number }
  | { readonly kind: "class"; readonly className: string }
  | { readonly kind: "script"; readonly path: string };

function sameContainerType(a: ContainerType | undefined, b: ContainerType | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind === "builtin") return b.kind === "builtin" && a.type === b.type;
  if (a.kind === "class") return b.kind === "class" && a.className === b.className;
  return b.kind === "script" && a.path === b.path;
}

/** A Godot 4 typed Array (`Array[int]`, `Array[Node]` …). */
export class TypedArray {
  declare readonly variantKind: typeof Kind.ARRAY;
  constructor(
    readonly elementType: ContainerType,
    readonly items: Variant[] = [],
  ) {}
  equals(o: TypedArray): boolean {
    return (
      o instanceof TypedArray &&
      sameContainerType(o.elementType, this.elementType) &&
      variantEquals(o.items, this.items)
    );
  }
}
markKind(TypedArray, Kind.ARRAY);

/** A Godot 4 typed Dictionary (`Dictionary[String, int]`); an untyped side is `undefined`. */
export class TypedDictionary {
  declare readonly variantKind: typeof Kind.DICTIONARY;
  constructor(
    readonly keyType: ContainerType | undefined,
    readonly valueType: ContainerType | undefined,
    readonly entries: Map<Variant, Variant> = new Map(),
  ) {}
  equals(o: TypedDictionary): boolean {
    return (
      o instanceof TypedDictionary &&
      sameContainerType(o.keyType, this.keyType) &&
      sameContainerType(o.valueType, this.valueType) &&
      variantEquals(o.entries, this.entries)
    );
  }
}
markKind(TypedDictionary, Kind.DICTIONARY);

/** A Dictionary with string keys written as a plain JS object (decodes back as a Map). */
export interface VariantRecord {
  readonly [key: string]: Variant;
}

/**
 * A Godot Variant as a JS value. See protocol-notes/variant.md for the full table:
 * null ↔ NIL, boolean ↔ BOOL, number ↔ INT (safe integers, not -0) or FLOAT, bigint ↔ INT
 * beyond 2^53, string ↔ STRING, Array ↔ Array, Map (or plain object) ↔ Dictionary, typed arrays ↔
 * Pool/Packed arrays, and the classes of this module for everything else.
 */
export type Variant =
  | null
  | boolean
  | number
  | bigint
  | string
  | Float
  | Vector2
  | Vector2i
  | Rect2
  | Rect2i
  | Vector3
  | Vector3i
  | Transform2D
  | Vector4
  | Vector4i
  | Plane
  | Quaternion
  | AABB
  | Basis
  | Transform3D
  | Projection
  | Color
  | StringName
  | NodePath
  | RID
  | GodotObject
  | EncodedObjectAsID
  | Callable
  | Signal
  | Variant[]
  | readonly Variant[]
  | Map<Variant, Variant>
  | VariantRecord
  | TypedArray
  | TypedDictionary
  | Uint8Array
  | Int32Array
  | BigInt64Array
  | Float32Array
  | Float64Array
  | PackedStringArray
  | PackedVector2Array
  | PackedVector3Array
  | PackedVector4Array
  | PackedColorArray;

function sameFloats(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

interface Equatable {
  equals(o: unknown): boolean;
}

function isEquatable(v: object): boolean {
  return typeof (v as Partial<Equatable>).equals === "function";
}

/**
 * Structural equality of two Variants as Godot would see them on the wire: numbers by Object.is
 * (NaN equals NaN, -0 differs from 0), Arrays element-wise, Dictionaries entry-wise *in order*,
 * typed arrays by type and contents, classes by `equals`.
 */
export function variantEquals(a: Variant, b: Variant): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!variantEquals(a[i] as Variant, b[i] as Variant)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    const theirs = [...b];
    let i = 0;
    for (const [k, v] of a) {
      const t = theirs[i++];
      if (!t || !variantEquals(k, t[0]) || !variantEquals(v, t[1])) return false;
    }
    return true;
  }
  if (ArrayBuffer.isView(a)) {
    if (!ArrayBuffer.isView(b) || a.constructor !== b.constructor) return false;
    if (a instanceof BigInt64Array) {
      const bb = b as BigInt64Array;
      return a.length === bb.length && a.every((x, i) => x === bb[i]);
    }
    return sameFloats(a as ArrayLike<number>, b as unknown as ArrayLike<number>);
  }
  if (isEquatable(a)) return (a as unknown as Equatable).equals(b);
  if (isEquatable(b) || Array.isArray(b) || b instanceof Map || ArrayBuffer.isView(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  const ra = a as VariantRecord;
  const rb = b as VariantRecord;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (kb[i] !== k || !variantEquals(ra[k]!, rb[k]!)) return false;
  }
  return true;
}

export {
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
};
