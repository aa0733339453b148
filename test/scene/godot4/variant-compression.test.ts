/**
 * encode_and_compress_variant / decode_and_decompress_variant (Godot 4): each value of the
 * reference captures (real 4.6.3 RPC arguments), byte for byte both ways.
 */
import test from "ava";
import { decodeAndDecompressVariant, encodeAndCompressVariant } from "../../../src/scene/index.js";
import {
  DecodeError,
  EncodedObjectAsID,
  Float,
  GodotObject,
  NodePath,
  StringName,
  type Variant,
  Vector2,
  variantEquals,
} from "../../../src/variant/index.js";
import { bytes, hex } from "./hub.js";

const CAPTURES: [string, Variant, string][] = [
  ["BOOL true is one byte, the value in bit 7", true, "81"],
  ["BOOL false", false, "01"],
  ["INT 42 in 8 bits", 42, "02 2a"],
  ["INT -2 in 8 bits", -2, "02 fe"],
  ["INT 300 in 16 bits", 300, "42 2c 01"],
  ['STRING "hi": marshalls form, 2 bytes of padding', "hi", "04000000 02000000 68690000"],
  ["FLOAT 3.5 fits in f32", 3.5, "03000000 00006040"],
  ["FLOAT 0.1 needs f64 (flag bit 16)", 0.1, "03000100 9a9999999999b93f"],
  ["VECTOR2 (1, 2)", new Vector2(1, 2), "05000000 0000803f 00000040"],
  [
    'ARRAY [1, "x"]: elements in plain marshalls form, INT not compressed',
    [1, "x"],
    "1c000000 02000000 02000000 01000000 04000000 01000000 78000000",
  ],
  [
    'DICTIONARY {"k": 7}',
    new Map<Variant, Variant>([["k", 7]]),
    "1b000000 01000000 04000000 01000000 6b000000 02000000 07000000",
  ],
  ['STRING_NAME &"sn"', new StringName("sn"), "15000000 02000000 736e0000"],
  [
    'NODE_PATH ^"A/B:c"',
    NodePath.parse("A/B:c"),
    "16000000 02000080 01000000 00000000 01000000 41000000 01000000 42000000 01000000 63000000",
  ],
];

for (const [title, value, capture] of CAPTURES) {
  test(`capture: ${title}`, (t) => {
    t.is(hex(encodeAndCompressVariant(value)), hex(bytes(capture)));
    const { value: back, bytesRead } = decodeAndDecompressVariant(bytes(capture));
    t.is(bytesRead, bytes(capture).length);
    t.true(variantEquals(back, value), `decoded ${String(back)}`);
  });
}

test("INT takes the smallest signed size: i8, i16, i32, i64 at each boundary", (t) => {
  const cases: [number | bigint, string][] = [
    [127, "02 7f"],
    [-128, "02 80"],
    [128, "42 8000"],
    [-129, "42 7fff"],
    [32767, "42 ff7f"],
    [32768, "82 00800000"],
    [-32769, "82 ff7fffff"],
    [2147483647, "82 ffffff7f"],
    [-2147483648, "82 00000080"],
    [2147483648, "c2 0000008000000000"],
    [-2147483649, "c2 ffffff7fffffffff"],
    [2n ** 63n - 1n, "c2 ffffffffffffff7f"],
    [-(2n ** 63n), "c2 0000000000000080"],
  ];
  for (const [v, h] of cases) {
    t.is(hex(encodeAndCompressVariant(v)), hex(bytes(h)), `encode ${v}`);
    const back = decodeAndDecompressVariant(bytes(h)).value;
    t.is(BigInt(back as number | bigint), BigInt(v), `decode ${h}`);
  }
  // A whole FLOAT stays a FLOAT (Float), −0 too: never compressed as INT.
  t.is(hex(encodeAndCompressVariant(new Float(2))), "0300000000000040");
  t.is(hex(encodeAndCompressVariant(-0)), "0300000000000080");
});

test("decode: BOOL ignores bit 6, INT reads exactly its size, a meta type ≥ 39 is refused", (t) => {
  t.is(decodeAndDecompressVariant(bytes("c1")).value, true);
  t.is(decodeAndDecompressVariant(bytes("41")).value, false);
  t.deepEqual(decodeAndDecompressVariant(bytes("02 2a ff ff")), { value: 42, bytesRead: 2 });
  const truncated = t.throws(() => decodeAndDecompressVariant(bytes("82 01 02")), {
    instanceOf: DecodeError,
  });
  t.is(truncated?.reason, "truncated");
  t.is(
    t.throws(() => decodeAndDecompressVariant(bytes("27")), { instanceOf: DecodeError })?.reason,
    "unknown-type",
  );
  t.is(
    t.throws(() => decodeAndDecompressVariant(bytes("")), { instanceOf: DecodeError })?.reason,
    "truncated",
  );
  // The mode bits of an uncompressed type make its marshalls header an unknown type, as in Godot.
  t.is(
    t.throws(() => decodeAndDecompressVariant(bytes("44000000 02000000 68690000")), {
      instanceOf: DecodeError,
    })?.reason,
    "unknown-type",
  );
});

test("objects: an id decodes to EncodedObjectAsID; a full Object only with allowObjects", (t) => {
  const id = encodeAndCompressVariant(new EncodedObjectAsID(77n));
  t.is(hex(id), "180001004d00000000000000");
  t.true(variantEquals(decodeAndDecompressVariant(id).value, new EncodedObjectAsID(77n)));
  const full = encodeAndCompressVariant(new GodotObject("Node", new Map()));
  t.is(
    t.throws(() => decodeAndDecompressVariant(full), { instanceOf: DecodeError })?.reason,
    "objects-not-allowed",
  );
  t.true(
    variantEquals(
      decodeAndDecompressVariant(full, { allowObjects: true }).value,
      new GodotObject("Node", new Map()),
    ),
  );
});
