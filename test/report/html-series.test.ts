/**
 * Issue #16 point 9, the HTML page over time, as real headless Chromium renders it: the latency
 * distribution, connect and join latency, errors by kind (stacked) and per-method latency over
 * time, each with one point per bucket of the result's series, legends naming the methods and
 * error kinds, and tooltips holding exactly the values the JSON report holds.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { decodeHistogram, summarize } from "../../src/bots/histogram.js";
import { toHtml, toReport } from "../../src/bots/report/index.js";
import { SeriesRecorder } from "../../src/bots/series.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { renderPage } from "../harness/chromium.js";
import { fabricateResult } from "./fabricate.js";
import { countColor, decodePng } from "./png.js";

async function render(html: string) {
  const dir = await mkdtemp(join(tmpdir(), "gp-report-"));
  const path = join(dir, "report.html");
  await writeFile(path, html);
  return renderPage(path, { height: 6000 });
}

const unescapeHtml = (s: string) =>
  s
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

/** One chart of the rendered DOM: its series (points, bars, lines), hover tooltips and legend. */
function chartOf(dom: string, id: string) {
  const fig = new RegExp(`<figure class="card" id="chart-${id}">([\\s\\S]*?)</figure>`).exec(dom);
  if (!fig) throw new Error(`no chart ${id} in the DOM`);
  const body = fig[1] as string;
  const svg = /<svg([^>]*)>([\s\S]*?)<\/svg>/.exec(body);
  const series = new Map<string, { points: number; lines: number; vertices: number; bars: number }>();
  for (const g of (svg?.[2] ?? "").matchAll(
    /<g class="series" data-series="([^"]+)" data-points="(\d+)"[^>]*>([\s\S]*?)<\/g>/g,
  )) {
    const inner = g[3] as string;
    const lines = [...inner.matchAll(/<polyline[^>]*points="([^"]*)"/g)];
    series.set(unescapeHtml(g[1] as string), {
      points: Number(g[2]),
      lines: lines.length,
      vertices: lines.reduce((n, p) => n + (p[1] as string).trim().split(/\s+/).length, 0),
      bars: [...inner.matchAll(/<rect class="bar"/g)].length,
    });
  }
  const hovers = [
    ...(svg?.[2] ?? "").matchAll(/<rect class="hover" data-t="(\d+)"[^>]*><title>([^<]*)<\/title>/g),
  ].map((m) => ({ t: Number(m[1]), lines: unescapeHtml(m[2] as string).split("\n") }));
  const legend = [...body.matchAll(/<span class="key[^"]*" data-key="[^"]*"[^>]*>([^<]*)<\/span>/g)].map(
    (m) => unescapeHtml(m[1] as string),
  );
  const label = /aria-labelledby="([^"]+)"/.exec(svg?.[1] ?? "")?.[1];
  const title = /<title id="[^"]+-title">([^<]*)<\/title>/.exec(svg?.[2] ?? "")?.[1];
  const desc = /<desc id="[^"]+-desc">([^<]*)<\/desc>/.exec(svg?.[2] ?? "")?.[1];
  return { series, hovers, legend, label, title, desc };
}

/** The value a tooltip shows for a series ("p95: 12.34 ms" → 12.34), or null for "no data". */
function valueIn(lines: readonly string[], label: string): number | null {
  const line = lines.find((l) => l.startsWith(`${label}: `));
  if (line === undefined) throw new Error(`no ${label} in ${lines.join(" | ")}`);
  const text = line.slice(label.length + 2);
  if (text === "no data") return null;
  return Number(text.replace(/ ms$/, "").replace(/,/g, ""));
}

/** Shown values are rounded for people (3 significant decimals or so). */
const close = (shown: number | null, exact: number) =>
  shown !== null && Math.abs(shown - exact) <= Math.abs(exact) * 0.001 + 0.001;

