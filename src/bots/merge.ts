/**
 * Merging swarm results (shards on several machines, or worker threads on one) exactly: counters
 * are summed and histograms added, so the merged percentiles are those of the whole swarm —
 * percentiles are never averaged, which would be wrong.
 */
import type { CheckResult, CustomMetricResult } from "./custom-metrics.js";
import type { ReplicationCounts } from "./dialect.js";
import { mergeMessages } from "./error-messages.js";
import { addEncoded, decodeHistogram, encodeHistogram, type Histogram, newHistogram } from "./histogram.js";
import { mergeSeries, SERIES_BUCKET_MS } from "./series.js";
import type {
  EncodedHistogram,
  MethodResult,
  ReplicationResult,
  SecondSample,
  SwarmResult,
  SynchronizerResult,
} from "./swarm-result.js";

export const SWARM_RESULT_FORMAT = "godot-peer-swarm/1";

/** An input is not a swarm result this version can merge; `source` names the file. */
export class SwarmResultFormatError extends Error {
  override readonly name = "SwarmResultFormatError";
  constructor(
    message: string,
    readonly source: string,
  ) {
    super(`${source}: ${message}`);
  }
}

type Json = unknown;

function isRecord(v: Json): v is Record<string, Json> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Checks that parsed JSON is a SwarmResult of this format version, field by field, so that a
 * wrong file is refused with its name and the field at fault rather than merged into nonsense.
 */
