/**
 * Issue #16 point 5 (reports): checks, custom metrics, iterations and scenarios are in the
 * summary, the JSON and the HTML page, and survive a merge.
 */
import test from "ava";
import { encodeHistogram, newHistogram, recordMs } from "../../src/bots/histogram.js";
import { mergeResults } from "../../src/bots/merge.js";
import { summaryTable, toHtml, toReport } from "../../src/bots/report/index.js";
import type { SwarmResult } from "../../src/bots/swarm-result.js";
import { fabricateResult } from "./fabricate.js";

function withExtras(): SwarmResult {
  const base = fabricateResult();
  const h = newHistogram();
  for (const ms of [10, 20, 30, 40]) recordMs(h, ms);
  const enc = encodeHistogram(h);
  return {
    ...base,
    iterationMs: enc,
    checks: { "welcome has a spawn point": { passes: 9, fails: 1 } },
    custom: {
      chat_sent: { type: "counter", count: 42 },
      joined: { type: "rate", passes: 3, total: 4 },
      room_size: { type: "gauge", value: 7, min: 1, max: 9, at: base.endedAt },
      move_ack: { type: "trend", hist: enc },
    },
    scenarios: { chat: { ...base, tags: { room: "a" } } },
  };
}

test("the summary shows iterations, scenarios, checks and custom metrics", (t) => {
  const text = summaryTable(withExtras());
  t.regex(text, /Iterations \(script runs that returned, ms\)/);
  t.regex(text, /Scenarios\n.*tags.*\n\s+chat\s+room:a/);
  t.regex(text, /Checks: 90% \(9\/10\) passed/);
  t.regex(text, /✗ welcome has a spawn point\s+9\s+1\s+90% \(9\/10\)/);
  t.regex(text, /chat_sent\s+counter\s+count 42/);
  t.regex(text, /joined\s+rate\s+75% \(3\/4\)/);
  t.regex(text, /room_size\s+gauge\s+value 7 {2}min 1 {2}max 9/);
  t.regex(text, /move_ack\s+trend\s+n 4/);
});

test("the JSON has their plain numbers; the HTML their tables; a merge keeps them", (t) => {
  const r = withExtras();
  const rep = toReport(r);
  t.is(rep.counters.chat_sent, 42);
  t.is(rep.counters["checks.welcome has a spawn point.fails"], 1);
  t.is(rep.latency.custom?.move_ack?.count, 4);
  t.is(rep.latency.iteration?.count, 4);
  const html = toHtml(r);
  for (const id of ["iterations", "scenarios", "checks", "custom"])
    t.true(html.includes(`data-table="${id}"`), id);
  // The same run again as another shard: its scenarios are that shard's too.
  const later = (x: SwarmResult) => x.shards.map((s) => ({ ...s, startedAt: s.startedAt + 1 }));
  const chat = r.scenarios?.chat as SwarmResult;
  const other = { ...r, shards: later(r), scenarios: { chat: { ...chat, shards: later(chat) } } };
  const m = mergeResults([r, other]);
  t.deepEqual(m.checks, { "welcome has a spawn point": { passes: 18, fails: 2 } });
  t.like(m.custom?.chat_sent, { count: 84 });
  t.like(m.custom?.joined, { passes: 6, total: 8 });
  t.like(m.custom?.room_size, { value: 7, min: 1, max: 9 });
  t.is(toReport(m).latency.custom?.move_ack?.count, 8);
  t.is(m.scenarios?.chat?.bots.started, r.bots.started * 2);
  t.deepEqual(m.scenarios?.chat?.tags, { room: "a" });
});
