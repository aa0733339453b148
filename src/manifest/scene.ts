/**
 * A .tscn file's nodes as Godot builds them: `[node name= type= parent=]` give paths relative to
 * the scene root, `instance=ExtResource(…)` expands the sub-scene's nodes in place (its root
 * renamed), nodes without a type override an instanced node, and `script = …` sets, replaces or
 * (null) removes a node's script. Built-in scripts (`SubResource` of type GDScript) are
 * `res://scene.tscn::id`, as Godot names them.
 */

import type { ManifestReplicatedProperty } from "../scene/index.js";
import { ManifestError, ManifestErrorKind, type ManifestWarning } from "./errors.js";
import { replicationProperties } from "./replication.js";
import { parseTextResource, resourceRef, stringOf, type TextValue } from "./text-resource.js";

export interface ParsedScene {
  readonly path: string;
  readonly uid?: string;
  /** ext_resource id → its path. */
  readonly extResources: ReadonlyMap<string, string>;
  /** Built-in GDScript sources by sub_resource id. */
  readonly builtinScripts: ReadonlyMap<string, { readonly source: string; readonly line: number }>;
  readonly nodes: readonly SceneNodeDecl[];
  readonly warnings: ManifestWarning[];
}

export interface SceneNodeDecl {
  readonly name: string;
  readonly parent?: string;
  readonly type?: string;
  /** ext_resource id of an instanced scene. */
  readonly instance?: string;
  readonly placeholder: boolean;
  /** undefined: not set here; null: removed; else the script's res:// path. */
  readonly script?: string | null;
  /** A MultiplayerSpawner's `spawn_path` and `_spawnable_scenes`, as far as this node sets them. */
  readonly spawner?: SpawnerDecl;
  readonly synchronizer?: SynchronizerDecl;
  readonly line: number;
}

export interface SpawnerDecl {
  readonly spawnPath?: string;
  readonly scenes?: readonly string[];
  readonly spawnLimit?: number;
}

/** A MultiplayerSynchronizer's settings, as far as this node sets them. */
export interface SynchronizerDecl {
  readonly rootPath?: string;
  readonly replicationInterval?: number;
  readonly deltaInterval?: number;
  readonly publicVisibility?: boolean;
  /** Its SceneReplicationConfig: the properties (a sub_resource), or the `.tres` path of an ext_resource. */
  readonly properties?: readonly ManifestReplicatedProperty[];
  readonly configFile?: string;
}

/** A node of an expanded scene. */
export interface SceneNode {
  /** Relative to the scene root; "" is the root. */
  readonly rel: string;
  readonly script?: string;
  /** The file that declared the node (the instanced scene for its nodes). */
  readonly scene: string;
  readonly spawner?: SpawnerDecl;
  readonly synchronizer?: SynchronizerDecl;
}