export function parseSwarmResult(value: Json, source: string): SwarmResult {
  const fail = (msg: string): never => {
    throw new SwarmResultFormatError(msg, source);
  };
  if (!isRecord(value)) fail("not a swarm result (expected a JSON object from godot-peer swarm --json)");
  const v = value as Record<string, Json>;
  if (v.format !== SWARM_RESULT_FORMAT) {
    if (typeof v.format === "string" && v.format.startsWith("godot-peer-swarm/")) {
      fail(`format ${v.format} is not ${SWARM_RESULT_FORMAT}: merge results of the same godot-peer version`);
    }
    fail(
      `not a swarm result (no "format": "${SWARM_RESULT_FORMAT}"; expected the output of godot-peer swarm --json)`,
    );
  }
  const count = (x: Json, at: string): number =>
    typeof x === "number" && Number.isFinite(x) && x >= 0 ? x : fail(`${at} is not a non-negative number`);
  const hist = (x: Json, at: string): EncodedHistogram =>
    typeof x === "string" && x.length > 0 ? x : fail(`${at} is not a serialized histogram`);
  const counts = (x: Json, at: string): Record<string, number> => {
    if (!isRecord(x)) return fail(`${at} is not an object of counts`);
    const out: Record<string, number> = {};
    for (const [k, n] of Object.entries(x)) out[k] = count(n, `${at}.${k}`);
    return out;
  };
  count(v.startedAt, "startedAt");
  count(v.endedAt, "endedAt");
  if (!Array.isArray(v.shards) || v.shards.length === 0) fail("shards is not a non-empty array");
  for (const [i, s] of (v.shards as Json[]).entries()) {
    if (!isRecord(s)) return fail(`shards[${i}] is not an object`);
    count(s.index, `shards[${i}].index`);
    count(s.count, `shards[${i}].count`);
    count(s.startedAt, `shards[${i}].startedAt`);
    count(s.endedAt, `shards[${i}].endedAt`);
    if (typeof s.host !== "string") fail(`shards[${i}].host is not a string`);
  }
  if (!isRecord(v.config)) fail("config is not an object");
  for (const [k, x] of Object.entries(v.config as Record<string, Json>)) {
    if (x !== null && !["string", "number", "boolean"].includes(typeof x))
      fail(`config.${k} is not a plain value`);
  }
  if (!isRecord(v.bots)) fail("bots is not an object");
  const bots = v.bots as Record<string, Json>;
  for (const k of ["started", "connected", "failed", "peak"]) count(bots[k], `bots.${k}`);
  for (const k of ["ended", "errored", "disconnected", "dropped", "reconnects"])
    if (bots[k] !== undefined) count(bots[k], `bots.${k}`);
  hist(v.connectMs, "connectMs");
  hist(v.joinMs, "joinMs");
  hist(v.rttMs, "rttMs");
  counts(v.connectFailures, "connectFailures");
  counts(v.errors, "errors");
  counts(v.drops, "drops");
  counts(v.closes, "closes");
  if (!isRecord(v.methods)) fail("methods is not an object");
  for (const [k, m] of Object.entries(v.methods as Record<string, Json>)) {
    if (!isRecord(m)) return fail(`methods["${k}"] is not an object`);
    for (const f of ["callsOut", "callsIn", "bytesOut", "bytesIn"]) count(m[f], `methods["${k}"].${f}`);
    if (m.rtt !== undefined) hist(m.rtt, `methods["${k}"].rtt`);
  }
  if (!Array.isArray(v.seconds)) fail("seconds is not an array");
  for (const [i, s] of (v.seconds as Json[]).entries()) {
    if (!isRecord(s)) return fail(`seconds[${i}] is not an object`);
    for (const f of [
      "t",
      "connected",
      "msgsIn",
      "msgsOut",
      "bytesIn",
      "bytesOut",
      "rpcs",
      "errors",
      "lagMaxMs",
      "cpuPercent",
    ]) {
      count(s[f], `seconds[${i}].${f}`);
    }
    hist(s.rtt, `seconds[${i}].rtt`);
  }
  if (v.iterationMs !== undefined) hist(v.iterationMs, "iterationMs");
  if (v.tags !== undefined) {
    if (!isRecord(v.tags)) fail("tags is not an object");
    for (const [k, x] of Object.entries(v.tags as Record<string, Json>)) {
      if (typeof x !== "string") fail(`tags.${k} is not a string`);
    }
  }
  if (v.scenarios !== undefined) {
    if (!isRecord(v.scenarios)) fail("scenarios is not an object");
    for (const [k, sc] of Object.entries(v.scenarios as Record<string, Json>)) {
      if (isRecord(sc) && sc.scenarios !== undefined) fail(`scenarios.${k} has scenarios of its own`);
      parseSwarmResult(sc, `${source} scenarios.${k}`);
    }
  }
  if (v.checks !== undefined) {
    if (!isRecord(v.checks)) fail("checks is not an object");
    for (const [k, c] of Object.entries(v.checks as Record<string, Json>)) {
      if (!isRecord(c)) return fail(`checks["${k}"] is not an object`);
      count(c.passes, `checks["${k}"].passes`);
      count(c.fails, `checks["${k}"].fails`);
    }
  }
  if (v.custom !== undefined) {
    if (!isRecord(v.custom)) fail("custom is not an object");
    for (const [k, m] of Object.entries(v.custom as Record<string, Json>)) {
      if (!isRecord(m)) return fail(`custom["${k}"] is not an object`);
      const at = `custom["${k}"]`;
      const num = (x: Json, f: string) =>
        typeof x === "number" && Number.isFinite(x) ? x : fail(`${at}.${f} is not a number`);
      if (m.type === "counter") count(m.count, `${at}.count`);
      else if (m.type === "rate") {
        count(m.passes, `${at}.passes`);
        count(m.total, `${at}.total`);
      } else if (m.type === "gauge") for (const f of ["value", "min", "max", "at"]) num(m[f], f);
      else if (m.type === "trend") hist(m.hist, `${at}.hist`);
      else fail(`${at}.type is not counter, rate, gauge or trend`);
    }
  }
  if (v.replication !== undefined) {
    if (!isRecord(v.replication)) fail("replication is not an object");
    const r = v.replication as Record<string, Json>;
    for (const f of REPLICATION_FIELDS) count(r[f], `replication.${f}`);
    if (!isRecord(r.synchronizers)) fail("replication.synchronizers is not an object");
    for (const [k, s] of Object.entries(r.synchronizers as Record<string, Json>)) {
      if (!isRecord(s)) return fail(`replication.synchronizers["${k}"] is not an object`);
      for (const f of SYNCHRONIZER_FIELDS) count(s[f], `replication.synchronizers["${k}"].${f}`);
    }
  }
  if (v.series !== undefined) parseSeries(v.series, fail, count, hist, counts);
  if (v.shape !== undefined) {
    if (!isRecord(v.shape)) fail("shape is not an object");
    const sh = v.shape as Record<string, Json>;
    if (sh.model !== "closed" && sh.model !== "open") fail("shape.model is not closed or open");
    count(sh.bots, "shape.bots");
    count(sh.durationMs, "shape.durationMs");
    if (sh.stages !== undefined) {
      if (!Array.isArray(sh.stages)) fail("shape.stages is not an array");
      for (const [i, st] of (sh.stages as Json[]).entries()) {
        if (!isRecord(st)) return fail(`shape.stages[${i}] is not an object`);
        count(st.durationMs, `shape.stages[${i}].durationMs`);
        count(st.target, `shape.stages[${i}].target`);
      }
    }
  }
  if (!isRecord(v.generator)) fail("generator is not an object");
  const g = v.generator as Record<string, Json>;
  hist(g.lagMs, "generator.lagMs");
  count(g.cpuMaxPercent, "generator.cpuMaxPercent");
  count(g.saturatedSeconds, "generator.saturatedSeconds");
  return value as unknown as SwarmResult;
}

