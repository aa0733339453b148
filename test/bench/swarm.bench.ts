/**
 * The swarm against its baselines (issue 7, point 8). Servers always run in another process than
 * the clients measured, and memory is measured in a child process of its own, so neither side's
 * figures include the other's work. See protocol-notes/benchmarks.md for what each figure means.
 *
 * - swarm/memory-per-idle-bot: RSS growth per connection of a process holding N idle bots
 *   (joined to the example game) ÷ one holding N bare `ws` client connections. Lower is better.
 * - swarm/rpc-round-trips: Game.ping → Game.pong round trips per second through bot.request ÷ a
 *   raw `ws` echo of the same bytes; same clients, same requests in flight. Higher is better.
 * - swarm/bot-memory-vs-godot-client: RSS per idle bot ÷ RSS of a real headless Godot 3.2.3
 *   client process connected to the same game, idle. Lower is better.
 * - swarm/largest-swarm: bots one process holds at 1 rpc/s each with p99 < 100 ms ÷ the target
 *   of 10,000. Higher is better. Slow (minutes): select it alone with --filter largest-swarm.
 *
 * - swarm4/…: the same for the Godot 4 bot (Bot.connect with the game's manifest) against our
 *   Node server's ExampleGame4 (fixtures/game-server4.ts) — memory-per-idle-bot (server_relay on:
 *   every bot told of every other), rpc-round-trips (Main.ping → Main.pong), and the largest swarm
 *   with server_relay off (target 20,000) and on (target 10,000).
 *
 * --quick shrinks every swarm (for the contract test); its figures are not the ones to quote.
 */
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { Bot } from "../../src/bots/index.js";
import { type GodotProcess, startGodot } from "../../src/engine/index.js";
import { makeFrame, SysType } from "../../src/multiplayer/index.js";
import type { Benchmark, Side } from "./harness.js";
import { runForResult, startServer } from "./procs.js";

