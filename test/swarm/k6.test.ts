/**
 * Issue #16, points 2–6 through the runner's API against the embedded example game (Godot 3):
 * per-bot connection options, stages, iterations, data rows, checks and custom metrics, and the
 * thresholds k6 users write, judged the same on a run and on a merge.
 */
import { createServer, type IncomingHttpHeaders } from "node:http";
import type { Socket } from "node:net";
import test from "ava";
import {
  Counter,
  DataFileError,
  decodeHistogram,
  drawThink,
  evaluateThresholds,
  Gauge,
  mergeResults,
  parseCsv,
  parseThreshold,
  RAMP_DOWN,
  RpcMode,
  runSwarm,
  type SwarmResult,
  shareData,
  sharedRows,
  Trend,
} from "../../src/index.js";
import { exampleGame as game } from "./servers.js";

const pings = new Counter("k6test_pings");
const pingMs = new Trend("k6test_ping_ms");
const level = new Gauge("k6test_level");

/** Pings once, checks the answer, records its own metrics. */
async function pingOnce(
  bot: Parameters<Parameters<typeof runSwarm>[0]["script"]>[0],
  ctx: Parameters<Parameters<typeof runSwarm>[0]["script"]>[1],
) {
  bot.handle("Game", "pong", RpcMode.PUPPET, () => {});
  const t0 = performance.now();
  const reply = await bot.request(1, "Game", "ping", [ctx.index], {
    method: "pong",
    match: (a) => a[0] === ctx.index,
  });
  pingMs.add(performance.now() - t0);
  pings.add();
  level.add(ctx.index);
  ctx.check(reply, {
    "pong echoes the seq": (r) => r.args[0] === ctx.index,
    "never true": () => false,
    throws: () => {
      throw new Error("a predicate's bug");
    },
  });
}

