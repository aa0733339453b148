/**
 * `godot-peer manifest <project-dir>`: writes the project's RPC manifest (src/manifest), read from
 * the sources, or with --engine from a real headless Godot 4 run on a copy of the project.
 */
import { constants } from "node:fs";
import { access, copyFile, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, delimiter, join } from "node:path";
import { parseArgs } from "node:util";
import { exec, type GodotInstall, provisionGodot } from "../engine/index.js";
import {
  ENGINE_DUMP_NAME,
  ENGINE_DUMP_SCRIPT,
  formatWarning,
  ManifestError,
  ManifestErrorKind,
  type ManifestResult,
  manifestFromEngineOutput,
  readProjectFile,
  readProjectManifest,
  stringifyManifest,
} from "../manifest/index.js";
import { UsageError } from "./args.js";

export const MANIFEST_USAGE = `Usage: godot-peer manifest <godot-project-dir> [options]

Writes the RPC manifest of a Godot 4 project: for each script its @rpc methods (C#: [Rpc]) with
their config, and for each node path the RPC names it answers to (inherited ones included) and
the names its script gives to rpc_config(). A bot needs these names: method ids on the wire are
indices into them in code-point order.

Node paths are relative to the multiplayer root (/root): autoloads ("Lobby") and the main
scene's nodes ("Main/World/Hero") as the game has them at run time; every other scene's nodes as
"<res://player.tscn>/…", a placeholder to rename to where the game puts that scene
(e.g. "Main/Players/*").

Options:
  --out FILE         write the JSON there (default: standard output)
  --engine           ask a real headless Godot 4 instead of reading the sources: it imports a
                     copy of the project, loads every script and scene, runs the main scene's
                     _ready (so runtime rpc_config() calls count) and dumps get_rpc_config()
  --godot-bin PATH   the Godot 4 binary for --engine (default: $GODOT_BIN_4_6_3, else the
                     provisioned 4.6.3; see \`godot-peer provision\`)
  --timeout SECONDS  most time each Godot run may take with --engine (default 120)
  --strict           exit 1 when there is any warning
  -h, --help         this text

Warnings (file:line: message) go to standard error; each says what was left out or defaulted.

Exit codes: 0 written, 1 the project could not be read or Godot failed (or --strict and
warnings), 2 usage error.
`;

interface ManifestArgs {
  readonly project: string;
  readonly out: string | undefined;
  readonly engine: boolean;
  readonly godotBin: string | undefined;
  readonly timeoutMs: number;
  readonly strict: boolean;
}

function parseManifestArgs(argv: readonly string[]): ManifestArgs | "help" {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string" },
        engine: { type: "boolean" },
        "godot-bin": { type: "string" },
        timeout: { type: "string" },
        strict: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) return "help";
  if (positionals.length !== 1) throw new UsageError("give exactly one Godot project directory");
  if (values["godot-bin"] !== undefined && !values.engine) throw new UsageError("--godot-bin needs --engine");
  const timeout = values.timeout === undefined ? 120 : Number(values.timeout);
  if (!(timeout > 0) || !Number.isFinite(timeout))
    throw new UsageError(`--timeout: "${values.timeout}" is not a number of seconds`);
  return {
    project: positionals[0]!,
    out: values.out as string | undefined,
    engine: values.engine === true,
    godotBin: values["godot-bin"] as string | undefined,
    timeoutMs: timeout * 1000,
    strict: values.strict === true,
  };
}

/**
 * Runs Godot on a private copy of the project (so nothing is written into the user's folder):
 * `--import` first (it builds the class_name cache that `extends ClassName` needs), then our dump
 * script with `-s`.
 */
