/**
 * What a swarm run measured, as plain JSON (`--json out.json`): counters, per-second samples and
 * HdrHistograms serialized compressed, so results of several shards merge exactly.
 */

import type { CheckResult, CustomMetricResult } from "./custom-metrics.js";
import type { TimeSeries } from "./series.js";
import type { Stage } from "./stages.js";

/** Serialized HdrHistogram of durations in microseconds (see histogram.ts). */
export type EncodedHistogram = string;

export interface SecondSample {
  /** Epoch second (UTC) this sample covers. */
  readonly t: number;
  /** Bots connected at the end of the second. */
  connected: number;
  /** Every WebSocket message and its bytes, both ways, counted at the socket. */
  msgsIn: number;
  msgsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Request/response round trips completed. */
  rpcs: number;
  errors: number;
  /** Round trips completed in this second. */
  rtt: EncodedHistogram;
  /** Largest event-loop delay seen in this second, ms (per generator process; merged: max). */
  lagMaxMs: number;
  /** CPU used by the generator process in this second, % of one core (merged: max). */
  cpuPercent: number;
}

export interface MethodResult {
  /** Calls made (rpc(), rpcId(), rset() …): a broadcast is one call, whatever packets it became. */
  callsOut: number;
  /** The packets those calls became (one per peer while a path is not yet confirmed by all). */
  packetsOut?: number;
  callsIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Round trips of requests that sent this method (absent when none). */
  rtt?: EncodedHistogram;
}

/** One declared synchronizer's SYNC entries, summed over the bots (SceneReplicationInterface's stats). */
export interface SynchronizerResult {
  /** Full SYNC entries applied, delta entries applied, full entries skipped as older (stale, as Godot skips them). */
  syncsIn: number;
  deltasIn: number;
  syncsStale: number;
  /** Entries sent: full and delta, one per peer each time. */
  syncsOut: number;
  deltasOut: number;
  /** The entries' state bytes. */
  bytesIn: number;
  bytesOut: number;
}

/** Godot 4 replication (MultiplayerSpawner / MultiplayerSynchronizer) the bots received and sent, summed. */
export interface ReplicationResult {
  /** SPAWN and DESPAWN packets taken. */
  spawns: number;
  despawns: number;
  /** SYNC entries applied (full, delta), full entries stale, entries for a net id not known (yet). */
  syncsIn: number;
  deltasIn: number;
  syncsStale: number;
  syncsUnknown: number;
  /** SYNC packets sent (full, delta). */
  syncsOut: number;
  deltasOut: number;
  /** SPAWN, DESPAWN and SYNC packets' bytes taken, SYNC packets' bytes sent. */
  bytesIn: number;
  bytesOut: number;
  /** By declaration: the synchronizer's path, or its pattern (a `*` for a spawned node's name). */
  synchronizers: Record<string, SynchronizerResult>;
}

