/** SignalEmitter: Godot-named signals with EventEmitter's methods and EventEmitter's behaviour. */
import { EventEmitter, once } from "node:events";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import test from "ava";
import fc from "fast-check";
import { SignalEmitter } from "../../src/core/signal-emitter.js";

interface Signals {
  peer_connected: [id: number];
  server_disconnected: [];
}

class Peer extends SignalEmitter<Signals> {
  fire(id: number): boolean {
    return this.emit("peer_connected", id);
  }
  fireCatching(id: number, caught: (e: unknown) => void): boolean {
    return this.emitCatching("peer_connected", [id], caught);
  }
}

test("listeners are called in connection order, with the emitter as this and the signal's arguments", (t) => {
  const p = new Peer();
  const log: string[] = [];
  p.on("peer_connected", function (this: Peer, id) {
    log.push(`a${id}:${this === p}`);
  });
  p.on("peer_connected", (id) => log.push(`b${id}`));
  p.prependListener("peer_connected", (id) => log.push(`first${id}`));
  t.true(p.fire(7));
  t.deepEqual(log, ["first7", "a7:true", "b7"]);
  t.false(p.emit("server_disconnected"), "a signal without listeners reports false");
});

test("a once listener is called once; off() of it before the emission removes it", (t) => {
  const p = new Peer();
  let n = 0;
  const f = () => n++;
  p.once("peer_connected", f);
  p.fire(1);
  p.fire(2);
  t.is(n, 1);
  p.once("peer_connected", f);
  p.off("peer_connected", f);
  p.fire(3);
  t.is(n, 1);
  t.is(p.listenerCount("peer_connected"), 0);
});

test("off() removes the most recent connection of that listener only", (t) => {
  const p = new Peer();
  const log: string[] = [];
  const f = (id: number) => log.push(`f${id}`);
  p.on("peer_connected", f);
  p.on("peer_connected", (id) => log.push(`g${id}`));
  p.on("peer_connected", f);
  p.off("peer_connected", f);
  p.fire(1);
  t.deepEqual(log, ["f1", "g1"]);
  t.is(p.listenerCount("peer_connected", f), 1);
});

test("an emission calls the listeners connected when it started, whatever they connect or disconnect", (t) => {
  const p = new Peer();
  const log: string[] = [];
  const late = () => log.push("late");
  const b = () => log.push("b");
  p.on("peer_connected", () => {
    log.push("a");
    p.off("peer_connected", b);
    p.on("peer_connected", late);
  });
  p.on("peer_connected", b);
  p.fire(1);
  t.deepEqual(log, ["a", "b"]);
  log.length = 0;
  p.fire(2);
  t.deepEqual(log, ["a", "late"]);
});

test("a throwing listener stops emit() and its error propagates; emitCatching() carries on", (t) => {
  const p = new Peer();
  const log: string[] = [];
  p.on("peer_connected", () => {
    throw new Error("boom");
  });
  p.on("peer_connected", () => log.push("second"));
  t.throws(() => p.fire(1), { message: "boom" });
  t.deepEqual(log, []);
  const caught: unknown[] = [];
  t.true(p.fireCatching(2, (e) => caught.push(e)));
  t.deepEqual(log, ["second"]);
  t.is((caught[0] as Error).message, "boom");
});

test("removeAllListeners, eventNames, listeners", (t) => {
  const p = new Peer();
  const f = () => {};
  p.on("peer_connected", f).on("server_disconnected", f).once("peer_connected", f);
  t.deepEqual(p.eventNames(), ["peer_connected", "server_disconnected"]);
  t.deepEqual(p.listeners("peer_connected"), [f, f]);
  p.removeAllListeners("peer_connected");
  t.deepEqual(p.eventNames(), ["server_disconnected"]);
  p.removeAllListeners();
  t.deepEqual(p.eventNames(), []);
});

test("a listener that is not a function is a TypeError at connect time", (t) => {
  const p = new Peer();
  t.throws(() => p.on("peer_connected", 42 as unknown as () => void), {
    instanceOf: TypeError,
    message: /listener of "peer_connected" must be a function/,
  });
  t.is(p.listenerCount("peer_connected"), 0);
});

