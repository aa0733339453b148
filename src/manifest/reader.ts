/**
 * The static reader: a Godot 4 project folder → its RpcManifest, without running Godot. Scripts
 * (.gd, .cs, built-in) give their own `@rpc`s; inheritance (by path, relative path, `class_name`,
 * C# base class) adds the base's; scenes give node paths. The main scene's nodes and the
 * autoloads are keyed by their run-time path under the multiplayer root ("Main/World/Hero",
 * "Lobby"); every other scene's nodes by `<res://scene.tscn>/…`, a placeholder for wherever the
 * game puts that scene (rename it, e.g. to "Main/Players/*").
 */
import type { Dirent } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join, posix } from "node:path";
import type {
  ManifestNode,
  ManifestReplicatedProperty,
  ManifestScript,
  ManifestSpawner,
  ManifestSynchronizer,
  RpcConfig,
  RpcManifest,
} from "../scene/index.js";
import { parseCSharp } from "./csharp.js";
import { ManifestError, ManifestErrorKind, type ManifestWarning } from "./errors.js";
import { type ExtendsClause, type ParsedGDScript, parseGDScript } from "./gdscript.js";
import { parseReplicationConfigResource } from "./replication.js";
import { compareCodePoints, sameConfig } from "./rpc-config.js";
import { expandScene, type ParsedScene, parseScene, rootName, type SceneNode } from "./scene.js";
import { parseTextResource, stringOf } from "./text-resource.js";

export interface ReadOptions {
  /** Most files walked (default 100 000). */
  readonly maxFiles?: number;
  /** Larger source files are skipped with a warning (default 8 MiB). */
  readonly maxFileBytes?: number;
  /** Most nodes after expanding instanced scenes (default 200 000). */
  readonly maxNodes?: number;
}

export interface ManifestResult {
  readonly manifest: RpcManifest;
  readonly warnings: ManifestWarning[];
}

/** One script as the reader knows it, whatever its language. */
interface ScriptInfo {
  readonly path: string;
  readonly language: "gdscript" | "csharp";
  readonly className?: string;
  /** C#: the base type's name, resolved against the project's C# classes. */
  readonly csBase?: string;
  readonly gdExtends?: ExtendsClause;
  readonly rpcs: readonly { name: string; config: RpcConfig }[];
  readonly gd?: ParsedGDScript;
}

const PROJECT_FILE = "project.godot";

/** The text of `dir`/project.godot; a ManifestError if `dir` is not a Godot project. */
export async function readProjectFile(dir: string): Promise<string> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory())
    throw new ManifestError(ManifestErrorKind.NotADirectory, `${dir} is not a directory`);
  const text = await readFile(join(dir, PROJECT_FILE), "utf8").catch(() => undefined);
  if (text === undefined) {
    throw new ManifestError(
      ManifestErrorKind.NotAProject,
      `${dir} has no ${PROJECT_FILE}: not a Godot project`,
    );
  }
  return text;
}

