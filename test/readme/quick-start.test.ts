/** README's Quick start: `npm run demo` works as written and the tests command is what CI runs. */
import { readFile } from "node:fs/promises";
import test from "ava";
import { exec } from "../../src/engine/exec.js";

const root = new URL("../../", import.meta.url);

test("npm run demo: a swarm plays the example game on the embedded server and passes its thresholds", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo"], { cwd: root.pathname, timeoutMs: 120_000 });
  t.is(r.code, 0, r.stdout + r.stderr);
  t.regex(r.stdout, /^Embedded server \(the example game\) on ws:\/\/127\.0\.0\.1:\d+$/m);
  t.regex(r.stdout, /^t=\d+s connected \d+\/20 /m);
  t.regex(r.stdout, /^\s+20\s+20\s+0\s+20$/m, "20 started, 20 connected, 0 failed, 20 at once");
  t.regex(r.stdout, /^\s+Game:chat\s+[1-9]/m);
  t.regex(r.stdout, /^\s+Game\/Players\/\*:update_position\s+[1-9]/m);
  t.regex(r.stdout, /Thresholds: 2 passed, 0 broken/);
});

test("npm run demo with a bad flag is a usage error (exit 2)", async (t) => {
  const r = await exec("npm", ["run", "--silent", "demo", "--", "--duration", "soon"], {
    cwd: root.pathname,
  });
  t.is(r.code, 2);
  t.regex(r.stderr, /--duration: "soon" is not a duration/);
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
