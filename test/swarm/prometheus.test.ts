/**
 * Live metrics (`godot-peer swarm --metrics-port`) as a team's monitoring sees them: a real
 * Prometheus scrapes a real run on two worker threads against the example game, and what it
 * stored at the run's final scrape is what the run's JSON says. Also: the port checks before any
 * bot starts, and the buckets a histogram is served with.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { SwarmResult } from "../../src/bots/index.js";
import { decodeHistogram, newHistogram, recordMs } from "../../src/bots/index.js";
import { BUCKETS_SECONDS, bucketCounts, type MetricFamily } from "../../src/cli/live-metrics.js";
import { MetricsServer } from "../../src/cli/metrics-server.js";
import { OptionsError, validateOptions } from "../../src/cli/swarm-options.js";
import { runCli } from "../harness/cli.js";
import { freePort, type Series, startPrometheus } from "../harness/prometheus.js";

const FIXTURE = "test/swarm/fixtures/live.ts";

/** A query's answer as label values → value (labels joined by ","). */
function byLabels(series: readonly Series[], labels: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of series) out[labels.map((l) => s.metric[l] ?? "").join(",")] = Number(s.value?.[1]);
  return out;
}

const nonZero = (r: Readonly<Record<string, number>>) =>
  Object.fromEntries(Object.entries(r).filter(([, n]) => n !== 0));

