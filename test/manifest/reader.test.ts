/**
 * The project reader: node paths as the game has them at run time, inheritance resolved, node
 * names from rpc_config(), stable JSON; and the method ids and MD5 a bot derives from it are the
 * ones the reference verified on Godot 4.6.3 (protocol-notes/rpc-manifest.md).
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";
import {
  compareCodePoints,
  ManifestError,
  type ManifestResult,
  readProjectManifest,
  stringifyManifest,
} from "../../src/manifest/index.js";

const FIXTURE = fileURLToPath(new URL("../godot/manifest/game", import.meta.url));

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "godot-peer-manifest-test-"));
  for (const [f, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, f)), { recursive: true });
    await writeFile(join(dir, f), text);
  }
  return dir;
}

async function read(files: Record<string, string>): Promise<ManifestResult> {
  const dir = await project(files);
  try {
    return await readProjectManifest(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const PROJECT = 'config_version=5\n[application]\nrun/main_scene="res://main.tscn"\n';
const ids = (rpcs: Record<string, unknown>) => Object.keys(rpcs);

test("the fixture: the main scene's nodes under the root's name, autoloads by name, spawnable scenes under the spawn path, other scenes under <res://…>", async (t) => {
  const { manifest } = await readProjectManifest(FIXTURE);
  t.deepEqual(Object.keys(manifest.nodes), [
    "<res://elite.tscn>",
    "<res://elite.tscn>/Hitbox",
    "<res://elite.tscn>/Hitbox/Aura",
    "<res://elite.tscn>/Hitbox/Plain",
    "<res://enemy.tscn>",
    "<res://enemy.tscn>/Hitbox",
    "<res://enemy.tscn>/Hitbox/Plain",
    "Lobby",
    "Main",
    "Main/World",
    "Main/World/Boss",
    "Main/World/Boss/Extra",
    "Main/World/Boss/Hitbox",
    "Main/World/Boss/Hitbox/Plain",
    "Main/World/Enemy",
    "Main/World/Enemy/Hitbox",
    "Main/World/Enemy/Hitbox/Plain",
    "Main/World/Hero",
    "Main/World/LaterEnemy",
    "Main/World/Minion",
    "Main/World/Minion/Hitbox",
    "Main/World/Minion/Hitbox/Plain",
    "Main/World/PlayerSpawner",
    "Main/World/Players",
    "Main/World/Players/*",
    "Main/World/Players/*/Badge",
    "Main/World/Players/*/Camera",
  ]);
  t.is(manifest.godot, "4.6");
});

test("the fixture's main node: @rpc names in code-point order (A-Z < _ < a-z), runtime names apart", async (t) => {
  const { manifest } = await readProjectManifest(FIXTURE);
  const main = manifest.nodes.Main!;
  // Method id i is the i-th name: Alpha = 0, Zed = 1, _under = 2, …
  t.deepEqual(ids(main.rpcs), [
    "Alpha",
    "Zed",
    "_under",
    "bytes_only",
    "c_hello",
    "r_one",
    "r_three",
    "r_zero",
    "s_static",
  ]);
  t.deepEqual(main.rpcs.c_hello, {
    rpc_mode: "authority",
    call_local: false,
    transfer_mode: "unreliable_ordered",
    channel: 1,
  });
  // Runtime names: ids 0x8000 | i.
  t.deepEqual(main.node_rpcs, {
    Cfg_num: { rpc_mode: "authority", call_local: false, transfer_mode: "unreliable_ordered", channel: 4 },
    cfg_rpc: { rpc_mode: "any_peer", call_local: true, transfer_mode: "unreliable", channel: 2 },
  });
});

test("inheritance: by path, by class_name and by relative path, the derived config winning", async (t) => {
  const { manifest } = await readProjectManifest(FIXTURE);
  const hero = manifest.nodes["Main/World/Hero"]!; // player.gd extends "res://actors/base.gd"
  t.deepEqual(ids(hero.rpcs), ["Shared", "base_hit", "p_move"]);
  t.is(hero.rpcs.Shared!.transfer_mode, "unreliable_ordered");
  const boss = manifest.nodes["Main/World/Boss"]!; // boss.gd extends "enemy.gd" extends BaseActor
  t.is(boss.script, "res://actors/boss.gd");
  t.deepEqual(ids(boss.rpcs), ["Shared", "base_hit", "boss_rage", "e_roar"]);
  // enemy.gd overrides base_hit without @rpc: the base's config stays (as Godot 4.6.3 keeps it).
  t.deepEqual(boss.rpcs.base_hit, {
    rpc_mode: "any_peer",
    call_local: true,
    transfer_mode: "reliable",
    channel: 0,
  });
  t.deepEqual(manifest.scripts["res://actors/enemy.gd"], {
    extends: "res://actors/base.gd",
    rpcs: { e_roar: { rpc_mode: "authority", call_local: false, transfer_mode: "reliable", channel: 0 } },
  });
  t.is(manifest.scripts["res://actors/base.gd"]!.class_name, "BaseActor");
  t.is(manifest.scripts["res://actors/base.gd"]!.extends, "Node2D");
});

