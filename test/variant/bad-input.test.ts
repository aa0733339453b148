/**
 * Hostile or broken bytes get a DecodeError naming the offset and the reason: never a RangeError,
 * never an allocation the input cannot justify, never a hang or a stack overflow.
 */
import test from "ava";
import {
  DecodeError,
  type DecodeErrorReason,
  type Dialect,
  decode,
  encode,
  GodotObject,
  PackedVector4Array,
  type Variant,
} from "../../src/variant/index.js";
import { corpus } from "./corpus.js";

const le = (...words: number[]) => new Uint8Array(new Uint32Array(words).buffer);

function refused(
  t: import("ava").ExecutionContext,
  bytes: Uint8Array,
  reason: DecodeErrorReason,
  offset: number,
  options: { dialect?: Dialect; allowObjects?: boolean; maxDepth?: number } = {},
): void {
  const e = t.throws(() => decode(bytes, options), { instanceOf: DecodeError });
  t.is(e?.reason, reason);
  t.is(e?.offset, offset);
  t.true(e?.message.includes(`offset ${offset}`));
}

test("empty and cut-short input is truncated at the field that is missing", (t) => {
  refused(t, new Uint8Array(0), "truncated", 0);
  refused(t, new Uint8Array([2, 0, 0]), "truncated", 0);
  refused(t, le(2), "truncated", 4); // INT without its value
  refused(t, new Uint8Array([2, 0, 1, 0, 1, 2, 3, 4]), "truncated", 4); // int64 with 4 of 8 bytes
  refused(t, le(5, 0), "truncated", 4); // Vector2 with one float
  refused(t, le(19, 2, 2, 1), "truncated", 16); // Array of 2 INTs, the second missing
});

test("every proper prefix of every corpus encoding is refused or decodes within its bytes", (t) => {
  for (const dialect of ["godot3", "godot4"] as Dialect[]) {
    for (const [name, value] of corpus(dialect)) {
      const bytes = encode(value, { dialect });
      for (let n = 0; n < Math.min(bytes.length, 600); n++) {
        const prefix = bytes.subarray(0, n);
        try {
          const { bytesRead } = decode(prefix, { dialect, allowObjects: true });
          // Godot itself accepts a PackedByteArray whose final padding is missing.
          t.true(bytesRead <= n, `${dialect} ${name} prefix ${n}`);
        } catch (e) {
          if (!(e instanceof DecodeError)) t.fail(`${dialect} ${name} prefix ${n}: ${String(e)}`);
        }
      }
    }
  }
});

test("lengths and counts beyond the remaining bytes are refused before anything is allocated", (t) => {
  refused(t, le(4, 0xfffffff0), "length-out-of-range", 4); // String
  refused(t, le(4, 5, 0x61616161), "length-out-of-range", 4); // 5 bytes + padding need 8
  refused(t, le(19, 0x7fffffff, 0), "length-out-of-range", 4); // Array of 2^31-1 items
  refused(t, le(18, 0x7fffffff), "length-out-of-range", 4); // Dictionary
  refused(t, le(20, 0x7fffffff), "length-out-of-range", 4); // PoolByteArray
  refused(t, le(21, 0x40000000), "length-out-of-range", 4); // PoolIntArray: count * 4 overflows int32
  refused(t, le(23, 0xffffffff), "length-out-of-range", 4); // PoolStringArray, "negative" count
  refused(t, le(24, 3, 0, 0, 0, 0), "length-out-of-range", 4); // PoolVector2Array of 3 in 16 bytes
  refused(t, le(15, 0x80000000 | 1000, 0, 0), "length-out-of-range", 4); // NodePath of 1000 names
  refused(t, le(31, 0x10000000), "length-out-of-range", 4, { dialect: "godot4" }); // PackedInt64Array
  const object = encode(new GodotObject("Node", new Map([["a", 1]])));
  const lying = Uint8Array.from(object);
  new DataView(lying.buffer).setUint32(12, 0x7fffffff, true);
  refused(t, lying, "length-out-of-range", 12, { allowObjects: true });
});

test("unknown type ids are refused", (t) => {
  refused(t, le(27), "unknown-type", 0);
  refused(t, le(38), "unknown-type", 0);
  refused(t, le(255), "unknown-type", 0);
  refused(t, le(39), "unknown-type", 0, { dialect: "godot4" });
  refused(t, le(19, 1, 200), "unknown-type", 8);
  t.true(decode(le(38, 0), { dialect: "godot4" }).value instanceof PackedVector4Array);
});

test("nesting 10,000 deep is refused at Godot's limit of 1024, without exhausting the stack", (t) => {
  const nested = (arrayId: number) => {
    const depth = 10_000;
    const bytes = new Uint8Array(depth * 8 + 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < depth; i++) {
      view.setUint32(i * 8, arrayId, true);
      view.setUint32(i * 8 + 4, 1, true);
    }
    return bytes;
  };
  refused(t, nested(19), "too-deep", 1025 * 8);
  refused(t, nested(28), "too-deep", 1025 * 8, { dialect: "godot4" });
  // Godot's own limit: depth 1024 is accepted.
  let ok: Variant = [];
  for (let i = 0; i < 1024; i++) ok = [ok];
  t.notThrows(() => decode(encode(ok)));
  refused(t, encode([[[[]]]]), "too-deep", 24, { maxDepth: 2 });
  t.throws(() => encode([ok]));
});

test("a full Object is refused unless objects are allowed", (t) => {
  const bytes = encode([1, new GodotObject("Node", new Map())]);
  refused(t, bytes, "objects-not-allowed", 16);
  t.notThrows(() => decode(bytes, { allowObjects: true }));
});

test("invalid UTF-8 is refused, as Godot's parse_utf8 does", (t) => {
  refused(t, new Uint8Array([4, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0x28, 0, 0]), "invalid-utf8", 4);
  refused(t, new Uint8Array([4, 0, 0, 0, 1, 0, 0, 0, 0xff, 0, 0, 0]), "invalid-utf8", 4);
});

test("typed containers with an element type that is not a Variant type are refused", (t) => {
  refused(t, le(28 | (1 << 16), 99, 0), "invalid-container-type", 4, { dialect: "godot4" });
  refused(t, le(27 | (1 << 18), 39, 0), "invalid-container-type", 4, { dialect: "godot4" });
});

test("an offset outside the input is refused", (t) => {
  refused(t, le(0), "invalid-offset", 0, { offset: 5 } as never);
  t.throws(() => decode(le(0), { offset: 5 }), { instanceOf: DecodeError });
  t.throws(() => decode(le(0), { offset: -1 }), { instanceOf: DecodeError });
});