export async function engineManifest(
  project: string,
  options: { godotBin?: string; timeoutMs?: number; log?: (line: string) => void } = {},
): Promise<ManifestResult> {
  // Fail on a bad folder before starting an engine.
  await readProjectFile(project);
  const install: Pick<GodotInstall, "command" | "prefixArgs" | "headlessArgs"> = options.godotBin
    ? { command: options.godotBin, prefixArgs: [], headlessArgs: ["--headless"] }
    : await provisionGodot("4.6.3", options.log ? { log: options.log } : {});
  // Checked first: exec's kill timer outlives a failed spawn and would hold the process for the timeout.
  const candidates = install.command.includes("/")
    ? [install.command]
    : (process.env.PATH ?? "").split(delimiter).map((d) => join(d, install.command));
  const found = await Promise.all(
    candidates.map((c) =>
      access(c, constants.X_OK).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!found.includes(true)) {
    throw new ManifestError(
      ManifestErrorKind.EngineFailed,
      `cannot run ${install.command}: not an executable file`,
    );
  }
  const work = await mkdtemp(join(tmpdir(), "godot-peer-manifest-"));
  try {
    const copy = join(work, "project");
    const home = join(work, "home");
    await cp(project, copy, { recursive: true, filter: (src) => basename(src) !== ".git" });
    await copyFile(ENGINE_DUMP_SCRIPT, join(copy, ENGINE_DUMP_NAME));
    for (const d of [".local/share", ".config", ".cache"]) await mkdir(join(home, d), { recursive: true });
    const env = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: home,
      XDG_DATA_HOME: join(home, ".local", "share"),
      XDG_CONFIG_HOME: join(home, ".config"),
      XDG_CACHE_HOME: join(home, ".cache"),
      LANG: "en_US.UTF-8",
    };
    const run = (args: string[]) =>
      exec(install.command, [...install.prefixArgs, ...install.headlessArgs, "--path", copy, ...args], {
        env,
        timeoutMs: options.timeoutMs ?? 120_000,
      }).catch((err: unknown) => {
        throw new ManifestError(
          ManifestErrorKind.EngineFailed,
          `cannot run ${install.command}: ${String(err)}`,
        );
      });
    const imported = await run(["--import"]);
    if (imported.signal) {
      throw new ManifestError(
        ManifestErrorKind.EngineFailed,
        `Godot --import did not finish (${imported.signal})`,
      );
    }
    const r = await run(["-s", `res://${ENGINE_DUMP_NAME}`]);
    const lines = `${r.stdout}\n${r.stderr}`.split("\n");
    if (r.signal)
      throw new ManifestError(ManifestErrorKind.EngineFailed, `Godot did not finish (${r.signal})`);
    return manifestFromEngineOutput(lines);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function manifestCommand(argv: readonly string[]): Promise<number> {
  let args: ManifestArgs | "help";
  try {
    args = parseManifestArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`godot-peer manifest: ${err.message}\n\n${MANIFEST_USAGE}`);
    return 2;
  }
  if (args === "help") {
    process.stdout.write(MANIFEST_USAGE);
    return 0;
  }
  let result: ManifestResult;
  try {
    result = args.engine
      ? await engineManifest(args.project, {
          ...(args.godotBin ? { godotBin: args.godotBin } : {}),
          timeoutMs: args.timeoutMs,
          log: (l) => process.stderr.write(`  ${l}\n`),
        })
      : await readProjectManifest(args.project);
  } catch (err) {
    if (!(err instanceof ManifestError)) throw err;
    process.stderr.write(`godot-peer manifest: ${err.message}\n`);
    return 1;
  }
  for (const w of result.warnings) process.stderr.write(`warning: ${formatWarning(w)}\n`);
  const json = stringifyManifest(result.manifest);
  if (args.out) {
    try {
      await writeFile(args.out, json);
    } catch (err) {
      process.stderr.write(`godot-peer manifest: cannot write ${args.out}: ${(err as Error).message}\n`);
      return 1;
    }
    const m = result.manifest;
    process.stderr.write(
      `godot-peer manifest: ${Object.keys(m.scripts).length} scripts, ${Object.keys(m.nodes).length} nodes → ${args.out}` +
        `${result.warnings.length ? ` (${result.warnings.length} warnings)` : ""}\n`,
    );
  } else process.stdout.write(json);
  return args.strict && result.warnings.length > 0 ? 1 : 0;
}
