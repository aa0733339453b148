/**
 * Scenes as Godot builds them: node paths relative to the root, instanced sub-scenes expanded in
 * place, script overrides, built-in scripts; hostile input gives warnings or a typed error.
 */
import test from "ava";
import fc from "fast-check";
import {
  expandScene,
  ManifestError,
  type ManifestWarning,
  type ParsedScene,
  parseScene,
  parseTextResource,
} from "../../src/manifest/index.js";

const ENEMY = `[gd_scene load_steps=3 format=3 uid="uid://enemy"]

[ext_resource type="Script" path="res://enemy.gd" id="1_e"]
[ext_resource type="Script" uid="uid://hitbox" id="2_h"]

[node name="Enemy" type="Node2D"]
script = ExtResource("1_e")

[node name="Hitbox" type="Node" parent="."]
script = ExtResource("2_h")

[node name="Plain" type="Node" parent="Hitbox"]
`;

const MAIN = `[gd_scene load_steps=4 format=3]

[ext_resource type="PackedScene" path="res://enemy.tscn" id="1"]
[ext_resource type="Script" path="res://boss.gd" id="2"]

[sub_resource type="GDScript" id="GDScript_x"]
script/source = "extends Node
@rpc(\\"any_peer\\")
func built_in(): pass
"

[node name="Main" type="Node" groups=["a", "b]"]]
script = SubResource("GDScript_x")

[node name="World" type="Node2D" parent="."]

[node name="Boss" parent="World" instance=ExtResource("1")]
script = ExtResource("2")

[node name="Plain" parent="World/Boss/Hitbox" index="0"]
script = ExtResource("2")

[node name="Hitbox" parent="World/Boss" index="0"]
script = null

[node name="Orphan" type="Node" parent="Nowhere"]

[editable path="World/Boss"]
`;

function load(files: Record<string, string>): {
  scenes: Map<string, ParsedScene>;
  warnings: ManifestWarning[];
} {
  const uids = new Map([["uid://hitbox", "res://hitbox.gd"]]);
  const scenes = new Map(Object.entries(files).map(([p, src]) => [p, parseScene(src, p, uids)]));
  return { scenes, warnings: [...scenes.values()].flatMap((s) => s.warnings) };
}

test("node paths are relative to the scene root; an instanced scene is expanded under its node, root renamed", (t) => {
  const { scenes } = load({ "res://main.tscn": MAIN, "res://enemy.tscn": ENEMY });
  const warnings: ManifestWarning[] = [];
  const nodes = expandScene("res://main.tscn", { scenes, warn: (w) => warnings.push(w), budget: 100 });
  t.deepEqual(nodes, [
    { rel: "", script: "res://main.tscn::GDScript_x", scene: "res://main.tscn" },
    { rel: "World", scene: "res://main.tscn" },
    { rel: "World/Boss", script: "res://boss.gd", scene: "res://enemy.tscn" },
    { rel: "World/Boss/Hitbox", scene: "res://enemy.tscn" },
    { rel: "World/Boss/Hitbox/Plain", script: "res://boss.gd", scene: "res://enemy.tscn" },
  ]);
  t.deepEqual(warnings, [
    {
      file: "res://main.tscn",
      line: 26,
      message: 'parent "Nowhere" of "Orphan" is not in the scene: node ignored',
    },
  ]);
});

test("a scene's header, ext_resources (by path or uid) and built-in scripts are read", (t) => {
  const { scenes, warnings } = load({ "res://main.tscn": MAIN, "res://enemy.tscn": ENEMY });
  t.deepEqual(warnings, []);
  const enemy = scenes.get("res://enemy.tscn")!;
  t.is(enemy.uid, "uid://enemy");
  t.deepEqual(
    [...enemy.extResources],
    [
      ["1_e", "res://enemy.gd"],
      ["2_h", "res://hitbox.gd"],
    ],
  );
  t.is(
    scenes.get("res://main.tscn")!.builtinScripts.get("GDScript_x")!.source,
    'extends Node\n@rpc("any_peer")\nfunc built_in(): pass\n',
  );
});

test("an inherited scene (its root an instance) owns its base's nodes; nested instances keep theirs", (t) => {
  const { scenes } = load({
    "res://enemy.tscn": ENEMY,
    "res://base.tscn":
      '[gd_scene format=3]\n[ext_resource type="PackedScene" path="res://enemy.tscn" id="1"]\n[node name="B" type="Node"]\n[node name="E" parent="." instance=ExtResource("1")]\n',
    "res://elite.tscn":
      '[gd_scene format=3]\n[ext_resource type="PackedScene" path="res://base.tscn" id="1"]\n[node name="Elite" instance=ExtResource("1")]\n[node name="Aura" type="Node" parent="E/Hitbox"]\n',
  });
  t.deepEqual(
    expandScene("res://elite.tscn", { scenes, warn: () => {}, budget: 20 })?.map((n) => [n.rel, n.scene]),
    [
      ["", "res://elite.tscn"],
      ["E", "res://enemy.tscn"],
      ["E/Hitbox", "res://enemy.tscn"],
      ["E/Hitbox/Plain", "res://enemy.tscn"],
      ["E/Hitbox/Aura", "res://elite.tscn"],
    ],
  );
});

