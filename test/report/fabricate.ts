/**
 * Realistic swarm results for report and merge tests, built the way the collector builds them:
 * per-bot events (connect, join, round trips per method, messages, errors, closes) recorded into
 * real HdrHistograms. A swarm is generated once as events; `resultOf` turns any subset of its bots
 * into a SwarmResult, so a whole run and its shards come from the very same events.
 */
import { encodeHistogram, type Histogram, newHistogram, recordMs } from "../../src/bots/histogram.js";
import { SeriesRecorder } from "../../src/bots/series.js";
import type { MethodResult, SecondSample, SwarmResult } from "../../src/bots/swarm-result.js";

/** Deterministic PRNG (mulberry32), so every test sees the same swarm. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A long-tailed latency around `median` ms (log-normal), as round trips really are. */
function latencyMs(r: () => number, median: number): number {
  const u = Math.max(1e-9, r());
  const v = r();
  const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  return median * Math.exp(0.6 * z);
}

export interface RoundTrip {
  readonly second: number;
  readonly method: string;
  readonly ms: number;
}

export interface FakeBot {
  readonly id: number;
  /** Second (index from the run's start) it connected in; null: it failed to connect. */
  readonly joinedAt: number | null;
  /** Second it left in (after which it is no longer connected); null: still connected at the end. */
  readonly leftAt: number | null;
  readonly failure?: string;
  readonly closeCode?: string;
  readonly connectMs: number;
  readonly joinMs: number;
  readonly roundTrips: readonly RoundTrip[];
  /** Per second index: messages and bytes, in and out; errors by kind. */
  readonly traffic: ReadonlyMap<
    number,
    { msgsIn: number; msgsOut: number; bytesIn: number; bytesOut: number }
  >;
  readonly errors: readonly { second: number; kind: string }[];
  readonly calls: ReadonlyMap<string, MethodResult>;
}

export interface FakeSwarm {
  /** Epoch second of the run's first second. */
  readonly t0: number;
  readonly seconds: number;
  readonly bots: readonly FakeBot[];
}

export interface SwarmSpec {
  readonly bots?: number;
  readonly seconds?: number;
  readonly seed?: number;
  /** Median round trip, ms. */
  readonly medianMs?: number;
  /** Fraction of bots that fail to connect. */
  readonly failRate?: number;
  /** Errors per bot-second. */
  readonly errorRate?: number;
  readonly t0?: number;
}

const METHODS = ["Game:ping", "Game:chat", "World/Players:move"] as const;

