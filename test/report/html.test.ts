/**
 * The HTML report as a browser shows it: rendered in real headless Chromium, its DOM holds every
 * chart with one point per second of data, the numbers the result holds, and the screenshot shows
 * the charts drawn (not a blank page).
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { decodeHistogram, summarize } from "../../src/bots/histogram.js";
import { toHtml, toJUnit } from "../../src/bots/report/index.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { evaluateThresholds, parseThreshold } from "../../src/bots/thresholds.js";
import { renderPage } from "../harness/chromium.js";
import { fabricateResult } from "./fabricate.js";
import { countColor, decodePng, distinctColors } from "./png.js";

async function render(html: string, name = "report.html") {
  const dir = await mkdtemp(join(tmpdir(), "gp-report-"));
  const path = join(dir, name);
  await writeFile(path, html);
  return renderPage(path);
}

/** The elements of one chart in the rendered DOM. */
function chartOf(dom: string, id: string) {
  const m = new RegExp(`<svg[^>]*data-chart="${id}"[^>]*>([\\s\\S]*?)</svg>`).exec(dom);
  if (!m) throw new Error(`no chart ${id} in the DOM`);
  const body = m[1] as string;
  const series = new Map<string, { declared: number; vertices: number; bars: number }>();
  for (const g of body.matchAll(
    /<g class="series" data-series="([^"]+)" data-points="(\d+)"[^>]*>([\s\S]*?)<\/g>/g,
  )) {
    const inner = g[3] as string;
    let vertices = 0;
    for (const p of inner.matchAll(/<polyline[^>]*points="([^"]*)"/g))
      vertices += (p[1] as string).trim().split(/\s+/).length;
    series.set(g[1] as string, {
      declared: Number(g[2]),
      vertices,
      bars: [...inner.matchAll(/<rect class="bar"/g)].length,
    });
  }
  const hovers = [...body.matchAll(/<rect class="hover" data-t="(\d+)"[^>]*><title>([^<]*)<\/title>/g)].map(
    (h) => ({
      t: Number(h[1]),
      title: h[2] as string,
    }),
  );
  return { series, hovers };
}

const shown = (dom: string, metric: string): string => {
  const m = new RegExp(`data-metric="${metric.replace(/\./g, "\\.")}">([^<]*)<`).exec(dom);
  if (!m) throw new Error(`no card for ${metric}`);
  return m[1] as string;
};
const asNumber = (text: string) => Number(text.replace(/,/g, ""));

// 45 seconds, some with no round trip at all (a gap in the latency lines), a saturated stretch.
const base = fabricateResult(
  { bots: 120, seconds: 45, seed: 21, errorRate: 0.004 },
  { lagMs: (s) => (s >= 30 && s < 33 ? 75 : 2 + (s % 5)), cpuPercent: (s) => 25 + s, saturatedSeconds: 3 },
);
const quiet = new Set([10, 11, 12]);
const result: SwarmResult = {
  ...base,
  seconds: base.seconds.map((s, i) =>
    quiet.has(i) ? { ...s, rpcs: 0, rtt: fabricateResult({ bots: 0 }).rttMs } : s,
  ),
};
const outcomes = evaluateThresholds(
  result,
  ["rtt.p99<50ms", "errors==0", "bots.connected>=100"].map(parseThreshold),
);

