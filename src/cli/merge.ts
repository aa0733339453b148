/**
 * `godot-peer merge a.json b.json …`: merges the results of several shards (or runs) exactly,
 * prints the summary, writes the reports and judges the thresholds on the merge.
 */
import { readFile, writeFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { mergeResults, parseSwarmResult, SwarmResultFormatError } from "../bots/merge.js";
import { summaryTable, toHtml, toJson, toJUnit } from "../bots/report/index.js";
import type { SwarmResult } from "../bots/swarm-result.js";
import {
  customOf,
  evaluateThresholds,
  judgeRun,
  metricsHelp,
  ThresholdSyntaxError,
} from "../bots/thresholds.js";
import { parseThresholdFlags, UsageError } from "./args.js";
import { explainUnknownOption } from "./suggest.js";

export const MERGE_USAGE = `Usage: godot-peer merge <a.json> <b.json> … [options]

Merges the --json results of several shards (godot-peer swarm --shard i/n on n machines)
exactly: counters are summed and latency histograms added, so the merged percentiles are
those of the whole swarm. Prints the summary and judges the thresholds on the merge.

Options:
  --json FILE           the merged result with its plain numbers, as a run's (itself mergeable)
  --junit FILE          JUnit XML, one test case per threshold, plus "bot errors"
  --html FILE           one self-contained page with charts
  --threshold EXPR      e.g. 'rtt.p99<50ms', 'errors==0' (repeatable)
  --allow-errors        bot errors do not fail the merge
  -h, --help            this text

Thresholds: metric OP value[unit], OP one of < <= > >= == !=; durations take ms or s,
percentages %, counts no unit. A metric without data fails; an unknown metric is a usage error.
Metrics:
${metricsHelp()}

Exit codes: 0 every threshold held (and every bot joined, ran and ended, unless allowed), 1 a
threshold broke (a method no shard called included) or bots failed to join, errored or were
disconnected, 2 usage error (bad option, bad or unknown threshold, unreadable or
foreign input file).
`;

interface MergeArgs {
  readonly files: string[];
  readonly json: string | undefined;
  readonly junit: string | undefined;
  readonly html: string | undefined;
  /** As given: a threshold on a custom metric is parsed once the results say what it is. */
  readonly thresholdExprs: readonly string[];
  readonly allowErrors: boolean;
}

function parseMergeArgs(argv: readonly string[]): MergeArgs | "help" {
  let parsed: ReturnType<typeof parse>;
  function parse() {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        json: { type: "string" },
        junit: { type: "string" },
        html: { type: "string" },
        threshold: { type: "string", multiple: true },
        "allow-errors": { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  }
  try {
    parsed = parse();
  } catch (err) {
    throw new UsageError(explainUnknownOption((err as Error).message, MERGE_USAGE));
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length === 0) throw new UsageError("no result files to merge");
  return {
    files: parsed.positionals,
    json: v.json,
    junit: v.junit,
    html: v.html,
    thresholdExprs: v.threshold ?? [],
    allowErrors: v["allow-errors"] ?? false,
  };
}

/** Reads and checks one result file; every failure names the file. */
async function readResult(file: string): Promise<SwarmResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file}: not JSON (${(err as Error).message})`);
  }
  try {
    return parseSwarmResult(json, file);
  } catch (err) {
    if (err instanceof SwarmResultFormatError) throw new UsageError(err.message);
    throw err;
  }
}

/** Says what looks wrong with the set of shards: missing, or from runs of different sizes. */
function shardWarnings(result: SwarmResult): string[] {
  const top = result.shards.filter((s) => s.count > 0);
  const counts = new Set(top.map((s) => s.count));
  if (counts.size !== 1) return [];
  const n = top[0]?.count ?? 0;
  if (n <= 1) return [];
  const have = new Set(top.map((s) => s.index));
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !have.has(i));
  return missing.length > 0 && missing.length < n
    ? [
        `warning: shard(s) ${missing.join(", ")} of ${n} are missing from this merge: it covers part of the swarm`,
      ]
    : [];
}

export async function mergeCommand(argv: string[]): Promise<number> {
  let a: MergeArgs;
  let result: SwarmResult;
  let outcomes: ReturnType<typeof evaluateThresholds>;
  try {
    const parsed = parseMergeArgs(argv);
    if (parsed === "help") {
      process.stdout.write(MERGE_USAGE);
      return 0;
    }
    a = parsed;
    const inputs: SwarmResult[] = [];
    for (const f of a.files) inputs.push(await readResult(f));
    try {
      result = mergeResults(inputs, a.files);
    } catch (err) {
      if (err instanceof SwarmResultFormatError) throw new UsageError(err.message);
      throw err;
    }
    try {
      outcomes = evaluateThresholds(result, parseThresholdFlags(a.thresholdExprs, customOf(result)));
    } catch (err) {
      if (err instanceof ThresholdSyntaxError) throw new UsageError(`--threshold: ${err.message}`);
      throw err;
    }
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`godot-peer merge: ${err.message}\n(godot-peer merge --help for usage)\n`);
      return 2;
    }
    throw err;
  }
  for (const w of shardWarnings(result)) process.stderr.write(`${w}\n`);
  process.stdout.write(`${summaryTable(result, outcomes)}\n`);
  const reports: [string | undefined, () => string][] = [
    // The same report as a run's --json (plain numbers, over time, verdicts), itself mergeable.
    [a.json, () => toJson(result, outcomes, { allowErrors: a.allowErrors })],
    [a.junit, () => toJUnit(result, outcomes, { allowErrors: a.allowErrors })],
    [a.html, () => toHtml(result, outcomes, { title: "godot-peer swarm report (merged)" })],
  ];
  for (const [file, render] of reports) {
    if (file === undefined) continue;
    try {
      await writeFile(file, render());
    } catch (err) {
      process.stderr.write(`godot-peer merge: cannot write ${file}: ${(err as Error).message}\n`);
      return 2;
    }
  }

  // The same gate as the run's: bots that failed to join, errored or were disconnected fail it.
  const verdict = judgeRun(result, outcomes, { allowErrors: a.allowErrors });
  for (const r of verdict.reasons) process.stderr.write(`${r}\n`);
  if (verdict.reasons.some((r) => !r.startsWith("threshold broken"))) {
    process.stderr.write("(see the summary; --allow-errors lets bot failures through)\n");
  }
  return verdict.passed ? 0 : 1;
}
