/**
 * The codec's choices, as specifications. Byte layouts here were captured from the real engines
 * (see conformance.test.ts, which checks them against Godot on every run).
 */
import test from "ava";
import {
  Basis,
  Callable,
  DecodeError,
  type Dialect,
  decode,
  EncodedObjectAsID,
  EncodeError,
  encode,
  Float,
  GodotObject,
  getVar,
  NodePath,
  PackedStringArray,
  putVar,
  RID,
  Signal,
  StringName,
  TypedArray,
  type Variant,
  Vector2,
  Vector2i,
  Vector3,
  variantEquals,
} from "../../src/variant/index.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const bytes = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ""), "hex"));
const g3 = { dialect: "godot3" } as const;
const g4 = { dialect: "godot4" } as const;

test("the default dialect is godot3", (t) => {
  t.is(hex(encode(new Vector3(1, 2, 3))), hex(encode(new Vector3(1, 2, 3), g3)));
  t.is(hex(encode(new Vector3(1, 2, 3)).subarray(0, 4)), "07000000");
  t.is(hex(encode(new Vector3(1, 2, 3), g4).subarray(0, 4)), "09000000");
});

test("an integer is INT: 32 bits when it fits, else 64 bits with flag 1<<16", (t) => {
  t.is(hex(encode(-1)), "02000000ffffffff");
  t.is(hex(encode(2147483647)), "02000000ffffff7f");
  t.is(hex(encode(2147483648)), "020001000000008000000000");
  t.is(hex(encode(-2147483649)), "02000100ffffff7fffffffff");
  t.is(hex(encode(5n)), "0200000005000000");
  t.is(hex(encode(-(2n ** 63n))), "020001000000000000000080");
});

test("64-bit INTs decode to numbers while safe, to bigint beyond 2^53", (t) => {
  t.is(decode(encode(2 ** 40)).value, 2 ** 40);
  t.is(decode(encode(-(2 ** 53) + 1)).value, -(2 ** 53) + 1);
  t.is(decode(encode(2n ** 53n)).value, 2n ** 53n);
  t.is(decode(encode(-(2n ** 63n))).value, -(2n ** 63n));
});

test("an integer beyond int64 has no Variant form", (t) => {
  t.throws(() => encode(2n ** 63n), { instanceOf: EncodeError });
});

test("a non-integral number is FLOAT: float32 when exact, else a double with flag 1<<16", (t) => {
  t.is(hex(encode(0.5)), "030000000000003f");
  t.is(hex(encode(0.1)), "030001009a9999999999b93f");
  t.is(hex(encode(Math.fround(0.1))), "03000000cdcccc3d");
  t.is(hex(encode(Number.POSITIVE_INFINITY)), "030000000000807f");
  // NaN != NaN, so Godot's "does float32 hold it exactly" test always says no.
  t.is(hex(encode(Number.NaN)), "03000100000000000000f87f");
  t.is(hex(encode(-0)), "0300000000000080");
  t.is(hex(encode(2 ** 60)), "030000000000805d");
});

test("whole FLOATs decode to Float so they are written back as FLOAT", (t) => {
  const { value } = decode(bytes("030000000000c842"));
  t.true(value instanceof Float);
  t.is(Number(value), 100);
  t.is(hex(encode(value)), "030000000000c842");
  t.is(hex(encode(new Float(100))), "030000000000c842");
  t.is(hex(encode(100)), "0200000064000000");
  t.is(decode(encode(0.25)).value, 0.25);
  t.true(Object.is(decode(encode(-0)).value, -0));
});

test("strings are UTF-8 with a u32 byte length, zero-padded to 4", (t) => {
  t.is(hex(encode("")), "0400000000000000");
  t.is(hex(encode("abc")), "040000000300000061626300");
  t.is(hex(encode("é😀")), "0400000006000000c3a9f09f98800000");
  const long = "ü".repeat(100) + "𝄞".repeat(50);
  t.is(decode(encode(long)).value, long);
});

test("strings Godot could not hold are refused", (t) => {
  t.throws(() => encode("a\0b"), { instanceOf: EncodeError });
  t.throws(() => encode(`${"x".repeat(100)}\0`), { instanceOf: EncodeError });
  t.throws(() => encode("\ud800"), { instanceOf: EncodeError });
  t.throws(() => encode(`${"x".repeat(100)}\udc00`), { instanceOf: EncodeError });
});

test("PoolStringArray items count their NUL terminator", (t) => {
  t.is(hex(encode(new PackedStringArray(["", "abc"]))), "170000000200000001000000000000000400000061626300");
});

test("Basis is written row by row from its columns", (t) => {
  const b = new Basis(new Vector3(1, 2, 3), new Vector3(4, 5, 6), new Vector3(7, 8, 9));
  const floats = [...new Float32Array(encode(b).slice(4).buffer)];
  t.deepEqual(floats, [1, 4, 7, 2, 5, 8, 3, 6, 9]);
  t.true(variantEquals(decode(encode(b)).value, b));
});