const base = fabricateResult({ bots: 90, seconds: 30, seed: 33, errorRate: 0.03, failRate: 0.1 });
const result: SwarmResult = {
  ...base,
  shape: {
    model: "closed",
    bots: 90,
    durationMs: 30_000,
    stages: [
      { durationMs: 5_000, target: 90 },
      { durationMs: 20_000, target: 90 },
      { durationMs: 5_000, target: 0 },
    ],
  },
};
const buckets = result.series?.buckets ?? [];

test("rendered in Chromium: distribution, connect, join, errors by kind and per-method charts show the series and the JSON's values", async (t) => {
  const report = toReport(result);
  const { dom, png } = await render(toHtml(result));
  t.is(buckets.length, 30);

  // The latency distribution: one point per percentile, round trip, connect and join.
  const dist = chartOf(dom, "distribution");
  t.deepEqual([...dist.series.keys()], ["rtt", "connect", "join"]);
  t.deepEqual(dist.legend, ["round trip", "connect", "join"]);
  t.is(dist.hovers.length, 11);
  t.deepEqual(
    dist.hovers.map((h) => h.lines[0]),
    ["min", "p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9", "p99.99", "max"],
  );
  for (const [key, label] of [
    ["rtt", "round trip"],
    ["connect", "connect"],
    ["join", "join"],
  ] as const) {
    const plain = report.latency[key];
    t.is(dist.series.get(key)?.vertices, 11, key);
    const at = (name: string) => valueIn(dist.hovers.find((h) => h.lines[0] === name)?.lines ?? [], label);
    t.true(close(at("p50"), plain.p50 as number), `${key} p50`);
    t.true(close(at("p95"), plain.p95 as number), `${key} p95 ${at("p95")} vs ${plain.p95}`);
    t.true(close(at("p99"), plain.p99 as number), `${key} p99`);
    t.true(close(at("min"), plain.min as number), `${key} min`);
    t.true(close(at("max"), plain.max as number), `${key} max`);
  }

  // Connect and join over time: one hover per bucket, a point where bots joined.
  for (const [id, field] of [
    ["connect-time", "connect"],
    ["join-time", "join"],
  ] as const) {
    const c = chartOf(dom, id);
    t.deepEqual(
      c.hovers.map((h) => h.t),
      buckets.map((b) => b.t / 1000),
      id,
    );
    t.deepEqual(c.legend, ["p50", "p95", "p99"]);
    const withData = buckets.filter((b) => b[field] !== undefined);
    t.true(withData.length >= 3, `${id}: bots joined over several seconds`);
    for (const p of ["p50", "p95", "p99"] as const) {
      t.is(c.series.get(p)?.points, withData.length, `${id} ${p}`);
      t.is(c.series.get(p)?.vertices, withData.length, `${id} ${p} drawn`);
    }
    buckets.forEach((b, i) => {
      const enc = b[field];
      const p95 = valueIn(c.hovers[i]?.lines ?? [], "p95");
      if (enc === undefined) t.is(p95, null);
      else t.true(close(p95, summarize(decodeHistogram(enc)).p95), `${id} bucket ${i}`);
    });
    t.regex(c.desc ?? "", /Lines of p50, p95, p99, 30 points/);
    t.is(c.label, `chart-${id}-title chart-${id}-desc`);
  }

  // Errors by kind, stacked: a series per error kind and per connect-failure reason, a bar per bucket.
  const kinds = Object.keys(result.errors).sort();
  const reasons = Object.keys(result.connectFailures).sort();
  t.true(kinds.length >= 2 && reasons.length >= 1, "several kinds to stack");
  const err = chartOf(dom, "errors-kind");
  t.deepEqual(
    [...err.series.keys()],
    [...kinds.map((k) => `errors.${k}`), ...reasons.map((r) => `connect_failures.${r}`)],
  );
  t.deepEqual(err.legend, [...kinds, ...reasons.map((r) => `connect failure: ${r}`)]);
  for (const s of err.series.values()) t.is(s.bars, buckets.length);
  const totals: Record<string, number> = {};
  buckets.forEach((b, i) => {
    const lines = err.hovers[i]?.lines ?? [];
    let sum = 0;
    for (const k of kinds) {
      const v = valueIn(lines, k) ?? Number.NaN;
      t.is(v, b.errors?.[k] ?? 0, `bucket ${i} ${k}`);
      totals[k] = (totals[k] ?? 0) + v;
      sum += v;
    }
    for (const r of reasons) sum += valueIn(lines, `connect failure: ${r}`) ?? Number.NaN;
    t.is(valueIn(lines, "total"), sum);
  });
  t.deepEqual(totals, result.errors, "the bars add up to the JSON's errors");

  // Per-method latency over time: a line per method, named in the legend.
  const methods = Object.keys(result.methods).sort();
  for (const p of ["p95", "p99"] as const) {
    const c = chartOf(dom, `methods-${p}`);
    t.deepEqual([...c.series.keys()], methods);
    t.deepEqual(c.legend, methods);
    for (const m of methods) {
      const withM = buckets.filter((b) => b.methods?.[m] !== undefined);
      t.is(c.series.get(m)?.points, withM.length, `${p} ${m}`);
      t.is(c.series.get(m)?.vertices, withM.length, `${p} ${m} drawn`);
    }
    buckets.forEach((b, i) => {
      for (const m of methods) {
        const enc = b.methods?.[m];
        const v = valueIn(c.hovers[i]?.lines ?? [], m);
        if (enc === undefined) t.is(v, null);
        else t.true(close(v, summarize(decodeHistogram(enc))[p]), `${p} ${m} bucket ${i}`);
      }
    });
  }

  // The stages, with p95, and the shape in words.
  t.regex(dom, /id="shape">closed model, 90 bots, stages 5s → 90, 20s → 90, 5s → 0</);
  const stages = /<table data-table="stages">([\s\S]*?)<\/table>/.exec(dom)?.[1] ?? "";
  t.is([...stages.matchAll(/<tr><td>\d/g)].length, 3);
  t.regex(stages, /<th>p95<\/th>/);
  // The latency table and the cards have p95.
  t.regex(
    dom,
    /<table data-table="latency"><thead><tr><th><\/th><th>count<\/th><th>min<\/th><th>mean<\/th><th>p50<\/th><th>p90<\/th><th>p95<\/th>/,
  );
  t.regex(dom, /data-metric="rtt\.p95">[\d.]+</);

  // Drawn: the distribution's round-trip line (#2563eb) is on the screenshot.
  const img = decodePng(png);
  t.true(countColor(img, "#2563eb", 30) > 500, "the lines are drawn");
});

test("a long run's coarsened buckets chart as one unbroken line, a point per bucket", async (t) => {
  const start = 1_800_000_000_250;
  const rec = new SeriesRecorder(start);
  for (let s = 0; s < 1500; s++) {
    rec.roundTrip("Game:ping", 4 + (s % 9), start + s * 1000);
    rec.joined(2, 3, start + s * 1000 + 1);
  }
  const series = rec.finish(start + 1500 * 1000);
  t.is(series.bucketMs, 4000);
  const r: SwarmResult = { ...base, series };
  const { dom } = await render(toHtml(r));
  const c = chartOf(dom, "methods-p95");
  t.is(c.hovers.length, series.buckets.length);
  // Every bucket but the last (the run's end, after the last round trip) has round trips.
  const withData = series.buckets.filter((b) => b.methods !== undefined).length;
  t.is(withData, series.buckets.length - 1);
  t.deepEqual(c.series.get("Game:ping"), { points: withData, lines: 1, vertices: withData, bars: 0 });
  t.regex(c.title ?? "", /per 4s bucket/);
  t.is(chartOf(dom, "join-time").series.get("p99")?.lines, 1);
  t.regex(dom, /id="no-errors-over-time"/);
});
