/** README's Quick start: `npm run demo` works as written and the tests command is what CI runs. */
import { readFile } from "node:fs/promises";
import test from "ava";
import { exec } from "../../src/engine/exec.js";

const root = new URL("../../", import.meta.url);

test("npm run demo: bots play the example game on the embedded server, which logs no error", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo"], { cwd: root.pathname, timeoutMs: 120_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  const sent = /8 bots for 4 s: (\d+) calls sent, (\d+) received/.exec(r.stdout);
  t.truthy(sent, r.stdout);
  t.true(Number(sent?.[1]) > 0 && Number(sent?.[2]) > 0);
  const ran = /server ran (\d+) chat calls and (\d+) position updates/.exec(r.stdout);
  t.true(Number(ran?.[1]) > 0 && Number(ran?.[2]) > 0, r.stdout);
  t.regex(r.stdout, /chat round trip \(send → broadcast back\): p50 [\d.]+ ms, p99 [\d.]+ ms over \d+ lines/);
  t.regex(r.stdout, /^the embedded Node server .* listening on ws:\/\/127\.0\.0\.1:\d+$/m);
  t.regex(r.stdout, /The server logged no errors\./);
});

test("npm run demo -- --godot 3.2.3: the same bots against a real Godot server running the game in GDScript", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo", "--", "--godot", "3.2.3"], {
    cwd: root.pathname,
    timeoutMs: 120_000,
  });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^Godot 3\.2\.3\.stable\S* listening on ws:\/\/127\.0\.0\.1:\d+$/m);
  t.regex(r.stdout, /server ran [1-9]\d* chat calls and [1-9]\d* position updates/);
  t.regex(r.stdout, /The server logged no errors\./);
});

test("npm run demo with a bad flag is a usage error", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo", "--", "--godot", "2.1"], { cwd: root.pathname });
  t.is(r.code, 2);
  t.regex(r.stderr, /usage: npm run demo/);
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