/** Generates a swarm's events: a ramp, some churn, a few failures and errors. */
export function fabricateSwarm(spec: SwarmSpec = {}): FakeSwarm {
  const n = spec.bots ?? 40;
  const seconds = spec.seconds ?? 20;
  const r = rng(spec.seed ?? 1);
  const median = spec.medianMs ?? 8;
  const bots: FakeBot[] = [];
  for (let id = 0; id < n; id++) {
    const ramp = Math.floor((id / n) * Math.min(5, seconds));
    const connectMs = latencyMs(r, 2);
    const joinMs = latencyMs(r, 4);
    if (r() < (spec.failRate ?? 0.05)) {
      const failure = r() < 0.5 ? "refused" : "join-timeout";
      bots.push({
        id,
        joinedAt: null,
        leftAt: null,
        failure,
        connectMs,
        joinMs,
        roundTrips: [],
        traffic: new Map(),
        errors: [],
        calls: new Map(),
      });
      continue;
    }
    const churn = r() < 0.2;
    const leftAt = churn ? Math.min(seconds - 1, ramp + 2 + Math.floor(r() * (seconds - ramp))) : null;
    const roundTrips: RoundTrip[] = [];
    const traffic = new Map<number, { msgsIn: number; msgsOut: number; bytesIn: number; bytesOut: number }>();
    const errors: { second: number; kind: string }[] = [];
    const calls = new Map<string, MethodResult>();
    const call = (method: string) => {
      let c = calls.get(method);
      if (!c) {
        c = { callsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
        calls.set(method, c);
      }
      return c;
    };
    const end = leftAt ?? seconds - 1;
    for (let s = ramp; s <= end; s++) {
      const tr = { msgsIn: 2, msgsOut: 0, bytesIn: 0, bytesOut: 0 };
      for (const method of METHODS) {
        const k = method === "Game:ping" ? 2 : r() < 0.5 ? 1 : 0;
        for (let i = 0; i < k; i++) {
          const size = 20 + Math.floor(r() * 40);
          const c = call(method);
          c.callsOut++;
          c.bytesOut += size;
          c.callsIn++;
          c.bytesIn += size + 4;
          tr.msgsOut++;
          tr.bytesOut += size;
          tr.msgsIn++;
          tr.bytesIn += size + 4;
          roundTrips.push({
            second: s,
            method,
            ms: latencyMs(r, method === "World/Players:move" ? median * 2 : median),
          });
        }
      }
      tr.bytesIn += 2 * 30;
      traffic.set(s, tr);
      if (r() < (spec.errorRate ?? 0.01)) errors.push({ second: s, kind: r() < 0.7 ? "timeout" : "script" });
    }
    const closeCode = leftAt !== null ? (r() < 0.8 ? "1000" : "1006") : undefined;
    bots.push({
      id,
      joinedAt: ramp,
      leftAt,
      ...(closeCode ? { closeCode } : {}),
      connectMs,
      joinMs,
      roundTrips,
      traffic,
      errors,
      calls,
    });
  }
  return { t0: spec.t0 ?? 1_790_000_000, seconds, bots };
}

export interface ResultOptions {
  readonly shard?: { index: number; count: number };
  readonly host?: string;
  /** Per-second generator health of the process that ran these bots. */
  readonly lagMs?: (second: number) => number;
  readonly cpuPercent?: (second: number) => number;
  readonly saturatedSeconds?: number;
}

/** The SwarmResult the collector would produce for `bots` (a subset of the swarm's). */
export function resultOf(
  swarm: FakeSwarm,
  bots: readonly FakeBot[],
  options: ResultOptions = {},
): SwarmResult {
  const connect = newHistogram();
  const join = newHistogram();
  const rtt = newHistogram();
  const lag = newHistogram();
  const methodRtt = new Map<string, Histogram>();
  const methods: Record<string, MethodResult> = {};
  const connectFailures: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const closes: Record<string, number> = {};
  let started = 0;
  let connected = 0;
  let failed = 0;
  const secondRtt = Array.from({ length: swarm.seconds }, () => newHistogram());
  const startedAt = swarm.t0 * 1000 + 120;
  const endedAt = (swarm.t0 + swarm.seconds - 1) * 1000 + 640;
  // Events at a fixed point of their second, as the collector's recorder would see them.
  const series = new SeriesRecorder(startedAt);
  const at = (s: number, ms = 500) => (swarm.t0 + s) * 1000 + ms;
  // Recorded in time order, as they would happen (bot by bot, time goes back).
  const events: { t: number; record: (t: number) => void }[] = [];
  const later = (t: number, record: (t: number) => void) => events.push({ t, record });
  const samples: SecondSample[] = [];
  for (let s = 0; s < swarm.seconds; s++) {
    samples.push({
      t: swarm.t0 + s,
      connected: 0,
      msgsIn: 0,
      msgsOut: 0,
      bytesIn: 0,
      bytesOut: 0,
      rpcs: 0,
      errors: 0,
      rtt: "",
      lagMaxMs: options.lagMs?.(s) ?? 1.5,
      cpuPercent: options.cpuPercent?.(s) ?? 20,
    });
  }
  for (const b of bots) {
    started++;
    if (b.joinedAt === null) {
      failed++;
      const reason = b.failure ?? "error";
      connectFailures[reason] = (connectFailures[reason] ?? 0) + 1;
      later(at(0, (300 + b.id) % 1000), (t) => series.connectFailed(reason, t));
      continue;
    }
    connected++;
    recordMs(connect, b.connectMs);
    recordMs(join, b.joinMs);
    later(at(b.joinedAt, (200 + b.id) % 1000), (t) => series.joined(b.connectMs, b.joinMs, t));
    for (const rt of b.roundTrips) {
      recordMs(rtt, rt.ms);
      recordMs(secondRtt[rt.second] as Histogram, rt.ms);
      let h = methodRtt.get(rt.method);
      if (!h) {
        h = newHistogram();
        methodRtt.set(rt.method, h);
      }
      recordMs(h, rt.ms);
      later(at(rt.second, 600), (t) => series.roundTrip(rt.method, rt.ms, t));
      (samples[rt.second] as SecondSample).rpcs++;
    }
    for (const [s, tr] of b.traffic) {
      const x = samples[s] as SecondSample;
      x.msgsIn += tr.msgsIn;
      x.msgsOut += tr.msgsOut;
      x.bytesIn += tr.bytesIn;
      x.bytesOut += tr.bytesOut;
    }
    for (const e of b.errors) {
      errors[e.kind] = (errors[e.kind] ?? 0) + 1;
      (samples[e.second] as SecondSample).errors++;
      later(at(e.second, 700), (t) => series.error(e.kind, t));
    }
    const code = b.closeCode ?? "open";
    closes[code] = (closes[code] ?? 0) + 1;
    const end = b.leftAt === null ? swarm.seconds - 1 : b.leftAt - 1;
    for (let s = b.joinedAt; s <= end; s++) (samples[s] as SecondSample).connected++;
    for (const [key, c] of b.calls) {
      const m = methods[key] ?? { callsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
      m.callsOut += c.callsOut;
      m.callsIn += c.callsIn;
      m.bytesOut += c.bytesOut;
      m.bytesIn += c.bytesIn;
      methods[key] = m;
    }
  }
  for (const [key, h] of methodRtt) (methods[key] as MethodResult).rtt = encodeHistogram(h);
  for (const e of events.sort((a, b) => a.t - b.t)) e.record(e.t);
  let cpuMax = 0;
  samples.forEach((x, s) => {
    x.rtt = encodeHistogram(secondRtt[s] as Histogram);
    recordMs(lag, x.lagMaxMs);
    cpuMax = Math.max(cpuMax, x.cpuPercent);
  });
  const shard = options.shard ?? { index: 0, count: 1 };
  return {
    format: "godot-peer-swarm/1",
    shards: [{ ...shard, host: options.host ?? `host-${shard.index}`, startedAt, endedAt }],
    startedAt,
    endedAt,
    config: {
      url: "ws://game.test:8910",
      script: "bots/chat.ts",
      bots: swarm.bots.length,
      durationMs: swarm.seconds * 1000,
    },
    bots: { started, connected, failed, peak: Math.max(0, ...samples.map((x) => x.connected)) },
    connectMs: encodeHistogram(connect),
    joinMs: encodeHistogram(join),
    connectFailures,
    rttMs: encodeHistogram(rtt),
    methods,
    errors,
    drops: {},
    closes,
    seconds: samples,
    series: series.finish(endedAt),
    generator: {
      lagMs: encodeHistogram(lag),
      cpuMaxPercent: cpuMax,
      saturatedSeconds: options.saturatedSeconds ?? 0,
    },
  };
}

/** The swarm's bots dealt round-robin over `n` shards, as `--shard i/n` deals them. */
export function shardBots(swarm: FakeSwarm, n: number): FakeBot[][] {
  return Array.from({ length: n }, (_, i) => swarm.bots.filter((b) => b.id % n === i));
}

/** A whole run as one result. */
export function fabricateResult(spec: SwarmSpec = {}, options: ResultOptions = {}): SwarmResult {
  const swarm = fabricateSwarm(spec);
  return resultOf(swarm, swarm.bots, options);
}
