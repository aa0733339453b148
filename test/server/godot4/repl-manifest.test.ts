/**
 * The Node replication game's manifest is what `godot-peer manifest` reads of repl4.tscn: the same
 * spawners and synchronizers (the static reader cannot see a spawn_function, which repl4.gd sets
 * on ItemSpawner only), so the server and its bots replicate what the real game replicates.
 */
import { cp, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { readProjectManifest } from "../../../src/manifest/index.js";
import { repl4Manifest } from "../../../src/server/index.js";

const G4 = fileURLToPath(new URL("../../godot/g4/", import.meta.url));
const FILES = [
  "repl4.gd",
  "repl4.tscn",
  "repl4_object.tscn",
  "repl4_player.gd",
  "repl4_player.tscn",
  "game4_log.gd",
];

test("repl4Manifest() has the spawners and synchronizers the manifest reader finds in repl4.tscn", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-repl4-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  for (const f of FILES) await cp(join(G4, f), join(dir, f));
  await writeFile(
    join(dir, "project.godot"),
    'config_version=5\n\n[application]\n\nrun/main_scene="res://repl4.tscn"\nconfig/features=PackedStringArray("4.6")\n',
  );
  const { manifest, warnings } = await readProjectManifest(dir);
  t.deepEqual(warnings, []);
  const ours = repl4Manifest();
  const known = Object.fromEntries(
    Object.entries(ours.spawners ?? {}).map(([k, s]) => [k, { ...s, spawn_function: "unknown" }]),
  );
  t.deepEqual(manifest.spawners, known);
  t.deepEqual(manifest.synchronizers, ours.synchronizers);
  t.deepEqual(manifest.nodes.Main?.rpcs, ours.nodes.Main?.rpcs);
});
