/**
 * BotSession over a long life, at an accelerated rate (issue #14 point 8): thousands of
 * reconnects and tens of thousands of calls in one process (the Node server and the session),
 * with the heap after full GC and the RSS compared between the first and the last window of
 * cycles (test/bots/soak.ts).
 */
import test from "ava";
import { soak } from "./soak.js";

test("Godot 3: 3,000 reconnects and 21,000 calls: flat heap after GC, bounded RSS, nothing left behind; the process then exits by itself", (t) =>
  soak(t, "session-soak.ts", 3000));