test("NodePath: new-format name count, subname count, absolute flag, then the strings", (t) => {
  const p = NodePath.parse("/root/Main:position:x");
  t.deepEqual([p.names, p.subnames, p.absolute], [["root", "Main"], ["position", "x"], true]);
  t.is(p.toString(), "/root/Main:position:x");
  t.is(
    hex(encode(p)),
    "0f000000020000800200000001000000" +
      "04000000726f6f74" +
      "040000004d61696e" +
      "08000000706f736974696f6e" +
      "0100000078000000",
  );
});

test("a NodePath without the new-format bit is refused, as Godot does", (t) => {
  const e = t.throws(() => decode(bytes("0f000000 01000000 61000000")), { instanceOf: DecodeError });
  t.is(e?.reason, "invalid-node-path");
});

test("Godot 4-only types have no Godot 3 form", (t) => {
  for (const v of [
    new Vector2i(1, 2),
    new Callable(),
    new Signal("s", 1n),
    new BigInt64Array(1),
    new Float64Array(1),
    new TypedArray({ kind: "builtin", type: 2 }, []),
  ] as Variant[]) {
    t.throws(() => encode(v, g3), { instanceOf: EncodeError });
    t.notThrows(() => encode(v, g4));
  }
});

test("StringName is a String in Godot 3, a StringName in Godot 4", (t) => {
  t.is(hex(encode(new StringName("ab"), g3)), hex(encode("ab", g3)));
  t.is(hex(encode(new StringName("ab"), g4)), "150000000200000061620000");
  t.true(variantEquals(decode(encode(new StringName("ab"), g4), g4).value, new StringName("ab")));
});

test("an RID carries its id in Godot 4 only", (t) => {
  t.is(hex(encode(new RID(7n), g3)), "10000000");
  t.is(hex(encode(new RID(7n), g4)), "170000000700000000000000");
  t.true(variantEquals(decode(bytes("10000000")).value, new RID(0n)));
});

test("full Objects decode only with allowObjects; objects as ids always", (t) => {
  const obj = new GodotObject("Reference", new Map([["script", null]]));
  const wire = encode(obj);
  t.is(hex(wire.subarray(0, 4)), "11000000");
  const e = t.throws(() => decode(wire), { instanceOf: DecodeError });
  t.is(e?.reason, "objects-not-allowed");
  t.is(e?.offset, 0);
  t.true(variantEquals(decode(wire, { allowObjects: true }).value, obj));
  const asId = encode(new EncodedObjectAsID(1234n));
  t.is(hex(asId), "11000100d204000000000000");
  t.true(variantEquals(decode(asId).value, new EncodedObjectAsID(1234n)));
});

test("Dictionaries keep non-string keys and insertion order; plain objects are Dictionaries", (t) => {
  const m = new Map<Variant, Variant>([
    [new Vector2(1, 2), "v"],
    [3, null],
    ["a", [1]],
  ]);
  const back = decode(encode(m)).value;
  t.true(back instanceof Map);
  t.true(variantEquals(back, m));
  t.is(hex(encode({ a: 1 })), hex(encode(new Map([["a", 1]]))));
});

test("decode reads at an offset and reports the bytes it used; getVar ignores what follows", (t) => {
  const one = encode("hi");
  const buf = new Uint8Array(3 + one.length + 5);
  buf.set(one, 3);
  t.deepEqual(decode(buf, { offset: 3 }), { value: "hi", bytesRead: one.length });
  const packet = new Uint8Array([...putVar([1, "x"]), 9, 9, 9, 9]);
  t.deepEqual(getVar(packet), [1, "x"]);
  t.is(hex(putVar(new Vector2(1, 2), g4)), hex(encode(new Vector2(1, 2), g4)));
});

test("a Buffer decodes like a Uint8Array, and decoded arrays own their memory", (t) => {
  const wire = Buffer.from(encode(new Uint8Array([1, 2, 3])));
  const out = decode(wire).value as Uint8Array;
  t.is(out.constructor, Uint8Array);
  wire[8] = 99;
  t.deepEqual([...out], [1, 2, 3]);
});

test("encodings handed out earlier are not overwritten by later ones", (t) => {
  const first = encode("first");
  const firstHex = hex(first);
  for (let i = 0; i < 2000; i++) encode("x".repeat(i % 300));
  encode(new Uint8Array(100_000));
  t.is(hex(first), firstHex);
});

test("values with no Variant form are refused with EncodeError, not half-written", (t) => {
  for (const v of [() => 1, Symbol("s"), new Date(), new Uint16Array(2), new Set()] as unknown[]) {
    t.throws(() => encode(v as Variant), { instanceOf: EncodeError });
  }
  t.is(hex(encode(1)), "0200000001000000");
});

test("cyclic or too-deep values are refused", (t) => {
  const a: Variant[] = [];
  a.push(a);
  t.throws(() => encode(a), { instanceOf: EncodeError });
});

for (const dialect of ["godot3", "godot4"] as Dialect[]) {
  test(`${dialect}: typed arrays map to Pool/Packed arrays`, (t) => {
    for (const v of [new Uint8Array([1, 2, 3, 4, 5]), new Int32Array([-1, 7]), new Float32Array([0.5, -2])]) {
      const back = decode(encode(v, { dialect }), { dialect }).value;
      t.is((back as object).constructor, v.constructor);
      t.true(variantEquals(back, v));
    }
  });
}
