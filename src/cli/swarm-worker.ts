/**
 * One worker thread of `godot-peer swarm --workers K`: plans the run from the same flags and bot
 * module as the main thread, runs its shard of it, and reports live numbers each second (and, for
 * abortOnFail, the run so far) and its SwarmResult at the end to the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import {
  mergeResults,
  type Shard,
  type SharedData,
  type SwarmMetrics,
  type SwarmResult,
  useSharedData,
} from "../bots/index.js";
import { familiesOfParts } from "./live-metrics.js";
import { loadBotModule } from "./load-script.js";
import { planRun, runPlanHere, type SwarmFlags, sumLive } from "./swarm-plan.js";

export interface WorkerInput {
  readonly flags: SwarmFlags;
  /** The main thread's data files, by absolute path, in shared memory. */
  readonly data: Readonly<Record<string, SharedData>>;
  readonly url: string;
  readonly shard: Shard;
  readonly threads: number;
  readonly config: Record<string, string | number | boolean | null>;
  /** Post the run so far each second (the main thread judges abortOnFail thresholds on it). */
  readonly snapshots: boolean;
  /** Post live metrics each second and at the end (--metrics-port). */
  readonly metrics?: boolean;
}

const port = parentPort;
if (!port) throw new Error("swarm-worker runs as a worker thread");
const input = workerData as WorkerInput;
const stop = new AbortController();
port.on("message", (m: { type: string; reason?: unknown }) => {
  if (m.type === "stop") stop.abort(m.reason);
});
for (const [path, shared] of Object.entries(input.data)) useSharedData(path, shared);
const plan = await planRun(input.flags, await loadBotModule(input.flags.scriptPath));
const parts = new Map<string, SwarmMetrics>();
// Worker w of shard i runs sub-shard i·K + w (swarm.ts): the labels its metrics carry.
const labels = {
  shard: String(Math.floor(input.shard.index / input.threads)),
  worker: String(input.shard.index % input.threads),
};
const postMetrics = (finished: boolean) =>
  port.postMessage({ type: "metrics", families: familiesOfParts(parts, labels, finished) });
const live = setInterval(() => {
  const all = [...parts.values()];
  if (all.length === 0) return;
  port.postMessage({ type: "live", stats: sumLive(all.map((m) => m.live())) });
  if (input.snapshots) {
    const snaps = all.map((m) => m.snapshot());
    const snap: SwarmResult =
      snaps.length === 1 ? (snaps[0] as SwarmResult) : mergeResults(snaps, undefined, { sameRun: true });
    port.postMessage({ type: "snapshot", result: snap });
  }
  if (input.metrics) postMetrics(false);
}, 1000);
const result = await runPlanHere({ ...plan, shard: input.shard }, input.url, {
  shard: input.shard,
  config: input.config,
  signal: stop.signal,
  threads: input.threads,
  ...(input.flags.manifest !== undefined ? { botOptions: { manifest: input.flags.manifest } } : {}),
  onMetrics: (name, m) => {
    parts.set(name, m);
  },
});
clearInterval(live);
// The final values before the result, so the main thread serves them once the run is done.
if (input.metrics) postMetrics(true);
port.postMessage({ type: "result", result });
// The port's message listener is all that keeps this thread alive now.
port.close();
