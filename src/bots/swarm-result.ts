/**
 * What a swarm run measured, as plain JSON (`--json out.json`): counters, per-second samples and
 * HdrHistograms serialized compressed, so results of several shards merge exactly.
 */

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
  /** "Game:chat": node path relative to /root, method. */
  callsOut: number;
  callsIn: number;
  bytesOut: number;
  bytesIn: number;
  /** Round trips of requests that sent this method (absent when none). */
  rtt?: EncodedHistogram;
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
  };
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
  generator: {
    /** Event-loop delay samples of the generator process(es). */
    lagMs: EncodedHistogram;
    cpuMaxPercent: number;
    /** Seconds in which the generator was saturated (lag or CPU over the limits): its latencies are suspect then. */
    saturatedSeconds: number;
  };
}
