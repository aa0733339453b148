/**
 * Properties over arbitrary values and bytes, both dialects:
 *  - decode(encode(v)) equals v, uses every byte, and encodes again to the same bytes;
 *  - decoding any bytes (random, or a valid encoding damaged) gives a value or a DecodeError,
 *    never another exception and never a hang.
 */
import test from "ava";
import fc from "fast-check";
import { DecodeError, type Dialect, decode, encode, variantEquals } from "../../src/variant/index.js";
import { variant } from "./arbitraries.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

function decodesOrRefuses(bytes: Uint8Array, dialect: Dialect, allowObjects: boolean): boolean {
  try {
    const { bytesRead } = decode(bytes, { dialect, allowObjects });
    return bytesRead <= bytes.length;
  } catch (e) {
    if (e instanceof DecodeError) return e.offset >= 0 && e.offset <= bytes.length;
    throw e;
  }
}

for (const dialect of ["godot3", "godot4"] as Dialect[]) {
  test(`${dialect}: decode(encode(v)) is v, and encodes back to the same bytes`, (t) => {
    fc.assert(
      fc.property(variant(dialect), (v) => {
        const bytes = Uint8Array.from(encode(v, { dialect }));
        const { value, bytesRead } = decode(bytes, { dialect, allowObjects: true });
        return (
          bytesRead === bytes.length &&
          bytes.length % 4 === 0 &&
          variantEquals(value, v) &&
          hex(encode(value, { dialect })) === hex(bytes)
        );
      }),
      { numRuns: 1500 },
    );
    t.pass();
  });

  test(`${dialect}: arbitrary bytes decode or throw DecodeError, nothing else`, (t) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), fc.boolean(), (bytes, allowObjects) =>
        decodesOrRefuses(bytes, dialect, allowObjects),
      ),
      { numRuns: 5000 },
    );
    // Random bytes mostly fail at the first header: start from real Variants with a type byte kept.
    fc.assert(
      fc.property(fc.nat(38), fc.uint8Array({ maxLength: 64 }), (type, rest) =>
        decodesOrRefuses(new Uint8Array([type, 0, 0, 0, ...rest]), dialect, true),
      ),
      { numRuns: 5000 },
    );
    t.pass();
  });

  test(`${dialect}: damaged and truncated encodings decode or throw DecodeError`, (t) => {
    fc.assert(
      fc.property(
        variant(dialect),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (v, flips, cut) => {
          const bytes = Uint8Array.from(encode(v, { dialect }));
          for (const [at, b] of flips) if (bytes.length) bytes[at % bytes.length] = b;
          return (
            decodesOrRefuses(bytes, dialect, true) &&
            decodesOrRefuses(bytes.subarray(0, cut % (bytes.length + 1)), dialect, false)
          );
        },
      ),
      { numRuns: 1500 },
    );
    t.pass();
  });
}