const REPLICATION_FIELDS = [
  "spawns",
  "despawns",
  "syncsIn",
  "deltasIn",
  "syncsStale",
  "syncsUnknown",
  "syncsOut",
  "deltasOut",
  "bytesIn",
  "bytesOut",
] as const;
const SYNCHRONIZER_FIELDS = [
  "syncsIn",
  "deltasIn",
  "syncsStale",
  "syncsOut",
  "deltasOut",
  "bytesIn",
  "bytesOut",
] as const;

export function newReplicationResult(): ReplicationResult {
  return {
    spawns: 0,
    despawns: 0,
    syncsIn: 0,
    deltasIn: 0,
    syncsStale: 0,
    syncsUnknown: 0,
    syncsOut: 0,
    deltasOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    synchronizers: {},
  };
}

function addSynchronizers(
  into: ReplicationResult,
  from: Iterable<[string, Readonly<SynchronizerResult>]>,
  key: (k: string) => string = (k) => k,
): void {
  for (const [raw, c] of from) {
    const k = key(raw);
    into.synchronizers[k] ??= {
      syncsIn: 0,
      deltasIn: 0,
      syncsStale: 0,
      syncsOut: 0,
      deltasOut: 0,
      bytesIn: 0,
      bytesOut: 0,
    };
    const s = into.synchronizers[k];
    for (const f of SYNCHRONIZER_FIELDS) s[f] += c[f];
  }
}

/** Adds one bot's replication counters (its engine's names) into a result's; `key` names its synchronizers. */
export function addBotReplication(
  into: ReplicationResult,
  c: Readonly<ReplicationCounts>,
  key: (k: string) => string,
): void {
  into.spawns += c.spawnsIn;
  into.despawns += c.despawnsIn;
  into.syncsIn += c.syncsIn;
  into.deltasIn += c.deltasIn;
  into.syncsStale += c.syncsStale;
  into.syncsUnknown += c.syncsUnknown;
  into.syncsOut += c.syncsOut;
  into.deltasOut += c.deltasOut;
  into.bytesIn += c.bytesIn;
  into.bytesOut += c.bytesOut;
  if (c.synchronizers) addSynchronizers(into, c.synchronizers, key);
}

function addReplication(into: ReplicationResult, r: ReplicationResult): void {
  for (const f of REPLICATION_FIELDS) into[f] += r[f];
  addSynchronizers(into, Object.entries(r.synchronizers));
}

function sortedReplication(r: ReplicationResult): ReplicationResult {
  const synchronizers: Record<string, SynchronizerResult> = {};
  for (const k of Object.keys(r.synchronizers).sort())
    synchronizers[k] = r.synchronizers[k] as SynchronizerResult;
  return { ...r, synchronizers };
}

