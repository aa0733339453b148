/**
 * SceneReplicationConfig as a scene or .tres stores it: `properties/N/path|spawn|replication_mode`
 * in index order, the defaults add_property gives (spawn, ALWAYS), and 4.0's `sync` / `watch` keys.
 * (The agreement with the engine is in engine.test.ts, "replication configs: …".)
 */
import test from "ava";
import { parseReplicationConfigResource, parseScene } from "../../src/manifest/index.js";

test("a .tres SceneReplicationConfig: properties in index order, defaults spawn = true and ALWAYS", (t) => {
  const tres = `[gd_resource type="SceneReplicationConfig" format=3]

[resource]
properties/1/path = NodePath(".:hp")
properties/1/replication_mode = 2
properties/0/path = NodePath(".:position")
properties/0/spawn = false
properties/2/path = NodePath("Gun:rotation")
`;
  t.deepEqual(parseReplicationConfigResource(tres), [
    { path: ".:position", spawn: false, replication_mode: 1 },
    { path: ".:hp", spawn: true, replication_mode: 2 },
    { path: "Gun:rotation", spawn: true, replication_mode: 1 },
  ]);
  t.is(parseReplicationConfigResource('[gd_resource type="Theme" format=3]\n[resource]\n'), undefined);
});

test("Godot 4.0's sync / watch keys: sync = ALWAYS, watch = ON_CHANGE, neither = NEVER (spawn only)", (t) => {
  const tres = `[gd_resource type="SceneReplicationConfig" format=3]
[resource]
properties/0/path = NodePath(".:a")
properties/0/sync = true
properties/1/path = NodePath(".:b")
properties/1/sync = false
properties/1/watch = true
properties/2/path = NodePath(".:c")
properties/2/sync = false
`;
  t.deepEqual(
    parseReplicationConfigResource(tres)?.map((p) => p.replication_mode),
    [1, 2, 0],
  );
});

test("a MultiplayerSynchronizer node of a scene: its settings and its sub_resource config", (t) => {
  const scene = parseScene(
    `[gd_scene format=3]
[sub_resource type="SceneReplicationConfig" id="c"]
properties/0/path = NodePath(".:position")
properties/0/spawn = true
properties/0/replication_mode = 1
[node name="P" type="Node2D"]
[node name="S" type="MultiplayerSynchronizer" parent="."]
root_path = NodePath("..")
replication_interval = 0.1
delta_interval = 0.2
public_visibility = false
replication_config = SubResource("c")
[node name="Sp" type="MultiplayerSpawner" parent="."]
spawn_path = NodePath("..")
spawn_limit = 3
`,
    "res://p.tscn",
    new Map(),
  );
  t.deepEqual(scene.warnings, []);
  t.deepEqual(scene.nodes.find((n) => n.name === "S")?.synchronizer, {
    rootPath: "..",
    replicationInterval: 0.1,
    deltaInterval: 0.2,
    publicVisibility: false,
    properties: [{ path: ".:position", spawn: true, replication_mode: 1 }],
  });
  t.deepEqual(scene.nodes.find((n) => n.name === "Sp")?.spawner, { spawnPath: "..", spawnLimit: 3 });
});