test("per-bot connection options: each bot's own headers and subprotocol, from its index and data row", async (t) => {
  const seen: IncomingHttpHeaders[] = [];
  const server = createServer();
  server.on("upgrade", (req, socket: Socket) => {
    // The bot may reset its socket as soon as it reads the refusal.
    socket.on("error", () => undefined);
    seen.push(req.headers);
    socket.end("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as { port: number }).port;
  const result = await runSwarm({
    url: "ws://127.0.0.1:1/unused",
    bots: 3,
    durationMs: 1500,
    data: { rows: [{ token: "a" }, { token: "b" }, { token: "c" }], order: "index" },
    connect: (bot) => ({
      url: `ws://127.0.0.1:${port}/play`,
      customHeaders: [`Authorization: Bearer ${(bot.data as { token: string }).token}-${bot.index}`],
      protocols: [`room-${bot.index}`],
      joinTimeoutMs: 1000,
    }),
    script: async () => undefined,
  });
  const auth = seen.map((h) => h.authorization).sort();
  t.deepEqual(auth, ["Bearer a-0", "Bearer b-1", "Bearer c-2"]);
  t.deepEqual(seen.map((h) => h["sec-websocket-protocol"]).sort(), ["room-0", "room-1", "room-2"]);
  // Connecting is part of the bot's measured life: each refusal is a counted connect failure.
  t.is(result.bots.failed, 3);
  t.is(result.connectFailures["http-status"], 3);
});

test("a connection option function that throws fails that bot's start, named, not the run", async (t) => {
  const url = await game(t);
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 1200,
    connect: (bot) => {
      if (bot.index === 1) throw new Error("no token for bot 2");
      return {};
    },
    script: async (_bot, ctx) => {
      while (!ctx.signal.aborted) await ctx.sleep(50);
    },
  });
  t.is(result.bots.connected, 1);
  t.is(result.bots.failed, 1);
  t.true(result.messages?.some((m) => m.message.includes("no token for bot 2")));
});

test("checks count passes and failures per name and never throw; custom metrics land in the result", async (t) => {
  const url = await game(t);
  const result = await runSwarm({ url, bots: 3, durationMs: 1500, script: pingOnce });
  t.deepEqual(result.checks, {
    "pong echoes the seq": { passes: 3, fails: 0 },
    "never true": { passes: 0, fails: 3 },
    throws: { passes: 0, fails: 3 },
  });
  t.is(result.bots.errored, 0);
  t.like(result.custom?.k6test_pings, { type: "counter", count: 3 });
  const trend = result.custom?.k6test_ping_ms;
  t.is(trend?.type, "trend");
  if (trend?.type === "trend") t.is(decodeHistogram(trend.hist).totalCount, 3);
  const gauge = result.custom?.k6test_level;
  t.true(gauge?.type === "gauge" && gauge.min === 0 && gauge.max === 2);
  const outcomes = evaluateThresholds(
    result,
    [
      'checks."pong echoes the seq".rate==100%',
      "checks.rate<34%",
      "checks.fails==6",
      "k6test_pings.count==3",
      "k6test_ping_ms.p(95)<10s",
      "k6test_level.max==2",
    ].map(parseThreshold),
  );
  for (const o of outcomes) t.true(o.passed, o.message);
});

test("iterations: a bot runs its script again on its connection, or connects anew each time", async (t) => {
  const url = await game(t);
  let runs = 0;
  const script = async () => {
    runs++;
  };
  const reused = await runSwarm({ url, bots: 2, durationMs: 1500, iterations: 3, script });
  t.is(runs, 6);
  t.is(reused.bots.connected, 2);
  t.is(decodeHistogram(reused.iterationMs as string).totalCount, 6);
  t.true(evaluateThresholds(reused, [parseThreshold("iterations==6")])[0]?.passed);
  runs = 0;
  const fresh = await runSwarm({
    url,
    bots: 2,
    durationMs: 1500,
    iterations: 3,
    reuseConnection: false,
    script,
  });
  t.is(runs, 6);
  t.is(fresh.bots.connected, 6);
  t.is(fresh.bots.started, 6);
  t.is(fresh.bots.ended, 6);
});

test("stages: bots ramp up to the target and are retired on the ramp down, leaving cleanly", async (t) => {
  const url = await game(t);
  const reasons: unknown[] = [];
  const result = await runSwarm({
    url,
    bots: 0,
    durationMs: 2000,
    stages: [
      { durationMs: 400, target: 4 },
      { durationMs: 600, target: 4 },
      { durationMs: 100, target: 0 },
      { durationMs: 900, target: 0 },
    ],
    script: async (_bot, ctx) => {
      while (!ctx.signal.aborted) await ctx.sleep(20);
      reasons.push(ctx.signal.reason);
    },
  });
  // Each bot was retired by the ramp down, not by the end of the run.
  t.deepEqual(reasons, [RAMP_DOWN, RAMP_DOWN, RAMP_DOWN, RAMP_DOWN]);
  t.is(result.bots.started, 4);
  t.is(result.bots.peak, 4);
  t.is(result.bots.ended, 4);
  t.deepEqual(result.errors, {});
  // Every bot said goodbye with a normal close: none was dropped.
  t.deepEqual(result.closes, { "1000": 4 });
});

test("ctx.signal first read after its bot was told to stop: already aborted, with the reason", async (t) => {
  // The runner makes a bot's AbortSignal only when its script reads ctx.signal: a stop that
  // came before must still be seen.
  const url = await game(t);
  const end = new AbortController();
  let joined = 0;
  let release = () => {};
  const released = new Promise<void>((r) => {
    release = r;
  });
  const seen: [boolean, unknown][] = [];
  const result = await runSwarm({
    url,
    bots: 3,
    durationMs: 60_000,
    signal: end.signal,
    script: async (_bot, ctx) => {
      if (++joined === 3) {
        end.abort("test over");
        release();
      }
      await released;
      // A turn of the event loop: the run has told every bot to stop by then.
      await new Promise((r) => setImmediate(r));
      seen.push([ctx.signal.aborted, (ctx.signal.reason as Error | undefined)?.name]);
    },
  });
  t.deepEqual(seen, [
    [true, "AbortError"],
    [true, "AbortError"],
    [true, "AbortError"],
  ]);
  t.is(result.stopped, "test over");
  t.is(result.bots.ended, 3);
});

test("unique data: a row is never given twice; a bot that finds none left fails its start as data", async (t) => {
  const url = await game(t);
  const given: unknown[] = [];
  const result = await runSwarm({
    url,
    bots: 5,
    durationMs: 1200,
    data: { rows: ["r0", "r1", "r2"], order: "unique" },
    script: async (_bot, ctx) => {
      given.push(ctx.data);
    },
  });
  t.deepEqual(given.sort(), ["r0", "r1", "r2"]);
  t.is(result.bots.failed, 2);
  t.is(result.connectFailures.data, 2);
  t.true(result.messages?.some((m) => /all 3 rows are taken/.test(m.message)));
});

test("checks and custom metrics merge exactly across shards; thresholds judge the merge as one run", async (t) => {
  const url = await game(t);
  const shards = await Promise.all(
    [0, 1].map((index) =>
      runSwarm({ url, bots: 4, durationMs: 1500, shard: { index, count: 2 }, script: pingOnce }),
    ),
  );
  const merged: SwarmResult = mergeResults(shards);
  t.like(merged.custom?.k6test_pings, { type: "counter", count: 4 });
  t.deepEqual(merged.checks?.["pong echoes the seq"], { passes: 4, fails: 0 });
  const trend = merged.custom?.k6test_ping_ms;
  t.true(trend?.type === "trend" && decodeHistogram(trend.hist).totalCount === 4);
  const g = merged.custom?.k6test_level;
  t.true(g?.type === "gauge" && g.min === 0 && g.max === 3);
  const th = ["checks.rate>30%", "k6test_pings.count==4", "k6test_ping_ms.p(99.9)<10s"].map(parseThreshold);
  t.deepEqual(
    evaluateThresholds(merged, th).map((o) => o.passed),
    [true, true, true],
  );
});

test("think time: uniform, normal and exponential draws have the asked shape", (t) => {
  let seed = 1;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return (seed - 1) / 2147483646;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const n = 20_000;
  const uni = Array.from({ length: n }, () =>
    drawThink({ distribution: "uniform", minMs: 100, maxMs: 300 }, random),
  );
  t.true(uni.every((x) => x >= 100 && x <= 300));
  t.true(Math.abs(mean(uni) - 200) < 5);
  const nor = Array.from({ length: n }, () =>
    drawThink({ distribution: "normal", meanMs: 500, stddevMs: 50 }, random),
  );
  t.true(Math.abs(mean(nor) - 500) < 5);
  t.true(nor.filter((x) => Math.abs(x - 500) < 50).length / n > 0.6);
  const exp = Array.from({ length: n }, () =>
    drawThink({ distribution: "exponential", meanMs: 200 }, random),
  );
  t.true(Math.abs(mean(exp) - 200) < 10);
  // Exponential: about e^-1 of the draws exceed the mean.
  t.true(Math.abs(exp.filter((x) => x > 200).length / n - Math.exp(-1)) < 0.02);
});

test("arrival-rate stages: arrivals follow the rate's stages (none while it is 0), each bot runs once", async (t) => {
  const url = await game(t);
  let runs = 0;
  const result = await runSwarm({
    url,
    bots: 50,
    durationMs: 1500,
    iterations: 5, // an open model's arrival runs its script once, whatever iterations say
    arrivalStages: [
      { durationMs: 700, target: 0 },
      { durationMs: 1, target: 10 },
      { durationMs: 799, target: 10 },
    ],
    script: async () => {
      runs++;
    },
  });
  // 10/s over the last 0.8 s: about 8 arrivals (a constant 10/s over the run would be about 15).
  t.true(result.bots.started >= 5 && result.bots.started <= 9, String(result.bots.started));
  t.is(runs, result.bots.connected);
  t.is(result.bots.ended, result.bots.started);
});

test("shared data: rows encoded once in shared memory read back equal and frozen, one at a time", (t) => {
  const rows = [{ name: "Ann, the first", token: "t0" }, { name: "Bob", n: [1, 2] }, "plain"];
  const shared = shareData(rows);
  t.true(shared.bytes instanceof SharedArrayBuffer);
  const back = sharedRows(shared);
  t.is(back.length, 3);
  for (let i = 0; i < rows.length; i++) t.deepEqual(back.at(i), rows[i]);
  t.true(Object.isFrozen(back.at(1)));
  t.true(Object.isFrozen((back.at(1) as { n: number[] }).n));
  t.deepEqual(parseCsv('name,token\n"Ann, the first",t0\n"say ""hi""",t1\n'), [
    { name: "Ann, the first", token: "t0" },
    { name: 'say "hi"', token: "t1" },
  ]);
  t.throws(() => parseCsv("a,b\n1\n", "x.csv"), {
    instanceOf: DataFileError,
    message: "x.csv:2: 1 fields, the header has 2",
  });
});

test("a shape that starts at 0 is not a run where no bot could connect: the early stop counts from the first launch", async (t) => {
  const url = await game(t);
  // 5.5 s at a rate of 0 (past NO_CONNECT_GRACE_MS), then arrivals.
  const result = await runSwarm({
    url,
    bots: 10,
    durationMs: 6000,
    arrivalStages: [
      { durationMs: 5500, target: 0 },
      { durationMs: 1, target: 8 },
      { durationMs: 499, target: 8 },
    ],
    script: async () => undefined,
  });
  t.is(result.stopped, undefined);
  t.true(result.bots.started >= 1, String(result.bots.started));
  t.is(result.bots.ended, result.bots.started);
});
