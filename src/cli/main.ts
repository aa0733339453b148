#!/usr/bin/env node
/** The godot-peer command line. */
import { GODOT_VERSIONS, type GodotVersion, isGodotVersion, provisionGodot } from "../engine/index.js";
import { mergeCommand } from "./merge.js";
import { swarmCommand } from "./swarm.js";

const USAGE = `Usage: godot-peer <command> [options]

Commands:
  swarm <bot-script> [options]   Run a swarm of scripted bots against a Godot server (or the
                                 embedded example game): live progress, a summary, reports,
                                 thresholds. \`godot-peer swarm --help\` lists every option.
  merge <a.json> <b.json> … [options]
                                 Merge shard results (--json of each) exactly and judge the
                                 thresholds on the merge. \`godot-peer merge --help\`.
  provision [VERSION…]           Find or install real Godot binaries (default: ${GODOT_VERSIONS.join(", ")}).
                                 Cached outside the project; a second run takes seconds.
  help                           This text.

Environment:
  GODOT_BIN_3_2_3, GODOT_BIN_3_6_2, GODOT_BIN_4_6_3   use your own Godot binaries
  GODOT_PEER_CACHE                                    where provisioned engines are kept
  JOB_COMPLETION_INDEX                                the shard index for --shard auto/n
`;

async function provision(args: readonly string[]): Promise<number> {
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
    case "provision":
      return provision(rest);
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`godot-peer: unknown command "${command}"\n\n${USAGE}`);
      return 2;
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