test("an instanced sub-scene's nodes keep its scripts; the instancing scene may override them", async (t) => {
  const { manifest } = await readProjectManifest(FIXTURE);
  t.is(manifest.nodes["Main/World/Enemy/Hitbox/Plain"]!.script, undefined);
  t.is(manifest.nodes["Main/World/Boss/Hitbox/Plain"]!.script, "res://actors/hitbox.gd");
  t.is(manifest.nodes["Main/World/Boss/Hitbox/Plain"]!.scene, "res://enemy.tscn");
  t.deepEqual(ids(manifest.nodes["Main/World/Enemy/Hitbox"]!.node_rpcs!), ["hb_runtime"]);
  t.is(manifest.nodes["Main/World/Players/*/Badge"]!.script, "res://player.tscn::GDScript_badge");
});

test("a MultiplayerSpawner's scenes are keyed under its spawn_path with a * name; a spawn_path outside the tree warns", async (t) => {
  const { manifest, warnings } = await read({
    "project.godot": PROJECT,
    "unit.tscn":
      '[gd_scene format=3]\n[node name="Unit" type="Node"]\n[node name="Gun" type="Node" parent="."]\n',
    "main.tscn": `[gd_scene format=3]
[node name="M" type="Node"]
[node name="Units" type="Node" parent="."]
[node name="Spawner" type="MultiplayerSpawner" parent="."]
_spawnable_scenes = PackedStringArray("res://unit.tscn")
spawn_path = NodePath("../Units")
[node name="Lost" type="MultiplayerSpawner" parent="."]
_spawnable_scenes = PackedStringArray("res://unit.tscn")
spawn_path = NodePath("../../Nowhere")
`,
  });
  t.deepEqual(Object.keys(manifest.nodes), [
    "M",
    "M/Lost",
    "M/Spawner",
    "M/Units",
    "M/Units/*",
    "M/Units/*/Gun",
  ]);
  t.deepEqual(
    warnings.map((w) => w.message),
    ['spawner M/Lost: spawn_path "../../Nowhere" is not a node of the tree'],
  );
});

test("C# scripts are listed with their [Rpc] methods", async (t) => {
  const { manifest } = await readProjectManifest(FIXTURE);
  t.deepEqual(ids(manifest.scripts["res://net/Chat.cs"]!.rpcs), ["Announce", "Say", "_typing"]);
});

test("a base's rpc_config() in _ready counts for a derived node unless the derived _ready replaces it without super", async (t) => {
  const call = (n: string) => `func _ready():\n\trpc_config("${n}", {"rpc_mode": 1})\n`;
  const { manifest } = await read({
    "project.godot": PROJECT,
    "base.gd": `class_name B extends Node\n${call("from_base")}`,
    "keeps.gd": "extends B\nfunc _process(_d):\n\tpass\n",
    "chains.gd": `extends B\n${call("from_chains")}\tsuper()\n`,
    "replaces.gd": `extends "base.gd"\n${call("from_replaces")}`,
    "main.tscn": `[gd_scene format=3]
[ext_resource type="Script" path="res://keeps.gd" id="1"]
[ext_resource type="Script" path="res://chains.gd" id="2"]
[ext_resource type="Script" path="res://replaces.gd" id="3"]
[node name="M" type="Node"]
[node name="Keeps" type="Node" parent="."]
script = ExtResource("1")
[node name="Chains" type="Node" parent="."]
script = ExtResource("2")
[node name="Replaces" type="Node" parent="."]
script = ExtResource("3")
`,
  });
  t.deepEqual(ids(manifest.nodes["M/Keeps"]!.node_rpcs!), ["from_base"]);
  t.deepEqual(ids(manifest.nodes["M/Chains"]!.node_rpcs!), ["from_base", "from_chains"]);
  t.deepEqual(ids(manifest.nodes["M/Replaces"]!.node_rpcs!), ["from_replaces"]);
});