test("an instanced model (.glb, .gltf…) is one node, with a warning that its nodes are the engine's to list", (t) => {
  const { scenes } = load({
    "res://m.tscn":
      '[gd_scene format=3]\n[ext_resource type="PackedScene" path="res://ship.glb" id="1"]\n[node name="M" type="Node3D"]\n[node name="Ship" parent="." instance=ExtResource("1")]\n' +
      '[node name="Hull" parent="Ship"]\n[node name="Flag" type="Node3D" parent="Ship/Mast/Top"]\n',
  });
  const warnings: ManifestWarning[] = [];
  // Overrides of the model's nodes and nodes added under them name the model's nodes they need.
  t.deepEqual(
    expandScene("res://m.tscn", { scenes, warn: (w) => warnings.push(w), budget: 10 })?.map((n) => [
      n.rel,
      n.scene,
    ]),
    [
      ["", "res://m.tscn"],
      ["Ship", "res://ship.glb"],
      ["Ship/Hull", "res://ship.glb"],
      ["Ship/Mast", "res://ship.glb"],
      ["Ship/Mast/Top", "res://ship.glb"],
      ["Ship/Mast/Top/Flag", "res://m.tscn"],
    ],
  );
  t.deepEqual(
    warnings.map((w) => `${w.line}: ${w.message}`),
    ['4: imported scene res://ship.glb: only "Ship" itself is listed, not its nodes (--engine reads them)'],
  );
});

test("Godot 3 style numeric ids (ExtResource( 1 )) are read too", (t) => {
  const { scenes } = load({
    "res://a.tscn":
      '[gd_scene format=2]\n[ext_resource path="res://a.gd" type="Script" id=1]\n[node name="A" type="Node"]\nscript = ExtResource( 1 )\n',
  });
  t.deepEqual(expandScene("res://a.tscn", { scenes, warn: () => {}, budget: 10 }), [
    { rel: "", script: "res://a.gd", scene: "res://a.tscn" },
  ]);
});

test("an instance placeholder is one node, its scene not expanded (Godot loads it only on request)", (t) => {
  const { scenes } = load({
    "res://p.tscn":
      '[gd_scene format=3]\n[node name="P" type="Node"]\n[node name="Later" parent="." instance_placeholder="res://enemy.tscn"]\n',
    "res://enemy.tscn": ENEMY,
  });
  const warnings: ManifestWarning[] = [];
  const nodes = expandScene("res://p.tscn", { scenes, warn: (w) => warnings.push(w), budget: 10 });
  t.deepEqual(nodes, [
    { rel: "", scene: "res://p.tscn" },
    { rel: "Later", scene: "res://p.tscn" },
  ]);
  t.deepEqual(warnings, []);
});

test("a scene that instances itself is a warning, not an endless expansion", (t) => {
  const { scenes } = load({
    "res://loop.tscn":
      '[gd_scene format=3]\n[ext_resource type="PackedScene" path="res://loop.tscn" id="1"]\n[node name="L" type="Node"]\n[node name="Again" parent="." instance=ExtResource("1")]\n',
  });
  const warnings: ManifestWarning[] = [];
  const nodes = expandScene("res://loop.tscn", { scenes, warn: (w) => warnings.push(w), budget: 100 });
  t.deepEqual(
    nodes?.map((n) => n.rel),
    ["", "Again"],
  );
  t.regex(warnings[0]!.message, /instances itself \(res:\/\/loop\.tscn → res:\/\/loop\.tscn\)/);
});

test("instancing that multiplies nodes beyond the budget is a typed error", (t) => {
  // Each level instances the one below 10 times: 10^6 nodes from a few lines.
  const files: Record<string, string> = {
    "res://s0.tscn": '[gd_scene format=3]\n[node name="N" type="Node"]\n',
  };
  for (let i = 1; i <= 6; i++) {
    let s = `[gd_scene format=3]\n[ext_resource type="PackedScene" path="res://s${i - 1}.tscn" id="1"]\n[node name="N" type="Node"]\n`;
    for (let k = 0; k < 10; k++) s += `[node name="C${k}" parent="." instance=ExtResource("1")]\n`;
    files[`res://s${i}.tscn`] = s;
  }
  const { scenes } = load(files);
  const err = t.throws(() => expandScene("res://s6.tscn", { scenes, warn: () => {}, budget: 10_000 }), {
    instanceOf: ManifestError,
  });
  t.is(err?.kind, "too-large");
});

test("broken scene text gives warnings with lines, never an exception", (t) => {
  const r = parseScene(
    '[gd_scene format=3]\n[node name="A" type="Node"\nscript = ExtResource("x"\n[node name=]\n',
    "res://b.tscn",
    new Map(),
  );
  t.true(r.warnings.length > 0);
  t.true(r.warnings.every((w) => w.file === "res://b.tscn" && w.line > 0));
  const tresLike = fc.array(
    fc.constantFrom(
      "[",
      "]",
      "node",
      " name=",
      '"A"',
      "=",
      "(",
      ")",
      "{",
      "}",
      ":",
      ",",
      "\n",
      "ExtResource",
      '"',
      "\\",
      "1",
      "[[",
    ),
  );
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        tresLike.map((a) => a.join("")),
      ),
      (src) => {
        parseTextResource(src);
        return Array.isArray(parseScene(src, "res://f.tscn", new Map()).nodes);
      },
    ),
    { numRuns: 2000 },
  );
});
