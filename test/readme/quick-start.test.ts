/** README's Quick start: `npm run demo` works as written and the tests command is what CI runs. */
import { readFile } from "node:fs/promises";
import test from "ava";
import { exec } from "../../src/engine/exec.js";

const root = new URL("../../", import.meta.url);

test("npm run demo: bots join a real Godot server, hear each other, and Godot logs no error", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo"], { cwd: root.pathname, timeoutMs: 120_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /bot-5 joined as peer \d+/);
  t.is((r.stdout.match(/hello from bot-\d \(from \d+\)/g) ?? []).length, 5 * 4);
  t.regex(r.stdout, /Godot logged no errors\./);
});

test("README's Quick start holds exactly the two commands, and .ci/run runs the same test command", async (t) => {
  const readme = await readFile(new URL("README.md", root), "utf8");
  const quick = readme.split(/^## /m).find((s) => s.startsWith("Quick start")) ?? "";
  const commands = [...quick.matchAll(/^```(?:sh|bash)?\n([\s\S]*?)```/gm)].map((m) => m[1]?.trim());
  t.deepEqual(commands, ["npm install && npm run demo", "npm install && npm test"]);
  const ci = await readFile(new URL(".ci/run", root), "utf8");
  t.regex(ci, /\bnpm ci\b/);
  t.regex(ci, /^npm test -- --tap\b/m);
});
