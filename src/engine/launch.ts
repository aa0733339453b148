import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { cp, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GodotStartError } from "./errors.js";
import { freePort } from "./ports.js";
import { type GodotInstall, type ProvisionOptions, provisionGodot } from "./provision.js";
import type { GodotVersion } from "./versions.js";

export interface StartGodotOptions {
  readonly version: GodotVersion;
  /** A Godot project folder; it is copied to a private temporary folder before each run. */
  readonly project: string;
  /** Script to run as the main loop (`-s`), relative to the project; omit to run the main scene. */
  readonly script?: string;
  /** Port handed to the project as $GP_PORT; "auto" (default) picks a free one. */
  readonly port?: number | "auto";
  /** More environment for the project's scripts (read with OS.get_environment). */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra command-line arguments for Godot. */
  readonly args?: readonly string[];
  /** A log line that means "accepting connections"; default /^READY\b/. */
  readonly ready?: RegExp | false;
  /** How long to wait for the ready line (default 30 s). */
  readonly readyTimeoutMs?: number;
  /** Attempts with a fresh port when the project reports LISTEN_FAILED (default 5). */
  readonly portAttempts?: number;
  readonly provision?: ProvisionOptions;
}

/** Groups of every Godot process this Node process started, killed on its exit. */
const live = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const pgid of live) killGroup(pgid, "SIGKILL");
  });
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // already gone
  }
}

/**
 * The process is run under `sh` that also watches its own stdin, a pipe from us (kept on
 * fd 3, since sh gives background jobs /dev/null as stdin): if this
 * Node process dies, even by SIGKILL, the pipe closes and the watcher kills Godot. So no
 * Godot outlives the test that started it, and its temporary folder goes with it. (sh ignores
 * SIGPIPE, set after Godot starts, so reporting the kill to a dead parent cannot kill sh first.)
 */
const WATCHDOG = `work=$1; shift
exec 3<&0
"$@" </dev/null 3<&- &
child=$!
( cat <&3 >/dev/null; kill -KILL "$child" 2>/dev/null ) &
exec 3<&-
trap "" PIPE
wait "$child"
status=$?
rm -rf "$work"
exit $status`;

/** A running headless Godot. */
export class GodotProcess extends EventEmitter<{
  line: [string];
  exit: [number | null, NodeJS.Signals | null];
}> {
  /** Every line printed so far (stdout and stderr interleaved as received). */
  readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #child: ChildProcessWithoutNullStreams;
  #done = false;
  #workDir: string;

  constructor(
    readonly install: GodotInstall,
    readonly port: number,
    child: ChildProcessWithoutNullStreams,
    workDir: string,
  ) {
    super();
    this.#child = child;
    this.#workDir = workDir;
    const pgid = child.pid ?? 0;
    if (pgid > 0) live.add(pgid);
    let partial = "";
    const onData = (chunk: string) => {
      partial += chunk;
      const parts = partial.split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) this.#push(line.replace(/\r$/, ""));
    };
    child.stdout.setEncoding("utf8").on("data", onData);
    child.stderr.setEncoding("utf8").on("data", onData);
    this.exited = new Promise((resolve) => {
      child.on("close", (code, signal) => {
        if (partial) this.#push(partial);
        partial = "";
        this.#done = true;
        live.delete(pgid);
        // Sweep the watchdog and anything Godot left in its group.
        killGroup(pgid, "SIGKILL");
        void rm(this.#workDir, { recursive: true, force: true }).finally(() => {
          this.emit("exit", code, signal);
          resolve({ code, signal });
        });
      });
    });
  }

  #push(line: string): void {
    this.lines.push(line);
    this.emit("line", line);
  }

  /** The private temporary folder (project copy and HOME); removed when the process ends. */
  get workDir(): string {
    return this.#workDir;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get running(): boolean {
    return !this.#done;
  }

  /** Resolves with the first line (already printed or yet to come) matching `re`. */
  waitForLine(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const cleanup = () => {
        clearTimeout(timer);
        this.off("line", onLine);
        this.off("exit", onExit);
      };
      const onLine = (l: string) => {
        if (re.test(l)) {
          cleanup();
          resolve(l);
        }
      };
      const onExit = () => {
        cleanup();
        reject(new GodotStartError(`Godot exited before printing ${re}`, this.lines.slice(-30)));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new GodotStartError(`no line matching ${re} within ${timeoutMs} ms`, this.lines.slice(-30)));
      }, timeoutMs);
      this.on("line", onLine);
      this.on("exit", onExit);
    });
  }

  /** Lines that Godot printed as errors (ERROR:, SCRIPT ERROR:, USER ERROR: …). */
  errorLines(): string[] {
    return this.lines.filter((l) => /^\s*(?:SCRIPT |USER )?ERROR\b/.test(l));
  }

  /** Kills the whole process tree (SIGKILL: no chance to linger) and waits for it. */
  async stop(signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
    if (!this.#done && this.#child.pid) killGroup(this.#child.pid, signal);
    await this.exited;
  }
}