test("main_scene and ext_resources given as uid://, an autoload scene, hidden and .gdignore folders skipped", async (t) => {
  const { manifest, warnings } = await read({
    "project.godot":
      'config_version=5\n[application]\nrun/main_scene="uid://m"\n[autoload]\nHud="*uid://h"\n',
    "m.gd": "extends Node\n@rpc\nfunc m(): pass\n",
    "m.gd.uid": "uid://mscript\n",
    "main.tscn":
      '[gd_scene format=3 uid="uid://m"]\n[ext_resource type="Script" uid="uid://mscript" id="1"]\n[node name="Root" type="Node"]\nscript = ExtResource("1")\n',
    "hud.tscn":
      '[gd_scene format=3 uid="uid://h"]\n[node name="H" type="Control"]\n[node name="Label" type="Label" parent="."]\n',
    ".hidden/x.gd": "extends Node\n@rpc\nfunc hidden(): pass\n",
    "ignored/.gdignore": "",
    "ignored/y.gd": "extends Node\n@rpc\nfunc ignored(): pass\n",
  });
  t.deepEqual(warnings, []);
  t.deepEqual(Object.keys(manifest.nodes), ["Hud", "Hud/Label", "Root"]);
  t.deepEqual(ids(manifest.nodes.Root!.rpcs), ["m"]);
  t.deepEqual(Object.keys(manifest.scripts), ["res://m.gd"]);
});

test("what the reader cannot resolve is a warning naming the file: a missing base, a missing script, an inheritance cycle", async (t) => {
  const { manifest, warnings } = await read({
    "project.godot": PROJECT,
    "a.gd": 'extends "res://nowhere.gd"\n@rpc\nfunc a(): pass\n',
    "c1.gd": 'extends "c2.gd"\n',
    "c2.gd": 'extends "c1.gd"\n',
    "main.tscn":
      '[gd_scene format=3]\n[ext_resource type="Script" path="res://gone.gd" id="1"]\n[node name="M" type="Node"]\nscript = ExtResource("1")\n[node name="N" type="Node" parent="."]\nscript = ExtResource("1")\n',
  });
  const text = warnings.map((w) => `${w.file}:${w.line}: ${w.message}`);
  // Each problem once, however often the script is looked at.
  t.deepEqual(
    text.filter((w) => w.includes("nowhere")),
    ['res://a.gd:1: extends "res://nowhere.gd", which is not in the project: its RPCs are missing'],
  );
  t.deepEqual(
    text.filter((w) => w.includes("gone.gd")),
    ["res://main.tscn:0: script res://gone.gd is not in the project: no RPCs for its nodes"],
  );
  t.deepEqual(
    text.filter((w) => /cycle/.test(w)),
    ["res://c1.gd:0: inheritance cycle: res://c1.gd, res://c2.gd"],
  );
  t.deepEqual(manifest.nodes.M, { script: "res://gone.gd", rpcs: {}, scene: "res://main.tscn" });
});

test("a script's own RPCs are those it adds or changes: an identical redeclaration adds nothing (as --engine sees it)", async (t) => {
  const { manifest } = await read({
    "project.godot": PROJECT,
    "a.gd": 'extends Node\n@rpc("any_peer")\nfunc same(): pass\n@rpc\nfunc changed(): pass\n',
    "b.gd":
      'extends "a.gd"\n@rpc("any_peer")\nfunc same(): pass\n@rpc("any_peer")\nfunc changed(): pass\n@rpc\nfunc added(): pass\n',
  });
  t.deepEqual(Object.keys(manifest.scripts["res://b.gd"]!.rpcs), ["added", "changed"]);
});

test("a 5 000-level inheritance chain resolves without recursion", async (t) => {
  const files: Record<string, string> = {
    "project.godot": PROJECT,
    "s0.gd": "extends Node\n@rpc\nfunc r0(): pass\n",
    "main.tscn":
      '[gd_scene format=3]\n[ext_resource type="Script" path="res://s4999.gd" id="1"]\n[node name="M" type="Node"]\nscript = ExtResource("1")\n',
  };
  for (let i = 1; i < 5_000; i++) files[`s${i}.gd`] = `extends "s${i - 1}.gd"\n@rpc\nfunc r${i}(): pass\n`;
  const { manifest, warnings } = await read(files);
  t.deepEqual(warnings, []);
  t.is(Object.keys(manifest.nodes.M!.rpcs).length, 5_000);
  t.deepEqual(Object.keys(manifest.scripts["res://s4999.gd"]!.rpcs), ["r4999"]);
});

