/**
 * One worker thread of `godot-peer swarm --workers K`: runs its shard of the swarm and reports
 * live numbers each second and its SwarmResult at the end to the main thread.
 */
import { parentPort, workerData } from "node:worker_threads";
import { runSwarm, type Shard, type SwarmLoad, type SwarmMetrics } from "../bots/index.js";
import { loadBotScript } from "./load-script.js";

export interface WorkerInput extends SwarmLoad {
  readonly scriptPath: string;
  readonly url: string;
  readonly shard: Shard;
  readonly threads: number;
  readonly config: Record<string, string | number | boolean | null>;
  /** --manifest, for Godot 4 bots. */
  readonly botOptions?: { readonly manifest?: string };
}

const port = parentPort;
if (!port) throw new Error("swarm-worker runs as a worker thread");
const input = workerData as WorkerInput;
const stop = new AbortController();
port.on("message", (m: { type: string; reason?: unknown }) => {
  if (m.type === "stop") stop.abort(m.reason);
});
const script = await loadBotScript(input.scriptPath);
let metrics: SwarmMetrics | undefined;
const live = setInterval(() => {
  if (metrics) port.postMessage({ type: "live", stats: metrics.live() });
}, 1000);
const result = await runSwarm({
  ...input,
  script,
  signal: stop.signal,
  onMetrics: (m) => {
    metrics = m;
  },
});
clearInterval(live);
port.postMessage({ type: "result", result });
// The port's message listener is all that keeps this thread alive now.
port.close();
