/**
 * The real engine is the judge. For Godot 3.2.3, 3.6.2 and 4.6.3, one run of
 * test/godot/g{3,4}/variant_corpus.gd:
 *  - encodes the corpus with var2bytes / var_to_bytes: our encoder must write the same bytes, our
 *    decoder must give back the JS value of test/variant/corpus.ts and re-encode it to those bytes;
 *  - decodes the bytes our encoder wrote for the same corpus: Godot must find the value it expects.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import {
  type Dialect,
  decode,
  EncodedObjectAsID,
  encode,
  NodePath,
  type Variant,
  variantEquals,
} from "../../src/variant/index.js";
import { ALL_VERSIONS, runFixtureScript } from "../harness/godot.js";
import { corpus } from "./corpus.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/**
 * Extra inputs, Godot's verdict on which pins down a quirk we reproduce. The name before "#" is
 * the corpus entry Godot must find.
 */
function probes(dialect: Dialect): [string, Uint8Array, Variant][] {
  const le = (...words: number[]) => new Uint8Array(new Uint32Array(words).buffer);
  const dictStrings = new Map<Variant, Variant>([
    ["name", "bot"],
    ["hp", 100],
    ["alive", true],
  ]);
  return [
    // A plain object is written as a Dictionary with String keys.
    ["dict_strings#record", encode({ name: "bot", hp: 100, alive: true }, { dialect }), dictStrings],
    // Godot reads a String only up to its first NUL: "a\0b" is "a".
    ["string_a#nul", le(4, 3, 0x00620061), "a"],
    // Bit 31 of a Dictionary's size is the obsolete "shared" flag, masked off on decode.
    ["dict_empty#shared", le(dialect === "godot3" ? 18 : 27, 0x80000000), new Map()],
    // NodePath padding is never read (Godot 3 leaves it uninitialised when it writes).
    [
      "nodepath_relative#padding",
      le(dialect === "godot3" ? 15 : 22, 0x80000002, 0, 0, 1, 0xdddddd61, 1, 0xeeeeee62),
      NodePath.parse("a/b"),
    ],
  ];
}

/** Godot 3 writes uninitialised NodePath padding; zero it so bytes compare. Top-level NodePaths only. */
function zeroNodePathPadding(bytes: Uint8Array, dialect: Dialect): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== (dialect === "godot3" ? 15 : 22)) return bytes;
  const out = Uint8Array.from(bytes);
  let p = 16;
  while (p < out.length) {
    const len = view.getUint32(p, true);
    p += 4 + len;
    while (p % 4) out[p++] = 0;
  }
  return out;
}

for (const version of ALL_VERSIONS) {
  const dialect: Dialect = version.startsWith("3.") ? "godot3" : "godot4";

  test(`Godot ${version} and our codec agree on every corpus value, in both directions`, async (t) => {
    const entries = corpus(dialect);
    const extra = probes(dialect);
    const dir = await mkdtemp(join(tmpdir(), "gp-variant-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const env = {
      GP_OUT: join(dir, "godot.txt"),
      GP_IN: join(dir, "ours.txt"),
      GP_RESULT: join(dir, "verdict.txt"),
    };

    // Objects sent as ids: Godot must read back the id named after "#id=".
    const ours = entries.map(([name, value]) =>
      value instanceof EncodedObjectAsID
        ? `${name}#id=${value.objectId} ${b64(encode(value, { dialect }))}`
        : `${name} ${b64(encode(value, { dialect }))}`,
    );
    const probeLines = extra.map(([name, bytes]) => `${name} ${b64(bytes)}`);
    await writeFile(env.GP_IN, [...ours, ...probeLines].join("\n"));

    const run = await runFixtureScript(version, "variant_corpus.gd", env, 90_000);
    t.is(run.code, 0, run.lines.join("\n"));
    t.deepEqual(
      run.lines.filter((l) => /^\s*(?:SCRIPT |USER )?ERROR\b/.test(l)),
      [],
    );

    const godot = new Map(
      (await readFile(env.GP_OUT, "utf8"))
        .trim()
        .split("\n")
        .map((l) => l.split(" ") as [string, string])
        .map(([name, data]) => [name, new Uint8Array(Buffer.from(data, "base64"))]),
    );
    t.deepEqual(
      [...godot.keys()],
      entries.map(([name]) => name),
      "GDScript and JS corpora list the same entries",
    );

    const idLine = run.lines.find((l) => l.startsWith("OBJECT_ID "));
    t.truthy(idLine, "the fixture prints the id of the object it sends as an id");
    const problems: string[] = [];
    for (const [name, value] of corpus(dialect, BigInt(idLine?.split(" ")[1] ?? "0"))) {
      const bytes = godot.get(name);
      if (!bytes) continue;
      const allowObjects = name.startsWith("obj_");
      const expected = zeroNodePathPadding(bytes, dialect);
      const mine = encode(value, { dialect });
      if (hex(mine) !== hex(expected)) problems.push(`${name}: we write ${hex(mine)}, Godot ${hex(bytes)}`);
      const { value: decoded, bytesRead } = decode(bytes, { dialect, allowObjects });
      if (!variantEquals(decoded, value)) problems.push(`${name}: decoded ${String(decoded)}`);
      if (bytesRead !== bytes.length) problems.push(`${name}: read ${bytesRead} of ${bytes.length} bytes`);
      const again = encode(decoded, { dialect });
      if (hex(again) !== hex(expected)) problems.push(`${name}: re-encoded as ${hex(again)}`);
    }

    const verdicts = (await readFile(env.GP_RESULT, "utf8")).trim().split("\n");
    t.deepEqual(
      verdicts.filter((v) => !v.endsWith(" OK")),
      [],
      "Godot decodes our bytes to the values it expects",
    );
    t.is(verdicts.length, ours.length + probeLines.length);
    for (const [name, bytes, value] of extra) {
      if (!variantEquals(decode(bytes, { dialect }).value, value))
        problems.push(`${name}: we decode it otherwise`);
    }
    t.deepEqual(problems, []);
  });
}
