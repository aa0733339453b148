/**
 * Issue #16 point 8, the transport's part: network conditions on a client's own link. Latency is
 * one-way, on each direction; bandwidth paces each direction's bytes; order is TCP's; a drop is
 * a close with no close frame that says it was the network condition's; no condition, no shaper.
 */
import { performance } from "node:perf_hooks";
import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { WebSocketServer } from "ws";
import { bandwidthBytesPerSec } from "../../src/core/index.js";
import {
  type CloseInfo,
  type DirectionShape,
  GodotError,
  type LinkClock,
  LinkDirection,
  linkShape,
  SLICE_BYTES,
  WebSocketArgumentError,
  WebSocketClient,
} from "../../src/websocket/index.js";

/** A clock the test moves: timers fire in order of their time as it passes. */
class FakeClock implements LinkClock {
  t = 0;
  #timers: { at: number; fn: () => void; id: number }[] = [];
  #next = 0;
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.push({ at: this.t + ms, fn, id });
    return id;
  }
  clearTimeout(h: unknown): void {
    this.#timers = this.#timers.filter((x) => x.id !== h);
  }
  /** Moves to `to`, firing every timer due on the way, each at its own time. */
  advance(to: number): void {
    for (;;) {
      this.#timers.sort((a, b) => a.at - b.at || a.id - b.id);
      const first = this.#timers[0];
      if (!first || first.at > to) break;
      this.#timers.shift();
      this.t = Math.max(this.t, first.at);
      first.fn();
    }
    this.t = Math.max(this.t, to);
  }
  get pending(): number {
    return this.#timers.length;
  }
}

function shape(s: Partial<DirectionShape>): DirectionShape {
  return {
    latencyMs: 0,
    jitterMs: 0,
    bytesPerSec: Number.POSITIVE_INFINITY,
    distribution: "uniform",
    random: Math.random,
    ...s,
  };
}

test("bandwidths: tc's bit rates, byte rates, bytes per second; kbps is refused as ambiguous", (t) => {
  t.is(bandwidthBytesPerSec("256kbit"), 32_000);
  t.is(bandwidthBytesPerSec("1mbit"), 125_000);
  t.is(bandwidthBytesPerSec("1.5Mbit/s"), 187_500);
  t.is(bandwidthBytesPerSec("32kB/s"), 32_000);
  t.is(bandwidthBytesPerSec("1MiB"), 1_048_576);
  t.is(bandwidthBytesPerSec(5000), 5000);
  t.throws(() => bandwidthBytesPerSec("256kbps"), { message: /ambiguous/ });
  t.throws(() => bandwidthBytesPerSec("fast"), { message: /not a bandwidth/ });
  t.throws(() => bandwidthBytesPerSec(0), { message: /> 0/ });
});

test("conditions: bad values are errors naming the key; nothing to shape is null (no shaper at all)", (t) => {
  const key = (c: unknown) =>
    t.throws(() => linkShape(c as never), { instanceOf: WebSocketArgumentError })?.message ?? "";
  t.regex(key({ latency: "fast" }), /^network\.latency: /);
  t.regex(key({ latency: { up: "10ms", sideways: "1ms" } }), /^network\.latency\.sideways: unknown key/);
  t.regex(key({ jitter: -5 }), /^network\.jitter: /);
  t.regex(key({ bandwidth: { down: "1mbps" } }), /^network\.bandwidth\.down: .*ambiguous/);
  t.regex(key({ jitterDistribution: "pareto" }), /^network\.jitterDistribution: /);
  t.regex(key({ latancy: "10ms" }), /^network\.latancy: unknown key/);
  t.regex(key({ drops: [{ at: "1s" }] }), /^network\.drops: .*BotSession or a swarm run/);
  t.throws(() => new WebSocketClient({ network: { latency: "soon" } }), { message: /^network\.latency: / });
  t.is(linkShape(undefined), null);
  t.is(linkShape({}), null);
  t.is(linkShape({ latency: 0, jitter: "0ms" }), null);
  const s = linkShape({ latency: { up: "40ms" }, bandwidth: { down: "1mbit" } });
  t.like(s?.up, { latencyMs: 40, bytesPerSec: Number.POSITIVE_INFINITY });
  t.like(s?.down, { latencyMs: 0, bytesPerSec: 125_000 });
});

