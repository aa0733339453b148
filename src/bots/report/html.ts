/**
 * One self-contained HTML page for a swarm result: inline CSS and inline SVG charts drawn here,
 * nothing fetched, so it can be archived as a CI artifact and opened anywhere offline.
 * Each chart and each number carries data-* attributes so that tests (and tools) can read what is shown.
 */
import { decodeHistogram, summarize } from "../histogram.js";
import { SATURATED_CPU_PERCENT, SATURATED_LAG_MS } from "../metrics.js";
import type { SecondSample, SwarmResult } from "../swarm-result.js";
import type { ThresholdOutcome } from "../thresholds.js";
import {
  bucketsOf,
  byCount,
  bytes,
  DISTRIBUTION_PERCENTILES,
  distributionOf,
  durationText,
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
  secondsOf,
  shapeText,
  shortStack,
  stageCells,
  stagesOf,
  stoppedText,
  sumOf,
} from "./format.js";

export function htmlEscape(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}
const h = htmlEscape;

interface Series {
  readonly key: string;
  readonly label: string;
  readonly color: string;
  /** One per second; null: no data that second (a gap in the line). */
  readonly values: readonly (number | null)[];
  readonly dashed?: boolean;
}

interface ChartSpec {
  readonly id: string;
  readonly title: string;
  /** Formats an axis/tooltip value. */
  readonly fmt: (v: number) => string;
  readonly series: readonly Series[];
  /** Bars instead of lines. */
  readonly bars?: boolean;
  /** Bars stacked, one series on another (a total per point). */
  readonly stacked?: boolean;
  /** A horizontal reference line (e.g. the saturation limit). */
  readonly rule?: { readonly value: number; readonly label: string };
  /** Values are bytes: axis steps in powers of 1024. */
  readonly binary?: boolean;
  /** Seconds between points (a series' bucket width; default 1): a wider gap breaks a line. */
  readonly step?: number;
  /** The x axis is not time: each point's label (ticks and tooltips), points evenly spaced. */
  readonly xLabels?: readonly string[];
  /** What the x axis shows, for screen readers (default "time since the start"). */
  readonly xName?: string;
}

const W = 1100;
const H = 240;
const M = { left: 70, right: 16, top: 14, bottom: 30 };
const PW = W - M.left - M.right;
const PH = H - M.top - M.bottom;

