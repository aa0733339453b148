/**
 * `--engine`: the line engine-dump.gd prints, turned into the same RpcManifest the static reader
 * makes (same rules: an rpc entry without "rpc_mode" is skipped as SceneRPCInterface skips it; a
 * script's own rpcs are those it adds to or changes from its base). Launching Godot is the CLI's.
 */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type {
  ManifestNode,
  ManifestReplicatedProperty,
  ManifestScript,
  ManifestSpawner,
  ManifestSynchronizer,
  RpcConfig,
  RpcManifest,
} from "../scene/index.js";
import { ManifestError, ManifestErrorKind, type ManifestWarning } from "./errors.js";
import { compareCodePoints, configFromDictionary, sameConfig } from "./rpc-config.js";

/**
 * The GDScript the engine runs (`-s`), shipped in the package as src/manifest/engine-dump.gd
 * (found from src/ when run from source, from dist/manifest/ when built: tsc copies no .gd).
 */
export const ENGINE_DUMP_SCRIPT: string =
  [
    new URL("./engine-dump.gd", import.meta.url),
    new URL("../../src/manifest/engine-dump.gd", import.meta.url),
  ]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p)) ?? fileURLToPath(new URL("./engine-dump.gd", import.meta.url));
/** Its name inside the project copy; the dump skips it. */
export const ENGINE_DUMP_NAME = "__godot_peer_manifest_dump.gd";
/** The prefix of the lines the dump prints. */
export const ENGINE_DUMP_MARK = "GODOT_PEER_MANIFEST ";

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function configs(raw: unknown, where: string, warn: (w: ManifestWarning) => void): Map<string, RpcConfig> {
  const out = new Map<string, RpcConfig>();
  if (!isRecord(raw)) return out;
  for (const [name, dict] of Object.entries(raw)) {
    const c = isRecord(dict) ? configFromDictionary(dict) : undefined;
    if (c) out.set(name, c);
    else
      warn({
        file: where,
        line: 0,
        message: `rpc config of "${name}" has no valid "rpc_mode"; Godot skips it`,
      });
  }
  return out;
}

const sorted = (m: ReadonlyMap<string, RpcConfig>): Record<string, RpcConfig> =>
  Object.fromEntries([...m].sort(([a], [b]) => compareCodePoints(a, b)));

const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);

/** Finds the dump line in Godot's output and converts it. */
export function manifestFromEngineOutput(lines: readonly string[]): {
  manifest: RpcManifest;
  warnings: ManifestWarning[];
} {
  // The last dump is the latest state (the first one is for a game that quits in its _ready).
  let line: string | undefined;
  for (const l of lines) if (l.startsWith(ENGINE_DUMP_MARK)) line = l;
  if (line === undefined) {
    const tail = lines.slice(-20).join("\n");
    throw new ManifestError(
      ManifestErrorKind.EngineFailed,
      `Godot printed no manifest${tail ? `:\n${tail}` : ""}`,
    );
  }
  let dump: unknown;
  try {
    dump = JSON.parse(line.slice(ENGINE_DUMP_MARK.length));
  } catch (err) {
    throw new ManifestError(
      ManifestErrorKind.EngineFailed,
      `the engine's manifest is not JSON: ${(err as Error).message}`,
    );
  }
  return manifestFromEngineDump(dump);
}

