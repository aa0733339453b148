/**
 * Godot 4 replication as bots follow it (issue #15, point 7): 1,000 bots in one process, each
 * following 100 entities a server in another process replicates at 20 Hz (full SYNC of position,
 * rotation and velocity, bundled under the engine's 1350-byte MTU). Ours: the bot process's CPU
 * time per second of that traffic, measured over a window after the spawns settled. Baseline:
 * the CPU time of decoding the same values (the same bytes, a second's worth) with the bare
 * Variant codec. Both in CPU ms per second of traffic; lower is better, target ratio ≤ 1.5.
 *
 * Scaled by the entries the bots actually applied in the window, so a machine too busy to carry
 * the full 2,000,000 entries a second still compares the same work.
 *
 * Three rows: followers whose script reads every property of every entity it follows once per tick's
 * worth of entries applied (every state received read once; not on a clock, which a process short
 * of CPU would fall behind, reading less and looking cheaper; GP_REPL4_READ_HZ=N reads N times a
 * second of the full traffic instead of 20), followers whose script reads nothing (the states
 * then stay as the bytes received), and the floor: bare `ws` clients (repl4-ws-receivers.ts)
 * receiving the same frames and decoding nothing, what the kernel and a WebSocket library cost
 * before any Godot work.
 */
import { decode } from "../../src/variant/index.js";
import { ENTITIES, syncPackets, TICK_HZ } from "./fixtures/repl4-packets.js";
import type { Benchmark, Side } from "./harness.js";
import { type Child, startChild, startServer } from "./procs.js";

const BOTS = Number(process.env.GP_REPL4_BOTS ?? 1000);
const READ_HZ = Number(process.env.GP_REPL4_READ_HZ ?? TICK_HZ);
/** Values in an entry (position, rotation, velocity). */
const VALUES = 3;
const WINDOW_MS = 3_000;
/** Entries in a second of the full traffic. */
const ENTRIES_PER_SECOND = BOTS * ENTITIES * TICK_HZ;

interface Window {
  readonly cpuMs: number;
  /** Of which in the kernel (reading the sockets). */
  readonly systemMs: number;
  readonly windowMs: number;
  readonly entries: number;
  readonly stale: number;
  readonly unknown: number;
  readonly read: number;
}

let server: { child: Child; port: number } | null = null;
let followers: Child | null = null;

async function measureBots(): Promise<number> {
  const f = followers as Child;
  const seen = f.lines.length;
  f.process.stdin?.write(`MEASURE ${WINDOW_MS}\n`);
  // line() would find an earlier RESULT: read the lines printed after this request.
  for (let waited = 0; ; waited += 20) {
    const line = f.lines.slice(seen).find((l) => l.startsWith("RESULT "));
    if (line) {
      const w = JSON.parse(line.slice("RESULT ".length)) as Window;
      if (w.entries === 0) throw new Error("repl4: the bots applied no SYNC in the window");
      const received = (w.entries / (w.windowMs / 1000)) | 0;
      console.error(
        `repl4: ${received.toLocaleString("en-US")} entries/s applied (${((received / ENTRIES_PER_SECOND) * 100).toFixed(0)}% of the full traffic), ${w.stale} stale, ${w.unknown} unknown; ${(w.read / (w.entries * VALUES)).toFixed(2)} reads a value received; ${((w.cpuMs / w.windowMs) * 100).toFixed(0)}% CPU, ${((w.systemMs / w.windowMs) * 100).toFixed(0)}% of it in the kernel`,
      );
      return (w.cpuMs / w.entries) * ENTRIES_PER_SECOND;
    }
    if (waited > WINDOW_MS + 120_000) throw new Error("repl4: the bots did not report their window");
    if (f.process.exitCode !== null) throw new Error("repl4: the bots' process exited");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The SYNC packets of TICK_HZ ticks (one second of one bot's traffic), decoded value by value BOTS times. */
const ticks = Array.from({ length: TICK_HZ }, (_, t) => syncPackets(t + 1));
const GODOT4 = { dialect: "godot4" as const, offset: 0 };
let sink: unknown;

function decodeSecond(): number {
  let values = 0;
  for (let b = 0; b < BOTS; b++) {
    for (const packets of ticks) {
      for (const p of packets) {
        let ofs = 3;
        while (ofs + 8 < p.length) {
          const size = p.readUInt32LE(ofs + 4);
          const end = ofs + 8 + size;
          let at = ofs + 8;
          while (at < end) {
            GODOT4.offset = at;
            const d = decode(p, GODOT4);
            sink = d.value;
            at += d.bytesRead;
            values++;
          }
          ofs = end;
        }
      }
    }
  }
  return values;
}

function measureBare(): number {
  const cpu0 = process.cpuUsage();
  decodeSecond();
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / 1000;
}

/** A side whose clients run `script` (repl4-followers.ts or the bare `ws` floor) in a process of their own. */
function clientsSide(name: string, script: string, args: readonly string[]): Side {
  return {
    name,
    fn: () => 0,
    async setup() {
      server = await startServer("repl4-server.ts");
      const prof = process.env.GP_REPL4_PROF
        ? ["--cpu-prof", `--cpu-prof-dir=${process.env.GP_REPL4_PROF}`]
        : [];
      // GP_REPL4_NODE_ARGS: V8 flags for the bots' process (e.g. --max-semi-space-size=64).
      const flags = (process.env.GP_REPL4_NODE_ARGS ?? "").split(" ").filter((f) => f !== "");
      followers = startChild(
        script,
        [`ws://127.0.0.1:${server.port}`, String(BOTS), ...args],
        [...prof, ...flags],
      );
      await followers.line(/^JOINED$/, 120_000);
      server.child.process.stdin?.write("START\n");
      await followers.line(/^READY$/, 120_000);
    },
    async teardown() {
      await followers?.stop();
      await server?.child.stop();
      followers = null;
      server = null;
    },
  };
}

const followersSide = (readHz: number): Side =>
  clientsSide(
    `${BOTS} bots following ${ENTITIES} entities at ${TICK_HZ} Hz, ${readHz > 0 ? `read at ${readHz} Hz` : "read by nobody"}`,
    "repl4-followers.ts",
    [String(readHz)],
  );

const bare: Side = { name: "bare Variant decode of the same values", fn: () => sink };

function row(name: string, ours: Side): Benchmark {
  return {
    name,
    unit: "CPU ms per s of traffic (lower is better)",
    ours,
    baseline: bare,
    maxRounds: 3,
    measure: (side) => (side === ours ? measureBots() : measureBare()),
  };
}

const benchmarks: Benchmark[] = [
  row("repl4/follow-100-entities", followersSide(READ_HZ)),
  row("repl4/follow-100-entities-unread", followersSide(0)),
  // The floor: the same frames to bare `ws` clients that decode nothing (kernel and WebSocket alone).
  row(
    "repl4/receive-only-ws",
    clientsSide(`${BOTS} bare ws clients receiving the same frames`, "repl4-ws-receivers.ts", []),
  ),
];

export default benchmarks;
