/**
 * A real Prometheus (Debian's `prometheus` package) for tests that must see live metrics as a
 * team's monitoring does: installed with apt on first use (the same lock as Chromium's, so parallel
 * test files install once), started on a loopback port with a generated config and its storage in
 * a temp dir, queried through its HTTP API.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureHostPackage, freePort } from "../../src/engine/index.js";

export { freePort };

export const PROMETHEUS = "/usr/bin/prometheus";

/** Installs Prometheus with apt if it is missing (needs root); returns the binary's path. */
export function ensurePrometheus(): Promise<string> {
  return ensureHostPackage(PROMETHEUS, "prometheus");
}

/** One series of a query's answer: its labels, and its samples ([epoch s, value]). */
export interface Series {
  readonly metric: Readonly<Record<string, string>>;
  readonly value?: readonly [number, string];
  readonly values?: readonly (readonly [number, string])[];
}

export interface RunningPrometheus {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** `/api/v1/query`: an instant query, at `time` (epoch s) if given. */
  query(promql: string, time?: number): Promise<Series[]>;
  /** What Prometheus printed (for a failing test's message). */
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts Prometheus scraping `targets` ("127.0.0.1:9464") every `scrapeIntervalMs`, and waits
 * until it is ready. Stop it with stop() (its storage goes with it).
 */
export async function startPrometheus({
  targets,
  scrapeIntervalMs = 200,
}: {
  readonly targets: readonly string[];
  readonly scrapeIntervalMs?: number;
}): Promise<RunningPrometheus> {
  const bin = await ensurePrometheus();
  const work = await mkdtemp(join(tmpdir(), "gp-prometheus-"));
  const config = join(work, "prometheus.yml");
  const every = `${scrapeIntervalMs}ms`;
  await writeFile(
    config,
    [
      "global:",
      `  scrape_interval: ${every}`,
      `  scrape_timeout: ${every}`,
      "scrape_configs:",
      "  - job_name: godot-peer",
      `    static_configs: [{ targets: [${targets.map((t) => JSON.stringify(t)).join(", ")}] }]`,
      "",
    ].join("\n"),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child: ChildProcess = spawn(
    bin,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(work, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    output += d;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const t = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(t);
    }
    await rm(work, { recursive: true, force: true });
  };
  // Ready: its /-/ready answers 200 (bounded: 60 s on a loaded machine).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited ${child.exitCode}: ${output.slice(-2000)}`);
    }
    const ok = await fetch(`${url}/-/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus not ready after 60 s: ${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url,
    log: () => output,
    stop,
    async query(promql, time) {
      const q = new URLSearchParams({ query: promql });
      if (time !== undefined) q.set("time", String(time));
      const r = await fetch(`${url}/api/v1/query?${q}`);
      const body = (await r.json()) as {
        status: string;
        error?: string;
        data?: { resultType: string; result: Series[] };
      };
      if (body.status !== "success" || !body.data) {
        throw new Error(`prometheus query ${promql}: ${body.error ?? r.status}`);
      }
      return body.data.result;
    },
  };
}
