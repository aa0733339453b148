/** Writing every report of a run: each one independently, so one bad path never loses the others. */
import { constants } from "node:fs";
import { access, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import type { SwarmResult } from "../swarm-result.js";
import type { ThresholdOutcome } from "../thresholds.js";
import { toHtml } from "./html.js";
import { toJson } from "./json.js";
import { toJUnit } from "./junit.js";

export interface ReportPaths {
  readonly json?: string | undefined;
  readonly junit?: string | undefined;
  readonly html?: string | undefined;
}

export interface ReportOptions {
  readonly allowErrors?: boolean;
  readonly title?: string;
}

/** Why each path cannot be written ("--json out/r.json: no such directory out"), checked before a run. */
export async function checkReportPaths(paths: ReportPaths): Promise<string[]> {
  const problems: string[] = [];
  for (const [flag, path] of Object.entries(paths) as [string, string | undefined][]) {
    if (path === undefined) continue;
    const full = resolve(path);
    try {
      const s = await stat(full);
      if (s.isDirectory()) {
        problems.push(`--${flag} ${path}: is a directory`);
        continue;
      }
      await access(full, constants.W_OK);
      continue;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
        problems.push(`--${flag} ${path}: not writable (${(err as NodeJS.ErrnoException).code})`);
        continue;
      }
    }
    const dir = dirname(full);
    try {
      if (!(await stat(dir)).isDirectory()) throw Object.assign(new Error(), { code: "ENOTDIR" });
      await access(dir, constants.W_OK);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push(
        code === "ENOENT" || code === "ENOTDIR"
          ? `--${flag} ${path}: no directory ${dirname(path)}`
          : `--${flag} ${path}: directory ${dirname(path)} not writable (${code})`,
      );
    }
  }
  return problems;
}

/** Writes every report asked for; returns one line per report that could not be written. */
export async function writeReports(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[],
  paths: ReportPaths,
  options: ReportOptions = {},
): Promise<string[]> {
  const failures: string[] = [];
  const jobs: [string, string | undefined, () => string][] = [
    ["json", paths.json, () => toJson(result, outcomes, options)],
    ["junit", paths.junit, () => toJUnit(result, outcomes, options)],
    ["html", paths.html, () => toHtml(result, outcomes, options.title ? { title: options.title } : {})],
  ];
  for (const [flag, path, render] of jobs) {
    if (path === undefined) continue;
    try {
      await writeFile(path, render());
    } catch (err) {
      failures.push(`cannot write --${flag} ${path}: ${(err as Error).message}`);
    }
  }
  return failures;
}
