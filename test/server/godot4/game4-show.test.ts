/**
 * var_to_str as the Godot 4 game's Log.show() prints values (EVT "args", "value"): ours against
 * 4.6.3's, for every value of the Variant corpus (godot4) that bytes_to_var reads.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { show4 } from "../../../src/server/index.js";
import { encode } from "../../../src/variant/index.js";
import { runFixtureScript } from "../../harness/godot.js";
import { corpus } from "../../variant/corpus.js";

test("var_to_str: ours prints every corpus value as 4.6.3 does", async (t) => {
  // A full object: bytes_to_var (objects off) gives 4.6.3 null, so there is nothing to compare.
  const list = corpus("godot4").filter(([name]) => name !== "obj_refcounted");
  const dir = await mkdtemp(join(tmpdir(), "gp-g4-show-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "values.txt");
  await writeFile(
    file,
    list
      .map(([name, v]) => `${name} ${Buffer.from(encode(v, { dialect: "godot4" })).toString("base64")}`)
      .join("\n"),
  );
  const run = await runFixtureScript("4.6.3", "var_to_str.gd", { GP_IN: file });
  const theirs = new Map<string, string>();
  for (const l of run.lines) {
    const m = /^SHOW (\S+) (.*)$/.exec(l);
    if (m) theirs.set(m[1] as string, m[2] as string);
  }
  const differ: string[] = [];
  for (const [name, v] of list) {
    const want = theirs.get(name);
    if (want === undefined) continue;
    const got = show4(v);
    if (got !== want) differ.push(`${name}: ours ${got.slice(0, 200)} | 4.6.3 ${want.slice(0, 200)}`);
  }
  t.true(theirs.size > 50, `4.6.3 printed ${theirs.size} values`);
  t.deepEqual(differ, []);
});