export interface SwarmResult {
  readonly format: "godot-peer-swarm/1";
  /** Shards merged into this result (one entry for a single run). */
  shards: { index: number; count: number; host: string; startedAt: number; endedAt: number }[];
  /** Epoch ms. */
  startedAt: number;
  endedAt: number;
  /** What was asked for: url, script, bots, ramp, duration, … (informational). */
  config: Record<string, string | number | boolean | null>;
  bots: {
    /** Bots started (connect attempted). */
    started: number;
    /** Bots that completed the join (SYS_ID and SYS_ADD(1)). */
    connected: number;
    /** Bots whose connect or join failed. */
    failed: number;
    /** Largest number connected at once. */
    peak: number;
    /**
     * How each started bot ended, exactly one each: started == ended + failed + errored + disconnected.
     * Joined and ended normally (its script returned, or the run ended).
     */
    ended?: number;
    /** Ended by its own error (script, handler, timer, floating promise, timeout …): errors.<kind>. */
    errored?: number;
    /** Disconnected by the server or the network while its script ran, not expected: errors.disconnected. */
    disconnected?: number;
    /**
     * Connections ended by a scheduled drop of the network conditions (close 1006, no close frame):
     * not errors. With them, started == ended + failed + errored + disconnected + dropped.
     */
    dropped?: number;
    /** Rejoins after a scheduled drop (each also counted in started). */
    reconnects?: number;
  };
  /**
   * Distinct messages behind errors, disconnects, connect failures and drops, with counts, the
   * first bots and one stack each (the user's frames first).
   */
  messages?: ErrorMessage[];
  /** Waits and requests that gave up, caught by the script or not (an uncaught one is also an error). */
  timeouts?: number;
  /** The run ended before its time: "SIGINT", "SIGTERM", "no-connect", or "fatal: <message>". */
  stopped?: string;
  /** TCP (+TLS) + WebSocket upgrade, per bot. */
  connectMs: EncodedHistogram;
  /** WebSocket open → the server's SYS_ID and SYS_ADD(1): what the server takes to admit a peer. */
  joinMs: EncodedHistogram;
  /** Connect failures by reason ("refused", "timeout", "http-status", "tls", "join-timeout", …). */
  connectFailures: Record<string, number>;
  /** Every request/response round trip. */
  rttMs: EncodedHistogram;
  methods: Record<string, MethodResult>;
  /** Errors by kind: "script" (a bot script threw), "timeout", "rpc", "handler", … */
  errors: Record<string, number>;
  /**
   * Incoming packets the bots refused as Godot would (by reason: "unknown-node",
   * "unknown-cached-path", "not-allowed", …). Not errors of the bots: some are races of Godot's own
   * protocol (a broadcast reaching a newcomer before its sender knew of it). Judge them with a threshold.
   */
  drops: Record<string, number>;
  /** Connection ends by close code ("1000", "1006", …). */
  closes: Record<string, number>;
  seconds: SecondSample[];
  /** Each completed run of a bot's script (an iteration), how long it took (absent in older results). */
  iterationMs?: EncodedHistogram;
  /**
   * A run of several scenarios: each one's own result (without scenarios of its own), by name;
   * the top-level figures are those of all of them together.
   */
  scenarios?: Record<string, SwarmResult>;
  /** A scenario's tags (thresholds select scenarios by them: `rtt{room:a}.p(95)`). */
  tags?: Record<string, string>;
  /** ctx.check() passes and failures by check name (absent: the run made no check). */
  checks?: Record<string, CheckResult>;
  /** The script's own metrics (Counter, Rate, Gauge, Trend) by name. */
  custom?: Record<string, CustomMetricResult>;
  /** Godot 4 replication, when a bot reported it (Godot 3 bots have none). */
  replication?: ReplicationResult;
  /**
   * Latencies and errors over time (series.ts): epoch-aligned buckets of connect, join and
   * per-method round-trip histograms and of errors by kind (absent in older results).
   */
  series?: TimeSeries;
  /** The load shape as run (absent in older results, and at the top of a run of several scenarios). */
  shape?: LoadShape;
  generator: {
    /** Event-loop delay samples of the generator process(es). */
    lagMs: EncodedHistogram;
    cpuMaxPercent: number;
    /** Seconds in which the generator was saturated (lag or CPU over the limits): its latencies are suspect then. */
    saturatedSeconds: number;
    /** The event-loop monitor's resolution, ms, already taken off every lag figure. */
    lagResolutionMs?: number;
    /** The machine's highest 1-minute load average seen, and its cores: the load of other processes. */
    loadMax?: number;
    cores?: number;
  };
}

export interface ErrorMessage {
  /** "script", "timeout", "handler", "disconnected", "connect:refused", "dropped:unknown-node", … */
  readonly kind: string;
  readonly message: string;
  count: number;
  /** The first bots that hit it ("bot-3"), at most three. */
  readonly bots: string[];
  /** One stack, the user's frames first. */
  readonly stack?: string;
  /** The user's frame ("bots/my-bot.ts:12:11") when the stack has one. */
  readonly at?: string;
}

/** How the load was shaped: the closed model (bots) or the open one (arrivals per second). */
export interface LoadShape {
  readonly model: "closed" | "open";
  /** Closed: bots across the swarm. Open: the most at once per shard. */
  readonly bots: number;
  readonly durationMs: number;
  /** Closed: bots started per second. */
  readonly rampPerSec?: number;
  /** Open: arrivals per second. */
  readonly arrivalPerSec?: number;
  /** The target's stages: bots (closed) or arrivals per second (open). */
  readonly stages?: readonly Stage[];
  /** A closed-model bot runs its script at most this many times. */
  readonly iterations?: number;
  readonly reuseConnection?: boolean;
}