test("a real Prometheus scraping a run on two workers stores the numbers of the run's JSON", async (t) => {
  const metricsPort = await freePort();
  // 1 s (a scrape may take as long as its interval): the end of a run (reports written, workers
  // stopped) loads the machine, and a scrape Prometheus gave up on after we answered it still
  // counts towards the linger's two, so a timeout as short as 500 ms lost both final scrapes in CI.
  const prom = await startPrometheus({ targets: [`127.0.0.1:${metricsPort}`], scrapeIntervalMs: 1000 });
  const dir = await mkdtemp(join(tmpdir(), "gp-prom-"));
  try {
    const json = join(dir, "run.json");
    const run = await runCli([
      "swarm",
      FIXTURE,
      "--workers",
      "2",
      "--metrics-port",
      String(metricsPort),
      "--metrics-host",
      "127.0.0.1",
      "--metrics-linger",
      "60s",
      "--json",
      json,
      "--progress",
      "none",
      "--allow-errors",
    ]);
    t.is(run.code, 0, run.stderr);
    t.true(run.stderr.includes(`Live metrics (Prometheus) on http://127.0.0.1:${metricsPort}/metrics`));
    const r = JSON.parse(await readFile(json, "utf8")) as SwarmResult;

    // The scrape that read the final values: the first sample of godot_peer_run_finished at 1.
    let at: number | undefined;
    for (let tries = 0; at === undefined && tries < 100; tries++) {
      const [finished] = await prom.query("godot_peer_run_finished[10m]");
      at = finished?.values?.find(([, v]) => v === "1")?.[0];
      if (at === undefined) await new Promise((res) => setTimeout(res, 100));
    }
    if (at === undefined) {
      const targets = await fetch(`${prom.url}/api/v1/targets`).then((x) => x.text());
      const up = await prom.query("up[10m]");
      return t.fail(
        `no final scrape in Prometheus; its targets: ${targets}; up: ${JSON.stringify(up)}; its log: ${prom.log()}`,
      );
    }
    const q = (promql: string) => prom.query(promql, at);
    const one = async (promql: string) => Number((await q(promql))[0]?.value?.[1] ?? Number.NaN);

    // Every series carries its shard and worker (and scenario).
    const where = byLabels(await q("count by (shard, worker, scenario) (godot_peer_connects_total)"), [
      "shard",
      "worker",
      "scenario",
    ]);
    t.deepEqual(Object.keys(where).sort(), ["0,0,idler", "0,0,pinger", "0,1,idler", "0,1,pinger"]);

    t.is(await one("sum(godot_peer_bots_started_total)"), r.bots.started);
    t.is(await one("sum(godot_peer_connects_total)"), r.bots.connected);
    t.true(r.bots.connected > 0);
    t.is(await one("sum(godot_peer_bots_connected)"), 0);
    t.deepEqual(byLabels(await q("sum by (outcome) (godot_peer_bots_ended_total)"), ["outcome"]), {
      ended: r.bots.ended ?? 0,
      errored: r.bots.errored ?? 0,
      disconnected: r.bots.disconnected ?? 0,
    });
    t.deepEqual(
      byLabels(await q("sum by (reason) (godot_peer_connect_failures_total)"), ["reason"]),
      r.connectFailures,
    );
    t.deepEqual(byLabels(await q("sum by (kind) (godot_peer_errors_total)"), ["kind"]), r.errors);
    t.deepEqual(byLabels(await q("sum by (code) (godot_peer_closes_total)"), ["code"]), r.closes);
    for (const [scenario, s] of Object.entries(r.scenarios ?? {})) {
      t.is(await one(`sum(godot_peer_connects_total{scenario="${scenario}"})`), s.bots.connected, scenario);
    }

    // Traffic and RPCs.
    const total = (k: "msgsIn" | "msgsOut" | "bytesIn" | "bytesOut") =>
      r.seconds.reduce((n, s) => n + s[k], 0);
    t.is(await one("sum(godot_peer_sent_messages_total)"), total("msgsOut"));
    t.is(await one("sum(godot_peer_received_messages_total)"), total("msgsIn"));
    t.is(await one("sum(godot_peer_sent_bytes_total)"), total("bytesOut"));
    t.is(await one("sum(godot_peer_received_bytes_total)"), total("bytesIn"));
    const calls = (k: "callsOut" | "callsIn") =>
      nonZero(Object.fromEntries(Object.entries(r.methods).map(([m, x]) => [m, x[k]])));
    t.deepEqual(
      nonZero(byLabels(await q("sum by (method) (godot_peer_rpc_calls_sent_total)"), ["method"])),
      calls("callsOut"),
    );
    t.deepEqual(
      nonZero(byLabels(await q("sum by (method) (godot_peer_rpc_calls_received_total)"), ["method"])),
      calls("callsIn"),
    );
    t.true((r.methods["Game:ping"]?.callsOut ?? 0) > 0);

    // Round trips: the histogram's count is the run's, and its buckets are the JSON histogram's.
    const rtt = decodeHistogram(r.rttMs);
    t.true(rtt.totalCount > 0);
    t.is(await one("sum(godot_peer_round_trip_seconds_count)"), rtt.totalCount);
    const buckets = byLabels(await q("sum by (le) (godot_peer_round_trip_seconds_bucket)"), ["le"]);
    const expected = bucketCounts(rtt).counts;
    for (const [i, le] of BUCKETS_SECONDS.entries()) t.is(buckets[String(le)], expected[i], `le=${le}`);
    t.is(buckets["+Inf"], rtt.totalCount);
    t.is(await one("sum(godot_peer_connect_seconds_count)"), decodeHistogram(r.connectMs).totalCount);
    const perMethod: Record<string, number> = {};
    for (const [m, x] of Object.entries(r.methods))
      if (x.rtt) perMethod[m] = decodeHistogram(x.rtt).totalCount;
    t.deepEqual(
      byLabels(await q("sum by (method) (godot_peer_method_round_trip_seconds_count)"), ["method"]),
      perMethod,
    );
    t.true((perMethod["Game:ping"] ?? 0) > 0);

    // Checks and the script's metrics.
    const checks: Record<string, number> = {};
    for (const [name, c] of Object.entries(r.checks ?? {})) {
      checks[`${name},pass`] = c.passes;
      checks[`${name},fail`] = c.fails;
    }
    t.deepEqual(
      byLabels(await q("sum by (check, result) (godot_peer_checks_total)"), ["check", "result"]),
      checks,
    );
    t.true((r.checks?.["an even line"]?.fails ?? 0) > 0);
    const custom = r.custom ?? {};
    const pings = custom.live_pings;
    const even = custom.live_even;
    const took = custom.live_pong_ms;
    const line = custom.live_line;
    if (
      pings?.type !== "counter" ||
      even?.type !== "rate" ||
      took?.type !== "trend" ||
      line?.type !== "gauge"
    ) {
      return t.fail(`custom metrics missing from the JSON: ${JSON.stringify(custom)}`);
    }
    t.is(await one('sum(godot_peer_script_counter_total{metric="live_pings"})'), pings.count);
    t.is(await one('sum(godot_peer_script_rate_passes_total{metric="live_even"})'), even.passes);
    t.is(await one('sum(godot_peer_script_rate_samples_total{metric="live_even"})'), even.total);
    t.is(
      await one('sum(godot_peer_script_trend_seconds_count{metric="live_pong_ms"})'),
      decodeHistogram(took.hist).totalCount,
    );
    // A gauge is each worker's last value; the JSON's is the last of all.
    const gauges = (await q('godot_peer_script_gauge{metric="live_line"}')).map((s) => Number(s.value?.[1]));
    t.true(gauges.includes(line.value), `${gauges} holds ${line.value}`);

    t.is(await one("sum(godot_peer_metrics_errors_total)"), 0);
  } finally {
    await prom.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

test("on one thread, the endpoint serves the JSON's numbers once the run finished, and scrapes of them end the linger", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-prom-"));
  try {
    const json = join(dir, "run.json");
    let final = "";
    const run = await runCli(
      [
        "swarm",
        FIXTURE,
        "--metrics-port",
        "0",
        "--metrics-host",
        "127.0.0.1",
        "--metrics-linger",
        "60s",
        "--json",
        json,
        "--progress",
        "none",
        "--allow-errors",
      ],
      {
        onSpawn: (child) => {
          let err = "";
          child.stderr?.on("data", (d: string) => {
            err += d;
            const url = /Live metrics \(Prometheus\) on (http:\S+)/.exec(err)?.[1];
            if (url && !final) {
              final = "polling";
              void (async () => {
                // Scrape as Prometheus would, until the run says it finished (bounded by the run's exit).
                while (child.exitCode === null) {
                  const text = await fetch(url).then(
                    (r) => r.text(),
                    () => "",
                  );
                  // The first answer with the final values is kept; scraping goes on (the linger waits for two).
                  if (final === "polling" && /^godot_peer_run_finished\{shard="0"\} 1$/m.test(text))
                    final = text;
                  await new Promise((res) => setTimeout(res, 100));
                }
              })();
            }
          });
        },
      },
    );
    t.is(run.code, 0, run.stderr);
    t.true(final.includes("godot_peer_run_finished"), "a scrape saw the run finished before it exited");
    const r = JSON.parse(await readFile(json, "utf8")) as SwarmResult;
    const value = (series: string) => {
      const m = new RegExp(`^${series.replace(/[{}"]/g, "\\$&")} (\\S+)$`, "m").exec(final);
      return m ? Number(m[1]) : Number.NaN;
    };
    for (const [scenario, s] of Object.entries(r.scenarios ?? {})) {
      const at = `shard="0",worker="0",scenario="${scenario}"`;
      t.is(value(`godot_peer_connects_total{${at}}`), s.bots.connected, scenario);
      t.is(value(`godot_peer_bots_started_total{${at}}`), s.bots.started, scenario);
      t.is(
        value(`godot_peer_round_trip_seconds_count{${at}}`),
        decodeHistogram(s.rttMs).totalCount,
        scenario,
      );
    }
    t.true(decodeHistogram(r.rttMs).totalCount > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a metrics port in use stops the run before any bot starts, saying so", async (t) => {
  const taken = createServer();
  await new Promise<void>((res) => taken.listen(0, "127.0.0.1", () => res()));
  const port = (taken.address() as { port: number }).port;
  try {
    const r = await runCli([
      "swarm",
      FIXTURE,
      "--metrics-port",
      String(port),
      "--metrics-host",
      "127.0.0.1",
      "--progress",
      "none",
    ]);
    t.is(r.code, 3);
    t.regex(r.stderr, new RegExp(`--metrics-port: port ${port} is in use on 127\\.0\\.0\\.1`));
    // Nothing ran: no embedded server, no summary.
    t.false(r.stdout.includes("Embedded server"));
  } finally {
    taken.close();
  }
});

test("--metrics-port and options.metricsPort take a port from 0 to 65535, named when wrong", async (t) => {
  const bad = await runCli(["swarm", FIXTURE, "--metrics-port", "70000"]);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--metrics-port: 70000 is not between 0 and 65535/);
  const alone = await runCli(["swarm", FIXTURE, "--metrics-linger", "5s"]);
  t.is(alone.code, 2);
  t.regex(alone.stderr, /--metrics-linger: needs --metrics-port \(or options\.metricsPort\)/);
  const err = t.throws(() => validateOptions({ metricsPort: -1 }), { instanceOf: OptionsError });
  t.regex(err?.message ?? "", /^options\.metricsPort: -1 is not a whole number from 0 to 65535/);
  t.throws(() => validateOptions({ metricsPort: 9464, metricsLinger: "soon" }), {
    instanceOf: OptionsError,
    message: /^options\.metricsLinger: /,
  });
  t.notThrows(() => validateOptions({ metricsPort: 0, metricsHost: "127.0.0.1", metricsLinger: "5s" }));
});

test("a scrape that fails is answered 500, logged once and counted, and the server goes on", async (t) => {
  const lines: string[] = [];
  const server = await MetricsServer.start({
    port: 0,
    host: "127.0.0.1",
    shard: "0",
    log: (l) => lines.push(l),
  });
  try {
    const good: MetricFamily = {
      name: "godot_peer_connects_total",
      help: "Bots that completed the join",
      type: "counter",
      aggregator: "sum",
      values: [{ value: 3, labels: { shard: "0", worker: "0", scenario: "default" } }],
    };
    // A family prom-client cannot aggregate (what a bug of ours would hand it).
    const broken = { ...good, aggregator: "median" } as unknown as MetricFamily;
    server.update("0/default", [broken]);
    for (let i = 0; i < 2; i++) {
      const r = await fetch(server.url);
      t.is(r.status, 500);
      await r.text();
    }
    t.is(lines.length, 1);
    t.regex(lines[0] ?? "", /live metrics: a scrape failed: 'median' is not a defined aggregator/);
    server.update("0/default", [good]);
    const ok = await fetch(server.url);
    t.is(ok.status, 200);
    t.regex(ok.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await ok.text();
    t.regex(text, /^godot_peer_connects_total\{shard="0",worker="0",scenario="default"\} 3$/m);
    t.regex(text, /^godot_peer_metrics_errors_total\{shard="0"\} 2$/m);
    t.regex(text, /^godot_peer_run_finished\{shard="0"\} 0$/m);
    t.is((await fetch(new URL("/other", server.url))).status, 404);
  } finally {
    await server.close();
  }
});

test("a histogram is served with cumulative buckets in seconds counting each value at or below a bound", (t) => {
  const h = newHistogram();
  for (const ms of [0.1, 0.9, 1, 3, 40, 40, 700, 90_000]) recordMs(h, ms);
  const { counts, sumSeconds } = bucketCounts(h);
  const at = (le: number) => counts[BUCKETS_SECONDS.indexOf(le)];
  t.is(at(0.00025), 1);
  t.is(at(0.001), 3);
  t.is(at(0.005), 4);
  t.is(at(0.05), 6);
  t.is(at(1), 7);
  t.is(at(60), 7);
  // Cumulative, never more than the count (the 90 s value is only in +Inf).
  t.deepEqual(
    counts,
    [...counts].sort((a, b) => a - b),
  );
  t.is(h.totalCount, 8);
  t.true(Math.abs(sumSeconds - 90.785) < 0.1, String(sumSeconds));
});