test("node:events once() works on it", async (t) => {
  const p = new Peer();
  setImmediate(() => p.fire(5));
  t.deepEqual(await once(p, "peer_connected"), [5]);
  t.is(p.listenerCount("peer_connected"), 0, "once() cleaned up after itself");
});

// ---- against EventEmitter ------------------------------------------------------------------

type Op =
  | { on: number; sig: 0 | 1; once: boolean; prepend: boolean }
  | { off: number; sig: 0 | 1 }
  | { all: 0 | 1 | null }
  | { emit: 0 | 1 };

const SIG = ["peer_connected", "server_disconnected"] as const;

test("behaves as EventEmitter under any sequence of connects, disconnects and emissions", (t) => {
  // Listeners 0..3; listener 2 disconnects listener 0 from the emitted signal when called, and
  // listener 3 connects listener 1: changes during an emission are covered too.
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.record({
      on: fc.integer({ min: 0, max: 3 }),
      sig: fc.constantFrom(0 as const, 1 as const),
      once: fc.boolean(),
      prepend: fc.boolean(),
    }),
    fc.record({ off: fc.integer({ min: 0, max: 3 }), sig: fc.constantFrom(0 as const, 1 as const) }),
    fc.record({ all: fc.constantFrom(0 as const, 1 as const, null) }),
    fc.record({ emit: fc.constantFrom(0 as const, 1 as const) }),
  );
  fc.assert(
    fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
      const logs: string[][] = [[], []];
      const run = (
        e: {
          on(s: string, f: () => void): unknown;
          once(s: string, f: () => void): unknown;
          prependListener(s: string, f: () => void): unknown;
          prependOnceListener(s: string, f: () => void): unknown;
          off(s: string, f: () => void): unknown;
          removeAllListeners(s?: string): unknown;
          emit(s: string): boolean;
          listenerCount(s: string): number;
        },
        log: string[],
      ) => {
        let current = "";
        const fs: (() => void)[] = [];
        fs[0] = () => log.push("0");
        fs[1] = () => log.push("1");
        fs[2] = () => {
          log.push("2");
          e.off(current, fs[0]!);
        };
        fs[3] = () => {
          log.push("3");
          e.on(current, fs[1]!);
        };
        for (const o of ops) {
          if ("on" in o) {
            const s = SIG[o.sig];
            const f = fs[o.on]!;
            if (o.prepend) o.once ? e.prependOnceListener(s, f) : e.prependListener(s, f);
            else o.once ? e.once(s, f) : e.on(s, f);
          } else if ("off" in o) e.off(SIG[o.sig], fs[o.off]!);
          else if ("all" in o) o.all === null ? e.removeAllListeners() : e.removeAllListeners(SIG[o.all]);
          else {
            current = SIG[o.emit];
            log.push(`emit:${e.emit(current)}`);
          }
          log.push(`n:${e.listenerCount(SIG[0])},${e.listenerCount(SIG[1])}`);
        }
      };
      run(new EventEmitter() as never, logs[0]!);
      run(new Peer() as never, logs[1]!);
      // Same calls, same emit() results, same listener counts after every step.
      return JSON.stringify(logs[1]) === JSON.stringify(logs[0]);
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test("an emitter's connections are kept in an array of their exact size: 10,000 emitters of five connections take < 260 B each", (t) => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const listener = () => undefined;
  const make = (n: number) => {
    const all: Peer[] = [];
    for (let i = 0; i < n; i++) {
      const p = new Peer();
      for (let k = 0; k < 5; k++) p.on("peer_connected", listener);
      all.push(p);
    }
    return all;
  };
  gc();
  const before = process.memoryUsage().heapUsed;
  const kept = make(10_000);
  gc();
  const each = (process.memoryUsage().heapUsed - before) / kept.length;
  // The emitter (≈ 32 B), its array (32 B) and 15 elements (136 B), its slot in `kept`; a spread
  // left room for 40 elements (336 B).
  t.true(each < 260, `${each.toFixed(0)} B an emitter`);
  // Still an emitter: a disconnect leaves an exact array too, and emission walks all.
  const p = kept[0] as Peer;
  p.off("peer_connected", listener);
  t.is(p.listenerCount("peer_connected"), 4);
});
