import type { SwarmResult } from "../swarm-result.js";
import type { ThresholdOutcome } from "../thresholds.js";
import {
  byCount,
  bytes,
  isoTime,
  iterationCells,
  latency,
  latencyCells,
  messagesOf,
  ms,
  num,
  rates,
  SHOWN_MESSAGES,
  saturationAdvice,
  shapeText,
  shortStack,
  stageCells,
  stagesOf,
  stoppedText,
  sumOf,
} from "./format.js";

type Align = "l" | "r";

/** Columns padded to their widest cell; the first column left-aligned, the others right. */
function table(rows: readonly (readonly string[])[], align: readonly Align[] = [], indent = "  "): string[] {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, [...c].length);
    });
  }
  return rows.map(
    (row) =>
      indent +
      row
        .map((c, i) => {
          const w = widths[i] ?? 0;
          const pad = " ".repeat(w - [...c].length);
          return (align[i] ?? (i === 0 ? "l" : "r")) === "l" ? c + pad : pad + c;
        })
        .join("  ")
        .trimEnd(),
  );
}

function countsLine(rec: Readonly<Record<string, number>>): string {
  const entries = byCount(rec);
  return entries.length === 0 ? "none" : entries.map(([k, n]) => `${k} ${num(n)}`).join(", ");
}