/** A series: its width a power-of-two multiple of the finest, its buckets consecutive and aligned. */
function parseSeries(
  x: Json,
  fail: (msg: string) => never,
  count: (x: Json, at: string) => number,
  hist: (x: Json, at: string) => EncodedHistogram,
  counts: (x: Json, at: string) => Record<string, number>,
): undefined {
  if (!isRecord(x)) return fail("series is not an object");
  const w = count(x.bucketMs, "series.bucketMs");
  const k = Math.log2(w / SERIES_BUCKET_MS);
  if (!Number.isInteger(k)) fail(`series.bucketMs ${w} is not ${SERIES_BUCKET_MS} ms × a power of two`);
  if (!Array.isArray(x.buckets)) return fail("series.buckets is not an array");
  let prev: number | undefined;
  for (const [i, b] of (x.buckets as Json[]).entries()) {
    const at = `series.buckets[${i}]`;
    if (!isRecord(b)) return fail(`${at} is not an object`);
    const t = count(b.t, `${at}.t`);
    if (t % w !== 0) fail(`${at}.t ${t} is not a multiple of series.bucketMs`);
    if (prev !== undefined && t !== prev + w) fail(`${at}.t ${t} does not follow ${prev}`);
    prev = t;
    if (b.connect !== undefined) hist(b.connect, `${at}.connect`);
    if (b.join !== undefined) hist(b.join, `${at}.join`);
    if (b.methods !== undefined) {
      if (!isRecord(b.methods)) fail(`${at}.methods is not an object`);
      for (const [m, enc] of Object.entries(b.methods as Record<string, Json>))
        hist(enc, `${at}.methods["${m}"]`);
    }
    if (b.errors !== undefined) counts(b.errors, `${at}.errors`);
    if (b.connectFailures !== undefined) counts(b.connectFailures, `${at}.connectFailures`);
  }
}

function addCounts(into: Record<string, number>, from: Readonly<Record<string, number>>): void {
  for (const [k, n] of Object.entries(from)) into[k] = (into[k] ?? 0) + n;
}

/** Values every input agrees on are kept; where they differ, the distinct values are listed. */
function mergeConfig(configs: readonly SwarmResult["config"][]): SwarmResult["config"] {
  const seen = new Map<string, SwarmResult["config"][string][]>();
  for (const c of configs) {
    for (const [k, v] of Object.entries(c)) {
      const values = seen.get(k) ?? [];
      if (!values.some((x) => x === v)) values.push(v);
      seen.set(k, values);
    }
  }
  const out: SwarmResult["config"] = {};
  for (const [k, values] of seen) {
    out[k] =
      values.length === 1 ? (values[0] as SwarmResult["config"][string]) : values.map(String).join(" | ");
  }
  return out;
}

interface SecondAcc {
  sample: SecondSample;
  rtt: Histogram;
}

/**
 * Per-second samples of several inputs aligned by epoch second: counters summed, round-trip
 * histograms added, generator lag and CPU the max (each generator's own health), connected summed.
 * One input may hold the same second twice (a sampling timer that fired early, or its last,
 * partial second): its traffic then counts twice but its bots once — connected is a level at the
 * end of the second, not a flow — so the later sample's connected stands.
 */
export function mergeSeconds(
  inputs: readonly (readonly SecondSample[])[],
  addHistogram: (into: Histogram, enc: EncodedHistogram, input: number, t: number) => void = (into, enc) =>
    addEncoded(into, enc),
): SecondSample[] {
  const byT = new Map<number, SecondAcc>();
  for (const [i, list] of inputs.entries()) {
    const connectedHere = new Map<number, number>();
    for (const s of list) {
      connectedHere.set(s.t, s.connected);
      const acc = byT.get(s.t);
      if (!acc) {
        const h = newHistogram();
        addHistogram(h, s.rtt, i, s.t);
        byT.set(s.t, { sample: { ...s, connected: 0 }, rtt: h });
        continue;
      }
      const into = acc.sample;
      into.msgsIn += s.msgsIn;
      into.msgsOut += s.msgsOut;
      into.bytesIn += s.bytesIn;
      into.bytesOut += s.bytesOut;
      into.rpcs += s.rpcs;
      into.errors += s.errors;
      into.lagMaxMs = Math.max(into.lagMaxMs, s.lagMaxMs);
      into.cpuPercent = Math.max(into.cpuPercent, s.cpuPercent);
      addHistogram(acc.rtt, s.rtt, i, s.t);
    }
    for (const [t, n] of connectedHere) (byT.get(t) as SecondAcc).sample.connected += n;
  }
  return [...byT.keys()]
    .sort((a, b) => a - b)
    .map((t) => {
      const acc = byT.get(t) as SecondAcc;
      return { ...acc.sample, rtt: encodeHistogram(acc.rtt) };
    });
}

