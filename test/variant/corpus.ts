/**
 * The conformance corpus as JS values: entry for entry what test/godot/g{3,4}/variant_corpus.gd
 * builds in GDScript, under the same names.
 */
import {
  AABB,
  Basis,
  Callable,
  Color,
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

const f = Math.fround;

/** `objectId`: the instance id Godot printed for the object it sends as an id (OBJECT_ID line). */
export function corpus(dialect: Dialect, objectId = 1234567890123n): [string, Variant][] {
  const g4 = dialect === "godot4";
  const pool = g4 ? "packed" : "pool";
  const basis = new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9));
  let deep: Variant[] = [];
  for (let i = 0; i < 100; i++) deep = [deep];
  const big = new Uint8Array(65536);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7 + 3) % 256;
  const c: [string, Variant][] = [
    ["nil", null],
    ["bool_true", true],
    ["bool_false", false],
    ["int_0", 0],
    ["int_1", 1],
    ["int_neg1", -1],
    ["int32_max", 2147483647],
    ["int32_min", -2147483648],
    ["int_2p31", 2147483648],
    ["int_below_int32", -2147483649],
    ["int_2p40", 1099511627776],
    ["int_2p53_plus1", 9007199254740993n],
    ["int64_max", 9223372036854775807n],
    ["int64_min", -9223372036854775808n],
    ["real_0", new Float(0)],
    ["real_neg0", -0],
    ["real_1", new Float(1)],
    ["real_100", new Float(100)],
    ["real_half", 0.5],
    ["real_0_1", 0.1],
    ["real_f32_exact", f(0.1)],
    ["real_nan", Number.NaN],
    ["real_inf", Number.POSITIVE_INFINITY],
    ["real_neg_inf", Number.NEGATIVE_INFINITY],
    ["real_1e300", 1e300],
    ["real_denormal_f32", 1.401298464324817e-45],
    ["real_2p60", 2 ** 60],
    ["string_empty", ""],
    ["string_a", "a"],
    ["string_abc", "abc"],
    ["string_abcd", "abcd"],
    ["string_unicode", "héllo wörld ✓"],
    ["string_astral", "grin 😀 clef 𝄞"],
    ["string_3000", "0123456789".repeat(300)],
    ["vector2", new Vector2(1.5, -2.25)],
    ["vector2_zero", new Vector2(0, 0)],
    ["rect2", new Rect2(new Vector2(1, 2), new Vector2(3, 4))],
    ["vector3", new Vector3(1, 2, 3.5)],
    ["transform2d", new Transform2D(new Vector2(1, 2), new Vector2(3, 4), new Vector2(5, 6))],
    ["plane", new Plane(1, 2, 3, 4)],
    [g4 ? "quaternion" : "quat", new Quaternion(f(0.1), f(0.2), f(0.3), f(0.9))],
    ["aabb", new AABB(new Vector3(1, 2, 3), new Vector3(4, 5, 6))],
    ["basis", basis],
    [g4 ? "transform3d" : "transform", new Transform3D(basis, new Vector3(10, 11, 12))],
    ["color", new Color(f(0.1), f(0.2), f(0.3), f(0.4))],
    ["nodepath_empty", NodePath.parse("")],
    ["nodepath_relative", NodePath.parse("a/b")],
    ["nodepath_absolute", NodePath.parse("/root/Main/Player")],
    ["nodepath_subnames", NodePath.parse("Player:position:x")],
    ["nodepath_absolute_subnames", NodePath.parse("/root/Main/Player:transform:origin")],
    ["nodepath_only_subname", NodePath.parse(":position")],
    ["nodepath_unicode", NodePath.parse("nöde/😀")],
    ["rid", new RID()],
    ["dict_empty", new Map()],
    [
      "dict_strings",
      new Map<Variant, Variant>([
        ["name", "bot"],
        ["hp", 100],
        ["alive", true],
      ]),
    ],
    [
      "dict_mixed_keys",
      new Map<Variant, Variant>([
        [1, "one"],
        ["two", 2],
        [new Vector2(1, 2), [3]],
        [null, false],
        [2.5, new Map([["nested", new Map()]])],
      ]),
    ],
    ["array_empty", []],
    ["array_mixed", [1, "two", 3.5, null, [4, [5]], new Map([["k", "v"]]), new Vector3(1, 2, 3)]],
    ["array_deep_100", deep],
    [`${pool}_byte_empty`, new Uint8Array(0)],
    [`${pool}_byte_3`, new Uint8Array([1, 2, 255])],
    [`${pool}_byte_64k`, big],
    [`${pool}_int_empty`, new Int32Array(0)],
    [`${pool}_int`, new Int32Array([0, -1, 2147483647, -2147483648])],
    [`${pool}_real_empty`, new Float32Array(0)],
    [`${pool}_real`, new Float32Array([0.5, -1.25, 0.1, Number.POSITIVE_INFINITY])],
    [`${pool}_string_empty`, new PackedStringArray()],
    [`${pool}_string`, new PackedStringArray(["", "a", "abc", "abcd", "hé", "😀"])],
    [`${pool}_vector2_empty`, new PackedVector2Array()],
    [`${pool}_vector2`, PackedVector2Array.of([new Vector2(1, 2), new Vector2(-3.5, 4)])],
    [`${pool}_vector3_empty`, new PackedVector3Array()],
    [`${pool}_vector3`, PackedVector3Array.of([new Vector3(1, 2, 3), new Vector3(-4, 5.5, 6)])],
    [`${pool}_color_empty`, new PackedColorArray()],
    [`${pool}_color`, PackedColorArray.of([new Color(1, 0, 0, 1), new Color(0.5, 0.25, 0.125, 0)])],
  ];
  if (g4) {
    const builtin = (type: number) => ({ kind: "builtin" as const, type });
    c.push(
      ["vector2i", new Vector2i(-7, 2147483647)],
      ["rect2i", new Rect2i(new Vector2i(1, -2), new Vector2i(3, 4))],
      ["vector3i", new Vector3i(1, -2, -2147483648)],
      ["vector4", new Vector4(1, 2.5, -3, 4)],
      ["vector4i", new Vector4i(1, 2, 3, -4)],
      [
        "projection",
        new Projection(
          new Vector4(1, 2, 3, 4),
          new Vector4(5, 6, 7, 8),
          new Vector4(9, 10, 11, 12),
          new Vector4(13, 14, 15, 16),
        ),
      ],
      ["string_name", new StringName("player_name")],
      ["string_name_empty", new StringName("")],
      ["rid_id", new RID(123456789012n)],
      ["callable", new Callable()],
      ["signal", new Signal("", 0n)],
      ["packed_int64", new BigInt64Array([0n, -1n, 2n ** 63n - 1n, -(2n ** 63n), 2147483648n])],
      ["packed_float64", new Float64Array([0.1, -0.5, Number.POSITIVE_INFINITY])],
      ["packed_vector4", PackedVector4Array.of([new Vector4(1, 2, 3, 4), new Vector4(-1, 0.5, 0, 1)])],
      ["packed_int64_empty", new BigInt64Array(0)],
      ["packed_float64_empty", new Float64Array(0)],
      ["packed_vector4_empty", new PackedVector4Array()],
      ["typed_array_int", new TypedArray(builtin(2), [1, 2, 3])],
      ["typed_array_string_empty", new TypedArray(builtin(4), [])],
      ["typed_array_class_name", new TypedArray({ kind: "class", className: "EncodedObjectAsID" }, [])],
      [
        "typed_dict_string_int",
        new TypedDictionary(
          builtin(4),
          builtin(2),
          new Map([
            ["a", 1],
            ["b", 2],
          ]),
        ),
      ],
      ["typed_dict_value_only", new TypedDictionary(undefined, builtin(3), new Map([[1, 2.5]]))],
      [
        "typed_dict_key_only",
        new TypedDictionary(builtin(6), undefined, new Map([[new Vector2i(1, 1), "x"]])),
      ],
    );
  }
  c.push([
    g4 ? "obj_refcounted" : "obj_reference",
    new GodotObject(g4 ? "RefCounted" : "Reference", new Map([["script", null]])),
  ]);
  c.push([g4 ? "objid_refcounted" : "objid_reference", new EncodedObjectAsID(objectId)]);
  return c;
}