/** The summary: bots, latencies, methods, rates, errors, closes, failures, generator, thresholds. */
export function summaryTable(result: SwarmResult, outcomes: readonly ThresholdOutcome[] = []): string {
  const out: string[] = [];
  const rt = rates(result);
  const shards = result.shards.length > 1 ? `, ${result.shards.length} shards merged` : "";
  out.push(
    `Swarm summary: ${isoTime(result.startedAt)} → ${isoTime(result.endedAt)} (${num(rt.durationS, 1)} s${shards})`,
  );
  const target = [result.config.url, result.config.script].filter((x) => x !== undefined && x !== null);
  if (target.length > 0) out.push(`  ${target.join("  ")}`);
  const stopped = stoppedText(result);
  if (stopped) out.push(`  (${stopped})`);
  const shape = shapeText(result);
  if (shape) out.push(`  ${shape}`);
  out.push("");
  out.push(...stagesLines(result));

  const b = result.bots;
  out.push("Bots");
  out.push(
    ...table([
      ["started", "connected", "failed", "peak at once"],
      [num(b.started), num(b.connected), num(b.failed), num(b.peak)],
    ]),
  );
  // How each started bot ended: exactly one each (absent from results of before they were counted).
  if (b.ended !== undefined) {
    out.push(
      `  ended: ${num(b.ended)} normally, ${num(b.failed)} failed to connect or join, ${num(b.errored ?? 0)} by an error, ${num(b.disconnected ?? 0)} disconnected unexpectedly`,
    );
  }
  if (b.dropped !== undefined) {
    out.push(
      `  network conditions: ${num(b.dropped)} connections dropped as scheduled, ${num(b.reconnects ?? 0)} rejoins`,
    );
  }
  out.push("");

  out.push("Latency (ms)");
  out.push(
    ...table([
      ["", "count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"],
      latencyCells("connect", latency(result.connectMs)),
      latencyCells("join", latency(result.joinMs)),
      latencyCells("round trip", latency(result.rttMs)),
    ]),
  );
  out.push("");

  const keys = Object.keys(result.methods).sort();
  out.push("Methods (node path:method)");
  if (keys.length === 0) out.push("  none called");
  else {
    const rows: string[][] = [
      [
        "",
        "calls out",
        "packets out",
        "calls in",
        "bytes out",
        "bytes in",
        "rtt n",
        "p50",
        "p95",
        "p99",
        "max",
      ],
    ];
    for (const key of keys) {
      const m = result.methods[key];
      if (!m) continue;
      const s = latency(m.rtt);
      rows.push([
        key,
        num(m.callsOut),
        num(m.packetsOut ?? m.callsOut),
        num(m.callsIn),
        bytes(m.bytesOut),
        bytes(m.bytesIn),
        num(s.count),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        ms(s.max),
      ]);
    }
    out.push(...table(rows));
  }
  out.push("");

  out.push(...replicationSection(result));
  out.push(...k6Sections(result));

  out.push("Traffic (every WebSocket message, both ways)");
  const d = rt.durationS;
  const mean = (n: number) => (d > 0 ? n / d : Number.NaN);
  out.push(
    ...table([
      ["", "total", "mean/s", "peak/s"],
      ["messages in", num(rt.total.msgsIn), num(mean(rt.total.msgsIn), 1), num(rt.peak.msgsIn)],
      ["messages out", num(rt.total.msgsOut), num(mean(rt.total.msgsOut), 1), num(rt.peak.msgsOut)],
      ["bytes in", bytes(rt.total.bytesIn), bytes(mean(rt.total.bytesIn)), bytes(rt.peak.bytesIn)],
      ["bytes out", bytes(rt.total.bytesOut), bytes(mean(rt.total.bytesOut)), bytes(rt.peak.bytesOut)],
      ["round trips", num(rt.total.rpcs), num(mean(rt.total.rpcs), 1), num(rt.peak.rpcs)],
    ]),
  );
  out.push("");

  out.push(
    `Errors: ${num(sumOf(result.errors))}${sumOf(result.errors) > 0 ? ` (${countsLine(result.errors)})` : ""}`,
  );
  out.push(
    `Connect failures: ${num(sumOf(result.connectFailures))}${
      sumOf(result.connectFailures) > 0 ? ` (${countsLine(result.connectFailures)})` : ""
    }`,
  );
  out.push(
    `Packets refused (as Godot would): ${num(sumOf(result.drops))}${
      sumOf(result.drops) > 0 ? ` (${countsLine(result.drops)})` : ""
    }`,
  );
  out.push(`Closes by code: ${countsLine(result.closes)}`);
  if (result.timeouts) out.push(`Waits that timed out (caught or not): ${num(result.timeouts)}`);
  for (const [title, which] of [
    ["Error messages", "errors"],
    ["Refused packets (Godot's message)", "drops"],
  ] as const) {
    const list = messagesOf(result, which);
    if (list.length === 0) continue;
    out.push("", `${title} (${num(list.length)} distinct, most frequent first)`);
    for (const m of list.slice(0, SHOWN_MESSAGES)) {
      const bots = m.bots.length > 0 ? `  first: ${m.bots.join(", ")}` : "";
      out.push(`  ×${num(m.count)}  ${m.kind}  ${m.message}${bots}`);
      for (const frame of shortStack(m)) out.push(`        ${frame}`);
    }
    if (list.length > SHOWN_MESSAGES) out.push(`  … ${num(list.length - SHOWN_MESSAGES)} more in the JSON`);
  }
  out.push("");

  const g = result.generator;
  const lag = latency(g.lagMs);
  out.push(
    `Generator: event-loop lag p50 ${ms(lag.p50)} / p99 ${ms(lag.p99)} / max ${ms(lag.max)} ms, ` +
      `CPU max ${num(g.cpuMaxPercent, 0)}%, saturated ${num(g.saturatedSeconds)} s`,
  );
  if (g.saturatedSeconds > 0) {
    out.push(
      `  !!! THE LOAD GENERATOR WAS SATURATED for ${num(g.saturatedSeconds)} s: its latency figures are suspect`,
      "  !!! (they include its own delays).",
      ...saturationAdvice(result).map((l) => `  !!! ${l}`),
    );
  }

  if (outcomes.length > 0) {
    out.push("");
    const broken = outcomes.filter((o) => !o.passed).length;
    out.push(`Thresholds: ${outcomes.length - broken} passed, ${broken} broken`);
    for (const o of outcomes) out.push(`  ${o.passed ? "PASS" : "FAIL"}  ${o.message}`);
  }
  return out.join("\n");
}

/** Godot 4 replication: spawns, despawns, syncs both ways, per synchronizer (when a bot counted any). */
function replicationSection(result: SwarmResult): string[] {
  const r = result.replication;
  if (!r) return [];
  const out = [
    "Replication (MultiplayerSpawner / MultiplayerSynchronizer)",
    `  spawns ${num(r.spawns)}, despawns ${num(r.despawns)}; SYNC in: ${num(r.syncsIn)} full + ${num(r.deltasIn)} delta entries, ${num(r.syncsStale)} stale, ${num(r.syncsUnknown)} for unknown ids, ${bytes(r.bytesIn)} bytes; out: ${num(r.syncsOut)} full + ${num(r.deltasOut)} delta packets, ${bytes(r.bytesOut)} bytes`,
  ];
  const keys = Object.keys(r.synchronizers);
  if (keys.length > 0) {
    const rows: string[][] = [
      ["", "full in", "delta in", "stale", "bytes in", "full out", "delta out", "bytes out"],
    ];
    for (const k of keys) {
      const s = r.synchronizers[k];
      if (!s) continue;
      rows.push([
        k,
        num(s.syncsIn),
        num(s.deltasIn),
        num(s.syncsStale),
        bytes(s.bytesIn),
        num(s.syncsOut),
        num(s.deltasOut),
        bytes(s.bytesOut),
      ]);
    }
    out.push(...table(rows));
  }
  out.push("");
  return out;
}

