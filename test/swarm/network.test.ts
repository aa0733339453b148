/**
 * Issue #16 point 8 through the runner: network conditions per scenario and per bot, against the
 * embedded example game (Godot 3). Added latency shows in the measured round trips (one-way on
 * each direction: a round trip gains twice it), scheduled drops in the close and reconnect counts,
 * and bad values are errors naming the key.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test, { type ExecutionContext } from "ava";
import type { SwarmReport } from "../../src/bots/report/index.js";
import {
  type BotContext,
  decodeHistogram,
  type EngineBot,
  evaluateThresholds,
  mergeResults,
  parseThreshold,
  RpcMode,
  runSwarm,
  summarize,
  summaryTable,
  toHtml,
} from "../../src/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { runCli } from "../harness/cli.js";
import { startFixture } from "../harness/godot.js";

async function game(t: ExecutionContext): Promise<{ url: string; left: () => number }> {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  let left = 0;
  g.multiplayer.on("network_peer_disconnected", () => left++);
  t.teardown(() => g.stop());
  return { url: `ws://127.0.0.1:${port}`, left: () => left };
}

/** Pings the server until the run ends (or the connection drops). */
async function pinger(bot: EngineBot, ctx: BotContext): Promise<void> {
  if (bot.godot !== 3) throw new Error("the Godot 3 example game");
  bot.handle("Game", "pong", RpcMode.PUPPET, () => {});
  for (let seq = 0; !ctx.signal.aborted && bot.connected; seq++) {
    await bot.request(1, "Game", "ping", [seq], { method: "pong", match: (a) => a[0] === seq });
    await ctx.sleep(20);
  }
}

/** HdrHistogram keeps 3 significant digits: around 200 ms a value may read up to 0.1 ms low. */
const HDR_SLACK_MS = 0.1;

test("latency 100ms ± 10ms on each direction: every round trip takes at least 2 × 90 ms, the median at least 2 × 95 ms", async (t) => {
  const { url } = await game(t);
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 2500,
    network: { latency: "100ms", jitter: "10ms" },
    script: pinger,
  });
  t.deepEqual(result.errors, {});
  const rtt = summarize(decodeHistogram(result.rttMs));
  t.true(rtt.count >= 4, `${rtt.count} round trips`);
  t.true(rtt.min >= 180 - HDR_SLACK_MS, `min ${rtt.min} ms`);
  // Uniform jitter: each way is at least 90 ms, half the time at least 100 ms.
  t.true(rtt.p50 >= 190 - HDR_SLACK_MS, `median ${rtt.p50} ms`);
  // TCP's handshake and the upgrade: two round trips before the bot is connected.
  const connect = summarize(decodeHistogram(result.connectMs));
  t.true(connect.min >= 360 - HDR_SLACK_MS, `connect min ${connect.min} ms`);
});

test("per bot, through the connection options: only the bot given latency shows it", async (t) => {
  const { url } = await game(t);
  const seen: number[][] = [[], []];
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 1500,
    connect: (bot) => (bot.index === 1 ? { network: { latency: { up: "80ms" } } } : {}),
    script: async (bot, ctx) => {
      bot.on("round_trip", (_key, ms) => seen[ctx.index]?.push(ms));
      await pinger(bot, ctx);
    },
  });
  t.deepEqual(result.errors, {});
  t.true((seen[1]?.length ?? 0) > 0 && (seen[0]?.length ?? 0) > 0);
  t.true(Math.min(...(seen[1] ?? [])) >= 80, "the slow bot's round trips carry its one-way 80 ms");
  t.true(Math.min(...(seen[0] ?? [])) < 80, "the other bot's do not");
});

