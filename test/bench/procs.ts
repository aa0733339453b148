/**
 * Child processes for the swarm benchmarks: servers and bot holders run as separate Node processes
 * (tsx loaded in-process, no wrapper), so what one side costs never lands on the other's event
 * loop or heap. Every child is killed when its benchmark ends or this process exits, and each
 * exits by itself when its stdin (our pipe) closes.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const live = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of live) c.kill("SIGKILL");
});

export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

export interface Child {
  readonly process: ChildProcess;
  /** Resolves with the first stdout line matching `re`, or rejects when the child exits first or after `timeoutMs`. */
  line(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Every stdout line so far. */
  readonly lines: string[];
  stop(): Promise<void>;
}

export function startChild(
  script: string,
  args: readonly string[] = [],
  nodeArgs: readonly string[] = [],
): Child {
  const child = spawn(
    process.execPath,
    ["--import=tsx", "--conditions=source", ...nodeArgs, fixture(script), ...args],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  live.add(child);
  const lines: string[] = [];
  const listeners = new Set<(l: string) => void>();
  let partial = "";
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    partial += chunk;
    const parts = partial.split("\n");
    partial = parts.pop() ?? "";
    for (const l of parts) {
      lines.push(l);
      for (const f of listeners) f(l);
    }
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => live.delete(child));
  return {
    process: child,
    lines,
    line(re, timeoutMs) {
      const seen = lines.map((l) => l.match(re)).find((m) => m);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const done = () => {
          clearTimeout(timer);
          listeners.delete(on);
        };
        const on = (l: string) => {
          const m = l.match(re);
          if (m) {
            done();
            resolve(m);
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no line matching ${re} within ${timeoutMs} ms`));
        }, timeoutMs);
        listeners.add(on);
        void exited.then(() => {
          done();
          reject(new Error(`${script} exited (${child.exitCode ?? child.signalCode}) before printing ${re}`));
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin?.end();
      const killer = setTimeout(() => child.kill("SIGKILL"), 3_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

/** Starts a server fixture (with its own `args`) and resolves with it and the port it printed. */
export async function startServer(
  script: string,
  nodeArgs: readonly string[] = [],
  args: readonly string[] = [],
): Promise<{ child: Child; port: number }> {
  const child = startChild(script, args, nodeArgs);
  const m = await child.line(/^PORT (\d+)$/, 30_000);
  return { child, port: Number(m[1]) };
}

/** Runs a fixture to completion and parses the JSON of its `RESULT {…}` line. */
export async function runForResult<T>(
  script: string,
  args: readonly string[],
  nodeArgs: readonly string[],
  timeoutMs: number,
): Promise<T> {
  const child = startChild(script, args, nodeArgs);
  try {
    const m = await child.line(/^RESULT (.*)$/, timeoutMs);
    return JSON.parse(m[1] ?? "null") as T;
  } finally {
    await child.stop();
  }
}
