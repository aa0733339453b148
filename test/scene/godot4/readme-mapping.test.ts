/** README's Godot 4 SceneMultiplayer table names only members that exist. */
import { readFile } from "node:fs/promises";
import test from "ava";
import { SceneMultiplayer } from "../../../src/scene/index.js";

test("every sm./n. member README's Godot 4 table names exists", async (t) => {
  const readme = await readFile(new URL("../../../README.md", import.meta.url), "utf8");
  const at = readme.indexOf("\n## Godot 4: SceneMultiplayer");
  t.not(at, -1);
  const section = readme.slice(at, readme.indexOf("\n## ", at + 1));
  const sm = new SceneMultiplayer();
  const owners: Record<string, object> = { sm, n: sm.node("Main", { rpcs: ["x"] }) };
  const named = [...section.matchAll(/`(sm|n)\.([A-Za-z]+)/g)].map((m) => [m[1]!, m[2]!] as const);
  t.true(named.length > 25);
  t.deepEqual(
    named.filter(([owner, name]) => !(name in owners[owner]!)),
    [],
  );
});
