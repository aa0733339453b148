/**
 * The codec's last edge cases, with Godot 4.6.3 as the judge where bytes are concerned:
 * Dictionary keys INT 0 and FLOAT -0.0 are two keys (a JS Map would merge them), a Godot 4
 * container typed with builtin NIL is an untyped one, and a raised maxDepth never overflows the
 * stack: the decoder answers DecodeError at any depth.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { DecodeError, decode, encode, Float, type Variant } from "../../src/variant/index.js";
import { runFixtureScript } from "../harness/godot.js";

const le = (...words: number[]) => new Uint8Array(new Uint32Array(words).buffer);
const cat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/** Godot 4: { 0: 1, -0.0: 2 } (INT key, then FLOAT key). */
const zeroKeys = cat(
  le(27, 2),
  le(2, 0),
  le(2, 1),
  le(3),
  new Uint8Array(new Float32Array([-0]).buffer),
  le(2, 2),
);
/** Godot 4: an Array typed with builtin NIL holding 7, and a Dictionary whose keys are typed NIL. */
const nilArray = le(28 | (1 << 16), 0, 1, 2, 7);
const nilDict = le(27 | (1 << 16), 0, 1, 2, 7, 2, 8);

test("Dictionary keys INT 0 and FLOAT -0.0 stay two entries and re-encode byte-identically", (t) => {
  for (const dialect of ["godot3", "godot4"] as const) {
    const bytes =
      dialect === "godot4"
        ? zeroKeys
        : cat(le(18, 2), le(2, 0), le(2, 1), le(3), new Uint8Array(new Float32Array([-0]).buffer), le(2, 2));
    const { value } = decode(bytes, { dialect });
    t.true(value instanceof Map);
    const map = value as Map<Variant, Variant>;
    t.is(map.size, 2);
    const keys = [...map.keys()];
    t.true(Object.is(keys[0], 0));
    t.true(keys[1] instanceof Float && Object.is((keys[1] as Float).value, -0));
    t.deepEqual(Buffer.from(encode(map, { dialect })), Buffer.from(bytes));
  }
});

test("a raised maxDepth never overflows the stack: DecodeError at any depth", (t) => {
  for (const levels of [5_000, 50_000, 500_000]) {
    const words = new Uint32Array(levels * 2);
    for (let i = 0; i < levels; i++) {
      words[i * 2] = 28;
      words[i * 2 + 1] = i === levels - 1 ? 0 : 1;
    }
    const bytes = new Uint8Array(words.buffer);
    const err = t.throws(() => decode(bytes, { dialect: "godot4", maxDepth: 10_000_000 }));
    t.true(err instanceof DecodeError && err.reason === "too-deep", String(err));
  }
  // The decoder is reusable afterwards.
  t.deepEqual(decode(encode([[1]], { dialect: "godot4" }), { dialect: "godot4" }).value, [[1]]);
});

test("Godot 4.6.3: a container typed with builtin NIL reads as untyped and re-encodes as Godot does; INT 0 and FLOAT -0.0 are two keys", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-reencode-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const inputs: [string, Uint8Array][] = [
    ["nil_array", nilArray],
    ["nil_dict", nilDict],
    ["zero_keys", zeroKeys],
  ];
  const file = join(dir, "in.txt");
  await writeFile(file, inputs.map(([n, b]) => `${n} ${b64(b)}`).join("\n"));
  const run = await runFixtureScript("4.6.3", "variant_reencode.gd", { GP_IN: file });
  t.is(run.code, 0, run.lines.join("\n"));
  const godot = new Map(
    run.lines
      .filter((l) => l.startsWith("REENCODED "))
      .map((l) => {
        const [, name, type, typed, size, bytes] = l.split(" ");
        return [
          name as string,
          { type: Number(type), typed: Number(typed), size: Number(size), bytes: bytes as string },
        ];
      }),
  );
  for (const [name, bytes] of inputs) {
    const g = godot.get(name);
    if (!g) return t.fail(`no line for ${name}: ${run.lines.join("\n")}`);
    const { value } = decode(bytes, { dialect: "godot4" });
    t.is(g.typed, 0, `${name}: Godot reads it untyped`);
    if (name === "nil_array") {
      t.is(g.type, 28);
      t.deepEqual(value, [7]);
    } else {
      t.is(g.type, 27);
      t.true(value instanceof Map);
      t.is((value as Map<unknown, unknown>).size, g.size, `${name}: as many keys as Godot's`);
    }
    t.is(b64(encode(value, { dialect: "godot4" })), g.bytes, `${name}: re-encoded as Godot re-encodes it`);
  }
});