export async function readProjectManifest(dir: string, options: ReadOptions = {}): Promise<ManifestResult> {
  const maxFiles = options.maxFiles ?? 100_000;
  const maxFileBytes = options.maxFileBytes ?? 8 * 1024 * 1024;
  const warnings: ManifestWarning[] = [];
  const warn = (w: ManifestWarning) => warnings.push(w);

  const projectText = await readProjectFile(dir);

  // Walk res:// like Godot's file system: hidden folders and folders with .gdignore are skipped.
  const files: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = join(dir, rel);
    let entries: Dirent[];
    try {
      entries = await readdir(abs, { withFileTypes: true });
    } catch {
      warn({ file: `res://${rel}`, line: 0, message: "folder cannot be read: skipped" });
      return;
    }
    if (entries.some((e) => e.name === ".gdignore")) return;
    entries.sort((a, b) => compareCodePoints(a.name, b.name));
    for (const e of entries) {
      if (e.name.startsWith(".")) continue;
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) {
        if (files.length >= maxFiles) {
          throw new ManifestError(ManifestErrorKind.TooLarge, `more than ${maxFiles} files in ${dir}`);
        }
        files.push(child);
      }
    }
  };
  await walk("");

  const read = async (rel: string): Promise<string | undefined> => {
    const abs = join(dir, rel);
    const s = await stat(abs).catch(() => undefined);
    if (!s) return undefined;
    if (s.size > maxFileBytes) {
      warn({ file: `res://${rel}`, line: 0, message: `larger than ${maxFileBytes} bytes: skipped` });
      return undefined;
    }
    return readFile(abs, "utf8").catch(() => {
      warn({ file: `res://${rel}`, line: 0, message: "cannot be read: skipped" });
      return undefined;
    });
  };

  // uid:// → res:// from Godot 4.4+'s .uid files and the scenes' headers.
  const uidPaths = new Map<string, string>();
  for (const f of files.filter((f) => f.endsWith(".uid"))) {
    const text = (await read(f))?.trim();
    if (text?.startsWith("uid://")) uidPaths.set(text, `res://${f.slice(0, -4)}`);
  }

  const project = parseTextResource(projectText);
  for (const p of project.problems) warn({ file: `res://${PROJECT_FILE}`, line: p.line, message: p.message });
  const configVersion = project.preamble.get("config_version")?.value;
  if (configVersion?.kind === "number" && configVersion.value < 5) {
    warn({
      file: `res://${PROJECT_FILE}`,
      line: project.preamble.get("config_version")!.line,
      message: `config_version=${configVersion.value} is a Godot 3 project: Godot 3 has no @rpc (its remote/master keywords are not read)`,
    });
  }
  const section = (tag: string) => project.sections.find((s) => s.tag === tag);
  const app = section("application");
  const features = app?.properties.get("config/features")?.value;
  const godot =
    features?.kind === "call"
      ? features.args.map((a) => stringOf(a)).find((s): s is string => s !== undefined && /^\d+\.\d+/.test(s))
      : undefined;

  const scripts = new Map<string, ScriptInfo>();
  const scenes = new Map<string, ParsedScene>();
  const addGDScript = (path: string, source: string, lineOffset = 0) => {
    const gd = parseGDScript(source, path);
    for (const w of gd.warnings) warn(lineOffset ? { ...w, line: w.line + lineOffset } : w);
    scripts.set(path, {
      path,
      language: "gdscript",
      ...(gd.className !== undefined ? { className: gd.className } : {}),
      ...(gd.extends ? { gdExtends: gd.extends } : {}),
      rpcs: gd.rpcs,
      gd,
    });
  };
  /** SceneReplicationConfig resources saved as .tres, by res:// path. */
  const replicationFiles = new Map<string, ManifestReplicatedProperty[]>();
  for (const f of files) {
    const path = `res://${f}`;
    if (f.endsWith(".gd")) {
      const src = await read(f);
      if (src !== undefined) addGDScript(path, src);
    } else if (f.endsWith(".cs")) {
      const src = await read(f);
      if (src === undefined) continue;
      const cs = parseCSharp(src, path);
      warnings.push(...cs.warnings);
      scripts.set(path, {
        path,
        language: "csharp",
        ...(cs.globalClass && cs.className ? { className: cs.className } : {}),
        ...(cs.baseName ? { csBase: cs.baseName } : {}),
        rpcs: cs.rpcs,
      });
    } else if (f.endsWith(".tscn")) {
      const src = await read(f);
      if (src === undefined) continue;
      const scene = parseScene(src, path, uidPaths);
      warnings.push(...scene.warnings);
      scenes.set(path, scene);
      if (scene.uid) uidPaths.set(scene.uid, path);
      for (const [id, b] of scene.builtinScripts) addGDScript(`${path}::${id}`, b.source, b.line);
    } else if (f.endsWith(".tres")) {
      const src = await read(f);
      const props = src === undefined ? undefined : parseReplicationConfigResource(src);
      if (props) replicationFiles.set(path, props);
    } else if (f.endsWith(".scn")) {
      warn({
        file: path,
        line: 0,
        message: "binary scene (.scn) is not read: its nodes are missing (--engine reads it)",
      });
    }
  }

  // Class names: GDScript's class_name, and every C# class for C# bases.
  const classNames = new Map<string, string>();
  const csClasses = new Map<string, string>();
  for (const s of scripts.values()) {
    if (s.language === "gdscript" && s.className !== undefined) {
      const prev = classNames.get(s.className);
      if (prev)
        warn({ file: s.path, line: 0, message: `class_name ${s.className} is also declared by ${prev}` });
      else classNames.set(s.className, s.path);
    }
    if (s.language === "csharp") {
      const name = s.path.split("/").pop()!.replace(/\.cs$/, "");
      csClasses.set(name, s.path);
      if (s.className) classNames.set(s.className, s.path);
    }
  }

  /** The base script's path, or the native class's name (once per script, so warnings are too). */
  const bases = new Map<string, { script?: string; native?: string }>();
  const baseOf = (s: ScriptInfo): { script?: string; native?: string } => {
    let b = bases.get(s.path);
    if (!b) {
      b = findBase(s);
      bases.set(s.path, b);
    }
    return b;
  };
  const findBase = (s: ScriptInfo): { script?: string; native?: string } => {
    if (s.language === "csharp") {
      if (s.csBase === undefined) return { native: "GodotObject" };
      const p = csClasses.get(s.csBase);
      return p ? { script: p } : { native: s.csBase };
    }
    const e = s.gdExtends;
    if (!e) return { native: "RefCounted" };
    if (e.kind === "path") {
      let p = e.path;
      if (p.startsWith("uid://")) p = uidPaths.get(p) ?? p;
      else if (!p.startsWith("res://")) {
        const here = s.path.includes("::") ? s.path.slice(0, s.path.indexOf("::")) : s.path;
        p = `res://${posix.normalize(posix.join(posix.dirname(here.slice(6)), p))}`;
      }
      if (!scripts.has(p)) {
        warn({
          file: s.path,
          line: e.line,
          message: `extends "${e.path}", which is not in the project: its RPCs are missing`,
        });
      }
      return { script: p };
    }
    const first = e.name.split(".")[0]!;
    const p = classNames.get(first);
    if (p && e.name.includes(".")) {
      warn({
        file: s.path,
        line: e.line,
        message: `extends the inner class ${e.name}: its RPCs are not read (--engine reads them)`,
      });
      return { native: e.name };
    }
    return p ? { script: p } : { native: e.name };
  };

  /** One warning per cycle, whichever script it is reached from. */
  const cycle = (chain: readonly string[], back: string) => {
    const members = chain.slice(chain.indexOf(back)).sort(compareCodePoints);
    warn({ file: members[0]!, line: 0, message: `inheritance cycle: ${members.join(", ")}` });
  };

  // Resolved script RPCs: the base's, then the script's own over them (as Godot's compiler does).
  const resolved = new Map<string, Map<string, RpcConfig>>();
  const resolve = (path: string): Map<string, RpcConfig> => {
    const done = resolved.get(path);
    if (done) return done;
    // Walk up (no recursion: a chain may be long) to a resolved base, a native class or a cycle…
    const chain: ScriptInfo[] = [];
    const seen = new Set<string>();
    let inherited = new Map<string, RpcConfig>();
    for (let p: string | undefined = path; p !== undefined; ) {
      const known = resolved.get(p);
      if (known) {
        inherited = known;
        break;
      }
      const s = scripts.get(p);
      if (!s) break;
      if (seen.has(p)) {
        cycle(
          chain.map((c) => c.path),
          p,
        );
        break;
      }
      seen.add(p);
      chain.push(s);
      p = baseOf(s).script;
    }
    // …then down again, each script's own RPCs over its base's.
    for (const s of chain.reverse()) {
      const out = new Map(inherited);
      for (const r of s.rpcs) out.set(r.name, r.config);
      resolved.set(s.path, out);
      inherited = out;
    }
    return resolved.get(path) ?? new Map();
  };

  /** The chain from the script up to its farthest script base. */
  const chainOf = (path: string): ScriptInfo[] => {
    const out: ScriptInfo[] = [];
    const seen = new Set<string>();
    for (let p: string | undefined = path; p; ) {
      if (seen.has(p)) {
        cycle(
          out.map((c) => c.path),
          p,
        );
        break;
      }
      seen.add(p);
      const s = scripts.get(p);
      if (!s) break;
      out.push(s);
      p = baseOf(s).script;
    }
    return out;
  };

  /**
   * Node-level names from literal rpc_config() calls in the script and its bases. A base's function
   * runs only if no derived script overrides it, or the override calls super (Godot 4 does not
   * chain _ready by itself).
   */
  const nodeRpcs = (path: string): Map<string, RpcConfig> => {
    const levels = chainOf(path);
    const shadowed = new Set<string>();
    const perLevel: { name: string; config: RpcConfig | null }[][] = [];
    for (const s of levels) {
      const calls: { name: string; config: RpcConfig | null }[] = [];
      for (const fn of s.gd?.functions.values() ?? []) {
        if (!shadowed.has(fn.name)) calls.push(...fn.rpcConfigCalls);
      }
      for (const fn of s.gd?.functions.values() ?? []) if (!fn.callsSuper) shadowed.add(fn.name);
      perLevel.push(calls);
    }
    const out = new Map<string, RpcConfig>();
    for (const calls of perLevel.reverse()) {
      for (const c of calls) {
        if (c.config === null) out.delete(c.name);
        else out.set(c.name, c.config);
      }
    }
    return out;
  };

  // Nodes: autoloads, the main scene, then every other scene under its placeholder.
  const nodes = new Map<string, ManifestNode>();
  const ctx = { scenes, warn, budget: options.maxNodes ?? 200_000 };
  /** Nodes of the run-time tree (autoloads, main scene), for their spawners. */
  const placed = new Map<string, SceneNode>();
  // Replication: spawners of the tree, synchronizers wherever their scene goes (in tree order).
  const spawners = new Map<string, ManifestSpawner>();
  const synchronizers = new Map<string, ManifestSynchronizer>();
  const place = (prefix: string, sceneNodes: readonly SceneNode[], inTree = true) => {
    for (const n of sceneNodes) {
      const key = n.rel === "" ? prefix : `${prefix}/${n.rel}`;
      nodes.set(key, nodeEntry(n.script, n.scene));
      if (inTree) placed.set(key, n);
      if (key.startsWith("<")) continue;
      if (n.spawner && inTree) {
        spawners.set(key, {
          spawn_path: n.spawner.spawnPath ?? "",
          spawnable_scenes: n.spawner.scenes ?? [],
          spawn_limit: n.spawner.spawnLimit ?? 0,
          // Only a script sets spawn_function: not visible in a scene file.
          spawn_function: "unknown",
        });
      }
      const sy = n.synchronizer;
      if (sy) {
        let properties = sy.properties;
        if (!properties && sy.configFile !== undefined) {
          properties = replicationFiles.get(sy.configFile);
          if (!properties) {
            warn({
              file: n.scene,
              line: 0,
              message: `synchronizer ${key}: ${sy.configFile} is not a SceneReplicationConfig the reader could read`,
            });
          }
        }
        synchronizers.set(key, {
          root_path: sy.rootPath ?? "..",
          replication_interval: sy.replicationInterval ?? 0,
          delta_interval: sy.deltaInterval ?? 0,
          public_visibility: sy.publicVisibility ?? true,
          properties: properties ?? [],
          scene: n.scene,
        });
      }
    }
  };
  const nodeEntry = (script: string | undefined, scene: string | undefined): ManifestNode => {
    if (script !== undefined && !scripts.has(script)) {
      warn({
        file: scene ?? script,
        line: 0,
        message: `script ${script} is not in the project: no RPCs for its nodes`,
      });
    }
    const rpcs = script ? sortedRecord(resolve(script)) : {};
    const nr = script ? nodeRpcs(script) : new Map<string, RpcConfig>();
    return {
      ...(script !== undefined ? { script } : {}),
      rpcs,
      ...(nr.size > 0 ? { node_rpcs: sortedRecord(nr) } : {}),
      ...(scene !== undefined ? { scene } : {}),
    };
  };
  const toRes = (p: string) => (p.startsWith("uid://") ? (uidPaths.get(p) ?? p) : p);
  let mainScene = stringOf(app?.properties.get("run/main_scene")?.value);
  if (mainScene !== undefined) mainScene = toRes(mainScene);
  const autoloadScenes = new Set<string>();
  for (const [name, { value, line }] of section("autoload")?.properties ?? []) {
    const target = stringOf(value);
    if (target === undefined) {
      warn({ file: `res://${PROJECT_FILE}`, line, message: `autoload ${name} is not a path: ignored` });
      continue;
    }
    const p = toRes(target.replace(/^\*/, ""));
    if (p.endsWith(".tscn") || p.endsWith(".scn")) {
      autoloadScenes.add(p);
      const expanded = expandScene(p, ctx);
      if (expanded) place(name, expanded);
      else
        warn({ file: `res://${PROJECT_FILE}`, line, message: `autoload ${name}: scene ${p} cannot be read` });
    } else {
      nodes.set(name, nodeEntry(p, undefined));
    }
  }
  if (mainScene !== undefined) {
    const scene = scenes.get(mainScene);
    const expanded = scene ? expandScene(mainScene, ctx) : undefined;
    const root = scene ? rootName(scene) : undefined;
    if (!expanded || root === undefined) {
      warn({
        file: `res://${PROJECT_FILE}`,
        line: 0,
        message: `main scene ${mainScene} cannot be read: its nodes are missing`,
      });
    } else place(root, expanded);
  } else {
    warn({
      file: `res://${PROJECT_FILE}`,
      line: 0,
      message: "no run/main_scene: every scene is keyed by its file",
    });
  }
  // A MultiplayerSpawner in the run-time tree says where its scenes go: under spawn_path, with a
  // name that changes ("Main/Players/*"). Other scenes keep their placeholder.
  const spawnPrefixes = new Map<string, string[]>();
  for (const [key, s] of placed) {
    if (!s.spawner?.spawnPath || !s.spawner.scenes) continue;
    const target = resolveNodePath(key, s.spawner.spawnPath);
    if (target === undefined || !nodes.has(target)) {
      warn({
        file: s.scene,
        line: 0,
        message: `spawner ${key}: spawn_path "${s.spawner.spawnPath}" is not a node of the tree`,
      });
      continue;
    }
    for (const sc of s.spawner.scenes) {
      const list = spawnPrefixes.get(sc) ?? [];
      if (!list.includes(`${target}/*`)) list.push(`${target}/*`);
      spawnPrefixes.set(sc, list);
    }
  }
  for (const path of scenes.keys()) {
    if (path === mainScene || autoloadScenes.has(path)) continue;
    const expanded = expandScene(path, ctx);
    if (!expanded) continue;
    for (const prefix of spawnPrefixes.get(path) ?? [`<${path}>`]) place(prefix, expanded, false);
  }

  // Scripts: what each adds to or changes from its base (an identical redeclaration adds nothing).
  const manifestScripts: Record<string, ManifestScript> = {};
  for (const path of [...scripts.keys()].sort(compareCodePoints)) {
    const s = scripts.get(path)!;
    const base = baseOf(s);
    // Only the script's own names can differ from its base; the base's config of a name is the
    // nearest declaration up the chain (looked up, not materialised: a chain may be long).
    const own = new Map<string, RpcConfig>();
    for (const r of s.rpcs) own.set(r.name, r.config);
    const above = base.script ? chainOf(base.script) : [];
    for (const [n, c] of own) {
      const declared = above.find((a) => a.rpcs.some((r) => r.name === n));
      const inherited = declared ? [...declared.rpcs].reverse().find((r) => r.name === n)?.config : undefined;
      if (sameConfig(inherited, c)) own.delete(n);
    }
    manifestScripts[path] = {
      extends: base.script ?? base.native!,
      ...(s.className !== undefined ? { class_name: s.className } : {}),
      rpcs: sortedRecord(own),
    };
  }

  const manifest: RpcManifest = {
    format: "godot-peer-rpc-manifest",
    version: 1,
    ...(godot ? { godot } : {}),
    scripts: manifestScripts,
    nodes: Object.fromEntries([...nodes].sort(([a], [b]) => compareCodePoints(a, b))),
    ...(spawners.size > 0 ? { spawners: Object.fromEntries(spawners) } : {}),
    // In tree order: a SPAWN's synchronizer net ids follow it.
    ...(synchronizers.size > 0 ? { synchronizers: Object.fromEntries(synchronizers) } : {}),
  };
  // One warning per problem, whichever node or script led to it.
  const seen = new Set<string>();
  const unique = warnings.filter((w) => {
    const k = `${w.file}\0${w.line}\0${w.message}`;
    return !seen.has(k) && seen.add(k) !== undefined;
  });
  return { manifest, warnings: unique };
}

/** A NodePath relative to the node at `from` ("../Players", "Players", "."), as a root-relative key. */
function resolveNodePath(from: string, path: string): string | undefined {
  if (path.startsWith("/")) return path.startsWith("/root/") ? path.slice(6) : undefined;
  const parts = from.split("/");
  for (const p of path.split("/")) {
    if (p === "..") {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.length > 0 ? parts.join("/") : undefined;
}

function sortedRecord(m: ReadonlyMap<string, RpcConfig>): Record<string, RpcConfig> {
  return Object.fromEntries([...m].sort(([a], [b]) => compareCodePoints(a, b)));
}