test("rendered in Chromium: every chart has one point per second of data, and the numbers of the result", async (t) => {
  const { dom, png } = await render(toHtml(result, outcomes));
  const n = result.seconds.length;
  const withRtt = result.seconds.filter((s) => summarize(decodeHistogram(s.rtt)).count > 0).length;
  t.is(withRtt, n - quiet.size);

  const expectSeries: Record<string, Record<string, number>> = {
    connected: { connected: n },
    throughput: { msgsIn: n, msgsOut: n, rpcs: n },
    bytes: { bytesIn: n, bytesOut: n },
    latency: { p50: withRtt, p90: withRtt, p95: withRtt, p99: withRtt },
    generator: { lag: n },
  };
  for (const [id, series] of Object.entries(expectSeries)) {
    const c = chartOf(dom, id);
    t.is(c.hovers.length, n, `${id}: one hover strip per second`);
    t.deepEqual(
      c.hovers.map((h) => h.t),
      result.seconds.map((s) => s.t),
    );
    t.deepEqual([...c.series.keys()], Object.keys(series), id);
    for (const [key, points] of Object.entries(series)) {
      t.is(c.series.get(key)?.declared, points, `${id}.${key}`);
      t.is(c.series.get(key)?.vertices, points, `${id}.${key} drawn`);
    }
  }
  const errors = chartOf(dom, "errors");
  t.is(errors.series.get("errors")?.bars, n, "one bar per second");
  // The latency chart's values are the per-second histograms' percentiles.
  const lat = chartOf(dom, "latency");
  result.seconds.forEach((s, i) => {
    const sum = summarize(decodeHistogram(s.rtt));
    const title = lat.hovers[i]?.title ?? "";
    if (sum.count === 0) t.regex(title, /p99: no data/);
    else {
      const p99 = /p99: ([\d.,]+) ms/.exec(title);
      t.truthy(p99, title);
      t.true(
        Math.abs(asNumber(p99?.[1] ?? "") - sum.p99) <= sum.p99 * 0.001 + 0.001,
        `${title} vs ${sum.p99}`,
      );
      const p95 = /p95: ([\d.,]+) ms/.exec(title);
      t.true(
        Math.abs(asNumber(p95?.[1] ?? "") - sum.p95) <= sum.p95 * 0.001 + 0.001,
        `${title} vs p95 ${sum.p95}`,
      );
    }
  });
  const connectedChart = chartOf(dom, "connected");
  result.seconds.forEach((s, i) => {
    t.true(
      connectedChart.hovers[i]?.title.endsWith(`connected: ${s.connected.toLocaleString("en-US")}`),
      `second ${i}`,
    );
  });

  // The cards show the result's own numbers.
  const rtt = summarize(decodeHistogram(result.rttMs));
  t.is(asNumber(shown(dom, "bots.connected")), result.bots.connected);
  t.is(asNumber(shown(dom, "bots.started")), result.bots.started);
  t.is(asNumber(shown(dom, "rpcs")), rtt.count);
  t.true(Math.abs(asNumber(shown(dom, "rtt.p99")) - rtt.p99) < 0.01);
  t.true(Math.abs(asNumber(shown(dom, "rtt.p50")) - rtt.p50) < 0.01);
  t.is(
    asNumber(shown(dom, "errors")),
    Object.values(result.errors).reduce((a, b) => a + b, 0),
  );
  t.is(
    asNumber(shown(dom, "msgs_in")),
    result.seconds.reduce((a, s) => a + s.msgsIn, 0),
  );

  // The per-method table: one row per method with its calls and round trips.
  const methods = /<table data-table="methods">([\s\S]*?)<\/table>/.exec(dom)?.[1] ?? "";
  const rows = [
    ...methods.matchAll(
      /<tr><td>([^<]+)<\/td><td>([^<]+)<\/td><td>([^<]+)<\/td>(?:<td>[^<]*<\/td>){2}<td>([^<]+)<\/td>/g,
    ),
  ];
  t.deepEqual(
    rows.map((r) => r[1]),
    Object.keys(result.methods).sort(),
  );
  for (const r of rows) {
    const m = result.methods[r[1] as string];
    if (!m) return t.fail(`no method ${r[1]}`);
    t.is(asNumber(r[2] as string), m.callsOut);
    t.is(asNumber(r[3] as string), m.callsIn);
    t.is(asNumber(r[4] as string), summarize(decodeHistogram(m.rtt ?? "")).count);
  }
  // Thresholds, with the broken one marked; the saturation warning.
  const th = [...dom.matchAll(/<tr data-passed="(true|false)"><td>([^<]+)<\/td>/g)].map((m) => [m[2], m[1]]);
  t.deepEqual(th, [
    ["rtt.p99&lt;50ms", String(outcomes[0]?.passed)],
    ["errors==0", "false"],
    ["bots.connected&gt;=100", "true"],
  ]);
  t.regex(dom, /id="saturation"[^>]*>⚠ The load generator was saturated for 3 s/);
  t.regex(dom, /id="verdict"[^>]*>1 of 3 threshold\(s\) broken: errors==0/);

  // The screenshot shows the page drawn: many colours, the connected line (#7c3aed) and the p99 line (#dc2626).
  const img = decodePng(png);
  t.is(img.width, 1280);
  t.true(distinctColors(img) > 200, `${distinctColors(img)} colours`);
  t.true(countColor(img, "#7c3aed", 30) > 500, "the connected-bots line is drawn");
  t.true(countColor(img, "#dc2626", 30) > 300, "the p99 line is drawn");
  t.true(countColor(img, "#fff4e5", 3) > 5000, "the saturation banner is shown");
});