export function parseScene(text: string, path: string, uidPaths: ReadonlyMap<string, string>): ParsedScene {
  const warnings: ManifestWarning[] = [];
  const warn = (line: number, message: string) => warnings.push({ file: path, line, message });
  const res = parseTextResource(text);
  for (const p of res.problems) warn(p.line, p.message);
  const extResources = new Map<string, string>();
  const builtinScripts = new Map<string, { source: string; line: number }>();
  const nodes: SceneNodeDecl[] = [];
  const replicationConfigs = new Map<string, ManifestReplicatedProperty[]>();
  let uid: string | undefined;
  const refPath = (v: TextValue | undefined, line: number): string | null | undefined => {
    if (v?.kind === "null") return null;
    const ref = resourceRef(v);
    if (!ref) {
      if (v !== undefined) warn(line, "script is not an ExtResource, a SubResource or null: ignored");
      return undefined;
    }
    if (ref.kind === "sub") return `${path}::${ref.id}`;
    const p = extResources.get(ref.id);
    if (p === undefined) warn(line, `ExtResource("${ref.id}") is not declared in this scene`);
    return p;
  };
  for (const s of res.sections) {
    switch (s.tag) {
      case "gd_scene":
        uid = stringOf(s.header.get("uid"));
        break;
      case "ext_resource": {
        const id = s.header.get("id");
        const idText =
          id?.kind === "string" ? id.value : id?.kind === "number" ? String(id.value) : undefined;
        const uidText = stringOf(s.header.get("uid"));
        const p = stringOf(s.header.get("path")) ?? (uidText ? uidPaths.get(uidText) : undefined);
        if (idText === undefined || p === undefined)
          warn(s.line, "ext_resource without an id or a path: ignored");
        else extResources.set(idText, p);
        break;
      }
      case "sub_resource": {
        const id =
          stringOf(s.header.get("id")) ?? String((s.header.get("id") as { value?: number })?.value ?? "");
        if (stringOf(s.header.get("type")) === "SceneReplicationConfig") {
          replicationConfigs.set(id, replicationProperties(s.properties));
        }
        if (stringOf(s.header.get("type")) === "GDScript") {
          const src = s.properties.get("script/source");
          const source = stringOf(src?.value);
          if (id && source !== undefined) builtinScripts.set(id, { source, line: src!.line });
        }
        break;
      }
      case "node": {
        const name = stringOf(s.header.get("name"));
        if (!name) {
          warn(s.line, "[node] without a name: ignored");
          break;
        }
        const inst = resourceRef(s.header.get("instance"));
        // `instance_placeholder="res://…"`: an InstancePlaceholder, its scene not loaded until asked.
        const placeholder = s.header.has("instance_placeholder");
        const scriptProp = s.properties.get("script");
        const script = scriptProp ? refPath(scriptProp.value, scriptProp.line) : undefined;
        const parent = stringOf(s.header.get("parent"));
        const type = stringOf(s.header.get("type"));
        const spawnPath = stringOf(s.properties.get("spawn_path")?.value);
        const spawnable = s.properties.get("_spawnable_scenes")?.value;
        const scenes =
          spawnable?.kind === "call" || spawnable?.kind === "array"
            ? (spawnable.kind === "call" ? spawnable.args : spawnable.items)
                .map((v) => stringOf(v))
                .filter((v): v is string => v !== undefined)
                .map((v) => (v.startsWith("uid://") ? (uidPaths.get(v) ?? v) : v))
            : undefined;
        const limit = s.properties.get("spawn_limit")?.value;
        const spawnLimit = limit?.kind === "number" ? limit.value : undefined;
        const spawner: SpawnerDecl | undefined =
          type === "MultiplayerSpawner" || spawnPath !== undefined || scenes !== undefined
            ? {
                ...(spawnPath !== undefined ? { spawnPath } : {}),
                ...(scenes ? { scenes } : {}),
                ...(spawnLimit !== undefined ? { spawnLimit } : {}),
              }
            : undefined;
        const synchronizer =
          type === "MultiplayerSynchronizer" || s.properties.has("replication_config")
            ? synchronizerDecl(s.properties, replicationConfigs, extResources, (m) => warn(s.line, m))
            : undefined;
        nodes.push({
          name,
          ...(parent !== undefined ? { parent } : {}),
          ...(type !== undefined ? { type } : {}),
          ...(inst?.kind === "ext" ? { instance: inst.id } : {}),
          placeholder,
          ...(script !== undefined ? { script } : {}),
          ...(spawner ? { spawner } : {}),
          ...(synchronizer ? { synchronizer } : {}),
          line: s.line,
        });
        break;
      }
      default:
        break;
    }
  }
  return { path, ...(uid ? { uid } : {}), extResources, builtinScripts, nodes, warnings };
}

function synchronizerDecl(
  props: ReadonlyMap<string, { readonly value: TextValue; readonly line: number }>,
  configs: ReadonlyMap<string, ManifestReplicatedProperty[]>,
  ext: ReadonlyMap<string, string>,
  warn: (message: string) => void,
): SynchronizerDecl {
  const num = (k: string) => {
    const v = props.get(k)?.value;
    return v?.kind === "number" ? v.value : undefined;
  };
  const rootPath = stringOf(props.get("root_path")?.value);
  const replicationInterval = num("replication_interval");
  const deltaInterval = num("delta_interval");
  const vis = props.get("public_visibility")?.value;
  const ref = resourceRef(props.get("replication_config")?.value);
  let properties: ManifestReplicatedProperty[] | undefined;
  let configFile: string | undefined;
  if (ref?.kind === "sub") {
    properties = configs.get(ref.id);
    if (!properties) warn(`SubResource("${ref.id}") is not a SceneReplicationConfig of this scene`);
  } else if (ref?.kind === "ext") {
    configFile = ext.get(ref.id);
    if (configFile === undefined) warn(`ExtResource("${ref.id}") is not declared in this scene`);
  }
  return {
    ...(rootPath !== undefined ? { rootPath } : {}),
    ...(replicationInterval !== undefined ? { replicationInterval } : {}),
    ...(deltaInterval !== undefined ? { deltaInterval } : {}),
    ...(vis?.kind === "bool" ? { publicVisibility: vis.value } : {}),
    ...(properties ? { properties } : {}),
    ...(configFile !== undefined ? { configFile } : {}),
  };
}

/** Scenes Godot imports from 3D model files: their nodes are not in any text file. */
const MODEL = /\.(glb|gltf|fbx|blend|dae|obj)$/i;

/** Deepest scene-in-scene instancing followed. */
const MAX_NESTING = 128;

export interface ExpandContext {
  readonly scenes: ReadonlyMap<string, ParsedScene>;
  readonly warn: (w: ManifestWarning) => void;
  /** Nodes left before the expansion gives up (instancing can multiply nodes). */
  budget: number;
}