test("a bandwidth limit paces: bytes delivered by time t stay within rate × t and at most a slice behind it", (t) => {
  const clock = new FakeClock();
  const rate = 10_000; // bytes per second
  let delivered = 0;
  let ended = -1;
  const link = new LinkDirection(
    shape({ bytesPerSec: rate }),
    {
      write: (chunk) => {
        delivered += chunk.length;
        return true;
      },
      end: () => {
        ended = clock.t;
      },
    },
    clock,
  );
  const total = 50_000;
  link.push(Buffer.alloc(total));
  link.end();
  t.is(link.queuedBytes, total);
  for (let ms = 1; ms <= 6000; ms++) {
    clock.advance(ms);
    const allowed = (rate * ms) / 1000;
    t.true(delivered <= allowed, `at ${ms} ms: ${delivered} > ${allowed}`);
    if (delivered < total) t.true(delivered >= allowed - SLICE_BYTES, `at ${ms} ms: ${delivered} lags`);
  }
  t.is(delivered, total);
  t.is(ended, 5000, "the end of the stream after its last byte: 50 000 B at 10 000 B/s");
  t.is(link.queuedBytes, 0);
  t.is(clock.pending, 0, "no timer left once the link is idle");
});

test("order is TCP's under any jitter: bytes arrive in the order given, never earlier than the least delay", (t) => {
  fc.assert(
    fc.property(
      fc.record({
        latency: fc.integer({ min: 0, max: 200 }),
        jitter: fc.integer({ min: 0, max: 200 }),
        normal: fc.boolean(),
        rate: fc.option(fc.integer({ min: 1000, max: 1_000_000 }), { nil: undefined }),
        seed: fc.integer(),
        sends: fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 50 }), size: fc.integer({ min: 1, max: 5000 }) }),
          {
            minLength: 1,
            maxLength: 40,
          },
        ),
      }),
      ({ latency, jitter, normal, rate, seed, sends }) => {
        let x = seed >>> 0;
        const random = () => {
          x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
          return x / 2 ** 32;
        };
        const clock = new FakeClock();
        const got: { byte: number; at: number }[] = [];
        let endAt = -1;
        const link = new LinkDirection(
          shape({
            latencyMs: latency,
            jitterMs: jitter,
            distribution: normal ? "normal" : "uniform",
            random,
            bytesPerSec: rate ?? Number.POSITIVE_INFINITY,
          }),
          {
            write: (chunk) => {
              for (const b of chunk) got.push({ byte: b, at: clock.t });
              return true;
            },
            end: () => {
              endAt = clock.t;
            },
          },
          clock,
        );
        const sentAt: number[] = [];
        let n = 0;
        for (const s of sends) {
          clock.advance(clock.t + s.gap);
          const bytes = Buffer.alloc(s.size);
          for (let i = 0; i < s.size; i++) {
            bytes[i] = n % 251;
            sentAt.push(clock.t);
            n++;
          }
          link.push(bytes);
        }
        link.end();
        clock.advance(clock.t + 1e9);
        if (got.length !== n) return false;
        const least = normal ? 0 : Math.max(0, latency - jitter);
        for (let i = 0; i < n; i++) {
          const g = got[i] as { byte: number; at: number };
          if (g.byte !== i % 251) return false; // in order, none lost, none doubled
          if (g.at < (sentAt[i] as number) + least) return false; // never early
          if (i > 0 && g.at < (got[i - 1] as { at: number }).at) return false;
        }
        return endAt >= (got.at(-1) as { at: number }).at;
      },
    ),
    { numRuns: 200 },
  );
  t.pass();
});

async function echoServer(t: ExecutionContext) {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  const port = (wss.address() as { port: number }).port;
  const arrivals: { at: number; bytes: number }[] = [];
  const closes: number[] = [];
  wss.on("connection", (ws) => {
    ws.on("message", (data: Buffer) => {
      arrivals.push({ at: performance.now(), bytes: data.length });
      if (data.length < 100) ws.send(data);
    });
    ws.on("close", (code) => closes.push(code));
  });
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  return { url: `ws://127.0.0.1:${port}`, arrivals, closes };
}

