/**
 * `godot-peer swarm` with Godot 4 bots: --manifest gives them the game's RPC names (checked once,
 * before any bot starts), a script's `connectOptions` export their own tokens, and the report
 * counts what the server counted — in one thread and across worker threads.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { SwarmResult } from "../../src/bots/index.js";
import { runCli } from "../harness/cli.js";
import { startNodeGame4Server } from "../harness/node-godot4-game.js";

const MANIFEST = "test/godot4/fixtures/game4-manifest.json";

for (const workers of ["1", "2"]) {
  test(`--manifest and per-bot tokens: Godot 4 bots authenticate and play (--workers ${workers})`, async (t) => {
    const server = await startNodeGame4Server(t, { auth: true });
    const dir = await mkdtemp(join(tmpdir(), "gp-cli4-"));
    const json = join(dir, "r.json");
    const r = await runCli([
      "swarm",
      "test/cli/fixtures/pinger4.ts",
      "--url",
      server.url,
      "--manifest",
      MANIFEST,
      "--bots",
      "4",
      "--duration",
      "2s",
      "--workers",
      workers,
      "--json",
      json,
      "--junit",
      join(dir, "r.xml"),
      "--html",
      join(dir, "r.html"),
      "--threshold",
      "errors==0",
      "--progress",
      "none",
    ]);
    t.is(r.code, 0, r.stdout + r.stderr);
    const result = JSON.parse(await readFile(json, "utf8")) as SwarmResult;
    t.is(result.bots.connected, 4);
    t.deepEqual(result.errors, {});
    t.is(server.events("auth", (e) => e.ok === true).length, 4);
    const pings = result.methods["Main:ping"]?.callsOut ?? 0;
    t.true(pings > 4);
    t.is(server.events("ping").length, pings);
    // Thresholds and reports as for Godot 3 bots: judged, written.
    t.regex(await readFile(join(dir, "r.xml"), "utf8"), /<testcase[^>]*errors==0/);
    t.regex(await readFile(join(dir, "r.html"), "utf8"), /Main:ping/);
  });
}

test("--manifest with a file that is no manifest: exit 3 before any bot starts", async (t) => {
  const r = await runCli([
    "swarm",
    "test/cli/fixtures/pinger4.ts",
    "--manifest",
    "package.json",
    "--progress",
    "none",
  ]);
  t.is(r.code, 3);
  t.regex(r.stderr, /--manifest: package\.json is not an RPC manifest/);
});
