/**
 * README's "Coming from k6 or Artillery": the godot-peer column runs as written. It is taken from
 * the README, its stages (and the waits that follow them) shortened by the substitutions below,
 * each of which must match exactly once, and run against the example game through the CLI.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { SwarmReport } from "../../src/bots/report/index.js";
import { runCli } from "../harness/cli.js";

const root = new URL("../../", import.meta.url);

/** The README's godot-peer column: the TypeScript block of the comparison table. */
async function readmeColumn(): Promise<string> {
  const readme = await readFile(new URL("README.md", root), "utf8");
  const section = readme.split(/^## /m).find((s) => s.startsWith("Coming from k6 or Artillery")) ?? "";
  const blocks = [...section.matchAll(/^```ts\n([\s\S]*?)```/gm)].map((m) => m[1] as string);
  const column = blocks.find((b) => b.includes("defineOptions"));
  if (!column) throw new Error("no godot-peer column in the README's k6 section");
  return column;
}

/** What is shortened for the test suite: the run's minutes to seconds, 200 players to 3. */
const SHORTER: readonly [string, string][] = [
  ['{ duration: "30s", target: 200 }', '{ duration: "500ms", target: 3 }'],
  ['{ duration: "2m", target: 200 }', '{ duration: "1500ms", target: 3 }'],
  ['{ duration: "20s", target: 0 }', '{ duration: "500ms", target: 0 }'],
  ['bots: 20, duration: "2m50s"', 'bots: 2, duration: "2500ms"'],
  ['min: "1s", max: "3s"', 'min: "100ms", max: "300ms"'],
  ["await ctx.sleep(1000)", "await ctx.sleep(100)"],
  // A shared CI machine is no benchmark: the thresholds' shape is what is tested.
  ['"rtt{scenario:chatters}": ["p(95)<50ms"]', '"rtt{scenario:chatters}": ["p(95)<5s"]'],
  ['chat_echo_ms: ["p(95)<50ms"]', 'chat_echo_ms: ["p(95)<5s"]'],
];

test("the README's godot-peer test runs as written: scenarios, checks, custom metrics and every report", async (t) => {
  let code = await readmeColumn();
  for (const [from, to] of SHORTER) {
    t.is(code.split(from).length - 1, 1, `the README's column has ${from} once`);
    code = code.replace(from, to);
  }
  // Inside the repository, so that "godot-peer" resolves to this package; the data beside it.
  const dir = await mkdtemp(join(new URL("test/readme/", root).pathname, ".k6-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "chat.ts"), code);
  await copyFile(new URL("test/cli/fixtures/k6/users.csv", root), join(dir, "users.csv"));
  const out = await mkdtemp(join(tmpdir(), "gp-readme-k6-"));
  t.teardown(() => rm(out, { recursive: true, force: true }));
  const r = await runCli([
    "swarm",
    join(dir, "chat.ts"),
    "--progress",
    "none",
    // The flags win over options.json/html/junit: the reports go to a temporary directory.
    "--json",
    join(out, "chat.json"),
    "--html",
    join(out, "chat.html"),
    "--junit",
    join(out, "chat.xml"),
  ]);
  t.is(r.code, 0, r.stdout + r.stderr);
  const rep = JSON.parse(await readFile(join(out, "chat.json"), "utf8")) as SwarmReport;
  t.deepEqual(Object.keys(rep.scenarios ?? {}).sort(), ["chatters", "lurkers"]);
  t.deepEqual(rep.scenarios?.chatters?.tags, { room: "lobby" });
  t.is(rep.scenarios?.chatters?.bots.started, 3);
  t.is(rep.scenarios?.lurkers?.bots.started, 2);
  t.is(rep.scenarios?.chatters?.shape?.stages?.length, 3);
  const chats = rep.scenarios?.chatters?.checks?.echoed;
  t.true((chats?.passes ?? 0) >= 3, JSON.stringify(chats));
  t.is(chats?.fails, 0);
  t.is(rep.rates.checks, 1);
  t.is(rep.counters.chats_sent, chats?.passes);
  t.is(rep.latency.custom?.chat_echo_ms?.count, chats?.passes);
  t.is(rep.perScenario?.chatters?.stages?.length, 3);
  t.deepEqual(
    rep.thresholds.map((x) => [x.expr, x.passed]),
    [
      ["rtt{scenario:chatters}.p(95)<5s", true],
      ["chat_echo_ms.p(95)<5s", true],
      ["errors.rate<1%", true],
      ["checks.rate>99%", true],
    ],
  );
  t.regex(r.stdout, /Scenarios\n.*\n\s+chatters\s+room:lobby/);
  t.regex(r.stdout, /chat_echo_ms\s+trend\s+n \d+\s+p50 [\d.]+\s+p95/);
  const html = await readFile(join(out, "chat.html"), "utf8");
  for (const id of ["distribution", "join-time", "methods-p95"])
    t.true(html.includes(`data-chart="${id}"`), id);
  t.regex(
    await readFile(join(out, "chat.xml"), "utf8"),
    /<property name="scenario\.chatters\.rtt\.p95" value="[\d.]+"\/>/,
  );
});