async function open(client: WebSocketClient, url: string): Promise<number> {
  const started = performance.now();
  await client.connectToUrlAsync(url);
  return performance.now() - started;
}

function nextPacket(client: WebSocketClient): Promise<number> {
  return new Promise((resolve) => client.once("data_received", () => resolve(performance.now())));
}

test("latency is one-way on each direction: a round trip gains twice it, the connect (TCP + upgrade) four times", async (t) => {
  const server = await echoServer(t);
  const client = new WebSocketClient({ autoPoll: true, network: { latency: "60ms" } });
  t.teardown(() => client.dropConnection());
  const connectMs = await open(client, server.url);
  t.true(connectMs >= 240, `connect took ${connectMs} ms`);
  const rtts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const sent = performance.now();
    const back = nextPacket(client);
    t.is(client.getPeer(1)?.putPacket(Buffer.from(`ping ${i}`)), GodotError.OK);
    rtts.push((await back) - sent);
    client.getPeer(1)?.getPacket();
  }
  t.true(Math.min(...rtts) >= 120, `round trips ${rtts.join(", ")} ms`);
});

test("an upload limit paces what the server receives and fills Godot's output buffer: put_packet then fails", async (t) => {
  const server = await echoServer(t);
  const client = new WebSocketClient({ autoPoll: true, network: { bandwidth: { up: "64kB/s" } } });
  t.teardown(() => client.dropConnection());
  await open(client, server.url);
  const peer = client.getPeer(1);
  const started = performance.now();
  const results: GodotError[] = [];
  for (let i = 0; i < 9; i++) results.push(peer?.putPacket(Buffer.alloc(8000, i)) ?? GodotError.FAILED);
  // Godot 3's client out buffer is 64 KiB: the ninth 8000-byte message would pass it.
  t.deepEqual(results.slice(0, 8), Array(8).fill(GodotError.OK));
  t.is(results[8], GodotError.ERR_OUT_OF_MEMORY);
  t.regex(peer?.lastError?.message ?? "", /output buffer full/);
  t.true(client.getPeer(1)!.getCurrentOutboundBufferedAmount() > 60_000);
  while (server.arrivals.length < 8) await new Promise((r) => setTimeout(r, 20));
  // 8 × 8004 frame bytes at 64 000 B/s: the last cannot arrive before ~1 s.
  const lastMs = (server.arrivals.at(-1)?.at ?? 0) - started;
  t.true(lastMs >= (8 * 8004 * 1000) / 64_000 - 5, `last message after ${lastMs} ms`);
  for (const [i, a] of server.arrivals.entries()) {
    const floor = (((i + 1) * 8004 - SLICE_BYTES) * 1000) / 64_000;
    t.true(a.at - started >= floor - 5, `message ${i} after ${a.at - started} ms, floor ${floor}`);
  }
});

test("a scheduled drop: no close frame (the server sees 1006), and the client's close says the network condition did it", async (t) => {
  const server = await echoServer(t);
  const client = new WebSocketClient({ autoPoll: true, network: { latency: "5ms" } });
  await open(client, server.url);
  const closed = new Promise<[boolean, CloseInfo]>((resolve) =>
    client.once("connection_closed", (clean, info) => resolve([clean, info])),
  );
  client.dropConnection("network-condition");
  const [clean, info] = await closed;
  t.false(clean);
  t.like(info, { code: 1006, wasClean: false, initiatedBy: "network-condition" });
  while (server.closes.length === 0) await new Promise((r) => setTimeout(r, 10));
  t.deepEqual(server.closes, [1006]);
});