const quick = process.argv.includes("--quick");
/** The Godot 4 example game's RPC manifest (what `godot-peer manifest` makes of test/godot/g4). */
const GAME4_MANIFEST = fileURLToPath(new URL("../godot4/fixtures/game4-manifest.json", import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
  readonly external: number;
}
interface HolderResult {
  readonly kind: string;
  readonly n: number;
  readonly connectMs: number;
  readonly peersSeen: number;
  readonly frames: number;
  readonly before: MemorySample;
  readonly after: MemorySample;
}

/** A side whose `fn` is the whole measurement of one round. */
function measured(name: string, fn: () => Promise<number>, extra: Partial<Side> = {}): Side {
  return { name, fn, ...extra };
}
const byFn = (side: Side) => side.fn() as Promise<number>;

/** How long a holder idles before its last sample: V8 shrinks a grown young generation only then. */
const IDLE_SETTLE_MS = quick ? 500 : 15_000;

/**
 * RSS growth per connection of a fresh child process holding `n` idle connections of `kind`.
 * Bots join the example game. Bare `ws` clients join it too (`server: "game"`: the same server
 * greets them with the same frames, which they drop) or a plain ws server (`"plain"`: no frames).
 */
async function rssPerConnection(
  kind: "bots" | "bots4" | "ws",
  n: number,
  server: "game" | "game4" | "plain" = "game",
  /** What is returned: RSS growth, or heap + external growth (both are printed). */
  metric: "rss" | "heap+external" = "rss",
): Promise<number> {
  const child =
    server === "game4"
      ? await startServer("game-server4.ts", [], ["relay-on"])
      : await startServer(server === "game" ? "game-server.ts" : "ws-echo-server.ts");
  try {
    const url = `ws://127.0.0.1:${child.port}`;
    const r = await runForResult<HolderResult>(
      "idle-holder.ts",
      [
        kind,
        url,
        String(n),
        String(IDLE_SETTLE_MS),
        ...(kind === "ws" && server === "game" ? ["greeted"] : []),
        ...(kind === "bots4" ? [GAME4_MANIFEST, String(n)] : []),
      ],
      ["--expose-gc", "--max-old-space-size=16384"],
      600_000,
    );
    if (kind !== "ws" && r.peersSeen < n) throw new Error(`bots saw ${r.peersSeen} peers of ${n}`);
    if (kind === "ws" && server === "game" && r.frames < n * (n + 1)) {
      throw new Error(`ws clients got ${r.frames} greeting frames of ${n * (n + 1)}`);
    }
    const perConn = (r.after.rss - r.before.rss) / n;
    const heapExt = (r.after.heapUsed + r.after.external - r.before.heapUsed - r.before.external) / n;
    console.error(
      `  ${kind} ×${n} (${server} server): ${Math.round(perConn)} B RSS/conn (heap+external ${Math.round(heapExt)} B), connected+settled in ${Math.round(r.connectMs)} ms`,
    );
    return metric === "rss" ? perConn : heapExt;
  } finally {
    await child.child.stop();
  }
}

// ---- round trips -------------------------------------------------------------------------------

const CLIENTS = 50;
const IN_FLIGHT = 4; // per client
const WINDOW_MS = quick ? 500 : 2_000;

interface Echoer {
  /** Round trips completed in a window of `ms` with IN_FLIGHT per client, all clients at once. */
  run(ms: number): Promise<number>;
  close(): Promise<void>;
}

let pingFrame: Uint8Array | null = null; // what a bot sends for Game.ping(seq), captured in setup

async function botEchoer(url: string, godot: 3 | 4 = 3): Promise<Echoer> {
  const options = godot === 4 ? { godot: 4 as const, manifest: GAME4_MANIFEST } : {};
  const bots = await Promise.all(Array.from({ length: CLIENTS }, () => Bot.connect({ url, ...options })));
  const node = godot === 4 ? "Main" : "Game";
  let seq = 0;
  const ping = (bot: Bot) => {
    const s = ++seq;
    return bot.request(1, node, "ping", [s], { method: "pong", match: (a) => a[0] === s });
  };
  // The first call simplifies the path (Godot's path cache); capture a steady-state call.
  const probe = bots[0]!;
  await ping(probe);
  // The frame is what the peer sends for this packet: Godot 3, its 9-byte header, then the
  // packet; Godot 4, the packet alone.
  const peer = probe.peer;
  const putPacket = peer.putPacket;
  peer.putPacket = (payload: Uint8Array) => {
    pingFrame ??=
      godot === 4
        ? Uint8Array.from(payload)
        : makeFrame(SysType.NONE, probe.id, peer.getTargetPeer(), payload);
    return putPacket.call(peer, payload);
  };
  pingFrame = null;
  await ping(probe);
  peer.putPacket = putPacket;
  for (const b of bots.slice(1)) await ping(b);
  return {
    async run(ms) {
      const end = performance.now() + ms;
      let done = 0;
      const slot = async (bot: Bot) => {
        while (performance.now() < end) {
          await ping(bot);
          if (performance.now() <= end) done++;
        }
      };
      await Promise.all(bots.flatMap((b) => Array.from({ length: IN_FLIGHT }, () => slot(b))));
      return (done * 1000) / ms;
    },
    async close() {
      await Promise.all(bots.map((b) => b.disconnect()));
    },
  };
}

async function wsEchoer(url: string, frame: Uint8Array): Promise<Echoer> {
  const clients = await Promise.all(
    Array.from(
      { length: CLIENTS },
      () =>
        new Promise<WebSocket>((resolve, reject) => {
          const ws = new WebSocket(url);
          ws.binaryType = "nodebuffer";
          ws.once("open", () => resolve(ws)).once("error", reject);
        }),
    ),
  );
  return {
    run(ms) {
      const end = performance.now() + ms;
      let done = 0;
      let inFlight = 0;
      return new Promise<number>((resolve) => {
        for (const ws of clients) {
          const onMessage = () => {
            inFlight--;
            if (performance.now() <= end) {
              done++;
              inFlight++;
              ws.send(frame);
            } else if (inFlight === 0) {
              for (const c of clients) c.removeAllListeners("message");
              resolve((done * 1000) / ms);
            }
          };
          ws.on("message", onMessage);
          for (let i = 0; i < IN_FLIGHT; i++) {
            inFlight++;
            ws.send(frame);
          }
        }
      });
    },
    async close() {
      await Promise.all(
        clients.map((ws) => new Promise<void>((resolve) => ws.once("close", () => resolve()).close())),
      );
    },
  };
}

function roundTripSide(
  name: string,
  start: () => Promise<{ echoer: Echoer; stop: () => Promise<void> }>,
): Side {
  let live: { echoer: Echoer; stop: () => Promise<void> } | null = null;
  return {
    name,
    setup: async () => {
      live = await start();
      await live.echoer.run(WINDOW_MS / 2); // warm-up: JIT, TCP windows
    },
    fn: () => {
      if (!live) throw new Error(`${name}: not set up`);
      return live.echoer.run(WINDOW_MS);
    },
    teardown: async () => {
      await live?.stop();
      live = null;
    },
  };
}

// ---- a real Godot 3 client -----------------------------------------------------------------------

const g3Project = fileURLToPath(new URL("../godot/g3", import.meta.url));

/** RSS of the Godot process itself: the child of startGodot's `sh` watchdog. */
async function godotRss(godot: GodotProcess): Promise<number> {
  const watchdog = (godot as unknown as { pid: number }).pid;
  const pids: number[] = [];
  for (const task of await readdir(`/proc/${watchdog}/task`)) {
    const kids = await readFile(`/proc/${watchdog}/task/${task}/children`, "utf8");
    pids.push(...kids.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  let best = 0;
  for (const pid of pids) {
    const comm = (await readFile(`/proc/${pid}/comm`, "utf8")).trim();
    if (!/godot/i.test(comm)) continue;
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    best = Math.max(best, kb * 1024);
  }
  if (best === 0) throw new Error(`no Godot process under pid ${watchdog} (children ${pids.join(", ")})`);
  return best;
}

async function godotClientRss(): Promise<number> {
  const server = await startServer("game-server.ts");
  let godot: GodotProcess | null = null;
  try {
    godot = await startGodot({
      version: "3.2.3",
      project: g3Project,
      script: "game_client.gd",
      env: { GP_SERVER_URL: `ws://127.0.0.1:${server.port}`, GP_SCRIPT: "idle" },
      ready: /^CONNECTED \d+$/,
    });
    await sleep(1_000); // idle and settled, like the bots
    const rss = await godotRss(godot);
    console.error(`  Godot 3.2.3 client: ${rss} B RSS`);
    return rss;
  } finally {
    await godot?.stop("SIGKILL");
    await server.child.stop();
  }
}

// ---- the largest swarm -------------------------------------------------------------------------

const SWARM_TARGET = quick ? 200 : 10_000;
/** Godot 4 (issue #12, point 10): 20,000 bots with server_relay off, 10,000 with it on. */
const SWARM4_TARGET_RELAY_OFF = quick ? 200 : 20_000;
const SWARM4_TARGET_RELAY_ON = quick ? 200 : 10_000;

interface SwarmResult {
  readonly held: number;
  readonly stopReason: string;
  /** "target", "fd-limit" (RLIMIT_NOFILE allows no more sockets), "latency", "budget" or "connect". */
  readonly stoppedBy: string;
  readonly fdLimit: number;
  readonly elapsedMs: number;
  readonly last: Record<string, number>;
}

async function largestSwarm(godot4?: { relay: boolean; target: number }): Promise<number> {
  const relay = godot4?.relay ? "relay-on" : "relay-off";
  const server = godot4
    ? await startServer("game-server4.ts", ["--max-old-space-size=16384", "--expose-gc"], [relay])
    : await startServer("game-server.ts", ["--max-old-space-size=16384"]);
  try {
    // Steps of 1,000 (2,000 to 20,000) held 10 s each: ten steps to the target, within 7 min (10 min;
    // 16 min with server_relay on, whose greeting is quadratic in the swarm as in Godot: at 10,000 a
    // step's join storm is 10^7 ADD_PEER each way, and the budget only bounds the bench's time).
    const target = godot4?.target ?? SWARM_TARGET;
    const budgetMs = godot4?.relay ? 960_000 : godot4 ? 560_000 : 420_000;
    const args = quick ? ["100", "2000", "60000"] : [String(target / 10), "10000", String(budgetMs)];
    const r = await runForResult<SwarmResult>(
      "swarm-holder.ts",
      [
        `ws://127.0.0.1:${server.port}`,
        String(target),
        ...args,
        // The server's pid: the holder has it collect a step's garbage before the hold (swarm-holder.ts).
        ...(godot4 ? ["godot4", GAME4_MANIFEST, relay, String(server.child.process.pid)] : []),
      ],
      ["--max-old-space-size=16384", ...(godot4 ? ["--expose-gc"] : [])],
      Math.max(600_000, budgetMs + 40_000),
    );
    console.error(
      `  largest swarm${godot4 ? ` (Godot 4, ${relay})` : ""}: held ${r.held} of ${target} (stopped by ${r.stoppedBy}: ${r.stopReason}) in ${r.elapsedMs} ms; last step ${JSON.stringify(r.last)}`,
    );
    return r.held;
  } finally {
    await server.child.stop();
    // The Godot 4 server's last STATS line (printed as it stops): packets its output limits refused.
    const stats = godot4 ? server.child.lines.findLast((l) => l.startsWith("STATS ")) : undefined;
    if (stats) console.error(`  Godot 4 server at the end: ${stats.slice(6)}`);
  }
}

// ---- the benchmarks -----------------------------------------------------------------------------

const IDLE_N = quick ? 200 : 2_000;
const SOLO_N = quick ? 50 : 200;

const benchmarks: Benchmark[] = [
  {
    name: "swarm/memory-per-idle-bot",
    unit: "B RSS/connection (lower is better)",
    ours: measured(`${IDLE_N} idle bots`, () => rssPerConnection("bots", IDLE_N)),
    baseline: measured(`${IDLE_N} bare ws clients`, async () => {
      // For the record (stderr): the same clients greeted by the game server with the very frames
      // the bots get. What receiving them leaves behind varies a lot from run to run (8–19 KB a
      // connection), so the baseline is the quiet connection.
      await rssPerConnection("ws", IDLE_N, "game");
      return rssPerConnection("ws", IDLE_N, "plain");
    }),
    measure: byFn,
    // RSS after a burst varies by a third from run to run: medians of three interleaved rounds.
    maxRounds: 3,
  },
  {
    name: "swarm/rpc-round-trips",
    unit: "round trips/s",
    ours: roundTripSide("bot.request ping/pong", async () => {
      const server = await startServer("game-server.ts");
      const echoer = await botEchoer(`ws://127.0.0.1:${server.port}`);
      const stop = async () => {
        await echoer.close();
        await server.child.stop();
      };
      return { echoer, stop };
    }),
    baseline: roundTripSide("raw ws echo, same bytes", async () => {
      if (!pingFrame) throw new Error("the bot side captures the ping frame first");
      const server = await startServer("ws-echo-server.ts");
      const echoer = await wsEchoer(`ws://127.0.0.1:${server.port}`, pingFrame);
      const stop = async () => {
        await echoer.close();
        await server.child.stop();
      };
      return { echoer, stop };
    }),
    measure: byFn,
  },
  {
    name: "swarm/bot-memory-vs-godot-client",
    unit: "B RSS/client (lower is better)",
    ours: measured(`idle bot (of ${SOLO_N})`, () => rssPerConnection("bots", SOLO_N)),
    baseline: measured("headless Godot 3.2.3 client", godotClientRss),
    measure: byFn,
    maxRounds: 3,
  },
  {
    name: "swarm/largest-swarm",
    unit: "bots at 1 rpc/s, p99 < 100 ms (higher is better)",
    ours: measured("one process", largestSwarm),
    baseline: measured("target", async () => SWARM_TARGET),
    measure: byFn,
    maxRounds: 1,
  },
  // ---- Godot 4 (issue #12, point 10): the Godot 4 bot against our Node server's ExampleGame4 ----
  {
    name: "swarm4/memory-per-idle-bot",
    // Heap + external, the target's measure (issue #12, point 10): RSS at rest swung by more than
    // a bot's size between rounds of the same side (it is printed beside it on stderr).
    unit: "B heap+external/connection (lower is better)",
    ours: measured(`${IDLE_N} idle Godot 4 bots (server_relay on)`, () =>
      rssPerConnection("bots4", IDLE_N, "game4", "heap+external"),
    ),
    baseline: measured(`${IDLE_N} bare ws clients`, () =>
      rssPerConnection("ws", IDLE_N, "plain", "heap+external"),
    ),
    measure: byFn,
    maxRounds: 3,
  },
  {
    name: "swarm4/rpc-round-trips",
    unit: "round trips/s",
    ours: roundTripSide("Godot 4 bot.request Main.ping/pong", async () => {
      const server = await startServer("game-server4.ts", [], ["relay-on"]);
      const echoer = await botEchoer(`ws://127.0.0.1:${server.port}`, 4);
      const stop = async () => {
        await echoer.close();
        await server.child.stop();
      };
      return { echoer, stop };
    }),
    baseline: roundTripSide("raw ws echo, same bytes", async () => {
      if (!pingFrame) throw new Error("the bot side captures the ping frame first");
      const server = await startServer("ws-echo-server.ts");
      const echoer = await wsEchoer(`ws://127.0.0.1:${server.port}`, pingFrame);
      const stop = async () => {
        await echoer.close();
        await server.child.stop();
      };
      return { echoer, stop };
    }),
    measure: byFn,
  },
  {
    name: "swarm4/largest-swarm-relay-off",
    unit: "bots at 1 rpc/s, p99 < 100 ms (higher is better)",
    ours: measured("one process, server_relay off", () =>
      largestSwarm({ relay: false, target: SWARM4_TARGET_RELAY_OFF }),
    ),
    baseline: measured("target", async () => SWARM4_TARGET_RELAY_OFF),
    measure: byFn,
    maxRounds: 1,
  },
  {
    name: "swarm4/largest-swarm-relay-on",
    unit: "bots at 1 rpc/s, p99 < 100 ms (higher is better)",
    ours: measured("one process, server_relay on", () =>
      largestSwarm({ relay: true, target: SWARM4_TARGET_RELAY_ON }),
    ),
    baseline: measured("target", async () => SWARM4_TARGET_RELAY_ON),
    measure: byFn,
    maxRounds: 1,
  },
];

export default benchmarks;