test("a Godot 3 project (config_version 4) is read with a warning that it has no @rpc", async (t) => {
  const { warnings } = await read({ "project.godot": "config_version=4\n[application]\n" });
  t.deepEqual(
    warnings.map((w) => `${w.file}:${w.line}: ${w.message}`),
    [
      "res://project.godot:1: config_version=4 is a Godot 3 project: Godot 3 has no @rpc (its remote/master keywords are not read)",
      "res://project.godot:0: no run/main_scene: every scene is keyed by its file",
    ],
  );
});

test("a folder that is not a Godot project is a typed error", async (t) => {
  const empty = await project({});
  try {
    const e1 = await t.throwsAsync(readProjectManifest(empty), { instanceOf: ManifestError });
    t.is(e1?.kind, "not-a-project");
    const e2 = await t.throwsAsync(readProjectManifest(join(empty, "missing")), {
      instanceOf: ManifestError,
    });
    t.is(e2?.kind, "not-a-directory");
  } finally {
    await rm(empty, { recursive: true, force: true });
  }
});

test("the JSON is stable: code-point order everywhere, fixed key order, the same bytes every time", async (t) => {
  const a = stringifyManifest((await readProjectManifest(FIXTURE)).manifest);
  const b = stringifyManifest((await readProjectManifest(FIXTURE)).manifest);
  t.is(a, b);
  t.deepEqual(JSON.parse(a).format, "godot-peer-rpc-manifest");
  // Keys that look like numbers keep code-point order too (JS objects would put them first).
  const s = stringifyManifest({
    format: "godot-peer-rpc-manifest",
    version: 1,
    scripts: {},
    nodes: { b: { rpcs: {} }, "10": { rpcs: {} }, "9": { rpcs: {} }, A: { rpcs: {} } },
  });
  t.deepEqual(
    [...s.matchAll(/^ {4}"([^"]+)":/gm)].map((m) => m[1]),
    ["10", "9", "A", "b"],
  );
  t.regex(
    a,
    /"Alpha": \{ "rpc_mode": "authority", "call_local": false, "transfer_mode": "unreliable", "channel": 3 \}/,
  );
});

test("names sort by Unicode code point as Godot's String < does, not by UTF-16 unit", (t) => {
  t.deepEqual(["b", "_", "a", "Z", "A"].sort(compareCodePoints), ["A", "Z", "_", "a", "b"]);
  // U+FF5E sorts before U+1F600 by code point; UTF-16 units (0xD83D…) would put it after.
  t.deepEqual(["\u{1F600}", "\uFF5E"].sort(compareCodePoints), ["\uFF5E", "\u{1F600}"]);
  t.true(["\u{1F600}", "\uFF5E"].sort()[0] === "\u{1F600}", "JS's default order differs");
});

test("ids and the SIMPLIFY_PATH MD5 derive from the manifest as the reference verified on 4.6.3", async (t) => {
  // The reference's test script (godot4-protocol.md §5.2, §5.3).
  const { manifest } = await read({
    "project.godot": PROJECT,
    "main.gd": `extends Node
@rpc func r_zero(): pass
@rpc func r_one(_n): pass
@rpc func r_three(): pass
@rpc func c_hello(_s): pass
@rpc func bytes_only(_b): pass
@rpc func _under(): pass
@rpc func Zed(): pass
func _ready():
	rpc_config("cfg_rpc", {"rpc_mode": MultiplayerAPI.RPC_MODE_ANY_PEER})
`,
    "main.tscn":
      '[gd_scene format=3]\n[ext_resource type="Script" path="res://main.gd" id="1"]\n[node name="Main" type="Node"]\nscript = ExtResource("1")\n',
  });
  const main = manifest.nodes.Main!;
  const scriptNames = Object.keys(main.rpcs).sort(compareCodePoints);
  const nodeNames = Object.keys(main.node_rpcs ?? {}).sort(compareCodePoints);
  t.deepEqual(Object.fromEntries(scriptNames.map((n, i) => [n, i])), {
    Zed: 0,
    _under: 1,
    bytes_only: 2,
    c_hello: 3,
    r_one: 4,
    r_three: 5,
    r_zero: 6,
  });
  t.is(0x8000 | nodeNames.indexOf("cfg_rpc"), 0x8000);
  const md5 = createHash("md5")
    .update(nodeNames.join("") + scriptNames.join(""))
    .digest("hex");
  t.is(md5, "d0cd70828e4a6f4dd3df461b9d5d88a1");
});