test("a slow download link stays bounded: past the input buffer's size the socket is not read, and bytes arrive at the rate", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  const port = (wss.address() as { port: number }).port;
  wss.on("connection", (ws) => {
    for (let i = 0; i < 40; i++) ws.send(Buffer.alloc(60_000, i));
  });
  const rate = 200_000;
  const client = new WebSocketClient({ autoPoll: true, network: { bandwidth: { down: rate } } });
  t.teardown(() => client.dropConnection());
  let received = 0;
  const order: number[] = [];
  client.on("data_received", () => {
    const p = client.getPeer(1)?.getPacket() ?? new Uint8Array(0);
    received += p.length;
    order.push(p[0] ?? -1);
  });
  // Before the connect: the link carries nothing earlier (the server's bytes follow its 101 at once).
  const started = performance.now();
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const limit = client.getBufferLimits().maxMessageBytes;
  let most = 0;
  for (let i = 0; i < 60; i++) {
    await new Promise((r) => setTimeout(r, 10));
    most = Math.max(most, client.linkBacklog?.down ?? 0);
    // Delivered bytes (payloads; frame headers on top) never outrun the rate.
    t.true(received <= (rate * (performance.now() - started)) / 1000 + SLICE_BYTES);
  }
  t.true(most > 0, "the link held bytes back");
  // One input buffer on the link, plus at most one socket read (64 KiB) past it.
  t.true(most <= limit + 65_536, `${most} bytes waited on the link`);
  t.deepEqual(
    order,
    [...order].sort((a, b) => a - b),
    "in order",
  );
});

test("poll mode under latency: nothing is lost or reordered while the client does not poll and the backlog pauses reading", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  const port = (wss.address() as { port: number }).port;
  const n = 3000;
  wss.on("connection", (ws) => {
    for (let i = 0; i < n; i++) ws.send(Buffer.from(String(i)));
  });
  const client = new WebSocketClient({ network: { latency: "20ms", jitter: "15ms" } });
  t.teardown(() => client.dropConnection());
  const connected = client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const got: number[] = [];
  const deadline = Date.now() + 20_000;
  let polls = 0;
  while (got.length < n && Date.now() < deadline) {
    client.poll();
    const peer = client.getPeer(1);
    while ((peer?.getAvailablePacketCount() ?? 0) > 0)
      got.push(Number(Buffer.from(peer!.getPacket()).toString()));
    // Long gaps between polls: the backlog reaches the input limits and reading pauses.
    await new Promise((r) => setTimeout(r, polls++ % 5 === 0 ? 150 : 2));
  }
  await connected;
  t.is(got.length, n);
  t.deepEqual(
    got,
    Array.from({ length: n }, (_, i) => i),
  );
});

test("no conditions, no shaper: a plain client's connection has no link, and one with conditions has", async (t) => {
  const server = await echoServer(t);
  const plain = new WebSocketClient({ autoPoll: true, network: { latency: 0 } });
  const shaped = new WebSocketClient({ autoPoll: true, network: { latency: "1ms" } });
  t.teardown(() => {
    plain.dropConnection();
    shaped.dropConnection();
  });
  await open(plain, server.url);
  await open(shaped, server.url);
  t.is(plain.linkBacklog, null);
  t.deepEqual(shaped.linkBacklog, { up: 0, down: 0 });
});

test("a reset behind bytes still on the link is seen after them: the last message arrives, then the close", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((r) => wss.once("listening", () => r()));
  t.teardown(() => new Promise<void>((r) => wss.close(() => r())));
  const port = (wss.address() as { port: number }).port;
  wss.on("connection", (ws) => {
    ws.send(Buffer.from("last words"));
    // Out well before the reset; the client's link still holds it (50 ms one-way).
    setTimeout(() => (ws as unknown as { _socket: import("node:net").Socket })._socket.resetAndDestroy(), 10);
  });
  const client = new WebSocketClient({ autoPoll: true, network: { latency: { down: "50ms" } } });
  const seen: string[] = [];
  client.on("data_received", () => seen.push(Buffer.from(client.getPeer(1)?.getPacket() ?? []).toString()));
  const closed = new Promise<CloseInfo>((resolve) =>
    client.once("connection_closed", (_c, info) => resolve(info)),
  );
  client.on("connection_established", () => seen.push("open"));
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const info = await closed;
  seen.push(`closed ${info.code}`);
  t.deepEqual(seen, ["open", "last words", "closed 1006"]);
});
