/**
 * Godot 4's var_to_str (core/variant/variant_parser.cpp VariantWriter), for the Godot 4 example
 * game's log: the GDScript game prints its arguments this way, so our server's log reads the same.
 * Checked against 4.6.3 (test/server/godot4/game4-show.test.ts); exotic types (objects, callables)
 * print a readable stand-in, not Godot's form.
 */
import { type ContainerType, encode, Float, type Variant } from "../../variant/index.js";

/** Godot 4 Variant type names (Variant::get_type_name), by type id. */
export const TYPE_NAMES = [
  "Nil",
  "bool",
  "int",
  "float",
  "String",
  "Vector2",
  "Vector2i",
  "Rect2",
  "Rect2i",
  "Vector3",
  "Vector3i",
  "Transform2D",
  "Vector4",
  "Vector4i",
  "Plane",
  "Quaternion",
  "AABB",
  "Basis",
  "Transform3D",
  "Projection",
  "Color",
  "StringName",
  "NodePath",
  "RID",
  "Object",
  "Callable",
  "Signal",
  "Dictionary",
  "Array",
  "PackedByteArray",
  "PackedInt32Array",
  "PackedInt64Array",
  "PackedFloat32Array",
  "PackedFloat64Array",
  "PackedStringArray",
  "PackedVector2Array",
  "PackedVector3Array",
  "PackedColorArray",
  "PackedVector4Array",
] as const;

/** GDScript's typeof(): the type id var_to_bytes writes first. */
export function typeOf4(v: Variant): number {
  if (v === null || v === undefined) return 0;
  return (encode(v, { dialect: "godot4" })[0] as number) & 0xff;
}

/** Godot's rtos_fix + num_scientific: shortest round-trip digits, %g-style exponent. */
function real(v: number, float32: boolean): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Number.POSITIVE_INFINITY) return "inf";
  if (v === Number.NEGATIVE_INFINITY) return "inf_neg";
  if (v === 0) return "0";
  let digits = v.toExponential();
  // 4.6 prints a value float can hold exactly with float's shortest digits (1.1529215e+18).
  if (float32 || Math.fround(v) === v) {
    // real_t is float: the shortest digits that read back as the same float.
    for (let p = 1; p <= 9; p++) {
      const d = v.toExponential(p - 1);
      if (Math.fround(Number(d)) === v) {
        digits = d;
        break;
      }
    }
  }
  const [mantissa = "0", exp = "0"] = digits.split("e");
  const e = Number(exp);
  if (e < -4 || e >= 15) {
    const abs = Math.abs(e);
    return `${mantissa}e${e < 0 ? "-" : "+"}${abs < 10 ? `0${abs}` : abs}`;
  }
  return String(Number(digits));
}

/** A FLOAT Variant: always with a decimal point (1.0, not 1). */
function float(v: number): string {
  const s = real(v, false);
  return /[.eni]/.test(s) ? s : `${s}.0`;
}

function str(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** Numeric components of a math value, flattened (Rect2 = position then size, …). */
function components(v: object, out: number[]): number[] {
  for (const c of Object.values(v)) {
    if (typeof c === "number") out.push(c);
    else if (typeof c === "object" && c !== null) components(c, out);
  }
  return out;
}

/** Variant type first, then value: how Godot 4 sorts a Dictionary's keys when it writes one. */
function keyOrder(a: Variant, b: Variant): number {
  const ta = typeOf4(a);
  const tb = typeOf4(b);
  if (ta !== tb) return ta - tb;
  if (ta >= 1 && ta <= 3)
    return Number(a instanceof Float ? a.value : a) - Number(b instanceof Float ? b.value : b);
  const x = ta === 4 ? String(a) : varToStr4(a);
  const y = tb === 4 ? String(b) : varToStr4(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function typeName(t: ContainerType | undefined): string {
  if (!t) return "Variant";
  if (t.kind === "builtin") return TYPE_NAMES[t.type] ?? "Variant";
  return t.kind === "class" ? t.className : t.path;
}

function dictionary(entries: Iterable<[Variant, Variant]>): string {
  const list = [...entries].sort((a, b) => keyOrder(a[0], b[0]));
  if (list.length === 0) return "{}";
  return `{\n${list.map(([k, v]) => `${varToStr4(k)}: ${varToStr4(v)}`).join(",\n")}\n}`;
}

/** var_to_str(v) as Godot 4.6 writes it. */
export function varToStr4(v: Variant): string {
  if (v === null || v === undefined) return "null";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? String(v) : float(v);
    case "bigint":
      return String(v);
    case "string":
      return str(v);
  }
  if (v instanceof Float) return float(v.value);
  if (Array.isArray(v)) return `[${v.map(varToStr4).join(", ")}]`;
  if (v instanceof Map) return dictionary(v);
  if (v instanceof Uint8Array) return `PackedByteArray(${v.join(", ")})`;
  if (v instanceof Int32Array) return `PackedInt32Array(${v.join(", ")})`;
  if (v instanceof BigInt64Array) return `PackedInt64Array(${v.join(", ")})`;
  if (v instanceof Float32Array) return `PackedFloat32Array(${[...v].map((x) => real(x, true)).join(", ")})`;
  if (v instanceof Float64Array) return `PackedFloat64Array(${[...v].map((x) => real(x, false)).join(", ")})`;
  const name = v.constructor?.name ?? "Object";
  switch (name) {
    case "Object":
      return dictionary(Object.entries(v));
    case "StringName":
      return `&${str(String(v))}`;
    case "NodePath":
      return `NodePath(${str(String(v))})`;
    case "PackedStringArray":
      return `PackedStringArray(${(v as { strings: string[] }).strings.map(str).join(", ")})`;
    case "TypedArray": {
      const a = v as { elementType: ContainerType; items: Variant[] };
      return `Array[${typeName(a.elementType)}](${varToStr4(a.items)})`;
    }
    case "TypedDictionary": {
      const d = v as { keyType?: ContainerType; valueType?: ContainerType; entries: Map<Variant, Variant> };
      return `Dictionary[${typeName(d.keyType)}, ${typeName(d.valueType)}](${dictionary(d.entries)})`;
    }
    case "RID":
      return (v as { id: bigint }).id === 0n ? "RID()" : `RID(${(v as { id: bigint }).id})`;
    case "EncodedObjectAsID":
      return `Object(EncodedObjectAsID,"object_id":${(v as { objectId: bigint }).objectId},"script":null)\n`;
    case "GodotObject":
    case "Callable":
    case "Signal":
      return `${name}()`;
  }
  if ("data" in v && v.data instanceof Float32Array) {
    return `${name}(${[...v.data].map((x) => real(x, true)).join(", ")})`;
  }
  if (name === "Basis" || name === "Transform3D") {
    // Godot writes a Basis column by column.
    const c = components(v, []);
    const order = [0, 3, 6, 1, 4, 7, 2, 5, 8, 9, 10, 11].slice(0, c.length);
    return `${name}(${order.map((i) => real(c[i] as number, true)).join(", ")})`;
  }
  const ints = name.endsWith("i");
  return `${name}(${components(v, [])
    .map((x) => (ints ? String(x) : real(x, true)))
    .join(", ")})`;
}

/** The game's Log.show(): var_to_str on one line. */
export function show4(v: Variant): string {
  return varToStr4(v).replace(/\n/g, " ");
}