test("the page is self-contained: nothing to fetch, no script needed", (t) => {
  const html = toHtml(result, outcomes);
  t.false(/\b(src|href)\s*=|@import|url\(|<link|<script/i.test(html));
  t.true(html.startsWith("<!doctype html>"));
});

test("names from the run are escaped: a hostile method name is text, not markup", async (t) => {
  const evil = '<img src=x onerror="document.body.dataset.pwned=1">';
  const r: SwarmResult = {
    ...result,
    methods: { ...result.methods, [`Game:${evil}`]: { callsOut: 1, callsIn: 1, bytesOut: 1, bytesIn: 1 } },
    errors: { "</table><b>x</b>": 2 },
  };
  const { dom } = await render(toHtml(r, []));
  t.false(/<img/i.test(dom));
  t.false(/data-pwned/.test(dom.replace(/&quot;|&lt;[^&]*&gt;/g, "")));
  t.true(dom.includes("Game:&lt;img src=x onerror="));
  t.true(dom.includes("&lt;/table&gt;&lt;b&gt;x&lt;/b&gt;"));
});

test("a run too short for any sample still renders, and says so", async (t) => {
  const r: SwarmResult = { ...result, seconds: [], series: { bucketMs: 1000, buckets: [] } };
  const { dom } = await render(toHtml(r, []));
  // No chart over time; the latency distribution (of the whole run's histograms) only.
  t.deepEqual(
    [...dom.matchAll(/data-chart="([^"]+)"/g)].map((m) => m[1]),
    ["distribution"],
  );
  t.regex(dom, /No per-second samples/);
  t.regex(dom, /data-metric="bots\.connected">\d/);
});

test("the JUnit XML is well-formed even with hostile names (Chromium's XML parser)", async (t) => {
  const r: SwarmResult = { ...result, errors: { "a<b>&\"c'\u0001\uD800": 3 } };
  const xml = toJUnit(
    r,
    evaluateThresholds(r, [parseThreshold("rtt.p99 < 1ms"), parseThreshold("errors<5")]),
  );
  const { dom } = await render(xml, "junit.xml");
  t.false(/parsererror|This page contains the following errors/i.test(dom), dom.slice(0, 2000));
  t.regex(dom, /testsuite/);
});

test("a second sampled twice is one point, and a missing second breaks the lines", async (t) => {
  // As a sampling timer that fires a little early produces: t, t, (t+1 missing), t+2.
  const [a, b, c] = result.seconds;
  if (!a || !b || !c) return t.fail();
  const r: SwarmResult = {
    ...result,
    seconds: [a, { ...a, msgsIn: 7, connected: a.connected + 1 }, { ...c, t: a.t + 2 }],
  };
  const { dom } = await render(toHtml(r, []));
  const chart = chartOf(dom, "connected");
  t.deepEqual(
    chart.hovers.map((h) => h.t),
    [a.t, a.t + 2],
  );
  t.regex(chart.hovers[0]?.title ?? "", new RegExp(`connected: ${a.connected + 1}$`));
  const polylines =
    /<svg[^>]*data-chart="connected"[^>]*>[\s\S]*?<\/svg>/.exec(dom)?.[0].match(/<polyline/g) ?? [];
  t.is(polylines.length, 2, "no line drawn across the missing second");
  t.regex(chartOf(dom, "throughput").hovers[0]?.title ?? "", new RegExp(`messages in: ${a.msgsIn + 7}/s`));
});
