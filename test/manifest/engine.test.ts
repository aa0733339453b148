/**
 * The proof that the static reader is right: a real headless Godot 4.6.3, asked through --engine,
 * gives exactly the same manifest for the fixture project (its get_rpc_config() of every script
 * and node, after the main scene's _ready). The only differences are the ones the engine cannot
 * have: the C# script (the Debian Godot has no .NET) and the exact version number.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import { engineManifest } from "../../src/cli/manifest.js";
import {
  ManifestError,
  manifestFromEngineDump,
  manifestFromEngineOutput,
  readProjectManifest,
  stringifyManifest,
} from "../../src/manifest/index.js";
import type { RpcManifest } from "../../src/scene/index.js";

/** The static manifest's spawners with the engine's answer for spawn_function (the static reader says "unknown"). */
function withSpawnFunctions(statics: RpcManifest, engine: RpcManifest): Pick<RpcManifest, "spawners"> {
  if (!statics.spawners) return {};
  return {
    spawners: Object.fromEntries(
      Object.entries(statics.spawners).map(([k, s]) => {
        const f = engine.spawners?.[k]?.spawn_function;
        return [k, { ...s, ...(f !== undefined ? { spawn_function: f } : {}) }];
      }),
    ),
  };
}

const FIXTURE = fileURLToPath(new URL("../godot/manifest/game", import.meta.url));

test("--engine on real Godot 4.6.3 agrees exactly with the static reader", async (t) => {
  const engine = await engineManifest(FIXTURE, { timeoutMs: 90_000 });
  const statics = await readProjectManifest(FIXTURE);
  t.is(engine.manifest.godot, "4.6.3");
  t.is(statics.manifest.godot, "4.6");
  t.deepEqual(
    engine.warnings.map((w) => `${w.file}: ${w.message}`),
    ["res://net/Chat.cs: not loaded by this Godot (a C# script needs a .NET build): its RPCs are missing"],
  );
  const { "res://net/Chat.cs": chat, ...gdScripts } = statics.manifest.scripts;
  t.truthy(chat, "the static reader has the C# script");
  // Whether a spawner has a spawn_function is set by script: only the engine knows it.
  const expected = {
    ...statics.manifest,
    godot: "4.6.3",
    scripts: gdScripts,
    ...withSpawnFunctions(statics.manifest, engine.manifest),
  };
  t.is(stringifyManifest(engine.manifest), stringifyManifest(expected));
  t.true(Object.keys(engine.manifest.nodes).length >= 20);
});

test("--engine still reads a game that quits in its main scene's _ready", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "godot-peer-manifest-quit-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await writeFile(
    join(dir, "project.godot"),
    'config_version=5\n[application]\nrun/main_scene="res://m.tscn"\n',
  );
  await writeFile(
    join(dir, "m.gd"),
    'extends Node\n@rpc\nfunc q(): pass\nfunc _ready():\n\trpc_config("rt", {"rpc_mode": 1})\n\tget_tree().quit()\n',
  );
  await writeFile(
    join(dir, "m.tscn"),
    '[gd_scene format=3]\n[ext_resource type="Script" path="res://m.gd" id="1"]\n[node name="M" type="Node"]\nscript = ExtResource("1")\n',
  );
  const engine = await engineManifest(dir, { timeoutMs: 90_000 });
  t.is(
    stringifyManifest(engine.manifest),
    stringifyManifest({ ...(await readProjectManifest(dir)).manifest, godot: "4.6.3" }),
  );
  t.deepEqual(Object.keys(engine.manifest.nodes.M!.node_rpcs!), ["rt"]);
});

test("the engine's output without a manifest line is a typed error quoting Godot's last lines", (t) => {
  const err = t.throws(() => manifestFromEngineOutput(["Godot Engine v4.6.3", "SCRIPT ERROR: Parse Error"]), {
    instanceOf: ManifestError,
  });
  t.is(err?.kind, "engine-failed");
  t.regex(err!.message, /SCRIPT ERROR: Parse Error/);
  t.throws(() => manifestFromEngineOutput(["GODOT_PEER_MANIFEST {not json"]), { instanceOf: ManifestError });
  t.throws(() => manifestFromEngineDump({ scripts: [] }), { instanceOf: ManifestError });
});

test("an engine config without rpc_mode is skipped, as SceneRPCInterface skips it; missing keys take the defaults", (t) => {
  const { manifest, warnings } = manifestFromEngineDump({
    godot: "4.6.3",
    scripts: {},
    nodes: [
      { path: "Main", script: null, rpc: {}, node_rpc: { a: { call_local: true }, b: { rpc_mode: 1 } } },
    ],
  });
  t.deepEqual(manifest.nodes.Main, {
    rpcs: {},
    node_rpcs: { b: { rpc_mode: "any_peer", call_local: false, transfer_mode: "reliable", channel: 0 } },
  });
  t.deepEqual(warnings, [
    { file: "Main", line: 0, message: 'rpc config of "a" has no valid "rpc_mode"; Godot skips it' },
  ]);
});

const REPL_FIXTURE = fileURLToPath(new URL("../godot/manifest/repl4", import.meta.url));

test("replication configs: --engine on real Godot 4.6.3 reads the same spawners and synchronizers as the static reader (spawn_function only the engine can see)", async (t) => {
  const engine = await engineManifest(REPL_FIXTURE, { timeoutMs: 90_000 });
  const statics = await readProjectManifest(REPL_FIXTURE);
  t.deepEqual(engine.warnings, []);
  t.deepEqual(statics.warnings, []);
  const spawners = statics.manifest.spawners ?? {};
  t.deepEqual(
    Object.values(spawners).map((s) => s.spawn_function),
    ["unknown", "unknown"],
    "a spawn_function is set by a script: the static reader says it cannot know",
  );
  t.deepEqual(
    Object.fromEntries(Object.entries(engine.manifest.spawners ?? {}).map(([k, s]) => [k, s.spawn_function])),
    { "Main/World/ItemSpawner": true, "Main/World/PlayerSpawner": false },
  );
  const expected = {
    ...statics.manifest,
    godot: "4.6.3",
    ...withSpawnFunctions(statics.manifest, engine.manifest),
  };
  t.is(stringifyManifest(engine.manifest), stringifyManifest(expected));
  t.deepEqual(Object.keys(engine.manifest.synchronizers ?? {}), [
    "Main/StaticSync",
    "Main/World/Players/*/Sync",
    "Main/World/Players/*/HeadSync",
  ]);
});
