/** `godot-peer manifest` end to end, as a user runs it. */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { readProjectManifest, stringifyManifest } from "../../src/manifest/index.js";
import { runCli } from "../harness/cli.js";

const FIXTURE = fileURLToPath(new URL("../godot/manifest/game", import.meta.url));

test("writes the manifest to --out, warnings with file:line to stderr, exit 0", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "godot-peer-manifest-cli-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const out = join(dir, "manifest.json");
  const r = await runCli(["manifest", FIXTURE, "--out", out]);
  t.is(r.code, 0, r.stderr);
  t.is(r.stdout, "");
  const written = await readFile(out, "utf8");
  t.is(written, stringifyManifest((await readProjectManifest(FIXTURE)).manifest));
  t.deepEqual(Object.keys(JSON.parse(written).nodes.Main.rpcs)[0], "Alpha");
  t.regex(
    r.stderr,
    /^warning: res:\/\/net\/Chat\.cs:19: \[Rpc\] on static method "StaticIgnored": Godot ignores it$/m,
  );
  t.regex(r.stderr, /10 scripts, 27 nodes → .*manifest\.json \(1 warnings\)/);
});

test("without --out the JSON goes to stdout; --strict turns warnings into exit 1", async (t) => {
  const r = await runCli(["manifest", FIXTURE]);
  t.is(r.code, 0);
  t.is(JSON.parse(r.stdout).format, "godot-peer-rpc-manifest");
  const strict = await runCli(["manifest", FIXTURE, "--strict"]);
  t.is(strict.code, 1);
});

test("a folder that is not a Godot project: a clear error, exit 1", async (t) => {
  const missing = await runCli(["manifest", "/nonexistent/godot-project"]);
  t.is(missing.code, 1);
  t.is(missing.stderr, "godot-peer manifest: /nonexistent/godot-project is not a directory\n");
  const notProject = await runCli(["manifest", fileURLToPath(new URL(".", import.meta.url))]);
  t.is(notProject.code, 1);
  t.regex(notProject.stderr, /has no project\.godot: not a Godot project/);
});

test("--engine with a Godot binary that cannot run: a clear error, exit 1", async (t) => {
  const r = await runCli(["manifest", FIXTURE, "--engine", "--godot-bin", "/nonexistent/godot"]);
  t.is(r.code, 1);
  t.is(r.stderr, "godot-peer manifest: cannot run /nonexistent/godot: not an executable file\n");
});

test("usage errors exit 2; --help describes the command", async (t) => {
  const none = await runCli(["manifest"]);
  t.is(none.code, 2);
  t.regex(none.stderr, /give exactly one Godot project directory/);
  const bad = await runCli(["manifest", FIXTURE, "--godot-bin", "/usr/bin/godot"]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--godot-bin needs --engine/);
  const unknown = await runCli(["manifest", FIXTURE, "--nope"]);
  t.is(unknown.code, 2);
  const help = await runCli(["manifest", "--help"]);
  t.is(help.code, 0);
  t.regex(help.stdout, /^Usage: godot-peer manifest <godot-project-dir>/);
  t.regex(help.stdout, /--engine/);
  const top = await runCli(["help"]);
  t.regex(top.stdout, /manifest <godot-project-dir>/);
});
