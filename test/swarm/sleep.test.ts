/**
 * ctx.sleep in a run (issue #16, point 10: an idle bot's cost): woken by the bot's stop without an
 * AbortSignal, no timer for a sleep that outlasts the run, a bad argument a TypeError charged to its
 * bot, and a script that ignores the end cannot starve the run's grace (a stopped bot's sleep
 * resolves on the next turn of the event loop).
 */
import test from "ava";
import { runSwarm } from "../../src/index.js";
import { exampleGame as game } from "./servers.js";

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test("bots sleeping past the run's end hold no timer and no runner listener each, and the end wakes them: they end normally", async (t) => {
  const url = await game(t);
  const n = 30;
  let asleep = 0;
  let before = 0;
  let during = -1;
  const woke: number[] = [];
  const signals = new Set<string>();
  const result = await runSwarm({
    url,
    bots: n,
    durationMs: 1_500,
    script: async (bot, ctx) => {
      // The runner hears its bots through one watcher: no signal connection of its own on each.
      for (const name of bot.eventNames()) signals.add(String(name));
      if (asleep === 0) before = timers();
      asleep++;
      if (asleep === n) during = timers();
      await (ctx.index % 2 === 0 ? ctx.sleep(Number.POSITIVE_INFINITY) : ctx.sleep(60_000));
      woke.push(ctx.index);
      t.true(ctx.signal.aborted, "woken by the end, not by a timer");
    },
  });
  t.is(result.bots.ended, n);
  t.is(result.bots.errored, 0);
  t.is(woke.length, n);
  t.deepEqual([...signals], []);
  // Thirty sleepers, not thirty timers (the first bot's count already holds the run's own).
  t.true(
    during >= 0 && during - before < 5,
    `timers: ${before} before the first sleep, ${during} with all ${n} asleep`,
  );
});

test("a sleep within the run ends on its time; several at once in one script each end on theirs", async (t) => {
  const url = await game(t);
  const log: string[] = [];
  const result = await runSwarm({
    url,
    bots: 1,
    durationMs: 2_000,
    script: async (_bot, ctx) => {
      const t0 = performance.now();
      await Promise.all([
        ctx.sleep(150).then(() => log.push(`short ${performance.now() - t0 >= 140}`)),
        ctx.sleep(300).then(() => log.push(`long ${performance.now() - t0 >= 290}`)),
      ]);
      log.push(`aborted ${ctx.signal.aborted}`);
    },
  });
  t.deepEqual(log, ["short true", "long true", "aborted false"]);
  t.is(result.bots.ended, 1);
});

test("ctx.sleep of what is not a number rejects with a TypeError, which ends that bot only, named", async (t) => {
  const url = await game(t);
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 1_200,
    script: async (_bot, ctx) => {
      if (ctx.index === 0) await ctx.sleep(Number("soon"));
      else await ctx.sleep(Number.POSITIVE_INFINITY);
    },
  });
  t.is(result.bots.errored, 1);
  t.is(result.bots.ended, 1);
  t.true(
    result.messages?.some((m) => m.message.includes("ctx.sleep: NaN is not a number of milliseconds")),
    JSON.stringify(result.messages),
  );
});

test("a script that ignores the end and loops on ctx.sleep does not hang the run, and once the run returned it is frozen", async (t) => {
  const url = await game(t);
  let loops = 0;
  const result = await runSwarm({
    url,
    bots: 2,
    durationMs: 800,
    graceMs: 400,
    script: async (_bot, ctx) => {
      // Never reads ctx.signal: after the stop every sleep resolves at once, forever.
      for (;;) {
        await ctx.sleep(20);
        loops++;
        if (loops > 1e7) return;
      }
    },
  });
  // Before the fix the stopped sleeps resolved in microtasks: the grace's timers never fired and
  // this test timed out.
  t.is(result.bots.connected, 2);
  t.true(loops < 1e7, `${loops} loops`);
  // After the run: its sleeps never end, so the loop no longer turns (nor keeps the process up).
  const at = loops;
  await new Promise((r) => setTimeout(r, 200));
  t.true(loops - at <= 2, `${loops - at} loops after the run returned`);
});
