/**
 * What the README tells a new user holds: the Quick start describes the run `npm run demo` makes,
 * the first bot example runs as written against the server the README names, and the top says
 * which Godot versions a bot can join (those the game tests run against).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { exec } from "../../src/engine/exec.js";
import { ExampleGame } from "../../src/server/index.js";
import { GODOT3_VERSIONS } from "../harness/godot.js";

const root = new URL("../../", import.meta.url);
const readme = () => readFile(new URL("README.md", root), "utf8");
const section = (text: string, title: string) => text.split(/^## /m).find((s) => s.startsWith(title)) ?? "";
const WORDS: Record<string, number> = { two: 2, four: 4, five: 5, eight: 8, ten: 10, twenty: 20 };

test("the Quick start says what the demo runs: its bots, its duration, its thresholds", async (t) => {
  const pkg = JSON.parse(await readFile(new URL("package.json", root), "utf8")) as {
    scripts: { demo: string };
  };
  const demo = pkg.scripts.demo;
  const quick = section(await readme(), "Quick start");
  const m = /Runs (\w+) bots[\s\S]*? for (\w+) seconds[\s\S]*?judges (\w+) thresholds/.exec(quick);
  if (!m)
    return t.fail(`no "Runs N bots … for T seconds … judges K thresholds" in the Quick start:\n${quick}`);
  t.is(`--bots ${WORDS[m[1] ?? ""]}`, /--bots \d+/.exec(demo)?.[0] ?? "");
  t.is(`--duration ${WORDS[m[2] ?? ""]}s`, /--duration \w+/.exec(demo)?.[0] ?? "");
  t.is(WORDS[m[3] ?? ""], demo.match(/--threshold /g)?.length);
});

test("the first bot example runs as written against the Node example game", async (t) => {
  const text = section(await readme(), "A bot in TypeScript");
  const code = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (!code) return t.fail("no ts example");
  t.regex(text, /new ExampleGame\(\)\.listen\(9080\)/, "the README names the server");
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  // The README's port, 9080, may be taken on a shared machine: the only change to the text is the port.
  const port = await game.listen(0);
  t.teardown(() => game.stop());
  // Inside the package, so that "godot-peer" resolves to it (the source, with --conditions=source).
  const dir = await mkdtemp(join(new URL("test/readme/", root).pathname, ".example-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "bot.ts");
  await writeFile(file, code.replaceAll("9080", String(port)));
  const r = await exec(process.execPath, ["--import", "tsx", "--conditions=source", file], {
    cwd: root.pathname,
    timeoutMs: 30_000,
  });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^I am peer \d+; welcome took [\d.]+ ms$/m);
  t.regex(r.stdout, /^pong 7 in [\d.]+ ms$/m);
});

test("the top of the README says which Godot versions a bot can join: those the game tests run against", async (t) => {
  const top = (await readme()).split(/^## /m)[0] ?? "";
  for (const v of GODOT3_VERSIONS) t.true(top.includes(v), `${v} is named at the top`);
  t.regex(top, /Which servers a bot can join today[\s\S]*Godot 4/, "and where Godot 4 stands");
});
