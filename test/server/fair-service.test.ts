/**
 * Fair service: one client's burst costs that client, not everyone. The work done for one peer in
 * one event-loop turn is bounded (as Godot's per-peer input ring bounds what one poll takes), so
 * while one peer floods the server with 100,000 pings, the well-behaved bots' p99 round trip stays
 * within 5× their p99 without the flood — a ratio of two measurements of the same run.
 */
import { connect, type Socket } from "node:net";
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { makeFrame, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import { encodeRemote, encodeSimplifyPath, NetworkCommand, RpcMode } from "../../src/scene/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { until } from "../bots/game.js";

const BOTS = 8;
const FLOOD = 100_000;

/** One masked client frame (mask key 0: the payload as is). */
function clientFrame(payload: Uint8Array): Buffer {
  const n = payload.length;
  const head =
    n < 126
      ? Buffer.from([0x82, 0x80 | n, 0, 0, 0, 0])
      : Buffer.from([0x82, 0xfe, n >> 8, n & 0xff, 0, 0, 0, 0]);
  return Buffer.concat([head, payload]);
}

/** A raw WebSocket client on a plain socket: it reads (and drops) whatever it is sent. */
async function rawClient(port: number): Promise<{ socket: Socket; id: number }> {
  const socket = connect(port, "127.0.0.1");
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  socket.write(
    "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
  );
  const id = await new Promise<number>((resolve) => {
    let got = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      got = Buffer.concat([got, d]);
      const end = got.indexOf("\r\n\r\n");
      // The greeting's first frame (SYS_ID): 2 bytes of frame header, then the Godot message.
      if (end >= 0 && got.length >= end + 4 + 2 + 13) {
        socket.off("data", onData);
        socket.on("data", () => {});
        resolve(readSysPeerId(new Uint8Array(got.subarray(end + 4 + 2, end + 4 + 2 + 13))));
      }
    };
    socket.on("data", onData);
  });
  return { socket, id };
}

function p99(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] as number;
}

test("one peer's 100,000-ping burst: the others' p99 round trip stays within 5× their p99 without it", async (t) => {
  t.timeout(180_000);
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  const url = `ws://127.0.0.1:${port}`;
  const bots = await Promise.all(Array.from({ length: BOTS }, () => Bot.connect({ url })));
  t.teardown(() => Promise.all(bots.map((b) => b.disconnect())));
  for (const b of bots) b.handle("Game", "pong", RpcMode.PUPPET, () => {});

  // The well-behaved: each pings, waits for its pong, pings again.
  let phase: "baseline" | "flood" | "done" = "baseline";
  const now = () => phase;
  const rtts = { baseline: [] as number[], flood: [] as number[] };
  let botPings = 0;
  const loops = bots.map(async (b, i) => {
    for (let seq = i * 1_000_000; now() !== "done"; seq++) {
      const at = now();
      botPings++;
      const r = await b.request(1, "Game", "ping", [seq], {
        method: "pong",
        match: (args) => args[0] === seq,
        timeoutMs: 60_000,
      });
      if (at !== "done" && at === now()) rtts[at].push(r.rttMs);
    }
  });
  await until(() => rtts.baseline.length >= 2_000, "the baseline samples", 60_000);

  const flooder = await rawClient(port);
  t.teardown(() => flooder.socket.destroy());
  flooder.socket.write(clientFrame(makeFrame(SysType.NONE, flooder.id, 1, encodeSimplifyPath(2, "Game"))));
  const frames: Buffer[] = [];
  for (let i = 0; i < FLOOD; i++) {
    const ping = encodeRemote(NetworkCommand.REMOTE_CALL, { cacheId: 2 }, "ping", [i]);
    frames.push(clientFrame(makeFrame(SysType.NONE, flooder.id, 1, ping)));
  }
  const burst = Buffer.concat(frames);
  const pingsBefore = g.multiplayer.stats.byMethod.get("Game:ping")?.callsIn ?? 0;
  const botPingsBefore = botPings;
  phase = "flood";
  flooder.socket.write(burst);
  // The flood is over when every one of its pings was run, or dropped as Godot's full input ring drops it.
  const floodDone = () => {
    const pings = (g.multiplayer.stats.byMethod.get("Game:ping")?.callsIn ?? 0) - pingsBefore;
    const dropped = g.server.badInput.get("input-packets") ?? 0;
    return pings - (botPings - botPingsBefore) + dropped >= FLOOD - BOTS;
  };
  await until(floodDone, "the flood to be served", 120_000);
  await until(() => rtts.flood.length >= 200, "samples during the flood", 60_000);
  phase = "done";
  await Promise.all(loops);

  const base = p99(rtts.baseline);
  const flood = p99(rtts.flood);
  t.log(
    `p99 without the flood ${base.toFixed(2)} ms (${rtts.baseline.length} round trips), ` +
      `during it ${flood.toFixed(2)} ms (${rtts.flood.length}): ×${(flood / base).toFixed(2)}; ` +
      `flood pings dropped by the input ring: ${g.server.badInput.get("input-packets") ?? 0}`,
  );
  t.true(flood <= 5 * base, `p99 ${flood.toFixed(2)} ms during the flood > 5 × ${base.toFixed(2)} ms`);
});