/** The nodes of `path` with every instanced sub-scene expanded; undefined if it cannot be read. */
export function expandScene(
  path: string,
  ctx: ExpandContext,
  stack: readonly string[] = [],
): SceneNode[] | undefined {
  const scene = ctx.scenes.get(path);
  if (!scene) return undefined;
  if (stack.length >= MAX_NESTING) {
    ctx.warn({
      file: path,
      line: 0,
      message: `instanced more than ${MAX_NESTING} scenes deep: not expanded`,
    });
    return [];
  }
  if (stack.includes(path)) {
    ctx.warn({
      file: path,
      line: 0,
      message: `instances itself (${[...stack, path].join(" → ")}): not expanded`,
    });
    return [];
  }
  const nodes = new Map<
    string,
    { script?: string; scene: string; spawner?: SpawnerDecl; synchronizer?: SynchronizerDecl }
  >();
  const take = () => {
    if (--ctx.budget < 0) {
      throw new ManifestError(
        ManifestErrorKind.TooLarge,
        `instanced scenes expand to too many nodes (in ${path})`,
      );
    }
  };
  /** Instances of imported models (rel → model path): their nodes exist, unknown to us. */
  const models = new Map<string, string>();
  const insideModel = (rel: string): string | undefined => {
    for (let p = rel; ; p = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "") {
      const m = models.get(p);
      if (m !== undefined && p !== rel) return m;
      if (p === "") return undefined;
    }
  };
  for (const d of scene.nodes) {
    const warn = (message: string) => ctx.warn({ file: path, line: d.line, message });
    let rel: string;
    if (d.parent === undefined) {
      if (nodes.size > 0) {
        warn(`a second root node "${d.name}": ignored`);
        continue;
      }
      rel = "";
    } else {
      const parent = d.parent === "." ? "" : d.parent;
      if (!nodes.has(parent)) {
        const model = insideModel(parent);
        if (model === undefined) {
          warn(`parent "${d.parent}" of "${d.name}" is not in the scene: node ignored`);
          continue;
        }
        // A node under a model's node: the path names the model's nodes down to it.
        const parts = parent.split("/");
        for (let i = 1; i <= parts.length; i++) {
          const at = parts.slice(0, i).join("/");
          if (!nodes.has(at)) {
            take();
            nodes.set(at, { scene: model });
          }
        }
      }
      rel = parent === "" ? d.name : `${parent}/${d.name}`;
    }
    if (d.instance !== undefined) {
      const sub = scene.extResources.get(d.instance);
      const subNodes = sub === undefined ? undefined : expandScene(sub, ctx, [...stack, path]);
      if (subNodes === undefined || subNodes.length === 0) {
        if (subNodes === undefined) {
          const isModel = sub !== undefined && MODEL.test(sub);
          if (isModel) models.set(rel, sub);
          warn(
            isModel
              ? `imported scene ${sub}: only "${rel || d.name}" itself is listed, not its nodes (--engine reads them)`
              : `instanced scene ${sub ?? `ExtResource("${d.instance}")`} cannot be read: its nodes are missing`,
          );
        }
        take();
        // The instance's root reports the instanced file (its scene_file_path), readable or not.
        nodes.set(rel, { scene: sub !== undefined && MODEL.test(sub) ? sub : path });
      } else {
        for (const n of subNodes) {
          take();
          const at = n.rel === "" ? rel : rel === "" ? n.rel : `${rel}/${n.rel}`;
          // An inherited scene (the root is an instance) owns its base's own nodes: Godot's
          // owner, hence the scene they are reported from, is this scene's root.
          const inherited = rel === "" && n.scene === sub;
          nodes.set(at, {
            ...(n.script !== undefined ? { script: n.script } : {}),
            scene: inherited ? path : n.scene,
            ...(n.spawner ? { spawner: n.spawner } : {}),
            ...(n.synchronizer ? { synchronizer: n.synchronizer } : {}),
          });
        }
      }
    } else if (nodes.has(rel)) {
      // An override of an instanced node (no type), or a clash Godot would rename.
      if (d.type !== undefined) warn(`"${rel}" is declared twice`);
    } else {
      // A node without a type overrides one of an instanced model, or nothing at all.
      const model = d.type === undefined ? insideModel(rel) : undefined;
      if (d.type === undefined && !d.placeholder && model === undefined) {
        warn(`"${rel || d.name}" has no type and overrides nothing`);
      }
      take();
      nodes.set(rel, { scene: model ?? path });
    }
    const cur = nodes.get(rel)!;
    if (d.script !== undefined) {
      const { script: _old, ...rest } = cur;
      nodes.set(rel, d.script === null ? rest : { ...rest, script: d.script });
    }
    if (d.spawner) {
      const prev = nodes.get(rel)!;
      nodes.set(rel, { ...prev, spawner: { ...prev.spawner, ...d.spawner } });
    }
    if (d.synchronizer) {
      const prev = nodes.get(rel)!;
      nodes.set(rel, { ...prev, synchronizer: { ...prev.synchronizer, ...d.synchronizer } });
    }
  }
  const root = nodes.get("");
  if (root) nodes.set("", { ...root, scene: path });
  return [...nodes].map(([rel, n]) => ({ rel, ...n }));
}

/** The scene root's name, as the scene declares it. */
export function rootName(scene: ParsedScene): string | undefined {
  return scene.nodes.find((n) => n.parent === undefined)?.name;
}