/** The smallest "nice" number (1, 2, 2.5, 5 × 10^k) at or above x. */
function niceStep(x: number): number {
  if (!(x > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];

function clock(s: number): string {
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = Math.floor(s % 60);
  const two = (n: number) => String(n).padStart(2, "0");
  return hh > 0 ? `${hh}:${two(mm)}:${two(ss)}` : `${mm}:${two(ss)}`;
}

/** Compact axis labels: 1.2k, 3.4M. */
function compact(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e9) return `${num(v / 1e9, 1)}G`;
  if (a >= 1e6) return `${num(v / 1e6, 1)}M`;
  if (a >= 1e4) return `${num(v / 1e3, 1)}k`;
  return num(v, a < 10 ? 2 : 1);
}

/** `ts`: each point's epoch second (or index, with xLabels). */
function chart(spec: ChartSpec, ts: readonly number[]): string {
  const step = spec.xLabels ? 1 : (spec.step ?? 1);
  const t0 = ts[0] ?? 0;
  const span = Math.max(spec.xLabels ? 1 : step, (ts.at(-1) ?? t0) - t0);
  // Bars need room for the last point too.
  const slots = spec.bars ? span + step : span;
  const x = (t: number) => M.left + ((t - t0) / slots) * PW;
  const xText = (t: number) => (spec.xLabels ? (spec.xLabels[t - t0] ?? "") : clock(t - t0));
  let max = 0;
  if (spec.stacked) {
    ts.forEach((_, i) => {
      let sum = 0;
      for (const s of spec.series) sum += s.values[i] ?? 0;
      max = Math.max(max, sum);
    });
  } else for (const s of spec.series) for (const v of s.values) if (v !== null && v > max) max = v;
  if (spec.rule) max = Math.max(max, spec.rule.value);
  // Bytes step in powers of 1024, so that the axis reads 10 KiB, 20 KiB rather than 9.8 KiB.
  const scale = spec.binary
    ? 1024 ** Math.max(0, Math.floor(Math.log(Math.max(1, max / 4)) / Math.log(1024)))
    : 1;
  const yStep = niceStep((max / 4 || 1) / scale) * scale;
  const top = Math.max(yStep, Math.ceil(max / yStep) * yStep);
  const y = (v: number) => M.top + PH - (v / top) * PH;
  const out: string[] = [];
  const names = spec.series.map((s) => s.label).join(", ");
  out.push(
    `<svg class="chart" data-chart="${spec.id}" data-seconds="${ts.length}" data-step="${step}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="chart-${spec.id}-title chart-${spec.id}-desc">`,
    `<title id="chart-${spec.id}-title">${h(spec.title)}</title>`,
    `<desc id="chart-${spec.id}-desc">${h(
      `${spec.stacked ? "Stacked bars" : spec.bars ? "Bars" : "Lines"} of ${names}, ${ts.length} points over ${spec.xName ?? "time since the start"}.`,
    )}</desc>`,
  );
  // Grid and axes.
  for (let v = 0; v <= top + yStep / 2; v += yStep) {
    const yy = y(v).toFixed(1);
    out.push(`<line class="grid" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    out.push(`<text class="ylab" x="${M.left - 6}" y="${yy}" dy="0.32em">${h(spec.fmt(v))}</text>`);
  }
  const tStep = spec.xLabels
    ? 1
    : Math.max(step, TIME_STEPS.find((s) => span / s <= 10) ?? 3600 * Math.ceil(span / 36000));
  for (let s = 0; s <= span; s += tStep) {
    const xx = x(t0 + s).toFixed(1);
    out.push(`<line class="tick" x1="${xx}" x2="${xx}" y1="${M.top + PH}" y2="${M.top + PH + 4}"/>`);
    out.push(`<text class="xlab" x="${xx}" y="${H - 8}">${h(xText(t0 + s))}</text>`);
  }
  out.push(`<line class="axis" x1="${M.left}" x2="${W - M.right}" y1="${M.top + PH}" y2="${M.top + PH}"/>`);
  if (spec.rule) {
    const yy = y(spec.rule.value).toFixed(1);
    out.push(`<line class="rule" x1="${M.left}" x2="${W - M.right}" y1="${yy}" y2="${yy}"/>`);
    out.push(
      `<text class="rulelab" x="${W - M.right - 4}" y="${yy}" dy="-0.4em">${h(spec.rule.label)}</text>`,
    );
  }
  // Data.
  const base = ts.map(() => 0);
  for (const s of spec.series) {
    const n = s.values.filter((v) => v !== null).length;
    out.push(`<g class="series" data-series="${h(s.key)}" data-points="${n}" style="--c:${s.color}">`);
    if (spec.bars) {
      const bw = Math.max(1, (PW * step) / slots - 1);
      s.values.forEach((v, i) => {
        if (v === null) return;
        const t = ts[i] as number;
        const from = spec.stacked ? (base[i] as number) : 0;
        if (spec.stacked) base[i] = from + v;
        out.push(
          `<rect class="bar" x="${x(t).toFixed(1)}" y="${y(from + v).toFixed(1)}" width="${bw.toFixed(1)}" height="${(y(from) - y(from + v)).toFixed(1)}" data-v="${v}"/>`,
        );
      });
    } else {
      let run: string[] = [];
      const flush = () => {
        if (run.length > 0) {
          out.push(`<polyline class="line${s.dashed ? " dashed" : ""}" points="${run.join(" ")}"/>`);
        }
        run = [];
      };
      s.values.forEach((v, i) => {
        // A missing value, or points missing between samples (shards run apart), break the line.
        if (i > 0 && (ts[i] as number) - (ts[i - 1] as number) > step) flush();
        if (v === null) flush();
        else run.push(`${x(ts[i] as number).toFixed(1)},${y(v).toFixed(1)}`);
      });
      flush();
    }
    out.push("</g>");
  }
  // One hover strip per point, with every series' value as its tooltip.
  const hw = (PW * step) / (span + step);
  ts.forEach((t, i) => {
    const lines = spec.series.map((s) => {
      const v = s.values[i];
      return `${s.label}: ${v === null || v === undefined ? "no data" : spec.fmt(v)}`;
    });
    if (spec.stacked) {
      lines.push(`total: ${spec.fmt(spec.series.reduce((n, s) => n + (s.values[i] ?? 0), 0))}`);
    }
    const cx = spec.bars ? x(t) : x(t) - hw / 2;
    out.push(
      `<rect class="hover" data-t="${t}" x="${cx.toFixed(1)}" y="${M.top}" width="${hw.toFixed(1)}" height="${PH}"><title>${h(`${xText(t)}\n${lines.join("\n")}`)}</title></rect>`,
    );
  });
  out.push("</svg>");
  const legend = spec.series
    .map(
      (s) =>
        `<span class="key${s.dashed ? " dashed" : ""}" data-key="${h(s.key)}" style="--c:${s.color}">${h(s.label)}</span>`,
    )
    .join("");
  return `<figure class="card" id="chart-${spec.id}"><figcaption><h3>${h(spec.title)}</h3><div class="legend">${legend}</div></figcaption>${out.join("")}</figure>`;
}

function cards(items: readonly { label: string; value: string; metric: string; bad?: boolean }[]): string {
  return `<div class="cards">${items
    .map(
      (c) =>
        `<div class="stat${c.bad ? " bad" : ""}"><div class="v" data-metric="${h(c.metric)}">${h(c.value)}</div><div class="l">${h(c.label)}</div></div>`,
    )
    .join("")}</div>`;
}

function tableHtml(
  id: string,
  head: readonly string[],
  rows: readonly (readonly string[])[],
  empty: string,
): string {
  if (rows.length === 0) return `<p class="muted" data-table="${id}">${h(empty)}</p>`;
  return `<table data-table="${id}"><thead><tr>${head.map((c) => `<th>${h(c)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${h(c)}</td>`).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

function countsTable(id: string, what: string, rec: Readonly<Record<string, number>>, empty: string): string {
  return tableHtml(
    id,
    [what, "count"],
    byCount(rec).map(([k, n]) => [k, num(n)]),
    empty,
  );
}

const CSS = `
:root{--bg:#f5f6f8;--fg:#1c2230;--muted:#667085;--card:#fff;--line:#e4e7ec;--ok:#12805c;--bad:#c0262d;--warn:#b54708}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif}
main{max-width:1180px;margin:0 auto;padding:24px 20px 48px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 10px}h3{font-size:15px;margin:0}
.muted{color:var(--muted)}
.banner{border-radius:8px;padding:12px 16px;margin:14px 0;font-weight:600}
.banner.ok{background:#e7f6ef;color:var(--ok);border:1px solid #a6e0c6}
.banner.bad{background:#fdecec;color:var(--bad);border:1px solid #f4b4b4}
.banner.warn{background:#fff4e5;color:var(--warn);border:1px solid #f9cf8f}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(160px,1fr));gap:10px;margin:12px 0}
.stat{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px}
.stat .v{font-size:22px;font-weight:650;font-variant-numeric:tabular-nums}
.stat .l{color:var(--muted);font-size:12px}
.stat.bad .v{color:var(--bad)}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px;margin:0 0 14px}
figcaption{display:flex;justify-content:space-between;align-items:center;gap:12px;flex-wrap:wrap;margin-bottom:4px}
.legend .key{display:inline-flex;align-items:center;margin-left:14px;font-size:12px;color:var(--muted)}
.legend .key::before{content:"";display:inline-block;width:16px;height:3px;margin-right:6px;background:var(--c);border-radius:2px}
.legend .key.dashed::before{background:repeating-linear-gradient(90deg,var(--c) 0 4px,transparent 4px 7px)}
svg.chart{width:100%;height:auto;display:block}
svg .grid{stroke:#eef0f3}svg .axis,svg .tick{stroke:#98a2b3}
svg .ylab{font-size:11px;fill:var(--muted);text-anchor:end}
svg .xlab{font-size:11px;fill:var(--muted);text-anchor:middle}
svg .line{fill:none;stroke:var(--c);stroke-width:2;stroke-linejoin:round;stroke-linecap:round}
svg .line.dashed{stroke-dasharray:6 4}
svg .bar{fill:var(--c)}
svg .rule{stroke:var(--bad);stroke-dasharray:4 4}svg .rulelab{font-size:11px;fill:var(--bad);text-anchor:end}
svg .hover{fill:transparent}svg .hover:hover{fill:rgba(16,24,40,.06)}
table{width:100%;border-collapse:collapse;background:var(--card);border:1px solid var(--line);border-radius:8px;overflow:hidden;margin-bottom:14px}
th,td{padding:7px 10px;border-bottom:1px solid var(--line);text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
th{background:#f9fafb;font-weight:600;color:#475467;font-size:12px}
th:first-child,td:first-child{text-align:left}
td.pass{color:var(--ok);font-weight:650}td.fail{color:var(--bad);font-weight:650}
td.msg{text-align:left;white-space:normal}
table[data-table=thresholds] th,table[data-table=thresholds] td{text-align:left}
.cols{display:grid;grid-template-columns:repeat(3,1fr);gap:14px}
.cols table{margin:0}
footer{margin-top:32px;color:var(--muted);font-size:12px}
`;

function percentileSeries(seconds: readonly SecondSample[]): {
  p50: (number | null)[];
  p90: (number | null)[];
  p95: (number | null)[];
  p99: (number | null)[];
} {
  const p50: (number | null)[] = [];
  const p90: (number | null)[] = [];
  const p95: (number | null)[] = [];
  const p99: (number | null)[] = [];
  for (const s of seconds) {
    const sum = summarize(decodeHistogram(s.rtt));
    p50.push(sum.count > 0 ? sum.p50 : null);
    p90.push(sum.count > 0 ? sum.p90 : null);
    p95.push(sum.count > 0 ? sum.p95 : null);
    p99.push(sum.count > 0 ? sum.p99 : null);
  }
  return { p50, p90, p95, p99 };
}

export interface HtmlOptions {
  /** The page's title (default "godot-peer swarm report"). */
  readonly title?: string;
}

/** The report page. */
export function toHtml(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[] = [],
  options: HtmlOptions = {},
): string {
  const title = options.title ?? "godot-peer swarm report";
  const sec = secondsOf(result);
  const ts = sec.map((s) => s.t);
  const rt = rates(result);
  const rtt = latency(result.rttMs);
  const errors = sumOf(result.errors);
  const broken = outcomes.filter((o) => !o.passed);
  const g = result.generator;
  const lag = latency(g.lagMs);
  const body: string[] = [];

  const shardNote = result.shards.length > 1 ? ` · ${result.shards.length} shards merged` : "";
  const target = [result.config.url, result.config.script]
    .filter((x) => x !== undefined && x !== null)
    .map((x) => String(x));
  body.push(
    `<header><h1>${h(title)}</h1><div class="muted">${h(
      `${isoTime(result.startedAt)} → ${isoTime(result.endedAt)} · ${num(rt.durationS, 1)} s${shardNote}`,
    )}${target.length ? `<br>${h(target.join(" · "))}` : ""}${
      shapeText(result) ? `<br><span id="shape">${h(shapeText(result) as string)}</span>` : ""
    }</div></header>`,
  );

  if (g.saturatedSeconds > 0) {
    body.push(
      `<div class="banner warn" id="saturation">⚠ The load generator was saturated for ${h(num(g.saturatedSeconds))} s (event-loop lag ≥ ${SATURATED_LAG_MS} ms or CPU ≥ ${SATURATED_CPU_PERCENT}%): latency figures are suspect, since they include the generator's own delays. ${h(saturationAdvice(result).join(" "))}</div>`,
    );
  }
  const stopped = stoppedText(result);
  if (stopped) body.push(`<div class="banner warn" id="stopped">${h(stopped)}.</div>`);
  if (outcomes.length > 0) {
    body.push(
      broken.length === 0
        ? `<div class="banner ok" id="verdict">All ${outcomes.length} threshold(s) held.</div>`
        : `<div class="banner bad" id="verdict">${broken.length} of ${outcomes.length} threshold(s) broken: ${h(
            broken.map((o) => o.threshold.expr).join(", "),
          )}</div>`,
    );
  }

  body.push(
    cards([
      { label: "bots connected", value: num(result.bots.connected), metric: "bots.connected" },
      { label: "bots started", value: num(result.bots.started), metric: "bots.started" },
      { label: "peak at once", value: num(result.bots.peak), metric: "bots.peak" },
      {
        label: "connect failures",
        value: num(result.bots.failed),
        metric: "bots.failed",
        bad: result.bots.failed > 0,
      },
      { label: "round trips", value: num(rtt.count), metric: "rpcs" },
      {
        label: "round trips / s",
        value: num(rt.durationS > 0 ? rtt.count / rt.durationS : Number.NaN, 1),
        metric: "rps",
      },
      { label: "RTT p50 (ms)", value: ms(rtt.p50), metric: "rtt.p50" },
      { label: "RTT p95 (ms)", value: ms(rtt.p95), metric: "rtt.p95" },
      { label: "RTT p99 (ms)", value: ms(rtt.p99), metric: "rtt.p99" },
      { label: "RTT max (ms)", value: ms(rtt.max), metric: "rtt.max" },
      { label: "errors", value: num(errors), metric: "errors", bad: errors > 0 },
      {
        label: "bots errored",
        value: num(result.bots.errored ?? Number.NaN),
        metric: "bots.errored",
        bad: (result.bots.errored ?? 0) > 0,
      },
      {
        label: "bots disconnected",
        value: num(result.bots.disconnected ?? Number.NaN),
        metric: "bots.disconnected",
        bad: (result.bots.disconnected ?? 0) > 0,
      },
      // Network conditions: scheduled drops and the rejoins after them (not errors).
      ...(result.bots.dropped !== undefined
        ? [
            { label: "dropped as scheduled", value: num(result.bots.dropped), metric: "bots.dropped" },
            { label: "rejoins", value: num(result.bots.reconnects ?? 0), metric: "bots.reconnects" },
          ]
        : []),
      { label: "messages in", value: num(rt.total.msgsIn), metric: "msgs_in" },
      { label: "messages out", value: num(rt.total.msgsOut), metric: "msgs_out" },
    ]),
  );

  if (outcomes.length > 0) {
    body.push("<h2>Thresholds</h2>");
    body.push(
      `<table data-table="thresholds"><thead><tr><th>threshold</th><th>result</th><th>measured</th></tr></thead><tbody>${outcomes
        .map(
          (o) =>
            `<tr data-passed="${o.passed}"><td>${h(o.threshold.expr)}</td><td class="${o.passed ? "pass" : "fail"}">${
              o.passed ? "PASS" : "FAIL"
            }</td><td class="msg">${h(o.message)}</td></tr>`,
        )
        .join("")}</tbody></table>`,
    );
  }

  body.push(...stagesSection(result));

  body.push("<h2>Over time</h2>");
  if (sec.length === 0)
    body.push(`<p class="muted">No per-second samples: the run was too short to chart.</p>`);
  else {
    const pct = percentileSeries(sec);
    const perS = (v: number) => `${compact(v)}/s`;
    body.push(
      chart(
        {
          id: "connected",
          title: "Connected bots",
          fmt: (v) => compact(v),
          series: [
            { key: "connected", label: "connected", color: "#7c3aed", values: sec.map((s) => s.connected) },
          ],
        },
        ts,
      ),
      chart(
        {
          id: "throughput",
          title: "Throughput: messages and round trips per second",
          fmt: perS,
          series: [
            { key: "msgsIn", label: "messages in", color: "#2563eb", values: sec.map((s) => s.msgsIn) },
            { key: "msgsOut", label: "messages out", color: "#f97316", values: sec.map((s) => s.msgsOut) },
            {
              key: "rpcs",
              label: "round trips",
              color: "#16a34a",
              values: sec.map((s) => s.rpcs),
              dashed: true,
            },
          ],
        },
        ts,
      ),
      chart(
        {
          id: "bytes",
          title: "Throughput: bytes per second",
          fmt: (v) => `${bytes(v)}/s`,
          binary: true,
          series: [
            { key: "bytesIn", label: "bytes in", color: "#2563eb", values: sec.map((s) => s.bytesIn) },
            { key: "bytesOut", label: "bytes out", color: "#f97316", values: sec.map((s) => s.bytesOut) },
          ],
        },
        ts,
      ),
      chart(
        {
          id: "latency",
          title: "Round-trip latency per second (ms)",
          fmt: (v) => `${ms(v)} ms`,
          series: [
            { key: "p50", label: "p50", color: "#16a34a", values: pct.p50 },
            { key: "p90", label: "p90", color: "#0891b2", values: pct.p90 },
            { key: "p95", label: "p95", color: "#eab308", values: pct.p95 },
            { key: "p99", label: "p99", color: "#dc2626", values: pct.p99 },
          ],
        },
        ts,
      ),
      chart(
        {
          id: "errors",
          title: "Errors per second",
          fmt: (v) => compact(v),
          bars: true,
          series: [{ key: "errors", label: "errors", color: "#c0262d", values: sec.map((s) => s.errors) }],
        },
        ts,
      ),
      chart(
        {
          id: "generator",
          title: "Load generator: event-loop lag (ms, max per second)",
          fmt: (v) => `${ms(v)} ms`,
          rule: { value: SATURATED_LAG_MS, label: `saturated at ${SATURATED_LAG_MS} ms` },
          series: [
            { key: "lag", label: "event-loop lag", color: "#475467", values: sec.map((s) => s.lagMaxMs) },
          ],
        },
        ts,
      ),
    );
  }
  body.push(...seriesCharts(result));

  body.push("<h2>Latency (ms)</h2>");
  const latRow = (label: string, enc: string | undefined) => latencyCells(label, latency(enc));

  body.push(
    tableHtml(
      "latency",
      ["", "count", "min", "mean", "p50", "p90", "p95", "p99", "p99.9", "max"],
      [
        latRow("connect", result.connectMs),
        latRow("join", result.joinMs),
        latRow("round trip", result.rttMs),
      ],
      "",
    ),
  );
  body.push(distributionChart(result));

  const it = result.iterationMs !== undefined ? latency(result.iterationMs) : undefined;
  if (it && it.count > 0) {
    body.push("<h2>Iterations (ms)</h2>");
    body.push(
      tableHtml(
        "iterations",
        ["count", "min", "mean", "p50", "p90", "p95", "p99", "max"],
        [iterationCells(it)],
        "",
      ),
    );
  }
  if (result.scenarios && Object.keys(result.scenarios).length > 0) {
    body.push("<h2>Scenarios</h2>");
    body.push(
      tableHtml(
        "scenarios",
        [
          "scenario",
          "tags",
          "started",
          "connected",
          "failed",
          "errors",
          "iterations",
          "iteration p95",
          "checks",
          "rtt n",
          "p50",
          "p95",
          "p99",
        ],
        Object.entries(result.scenarios).map(([name, r]) => {
          const l = latency(r.rttMs);
          const tags = Object.entries(r.tags ?? {})
            .map(([k, v]) => `${k}:${v}`)
            .join(",");
          const errs = Object.values(r.errors).reduce((n, x) => n + x, 0);
          return [
            name,
            tags || "–",
            num(r.bots.started),
            num(r.bots.connected),
            num(r.bots.failed),
            num(errs),
            num(latency(r.iterationMs).count),
            ms(latency(r.iterationMs).p95),
            checksShare(r),
            num(l.count),
            ms(l.p50),
            ms(l.p95),
            ms(l.p99),
          ];
        }),
        "",
      ),
    );
  }
  if (result.checks && Object.keys(result.checks).length > 0) {
    body.push("<h2>Checks</h2>");
    body.push(
      cards([
        {
          label: "checks passed",
          value: checksShare(result),
          metric: "checks.rate",
          bad: Object.values(result.checks).some((c) => c.fails > 0),
        },
      ]),
    );
    body.push(
      tableHtml(
        "checks",
        ["check", "passes", "fails", "rate"],
        Object.entries(result.checks).map(([name, c]) => [
          `${c.fails === 0 ? "✓" : "✗"} ${name}`,
          num(c.passes),
          num(c.fails),
          c.passes + c.fails > 0 ? `${num((c.passes / (c.passes + c.fails)) * 100, 2)}%` : "–",
        ]),
        "",
      ),
    );
  }
  if (result.custom && Object.keys(result.custom).length > 0) {
    body.push("<h2>Custom metrics</h2>");
    body.push(
      tableHtml(
        "custom",
        ["metric", "type", "value"],
        Object.entries(result.custom).map(([name, m]) => {
          if (m.type === "counter") return [name, m.type, `count ${num(m.count)}`];
          if (m.type === "rate")
            return [
              name,
              m.type,
              m.total > 0 ? `${num((m.passes / m.total) * 100, 2)}% of ${num(m.total)}` : "–",
            ];
          if (m.type === "gauge")
            return [name, m.type, `value ${num(m.value, 3)}, min ${num(m.min, 3)}, max ${num(m.max, 3)}`];
          const l = latency(m.hist);
          return [
            name,
            m.type,
            `n ${num(l.count)}, p50 ${ms(l.p50)}, p95 ${ms(l.p95)}, p99 ${ms(l.p99)}, max ${ms(l.max)} ms`,
          ];
        }),
        "",
      ),
    );
  }

  body.push("<h2>Methods</h2>");
  body.push(
    tableHtml(
      "methods",
      [
        "node path:method",
        "calls out",
        "calls in",
        "bytes out",
        "bytes in",
        "round trips",
        "p50 ms",
        "p90 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
      ],
      Object.keys(result.methods)
        .sort()
        .map((key) => {
          const m = result.methods[key] as SwarmResult["methods"][string];
          const s = latency(m.rtt);
          return [
            key,
            num(m.callsOut),
            num(m.callsIn),
            bytes(m.bytesOut),
            bytes(m.bytesIn),
            num(s.count),
            ms(s.p50),
            ms(s.p90),
            ms(s.p95),
            ms(s.p99),
            ms(s.max),
          ];
        }),
      "No method was called.",
    ),
  );

  body.push("<h2>Traffic</h2>");
  const d = rt.durationS;
  const mean = (n: number) => (d > 0 ? n / d : Number.NaN);
  body.push(
    tableHtml(
      "traffic",
      ["", "total", "mean / s", "peak / s"],
      [
        ["messages in", num(rt.total.msgsIn), num(mean(rt.total.msgsIn), 1), num(rt.peak.msgsIn)],
        ["messages out", num(rt.total.msgsOut), num(mean(rt.total.msgsOut), 1), num(rt.peak.msgsOut)],
        ["bytes in", bytes(rt.total.bytesIn), bytes(mean(rt.total.bytesIn)), bytes(rt.peak.bytesIn)],
        ["bytes out", bytes(rt.total.bytesOut), bytes(mean(rt.total.bytesOut)), bytes(rt.peak.bytesOut)],
        ["round trips", num(rt.total.rpcs), num(mean(rt.total.rpcs), 1), num(rt.peak.rpcs)],
      ],
      "",
    ),
  );

  body.push("<h2>Errors, refused packets, closes, connect failures</h2>");
  body.push(
    `<div class="cols"><div>${countsTable("errors", "error kind", result.errors, "No errors.")}</div><div>${countsTable("drops", "refused packet", result.drops, "No packet refused.")}</div><div>${countsTable(
      "closes",
      "close code",
      result.closes,
      "No connection closed.",
    )}</div><div>${countsTable("connect-failures", "connect failure", result.connectFailures, "No connect failures.")}</div></div>`,
  );

  for (const [title, which] of [
    ["Error messages", "errors"],
    ["Refused packets: Godot's messages", "drops"],
  ] as const) {
    const list = messagesOf(result, which);
    if (list.length === 0) continue;
    body.push(`<h2>${h(title)}</h2>`);
    body.push(
      `<table data-table="messages-${which}"><thead><tr><th>count</th><th>kind</th><th>message</th><th>first bots</th><th>stack (your code first)</th></tr></thead><tbody>${list
        .slice(0, SHOWN_MESSAGES)
        .map(
          (m) =>
            `<tr data-count="${m.count}"><td>${h(num(m.count))}</td><td>${h(m.kind)}</td><td>${h(m.message)}</td><td>${h(
              m.bots.join(", "),
            )}</td><td><pre>${h(shortStack(m).join("\n"))}</pre></td></tr>`,
        )
        .join("")}</tbody></table>`,
    );
  }

  body.push("<h2>Load generator</h2>");
  body.push(
    tableHtml(
      "generator",
      ["event-loop lag p50 ms", "p99 ms", "max ms", "CPU max", "saturated seconds"],
      [[ms(lag.p50), ms(lag.p99), ms(lag.max), `${num(g.cpuMaxPercent, 0)}%`, num(g.saturatedSeconds)]],
      "",
    ),
  );

  body.push("<h2>Run</h2>");
  body.push(
    tableHtml(
      "config",
      ["setting", "value"],
      Object.entries(result.config).map(([k, v]) => [k, v === null ? "—" : String(v)]),
      "",
    ),
  );
  body.push(
    tableHtml(
      "shards",
      ["shard", "host", "started", "ended"],
      result.shards.map((s) => [`${s.index}/${s.count}`, s.host, isoTime(s.startedAt), isoTime(s.endedAt)]),
      "",
    ),
  );
  body.push(`<footer>${h(result.format)} · made by godot-peer</footer>`);

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${h(title)}</title><style>${CSS}</style></head>
<body><main>${body.join("\n")}</main></body></html>
`;
}

/** Colours for series of many members (methods, error kinds). */
const PALETTE = [
  "#2563eb",
  "#f97316",
  "#16a34a",
  "#dc2626",
  "#7c3aed",
  "#0891b2",
  "#ca8a04",
  "#db2777",
  "#475467",
  "#65a30d",
];
const colour = (i: number) => PALETTE[i % PALETTE.length] as string;

/** The label of each point of the latency distribution ("min", "p50", …, "max"). */
export const DISTRIBUTION_LABELS: readonly string[] = DISTRIBUTION_PERCENTILES.map((p) =>
  p === 0 ? "min" : p === 100 ? "max" : `p${p}`,
);

/** Round trips, connects and joins at each percentile, from their HdrHistograms. */
function distributionChart(result: SwarmResult): string {
  const of = (enc: string | undefined) => {
    const d = distributionOf(enc);
    return DISTRIBUTION_PERCENTILES.map((_, i) => d[i] ?? null);
  };
  if ([result.rttMs, result.connectMs, result.joinMs].every((enc) => distributionOf(enc).length === 0)) {
    return `<p class="muted" id="no-distribution">No latency measured: no distribution to draw.</p>`;
  }
  return chart(
    {
      id: "distribution",
      title: "Latency distribution: ms at each percentile",
      fmt: (v) => `${ms(v)} ms`,
      xLabels: DISTRIBUTION_LABELS,
      xName: "percentiles, from the least to the most",
      series: [
        { key: "rtt", label: "round trip", color: "#2563eb", values: of(result.rttMs) },
        { key: "connect", label: "connect", color: "#f97316", values: of(result.connectMs) },
        { key: "join", label: "join", color: "#16a34a", values: of(result.joinMs) },
      ],
    },
    DISTRIBUTION_PERCENTILES.map((_, i) => i),
  );
}

/** Connect and join latency, errors by kind and per-method latency over time, from the result's series. */
function seriesCharts(result: SwarmResult): string[] {
  const buckets = bucketsOf(result);
  if (buckets.length === 0) return [];
  const step = (result.series?.bucketMs ?? 1000) / 1000;
  const ts = buckets.map((b) => b.t);
  const per = step === 1 ? "per second" : `per ${durationText(step * 1000)} bucket`;
  const msFmt = (v: number) => `${ms(v)} ms`;
  const pcts = (pick: (b: (typeof buckets)[number]) => ReturnType<typeof latency> | undefined): Series[] =>
    (
      [
        ["p50", "#16a34a"],
        ["p95", "#eab308"],
        ["p99", "#dc2626"],
      ] as const
    ).map(([p, color]) => ({
      key: p,
      label: p,
      color,
      values: buckets.map((b) => {
        const l = pick(b);
        return l && l.count > 0 ? l[p] : null;
      }),
    }));
  const out: string[] = [];
  out.push(
    chart(
      {
        id: "connect-time",
        title: `Connect latency ${per} (ms, by the time bots joined)`,
        fmt: msFmt,
        step,
        series: pcts((b) => b.connect),
      },
      ts,
    ),
    chart(
      { id: "join-time", title: `Join latency ${per} (ms)`, fmt: msFmt, step, series: pcts((b) => b.join) },
      ts,
    ),
  );
  const kinds = [...new Set(buckets.flatMap((b) => Object.keys(b.errors)))].sort();
  const reasons = [...new Set(buckets.flatMap((b) => Object.keys(b.connectFailures)))].sort();
  const errSeries: Series[] = [
    ...kinds.map((k, i) => ({
      key: `errors.${k}`,
      label: k,
      color: colour(i + 3),
      values: buckets.map((b) => b.errors[k] ?? 0),
    })),
    ...reasons.map((r, i) => ({
      key: `connect_failures.${r}`,
      label: `connect failure: ${r}`,
      color: colour(kinds.length + i + 3),
      values: buckets.map((b) => b.connectFailures[r] ?? 0),
    })),
  ];
  if (errSeries.length === 0)
    out.push(`<p class="muted" id="no-errors-over-time">No errors or connect failures to chart.</p>`);
  else
    out.push(
      chart(
        {
          id: "errors-kind",
          title: `Errors and connect failures by kind ${per} (stacked)`,
          fmt: (v) => compact(v),
          bars: true,
          stacked: true,
          step,
          series: errSeries,
        },
        ts,
      ),
    );
  const methods = [...new Set(buckets.flatMap((b) => Object.keys(b.methods)))].sort();
  if (methods.length > 0) {
    for (const p of ["p95", "p99"] as const) {
      out.push(
        chart(
          {
            id: `methods-${p}`,
            title: `Round-trip ${p} per method, ${per} (ms)`,
            fmt: msFmt,
            step,
            series: methods.map((m, i) => ({
              key: m,
              label: m,
              color: colour(i),
              values: buckets.map((b) => {
                const l = b.methods[m];
                return l && l.count > 0 ? l[p] : null;
              }),
            })),
          },
          ts,
        ),
      );
    }
  }
  return out;
}

/** The load shape's stages with what each measured. */
function stagesSection(result: SwarmResult): string[] {
  const rows = stagesOf(result);
  if (rows.length === 0) return [];
  const unit = result.shape?.model === "open" ? " arrivals/s" : " bots";
  return [
    "<h2>Stages</h2>",
    tableHtml(
      "stages",
      ["stage", "from", "to", "target", "connected at end", "round trips", "errors", "rtt p50", "p95", "p99"],
      rows.map((r) => [String(r.index), ...stageCells(r, unit)]),
      "",
    ),
  ];
}

/** All checks of a result as one share ("99.5% (199/200)"), "–" without any. */
function checksShare(r: SwarmResult): string {
  let passes = 0;
  let all = 0;
  for (const c of Object.values(r.checks ?? {})) {
    passes += c.passes;
    all += c.passes + c.fails;
  }
  return all === 0 ? "–" : `${num((passes / all) * 100, 2)}% (${num(passes)}/${num(all)})`;
}
