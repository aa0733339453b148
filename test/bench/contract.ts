/**
 * What every bench contract test does (never asserting a figure): runs `test/bench/run.ts --json
 * --quick` on a filter with a mark in its environment, which every process it starts inherits,
 * parses its one line per benchmark, and finds the marked processes still running afterwards.
 */
import { execFile } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface BenchLine {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  readonly ratio: number;
}

export class MarkedBenchRun {
  /** Set in the environment of the run under test, and so of every process it starts. */
  readonly #key = "GODOT_PEER_BENCH_RUN";
  readonly #value = `${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

  /** The quick run of the benchmarks matching `filter`: their lines, and what they printed on stderr. */
  async quick(
    filter: string,
    env: Readonly<Record<string, string>> = {},
  ): Promise<{ lines: BenchLine[]; stderr: string }> {
    const { stdout, stderr } = await run(
      "npx",
      ["tsx", "test/bench/run.ts", "--json", "--quick", "--filter", filter],
      {
        maxBuffer: 1 << 24,
        env: { ...process.env, ...env, [this.#key]: this.#value },
      },
    );
    const lines = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as BenchLine);
    return { lines, stderr };
  }

  /** Pids of this run's processes (another checkout's benchmarks on the machine are not ours) whose command line matches. */
  async children(match: (cmdline: string) => boolean): Promise<number[]> {
    const mark = `${this.#key}=${this.#value}`;
    const pids: number[] = [];
    for (const entry of await readdir("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      const cmd = await readFile(`/proc/${entry}/cmdline`, "utf8").catch(() => "");
      if (!match(cmd)) continue;
      const env = await readFile(`/proc/${entry}/environ`, "utf8").catch(() => "");
      if (env.split("\0").includes(mark)) pids.push(Number(entry));
    }
    return pids;
  }
}
