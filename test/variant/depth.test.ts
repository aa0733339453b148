/**
 * The nesting limit, judged by the engines: Godot 3.6.2 and 4.6.3 refuse a Variant nested deeper
 * than 1024 (Variant::MAX_RECURSION_DEPTH, root = depth 0), exactly where our decoder does by
 * default. Godot 3.2.3 has no limit of its own; our default is stricter there.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { DecodeError, type Dialect, decode, encode, type Variant } from "../../src/variant/index.js";
import { ALL_VERSIONS, runFixtureScript } from "../harness/godot.js";

/** An empty Array inside `levels` - 1 more Arrays: its innermost value sits at depth levels - 1. */
function nested(levels: number, dialect: Dialect): Uint8Array {
  let v: Variant = [];
  for (let i = 1; i < levels; i++) v = [v];
  // Our encoder refuses to write what Godot 4 would refuse: build the deepest ones by hand.
  if (levels <= 1025) return encode(v, { dialect });
  const id = dialect === "godot3" ? 19 : 28;
  const words = new Uint32Array(levels * 2);
  for (let i = 0; i < levels; i++) {
    words[i * 2] = id;
    words[i * 2 + 1] = i === levels - 1 ? 0 : 1;
  }
  return new Uint8Array(words.buffer);
}

for (const version of ALL_VERSIONS) {
  const dialect: Dialect = version.startsWith("3.") ? "godot3" : "godot4";
  test(`Godot ${version}: where Variant nesting stops being accepted`, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), "gp-depth-"));
    t.teardown(() => rm(dir, { recursive: true, force: true }));
    const levels = [1025, 1026, 1500];
    const file = join(dir, "in.txt");
    await writeFile(
      file,
      levels.map((n) => `${n} ${Buffer.from(nested(n, dialect)).toString("base64")}`).join("\n"),
    );
    const run = await runFixtureScript(version, "variant_depth.gd", { GP_IN: file });
    t.is(run.code, 0);
    const godotAccepts = (n: number) =>
      run.lines.includes(`DECODED ${n} 19`) || run.lines.includes(`DECODED ${n} 28`);
    const weAccept = (n: number) => {
      try {
        decode(nested(n, dialect), { dialect });
        return true;
      } catch (e) {
        if (e instanceof DecodeError && e.reason === "too-deep") return false;
        throw e;
      }
    };
    t.true(weAccept(1025));
    t.false(weAccept(1026));
    if (version === "3.2.3") {
      t.deepEqual(levels.map(godotAccepts), [true, true, true], "Godot 3.2.3 has no nesting limit");
      t.notThrows(() => decode(nested(1500, dialect), { dialect, maxDepth: 2000 }));
    } else {
      t.deepEqual(levels.map(godotAccepts), levels.map(weAccept));
    }
  });
}
