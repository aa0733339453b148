#!/usr/bin/env node
import { readFileSync } from "node:fs";
/** The godot-peer command line. */
import { GODOT_VERSIONS, type GodotVersion, isGodotVersion, provisionGodot } from "../engine/index.js";
import { manifestCommand } from "./manifest.js";
import { mergeCommand } from "./merge.js";
import { closest } from "./suggest.js";
import { swarmCommand } from "./swarm.js";

const USAGE = `Usage: godot-peer <command> [options]

Commands:
  swarm <bot-script> [options]   Run a swarm of scripted bots against a Godot server (or the
                                 embedded example game): live progress, a summary, reports,
                                 thresholds. \`godot-peer swarm --help\` lists every option.
  merge <a.json> <b.json> … [options]
                                 Merge shard results (--json of each) exactly and judge the
                                 thresholds on the merge. \`godot-peer merge --help\`.
  manifest <godot-project-dir> [options]
                                 Write the project's RPC manifest (scripts' @rpc names and
                                 configs, node paths) as JSON; --engine asks a real Godot 4.
                                 \`godot-peer manifest --help\`.
  provision [VERSION…]           Find or install real Godot binaries (default: ${GODOT_VERSIONS.join(", ")}).
                                 Cached outside the project; a second run takes seconds.
  help                           This text.
  --version                      The version of godot-peer.

Environment:
  GODOT_BIN_3_2_3, GODOT_BIN_3_6_2, GODOT_BIN_4_6_3   use your own Godot binaries
  GODOT_PEER_CACHE                                    where provisioned engines are kept
  JOB_COMPLETION_INDEX                                the shard index for --shard auto/n
`;

const PROVISION_USAGE = `Usage: godot-peer provision [VERSION…]

Finds or installs real Godot binaries, for the tests and for your own: ${GODOT_VERSIONS.join(", ")} by
default. They are cached outside the project (GODOT_PEER_CACHE, default ~/.cache/godot-peer);
a second run takes seconds. GODOT_BIN_3_2_3, GODOT_BIN_3_6_2, GODOT_BIN_4_6_3 name binaries of
your own instead.
`;

const COMMANDS = ["swarm", "merge", "provision", "help"];

/** The package's version (package.json is two folders up from src/cli and from dist/cli). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

async function provision(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    process.stdout.write(PROVISION_USAGE);
    return 0;
  }
  const bad = args.filter((a) => !isGodotVersion(a));
  if (bad.length > 0) {
    process.stderr.write(
      `godot-peer provision: unknown Godot version ${bad.join(", ")}; known: ${GODOT_VERSIONS.join(", ")}\n`,
    );
    return 2;
  }
  const versions = args.length > 0 ? (args as GodotVersion[]) : GODOT_VERSIONS;
  for (const v of versions) {
    const started = Date.now();
    const install = await provisionGodot(v, { log: (l) => process.stderr.write(`  ${l}\n`) });
    process.stdout.write(
      `Godot ${v}: ${install.reportedVersion} (${install.origin}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
  }
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case "swarm":
      return swarmCommand(rest);
    case "merge":
      return mergeCommand(rest);
    case "manifest":
      return manifestCommand(rest);
    case "provision":
      return provision(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    case "--version":
    case "-v":
      process.stdout.write(`${version()}\n`);
      return 0;
    default: {
      const guess = closest(command, command.startsWith("-") ? ["--help", "--version"] : COMMANDS);
      process.stderr.write(
        `godot-peer: unknown command "${command}"${guess ? ` (did you mean "${guess}"?)` : ""}\n` +
          `Run "godot-peer --help" for the commands.\n`,
      );
      return 2;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Exit right after the output: sockets a run abandoned must not keep the process alive.
    // (Writes to pipes are asynchronous: exit once both streams have flushed.)
    process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
  },
  (err: unknown) => {
    process.stderr.write(`godot-peer: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