test("scheduled drops: no close frame (closes 1006), counted as drops, not errors, and each followed by a rejoin", async (t) => {
  const { url, left } = await game(t);
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 3000,
    network: { drops: [{ at: "400ms", every: "1s", rejoinAfter: "200ms" }] },
    script: pinger,
  });
  const b = result.bots;
  const dropped = b.dropped ?? 0;
  const reconnects = b.reconnects ?? 0;
  t.log(`${dropped} drops, ${reconnects} rejoins, closes ${JSON.stringify(result.closes)}`);
  t.true(dropped >= 2, `${dropped} drops`);
  // Each bot's timeline runs from its first connect, across rejoins: at most 0.4 s, 1.4 s, 2.4 s.
  t.true(dropped <= 2 * 3, `${dropped} drops: more than the schedule holds`);
  t.deepEqual(result.errors, {});
  t.is(b.disconnected, 0);
  t.is(b.failed, 0);
  // A drop whose rejoin the end of the run cut short is the only one without its rejoin.
  t.true(reconnects <= dropped && reconnects >= dropped - 2, `${reconnects} rejoins after ${dropped} drops`);
  t.is(b.started, 2 + reconnects);
  t.is(b.started, (b.ended ?? 0) + b.failed + (b.errored ?? 0) + (b.disconnected ?? 0) + dropped);
  t.is(result.closes["1006"], dropped);
  // Thresholds read them.
  const [judged] = evaluateThresholds(result, [parseThreshold(`bots.dropped==${dropped}`)]);
  t.true(judged?.passed, judged?.message);
  // A merge (the same run again as another shard) sums them, exactly.
  const other = { ...result, shards: result.shards.map((s) => ({ ...s, startedAt: s.startedAt + 1 })) };
  const merged = mergeResults([result, other]);
  t.is(merged.bots.dropped, 2 * dropped);
  t.is(merged.bots.reconnects, 2 * reconnects);
  t.is(mergeResults([result]).bots.dropped, dropped);
  // The reports show them.
  t.regex(
    summaryTable(result),
    new RegExp(`${dropped} connections dropped as scheduled, ${reconnects} rejoins`),
  );
  const html = toHtml(result);
  t.true(html.includes("dropped as scheduled") && html.includes("rejoins"));
  // The server saw each drop as a peer leaving.
  while (left() < dropped) await new Promise((r) => setTimeout(r, 20));
  t.true(left() >= dropped);
});

test("bad network conditions fail the bot's start with the key named, not the run", async (t) => {
  const { url } = await game(t);
  const result = await runSwarm({
    url,
    bots: 1,
    durationMs: 800,
    network: { drops: [{ at: "1s", every: "500ms", rejoinAfter: "1s" }] },
    script: pinger,
  });
  t.is(result.bots.failed, 1);
  t.is(result.connectFailures["bad-options"], 1);
  t.true(
    result.messages?.some((m) => /network\.drops\[0\]\.rejoinAfter: .*not less than every/.test(m.message)),
  );
});

test("the command line: a module's scenarios each with their own network conditions, in the JSON report", async (t) => {
  const { url } = await game(t);
  const dir = await mkdtemp(join(tmpdir(), "gp-net-"));
  const run = await runCli([
    "swarm",
    "test/swarm/fixtures/network.ts",
    "--url",
    url,
    "--progress",
    "none",
    "--json",
    join(dir, "r.json"),
  ]);
  t.is(run.code, 0, run.stderr);
  const res = JSON.parse(await readFile(join(dir, "r.json"), "utf8")) as SwarmReport;
  const slow = res.scenarios?.slow;
  const flaky = res.scenarios?.flaky;
  t.true(summarize(decodeHistogram(slow?.rttMs ?? "")).min >= 120 - HDR_SLACK_MS);
  t.true((flaky?.bots.dropped ?? 0) >= 1);
  t.is(slow?.bots.dropped, undefined);
  t.is(res.bots.dropped, flaky?.bots.dropped);
  t.is(res.counters.bots_dropped, flaky?.bots.dropped);
  t.is(res.counters.bots_reconnects, flaky?.bots.reconnects);
  t.regex(run.stdout, /network conditions: \d+ connections dropped as scheduled, \d+ rejoins/);
});

test("real Godot 3.6.2: each scheduled drop is a PEER_DISCONNECTED to the engine, each rejoin a new PEER_CONNECTED, and the run has no error", async (t) => {
  t.timeout(60_000);
  const godot = await startFixture(t, "3.6.2", "game_server.gd");
  const result = await runSwarm({
    url: `ws://127.0.0.1:${godot.port}`,
    bots: 2,
    // Drops at 0.5 s and 1.5 s of each bot's life; the next (2.5 s) would come after the run.
    durationMs: 2200,
    network: { latency: "10ms", drops: [{ at: "500ms", every: "1s", rejoinAfter: "200ms" }] },
    script: pinger,
  });
  const dropped = result.bots.dropped ?? 0;
  t.true(dropped >= 2, `${dropped} drops`);
  t.deepEqual(result.errors, {});
  t.is(result.closes["1006"], dropped);
  const count = (re: RegExp) => godot.lines.filter((l) => re.test(l)).length;
  const until = Date.now() + 10_000;
  while (count(/^PEER_DISCONNECTED /) < dropped && Date.now() < until)
    await new Promise((r) => setTimeout(r, 20));
  t.true(count(/^PEER_DISCONNECTED /) >= dropped);
  t.is(count(/^PEER_CONNECTED /), result.bots.connected);
  t.is(result.bots.connected, 2 + (result.bots.reconnects ?? 0));
});