/**
 * Provisions Godot `version`, runs `project` headless on a free port and resolves once the
 * project prints its ready line. The project reads $GP_PORT; it prints `LISTEN_FAILED` if
 * the port was taken meanwhile, and is then started again on another port.
 */
export async function startGodot(options: StartGodotOptions): Promise<GodotProcess> {
  const install = await provisionGodot(options.version, options.provision);
  const fixedPort = typeof options.port === "number";
  const attempts = fixedPort ? 1 : (options.portAttempts ?? 5);
  const timeoutMs = options.readyTimeoutMs ?? 30_000;
  for (let attempt = 1; ; attempt++) {
    const port = typeof options.port === "number" ? options.port : await freePort();
    const proc = await spawnGodot(install, options, port);
    if (options.ready === false) return proc;
    const ready = options.ready ?? /^READY\b/;
    const outcome = await Promise.race([
      proc.waitForLine(ready, timeoutMs).then(() => "ready" as const),
      proc.waitForLine(/^LISTEN_FAILED\b/, timeoutMs).then(() => "port-taken" as const),
    ]).catch((err: unknown) => err);
    if (outcome === "ready") return proc;
    await proc.stop();
    if (outcome === "port-taken") {
      // Another process took the free port between our probe and Godot's listen: try another.
      if (attempt < attempts) continue;
      throw new GodotStartError(
        `port ${port} could not be listened on (LISTEN_FAILED)`,
        proc.lines.slice(-30),
      );
    }
    throw outcome;
  }
}

async function spawnGodot(
  install: GodotInstall,
  options: StartGodotOptions,
  port: number,
): Promise<GodotProcess> {
  installExitHook();
  const work = await mkdtemp(join(tmpdir(), `godot-peer-${install.version}-`));
  const projectDir = join(work, "project");
  const home = join(work, "home");
  await cp(options.project, projectDir, { recursive: true });
  // Godot 3.2 logs an error when its data or config folder cannot be made: make them first.
  for (const d of [".local/share", ".config", ".cache"]) await mkdir(join(home, d), { recursive: true });
  const godotArgs = [
    ...install.prefixArgs,
    ...install.headlessArgs,
    "--path",
    projectDir,
    ...(options.script ? ["-s", options.script] : []),
    ...(options.args ?? []),
  ];
  const child = spawn(
    "/bin/sh",
    ["-c", WATCHDOG, "godot-peer-watchdog", work, install.command, ...godotArgs],
    {
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        XDG_DATA_HOME: join(home, ".local", "share"),
        XDG_CONFIG_HOME: join(home, ".config"),
        XDG_CACHE_HOME: join(home, ".cache"),
        // Godot 3 rejects the "C" locale with an error line; any real one keeps the log clean.
        LANG: "en_US.UTF-8",
        GP_PORT: String(port),
        // A run's mark (test/bench/swarm.test.ts), so it can tell its own engines from others'.
        ...(process.env.GODOT_PEER_BENCH_RUN
          ? { GODOT_PEER_BENCH_RUN: process.env.GODOT_PEER_BENCH_RUN }
          : {}),
        ...options.env,
      },
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("spawn", resolve);
    child.once("error", reject);
  });
  return new GodotProcess(install, port, child, work);
}

/** Runs a script to completion (for one-shot jobs such as encoding a corpus) and returns its output. */
export async function runGodotScript(options: {
  version: GodotVersion;
  project: string;
  script: string;
  env?: Readonly<Record<string, string>>;
  timeoutMs?: number;
}): Promise<{ code: number | null; lines: string[] }> {
  const proc = await startGodot({ ...options, ready: false, port: 0 });
  const timer = setTimeout(() => void proc.stop(), options.timeoutMs ?? 60_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  return { code, lines: proc.lines };
}