/**
 * Merges results into one, exactly: counters summed, histograms added, per-second samples aligned
 * by epoch second. `sources` name the inputs in errors (e.g. their file names).
 *
 * The merged `bots.peak` is the largest number connected at once across all inputs, as well as the
 * inputs tell it: the largest per-second sum of `connected` (bots connected at the end of each
 * second), or the largest single input's own peak if that is larger. Summing the inputs' peaks
 * would overstate it, since they need not happen at the same moment.
 */
export function mergeResults(
  results: readonly SwarmResult[],
  sources?: readonly string[],
  options: {
    /** The inputs are scenarios of one run, side by side in the same shard: its shards are listed once. */
    readonly sameRun?: boolean;
  } = {},
): SwarmResult {
  const name = (i: number) => sources?.[i] ?? `result #${i + 1}`;
  if (results.length === 0) throw new SwarmResultFormatError("nothing to merge", "merge");
  for (const [i, r] of results.entries()) {
    if (r.format !== SWARM_RESULT_FORMAT) {
      throw new SwarmResultFormatError(`format ${String(r.format)} is not ${SWARM_RESULT_FORMAT}`, name(i));
    }
  }
  const shardKeys = new Map<string, number>();
  for (const [i, r] of options.sameRun ? [] : results.entries()) {
    for (const s of r.shards) {
      const key = `${s.index}/${s.count}@${s.host}:${s.startedAt}-${s.endedAt}`;
      const first = shardKeys.get(key);
      if (first !== undefined) {
        throw new SwarmResultFormatError(
          `shard ${s.index}/${s.count} of ${s.host} is also in ${name(first)}: the same run would count twice`,
          name(i),
        );
      }
      shardKeys.set(key, i);
    }
  }

  const add = (into: Histogram, enc: EncodedHistogram, i: number, what: string) => {
    try {
      addEncoded(into, enc);
    } catch (err) {
      throw new SwarmResultFormatError(`${what}: ${(err as Error).message}`, name(i));
    }
  };
  const connect = newHistogram();
  const join = newHistogram();
  const rtt = newHistogram();
  const lag = newHistogram();
  const iteration = newHistogram();
  const methodRtt = new Map<string, Histogram>();
  const methods: Record<string, MethodResult> = {};
  const connectFailures: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const drops: Record<string, number> = {};
  const closes: Record<string, number> = {};
  const bots = { started: 0, connected: 0, failed: 0, peak: 0, ended: 0, errored: 0, disconnected: 0 };
  // Scheduled drops of network conditions and their rejoins: present when any input has them.
  let dropped = 0;
  let reconnects = 0;
  const generator = { cpuMaxPercent: 0, saturatedSeconds: 0, lagResolutionMs: 0, loadMax: 0, cores: 0 };
  let timeouts = 0;
  const stopped = new Set<string>();
  const checks: Record<string, CheckResult> = {};
  const custom: Record<string, CustomMetricResult> = {};
  const trends = new Map<string, Histogram>();
  let replication: ReplicationResult | null = null;

  for (const [i, r] of results.entries()) {
    add(connect, r.connectMs, i, "connectMs");
    add(join, r.joinMs, i, "joinMs");
    add(rtt, r.rttMs, i, "rttMs");
    add(lag, r.generator.lagMs, i, "generator.lagMs");
    if (r.iterationMs !== undefined) add(iteration, r.iterationMs, i, "iterationMs");
    bots.started += r.bots.started;
    bots.connected += r.bots.connected;
    bots.failed += r.bots.failed;
    bots.peak = Math.max(bots.peak, r.bots.peak);
    bots.ended += r.bots.ended ?? 0;
    bots.errored += r.bots.errored ?? 0;
    bots.disconnected += r.bots.disconnected ?? 0;
    dropped += r.bots.dropped ?? 0;
    reconnects += r.bots.reconnects ?? 0;
    timeouts += r.timeouts ?? 0;
    if (r.stopped !== undefined) stopped.add(r.stopped);
    generator.lagResolutionMs = Math.max(generator.lagResolutionMs, r.generator.lagResolutionMs ?? 0);
    generator.loadMax = Math.max(generator.loadMax, r.generator.loadMax ?? 0);
    generator.cores = Math.max(generator.cores, r.generator.cores ?? 0);
    generator.cpuMaxPercent = Math.max(generator.cpuMaxPercent, r.generator.cpuMaxPercent);
    // Generator-seconds: a second in which two generators were saturated counts twice.
    generator.saturatedSeconds += r.generator.saturatedSeconds;
    addCounts(connectFailures, r.connectFailures);
    addCounts(errors, r.errors);
    addCounts(drops, r.drops);
    addCounts(closes, r.closes);
    if (r.replication) {
      replication ??= newReplicationResult();
      addReplication(replication, r.replication);
    }
    for (const [k, c] of Object.entries(r.checks ?? {})) {
      const into = checks[k] ?? { passes: 0, fails: 0 };
      into.passes += c.passes;
      into.fails += c.fails;
      checks[k] = into;
    }
    for (const [k, m] of Object.entries(r.custom ?? {})) {
      const into = custom[k];
      if (into !== undefined && into.type !== m.type) {
        throw new SwarmResultFormatError(
          `custom metric "${k}" is a ${m.type} here, a ${into.type} before`,
          name(i),
        );
      }
      if (m.type === "trend") {
        let h = trends.get(k);
        if (!h) {
          h = newHistogram();
          trends.set(k, h);
          custom[k] = { type: "trend", hist: "" };
        }
        add(h, m.hist, i, `custom["${k}"].hist`);
      } else if (into === undefined) custom[k] = { ...m };
      else if (into.type === "counter" && m.type === "counter") into.count += m.count;
      else if (into.type === "rate" && m.type === "rate") {
        into.passes += m.passes;
        into.total += m.total;
      } else if (into.type === "gauge" && m.type === "gauge") {
        // The last value set anywhere; the least and most of all.
        if (m.at >= into.at) {
          into.value = m.value;
          into.at = m.at;
        }
        into.min = Math.min(into.min, m.min);
        into.max = Math.max(into.max, m.max);
      }
    }
    for (const [key, m] of Object.entries(r.methods)) {
      const into = methods[key] ?? { callsOut: 0, callsIn: 0, bytesOut: 0, bytesIn: 0 };
      into.callsOut += m.callsOut;
      if (m.packetsOut !== undefined) into.packetsOut = (into.packetsOut ?? 0) + m.packetsOut;
      into.callsIn += m.callsIn;
      into.bytesOut += m.bytesOut;
      into.bytesIn += m.bytesIn;
      methods[key] = into;
      if (m.rtt !== undefined) {
        let h = methodRtt.get(key);
        if (!h) {
          h = newHistogram();
          methodRtt.set(key, h);
        }
        add(h, m.rtt, i, `methods["${key}"].rtt`);
      }
    }
  }

  // Outcomes only when the inputs have them (results of before they were counted have not).
  const outcomes = results.some((r) => r.bots.ended !== undefined);
  const mergedBots = outcomes
    ? {
        ...bots,
        ...(dropped > 0 ? { dropped } : {}),
        ...(reconnects > 0 ? { reconnects } : {}),
      }
    : { started: bots.started, connected: bots.connected, failed: bots.failed, peak: bots.peak };
  const seconds = mergeSeconds(
    results.map((r) => r.seconds),
    (into, enc, i, t) => add(into, enc, i, `seconds[t=${t}].rtt`),
  );
  for (const s of seconds) mergedBots.peak = Math.max(mergedBots.peak, s.connected);
  const outMethods: Record<string, MethodResult> = {};
  for (const key of Object.keys(methods).sort()) {
    const m = methods[key] as MethodResult;
    const h = methodRtt.get(key);
    outMethods[key] = h ? { ...m, rtt: encodeHistogram(h) } : m;
  }
  return {
    format: SWARM_RESULT_FORMAT,
    shards: options.sameRun
      ? sameRunShards(results)
      : results.flatMap((r) => r.shards.map((s) => ({ ...s }))),
    startedAt: Math.min(...results.map((r) => r.startedAt)),
    endedAt: Math.max(...results.map((r) => r.endedAt)),
    config: mergeConfig(results.map((r) => r.config)),
    bots: mergedBots,
    connectMs: encodeHistogram(connect),
    joinMs: encodeHistogram(join),
    connectFailures,
    rttMs: encodeHistogram(rtt),
    methods: outMethods,
    errors,
    drops,
    closes,
    ...(results.some((r) => r.messages !== undefined)
      ? { messages: mergeMessages(results.map((r) => r.messages)) }
      : {}),
    ...(results.some((r) => r.timeouts !== undefined) ? { timeouts } : {}),
    ...(stopped.size > 0 ? { stopped: [...stopped].join(" | ") } : {}),
    seconds,
    ...(results.some((r) => r.iterationMs !== undefined) ? { iterationMs: encodeHistogram(iteration) } : {}),
    ...(Object.keys(checks).length > 0 ? { checks } : {}),
    ...(Object.keys(custom).length > 0 ? { custom: mergedCustom(custom, trends) } : {}),
    ...(replication ? { replication: sortedReplication(replication) } : {}),
    // Exact only when every input has its series (older results have none).
    ...(results.every((r) => r.series !== undefined)
      ? {
          series: mergeSeries(
            results.map((r) => r.series as NonNullable<SwarmResult["series"]>),
            (enc, i, what) => {
              try {
                return decodeHistogram(enc);
              } catch (err) {
                throw new SwarmResultFormatError(`${what}: ${(err as Error).message}`, name(i));
              }
            },
          ),
        }
      : {}),
    ...(options.sameRun ? {} : sameShape(results)),
    ...mergedScenarios(results, sources),
    generator: {
      lagMs: encodeHistogram(lag),
      cpuMaxPercent: generator.cpuMaxPercent,
      saturatedSeconds: generator.saturatedSeconds,
      ...(results.some((r) => r.generator.lagResolutionMs !== undefined)
        ? { lagResolutionMs: generator.lagResolutionMs, loadMax: generator.loadMax, cores: generator.cores }
        : {}),
    },
  };
}

