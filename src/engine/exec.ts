import { spawn } from "node:child_process";

export interface ExecResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to completion; output is collected (and mirrored to `onLine` if given). */
export function exec(
  command: string,
  args: readonly string[],
  options: {
    env?: NodeJS.ProcessEnv;
    cwd?: string;
    onLine?: (line: string) => void;
    timeoutMs?: number;
  } = {},
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    // Our own timer, not spawn's `timeout`: Node leaves that one running when the spawn fails
    // (ENOENT), holding the process for the whole timeout.
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
    let stdout = "";
    let stderr = "";
    let partial = "";
    const feed = (chunk: string) => {
      if (!options.onLine) return;
      partial += chunk;
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      for (const l of lines) options.onLine(l);
    };
    child.stdout.setEncoding("utf8").on("data", (c: string) => {
      stdout += c;
      feed(c);
    });
    child.stderr.setEncoding("utf8").on("data", (c: string) => {
      stderr += c;
      feed(c);
    });
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (partial && options.onLine) options.onLine(partial);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Like exec, but a non-zero exit is an error that quotes the end of the output. */
export async function execOk(
  command: string,
  args: readonly string[],
  options: Parameters<typeof exec>[2] = {},
): Promise<ExecResult> {
  const r = await exec(command, args, options);
  if (r.code !== 0) {
    const tail = `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-15).join("\n");
    throw new Error(
      `${command} ${args.join(" ")} exited with ${r.code ?? r.signal}${tail ? `:\n${tail}` : ""}`,
    );
  }
  return r;
}