export function manifestFromEngineDump(dump: unknown): {
  manifest: RpcManifest;
  warnings: ManifestWarning[];
} {
  if (!isRecord(dump) || !isRecord(dump.scripts) || !Array.isArray(dump.nodes)) {
    throw new ManifestError(ManifestErrorKind.EngineFailed, "the engine's manifest has no scripts or nodes");
  }
  const warnings: ManifestWarning[] = [];
  const warn = (w: ManifestWarning) => warnings.push(w);
  for (const e of Array.isArray(dump.errors) ? dump.errors : [])
    warn({ file: "engine", line: 0, message: String(e) });
  for (const s of Array.isArray(dump.skipped) ? dump.skipped : []) {
    warn({
      file: String(s),
      line: 0,
      message: "not loaded by this Godot (a C# script needs a .NET build): its RPCs are missing",
    });
  }

  const rawScripts = dump.scripts;
  const resolved = new Map<string, Map<string, RpcConfig>>();
  for (const [path, e] of Object.entries(rawScripts))
    resolved.set(path, configs(isRecord(e) ? e.rpc : undefined, path, warn));
  const scripts: Record<string, ManifestScript> = {};
  for (const path of Object.keys(rawScripts).sort(compareCodePoints)) {
    const e = rawScripts[path];
    if (!isRecord(e)) continue;
    const base = str(e.base);
    const inherited = (base && resolved.get(base)) || new Map<string, RpcConfig>();
    const own = new Map<string, RpcConfig>();
    for (const [n, c] of resolved.get(path)!) if (!sameConfig(inherited.get(n), c)) own.set(n, c);
    const className = str(e.class_name);
    scripts[path] = {
      extends: base ?? str(e.native) ?? "Object",
      ...(className !== undefined ? { class_name: className } : {}),
      rpcs: sorted(own),
    };
  }

  const nodes: [string, ManifestNode][] = [];
  for (const n of dump.nodes) {
    if (!isRecord(n) || typeof n.path !== "string") continue;
    const script = str(n.script);
    const nr = configs(n.node_rpc, n.path, warn);
    const scene = str(n.scene);
    nodes.push([
      n.path,
      {
        ...(script !== undefined ? { script } : {}),
        rpcs: sorted(configs(n.rpc, n.path, warn)),
        ...(nr.size > 0 ? { node_rpcs: sorted(nr) } : {}),
        ...(scene !== undefined ? { scene } : {}),
      },
    ]);
  }
  nodes.sort(([a], [b]) => compareCodePoints(a, b));
  const { spawners, synchronizers } = replicationOf(dump.nodes);
  const godot = str(dump.godot);
  return {
    manifest: {
      format: "godot-peer-rpc-manifest",
      version: 1,
      ...(godot ? { godot } : {}),
      scripts,
      nodes: Object.fromEntries(nodes),
      ...(spawners.size > 0 ? { spawners: Object.fromEntries(spawners) } : {}),
      ...(synchronizers.size > 0 ? { synchronizers: Object.fromEntries(synchronizers) } : {}),
    },
    warnings,
  };
}

/** The dump's spawners (of the tree only) and synchronizers (tree order), as the static reader keys them. */
function replicationOf(raw: readonly unknown[]): {
  spawners: Map<string, ManifestSpawner>;
  synchronizers: Map<string, ManifestSynchronizer>;
} {
  const spawners = new Map<string, ManifestSpawner>();
  const synchronizers = new Map<string, ManifestSynchronizer>();
  const num = (v: unknown, d: number) => (typeof v === "number" ? v : d);
  for (const n of raw) {
    if (!isRecord(n) || typeof n.path !== "string" || n.path.startsWith("<")) continue;
    const sp = n.spawner;
    if (isRecord(sp) && !n.path.includes("*")) {
      spawners.set(n.path, {
        spawn_path: str(sp.spawn_path) ?? "",
        spawnable_scenes: Array.isArray(sp.spawnable_scenes) ? sp.spawnable_scenes.map(String) : [],
        spawn_limit: num(sp.spawn_limit, 0),
        spawn_function: sp.spawn_function === true,
      });
    }
    const sy = n.synchronizer;
    if (isRecord(sy)) {
      const properties: ManifestReplicatedProperty[] = [];
      for (const p of Array.isArray(sy.properties) ? sy.properties : []) {
        if (!isRecord(p) || typeof p.path !== "string") continue;
        const m = p.replication_mode;
        properties.push({
          path: p.path,
          spawn: p.spawn === true,
          replication_mode: m === 0 || m === 2 ? m : 1,
        });
      }
      const scene = str(n.scene);
      synchronizers.set(n.path, {
        root_path: str(sy.root_path) ?? "..",
        replication_interval: num(sy.replication_interval, 0),
        delta_interval: num(sy.delta_interval, 0),
        public_visibility: sy.public_visibility !== false,
        properties,
        ...(scene !== undefined ? { scene } : {}),
      });
    }
  }
  return { spawners, synchronizers };
}