/** A share as a percentage with its counts: "99.5% (199/200)". */
function shareText(part: number, whole: number): string {
  return whole > 0 ? `${num((part / whole) * 100, 2)}% (${num(part)}/${num(whole)})` : "– (0)";
}

/** Iterations, scenarios, checks and custom metrics (issue #16), each when the run has them. */
function k6Sections(result: SwarmResult): string[] {
  const out: string[] = [];
  const it = result.iterationMs !== undefined ? latency(result.iterationMs) : undefined;
  if (it && it.count > 0) {
    out.push("Iterations (script runs that returned, ms)");
    out.push(
      ...table([
        ["", "count", "min", "mean", "p50", "p90", "p95", "p99", "max"],
        ["iteration", ...iterationCells(it)],
      ]),
    );
    out.push("");
  }
  const scenarios = Object.entries(result.scenarios ?? {});
  if (scenarios.length > 0) {
    out.push("Scenarios");
    const rows: string[][] = [
      [
        "",
        "tags",
        "started",
        "connected",
        "failed",
        "errors",
        "iterations",
        "checks",
        "rtt n",
        "p50",
        "p95",
        "p99",
      ],
    ];
    for (const [name, r] of scenarios) {
      const s = latency(r.rttMs);
      const tags = Object.entries(r.tags ?? {})
        .map(([k, v]) => `${k}:${v}`)
        .join(",");
      rows.push([
        name,
        tags || "–",
        num(r.bots.started),
        num(r.bots.connected),
        num(r.bots.failed),
        num(sumOf(r.errors)),
        num(latency(r.iterationMs).count),
        checksText(r),
        num(s.count),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
      ]);
    }
    out.push(...table(rows), "");
  }
  const checks = Object.entries(result.checks ?? {});
  if (checks.length > 0) {
    let passes = 0;
    let all = 0;
    for (const [, c] of checks) {
      passes += c.passes;
      all += c.passes + c.fails;
    }
    out.push(`Checks: ${shareText(passes, all)} passed`);
    out.push(
      ...table([
        ["", "passes", "fails", "rate"],
        ...checks.map(([name, c]) => [
          `${c.fails === 0 ? "✓" : "✗"} ${name}`,
          num(c.passes),
          num(c.fails),
          shareText(c.passes, c.passes + c.fails),
        ]),
      ]),
      "",
    );
  }
  const custom = Object.entries(result.custom ?? {});
  if (custom.length > 0) {
    out.push("Custom metrics");
    const rows: string[][] = [];
    for (const [name, m] of custom) {
      if (m.type === "counter") rows.push([name, "counter", `count ${num(m.count)}`]);
      else if (m.type === "rate") rows.push([name, "rate", shareText(m.passes, m.total)]);
      else if (m.type === "gauge")
        rows.push([name, "gauge", `value ${num(m.value, 3)}  min ${num(m.min, 3)}  max ${num(m.max, 3)}`]);
      else {
        const s = latency(m.hist);
        rows.push([
          name,
          "trend",
          `n ${num(s.count)}  p50 ${ms(s.p50)}  p95 ${ms(s.p95)}  p99 ${ms(s.p99)}  max ${ms(s.max)} ms`,
        ]);
      }
    }
    out.push(...table(rows, ["l", "l", "l"]), "");
  }
  return out;
}

/** All checks of a result as one rate ("99.5% (199/200)"), "–" without checks. */
function checksText(r: SwarmResult): string {
  let passes = 0;
  let all = 0;
  for (const c of Object.values(r.checks ?? {})) {
    passes += c.passes;
    all += c.passes + c.fails;
  }
  return all === 0 ? "–" : shareText(passes, all);
}

/** The load shape's stages, each with what it measured. */
function stagesLines(result: SwarmResult): string[] {
  const rows = stagesOf(result);
  if (rows.length === 0) return [];
  const unit = result.shape?.model === "open" ? " arrivals/s" : " bots";
  return [
    "Stages (the seconds of each, from the run's start)",
    ...table([
      ["", "from", "to", "target", "connected at end", "round trips", "errors", "p50", "p95", "p99"],
      ...rows.map((r) => [`stage ${r.index}`, ...stageCells(r, unit)]),
    ]),
    "",
  ];
}
