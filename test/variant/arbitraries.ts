/**
 * fast-check arbitraries for every Variant type of a dialect, in the JS forms that decode back to
 * themselves (see protocol-notes/variant.md, "JS mapping").
 */
import fc from "fast-check";
import {
  AABB,
  Basis,
  Callable,
  Color,
  type ContainerType,
  type Dialect,
  EncodedObjectAsID,
  Float,
  GodotObject,
  NodePath,
  PackedColorArray,
  PackedStringArray,
  PackedVector2Array,
  PackedVector3Array,
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
  Vector2,
  Vector2i,
  Vector3,
  Vector3i,
  Vector4,
  Vector4i,
} from "../../src/variant/index.js";

const real = fc.float(); // float32 values, with NaN, ±0 and ±Infinity
const int32 = fc.integer({ min: -2147483648, max: 2147483647 });
/** 64-bit ids decode as GDScript shows them: signed. */
const id64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
/** Godot strings: any well-formed text without U+0000. */
export const godotString = fc
  .string({ unit: "binary", maxLength: 40 })
  .filter((s) => !s.includes("\0") && (s as unknown as { isWellFormed(): boolean }).isWellFormed());
const longString = fc
  .string({ unit: "binary", minLength: 64, maxLength: 300 })
  .filter((s) => !s.includes("\0") && (s as unknown as { isWellFormed(): boolean }).isWellFormed());

const vector2 = fc.tuple(real, real).map(([x, y]) => new Vector2(x, y));
const vector3 = fc.tuple(real, real, real).map(([x, y, z]) => new Vector3(x, y, z));
const vector4 = fc.tuple(real, real, real, real).map(([x, y, z, w]) => new Vector4(x, y, z, w));
const vector2i = fc.tuple(int32, int32).map(([x, y]) => new Vector2i(x, y));
const basis = fc.tuple(vector3, vector3, vector3).map(([x, y, z]) => new Basis(x, y, z));

function flat(width: number): fc.Arbitrary<Float32Array> {
  return fc.nat(6).chain((n) => fc.float32Array({ minLength: n * width, maxLength: n * width }));
}

/** Leaf values common to both dialects. */
function leaves3(): fc.Arbitrary<Variant>[] {
  return [
    fc.constant(null),
    fc.boolean(),
    int32,
    fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
    fc
      .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
      .filter((b) => b > 2n ** 53n - 1n || b < 1n - 2n ** 53n),
    fc.double(), // non-integral ones are FLOAT, whole ones INT: both come back as the same number
    fc.double().map((v) => (Number.isSafeInteger(v) && !Object.is(v, -0) ? new Float(v) : v)),
    godotString,
    longString,
    vector2,
    fc.tuple(vector2, vector2).map(([p, s]) => new Rect2(p, s)),
    vector3,
    fc.tuple(vector2, vector2, vector2).map(([x, y, o]) => new Transform2D(x, y, o)),
    fc.tuple(real, real, real, real).map(([x, y, z, d]) => new Plane(x, y, z, d)),
    fc.tuple(real, real, real, real).map(([x, y, z, w]) => new Quaternion(x, y, z, w)),
    fc.tuple(vector3, vector3).map(([p, s]) => new AABB(p, s)),
    basis,
    fc.tuple(basis, vector3).map(([b, o]) => new Transform3D(b, o)),
    fc.tuple(real, real, real, real).map(([r, g, b, a]) => new Color(r, g, b, a)),
    fc
      .tuple(fc.array(godotString, { maxLength: 4 }), fc.array(godotString, { maxLength: 3 }), fc.boolean())
      .map(([n, s, a]) => new NodePath(n, s, a)),
    id64.map((id) => new EncodedObjectAsID(id)),
    fc.uint8Array({ maxLength: 70 }),
    fc.int32Array({ maxLength: 20 }),
    fc.float32Array({ maxLength: 20 }),
    fc.array(godotString, { maxLength: 6 }).map((s) => new PackedStringArray(s)),
    flat(2).map((d) => new PackedVector2Array(d)),
    flat(3).map((d) => new PackedVector3Array(d)),
    flat(4).map((d) => new PackedColorArray(d)),
  ];
}

function leaves4(): fc.Arbitrary<Variant>[] {
  return [
    vector2i,
    fc.tuple(vector2i, vector2i).map(([p, s]) => new Rect2i(p, s)),
    fc.tuple(int32, int32, int32).map(([x, y, z]) => new Vector3i(x, y, z)),
    vector4,
    fc.tuple(int32, int32, int32, int32).map(([x, y, z, w]) => new Vector4i(x, y, z, w)),
    fc.tuple(vector4, vector4, vector4, vector4).map(([x, y, z, w]) => new Projection(x, y, z, w)),
    godotString.map((s) => new StringName(s)),
    id64.map((id) => new RID(id)),
    fc.constant(new Callable()),
    fc.tuple(godotString, id64).map(([n, id]) => new Signal(n, id)),
    fc.bigInt64Array({ maxLength: 10 }),
    fc.float64Array({ maxLength: 10 }),
    flat(4).map((d) => new PackedVector4Array(d)),
  ];
}

const containerType: fc.Arbitrary<ContainerType> = fc.oneof(
  fc.integer({ min: 1, max: 38 }).map((type) => ({ kind: "builtin" as const, type })),
  godotString.map((className) => ({ kind: "class" as const, className })),
  godotString.map((path) => ({ kind: "script" as const, path: `res://${path}` })),
);

/** Any Variant of the dialect, nested up to a few levels. */
export function variant(dialect: Dialect): fc.Arbitrary<Variant> {
  const leaves =
    dialect === "godot4" ? [...leaves3(), ...leaves4()] : [...leaves3(), fc.constant(new RID(0n))];
  const { value } = fc.letrec<{ value: Variant; entries: [Variant, Variant][] }>((tie) => {
    const containers: fc.Arbitrary<Variant>[] = [
      fc.array(tie("value"), { maxLength: 5 }),
      tie("entries").map((e) => new Map(e)),
      fc
        .tuple(
          godotString.filter((s) => s !== ""),
          fc.uniqueArray(fc.tuple(godotString, tie("value")), { maxLength: 4, selector: ([k]) => k }),
        )
        .map(([cls, props]) => new GodotObject(cls, new Map(props))),
    ];
    if (dialect === "godot4") {
      containers.push(
        fc
          .tuple(containerType, fc.array(tie("value"), { maxLength: 4 }))
          .map(([t, items]) => new TypedArray(t, items)),
        fc
          .tuple(
            fc.option(containerType, { nil: undefined }),
            fc.option(containerType, { nil: undefined }),
            tie("entries"),
          )
          .filter(([k, v]) => k !== undefined || v !== undefined)
          .map(([k, v, e]) => new TypedDictionary(k, v, new Map(e))),
      );
    }
    return {
      value: fc.oneof({ depthSize: "small", withCrossShrink: true }, ...leaves, ...containers),
      entries: fc.array(fc.tuple(tie("value"), tie("value")), { maxLength: 4 }),
    };
  });
  return value;
}