/** The inputs' load shape when they all ran the same one (shards of one run). */
function sameShape(results: readonly SwarmResult[]): { shape?: NonNullable<SwarmResult["shape"]> } {
  const first = results[0]?.shape;
  if (first === undefined) return {};
  const key = JSON.stringify(first);
  return results.every((r) => JSON.stringify(r.shape) === key) ? { shape: structuredClone(first) } : {};
}

/** Custom metrics by name, sorted, each trend's histogram encoded once. */
function mergedCustom(
  custom: Record<string, CustomMetricResult>,
  trends: ReadonlyMap<string, Histogram>,
): Record<string, CustomMetricResult> {
  const out: Record<string, CustomMetricResult> = {};
  for (const k of Object.keys(custom).sort()) {
    const h = trends.get(k);
    out[k] = h ? { type: "trend", hist: encodeHistogram(h) } : (custom[k] as CustomMetricResult);
  }
  return out;
}

/** Each shard once, from its earliest start to its latest end. */
function sameRunShards(results: readonly SwarmResult[]): SwarmResult["shards"] {
  const byKey = new Map<string, SwarmResult["shards"][number]>();
  for (const r of results) {
    for (const s of r.shards) {
      const key = `${s.index}/${s.count}@${s.host}`;
      const into = byKey.get(key);
      if (!into) byKey.set(key, { ...s });
      else {
        into.startedAt = Math.min(into.startedAt, s.startedAt);
        into.endedAt = Math.max(into.endedAt, s.endedAt);
      }
    }
  }
  return [...byKey.values()];
}

/** Scenarios of the same name across inputs (shards of one run), merged exactly, with their tags. */
function mergedScenarios(
  results: readonly SwarmResult[],
  sources: readonly string[] | undefined,
): { scenarios?: Record<string, SwarmResult>; tags?: Record<string, string> } {
  const tags = results.find((r) => r.tags !== undefined)?.tags;
  const names = [...new Set(results.flatMap((r) => Object.keys(r.scenarios ?? {})))].sort();
  if (names.length === 0) return tags ? { tags: { ...tags } } : {};
  const scenarios: Record<string, SwarmResult> = {};
  for (const n of names) {
    const parts: SwarmResult[] = [];
    const from: string[] = [];
    for (const [i, r] of results.entries()) {
      const sc = r.scenarios?.[n];
      if (sc) {
        parts.push(sc);
        from.push(`${sources?.[i] ?? `result #${i + 1}`} scenarios.${n}`);
      }
    }
    scenarios[n] = mergeResults(parts, from);
  }
  return { scenarios, ...(tags ? { tags: { ...tags } } : {}) };
}
