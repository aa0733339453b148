/**
 * BotSession (issue #14 point 8): a session that stays up. Against the Node server's example
 * game (Godot 3): the server stopped and restarted on the same port, connections terminated
 * server-side, a frozen link found by the heartbeat that is on by default; the backoff is
 * full jitter under a capped exponential (checked with an injected random, no timing).
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import test, { type ExecutionContext } from "ava";
import {
  BotConnectError,
  BotDisconnectedError,
  BotSession,
  backoffDelay,
  type Godot3Bot,
  type RpcCall,
  SESSION_HEARTBEAT_MS,
} from "../../src/bots/index.js";
import { ExampleGame } from "../../src/server/index.js";
import type { Variant } from "../../src/variant/index.js";
import { until } from "./game.js";

async function startGame(t: ExecutionContext, port = 0): Promise<ExampleGame> {
  const g = new ExampleGame();
  t.teardown(() => g.stop());
  await g.listen(port);
  return g;
}

/** The events of a session, in order. */
function record(session: BotSession<Godot3Bot>): string[] {
  const events: string[] = [];
  session.on("connected", (bot) => events.push(`connected ${bot.id}`));
  session.on("reconnecting", (attempt, delayMs, cause) =>
    events.push(`reconnecting ${attempt} ${delayMs} ${cause.name}`),
  );
  session.on("reconnected", (bot) => events.push(`reconnected ${bot.id}`));
  session.on("disconnected", () => events.push("disconnected"));
  session.on("connection_failed", (err) => events.push(`connection_failed ${err.message}`));
  return events;
}

/** A jitter source that cycles through fixed values: the delays are known in advance. */
function cycling(values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

test("backoffDelay: full jitter, random() × min(maxMs, initialMs × factor^(attempt−1)), bounded at any attempt", (t) => {
  const b = { initialMs: 100, maxMs: 1000, factor: 2 };
  const top = () => 0.999999;
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 50].map((n) => backoffDelay(n, b, top)),
    [99, 199, 399, 799, 999, 999, 999],
  );
  t.deepEqual(
    [1, 2, 3, 4].map((n) => backoffDelay(n, b, () => 0.5)),
    [50, 100, 200, 400],
  );
  t.is(
    backoffDelay(4, b, () => 0),
    0,
    "full jitter reaches down to zero",
  );
  // No overflow however long the outage: attempt 1e6 of factor 10 is still the cap.
  t.is(backoffDelay(1e6, { initialMs: 1, maxMs: 60_000, factor: 10 }, top), 59_999);
  // A random() outside [0, 1) cannot push a delay past the cap.
  t.is(
    backoffDelay(3, b, () => 7),
    0,
  );
  t.is(
    backoffDelay(3, b, () => Number.NaN),
    0,
  );
  t.throws(() => new BotSession({ url: "ws://127.0.0.1:1", backoff: { initialMs: 0 } }), {
    instanceOf: RangeError,
  });
  t.throws(() => new BotSession({ url: "ws://127.0.0.1:1", backoff: { initialMs: 10, maxMs: 5 } }), {
    instanceOf: RangeError,
  });
  t.throws(() => new BotSession({ url: "ws://127.0.0.1:1", maxAttempts: 0 }), { instanceOf: RangeError });
});

test("the server stopped and restarted on the same port: the session reconnects with jittered backoff, handlers and node setup intact", async (t) => {
  let game = await startGame(t);
  const port = game.port;
  const backoff = { initialMs: 20, maxMs: 80, factor: 2 };
  const jitter = [0.5, 0.25, 0.75, 1 - 1e-9];
  const session = BotSession.create({
    url: `ws://127.0.0.1:${port}`,
    godot: 3,
    backoff,
    random: cycling(jitter),
  });
  t.teardown(() => session.stop());
  const events = record(session);
  const chats: { from: number; args: Variant[] }[] = [];
  session.handle<[number, string]>("Game", "chat_message", "authority", function (this: RpcCall, ...args) {
    chats.push({ from: this.from, args });
  });
  session.handle("Game", "player_joined", "authority", () => {});
  const setups: number[] = [];
  session.setup((bot) => {
    setups.push(bot.id);
    // A node declaration only the engine's bot has (Godot 3: network master), redone on each bot.
    bot.node(`Game/Players/${bot.id}`).setNetworkMaster(bot.id);
  });
  const first = await session.start();
  t.is(session.bot, first);
  await first.request(1, "Game", "join", ["svc"], { method: "welcome" });
  first.node("Game").rpcId(1, "chat", "before");
  await until(() => chats.length === 1, "chat before the restart");

  await game.stop();
  // Down long enough for several failed attempts: the attempts count up, their delays follow the formula.
  await until(
    () => events.filter((e) => e.startsWith("reconnecting")).length >= 4,
    "four reconnect attempts",
  );
  game = await startGame(t, port);
  const second = await session.ready();
  t.not(second, first);
  t.false(first.connected);
  t.true(second.connected);
  t.is(second.node(`Game/Players/${second.id}`).getNetworkMaster(), second.id, "node setup re-applied");
  await second.request(1, "Game", "join", ["svc"], { method: "welcome" });
  second.node("Game").rpcId(1, "chat", "after");
  await until(() => chats.length === 2, "chat after the restart, at the session's handler");
  t.deepEqual(chats, [
    { from: 1, args: [first.id, "before"] },
    { from: 1, args: [second.id, "after"] },
  ]);
  t.deepEqual(setups, [first.id, second.id]);

  const attempts = events.filter((e) => e.startsWith("reconnecting")).map((e) => e.split(" "));
  attempts.forEach(([, n, delay, cause], i) => {
    t.is(Number(n), i + 1, "attempts count up while the server is down");
    t.is(
      Number(delay),
      backoffDelay(i + 1, backoff, () => jitter[i % jitter.length] ?? 0),
    );
    t.is(cause, i === 0 ? "BotDisconnectedError" : "BotConnectError");
  });
  t.deepEqual(events.slice(0, 2), [`connected ${first.id}`, "disconnected"]);
  t.is(events.at(-1), `reconnected ${second.id}`);

  // A later loss starts the backoff over from attempt 1.
  game.server.disconnectPeer(second.id, 1000, "", true);
  const third = await until(() => session.bot !== null && session.bot !== second, "a third bot").then(() =>
    session.ready(),
  );
  const lastAttempt = events.filter((e) => e.startsWith("reconnecting")).at(-1);
  t.regex(lastAttempt ?? "", /^reconnecting 1 /);
  t.true(third.connected);
});

test("connections terminated server-side, again and again: each time a new bot with the handlers; the lost bot's waits are rejected, not left hanging", async (t) => {
  const game = await startGame(t);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${game.port}`,
    godot: 3,
    backoff: { initialMs: 5, maxMs: 20 },
  });
  t.teardown(() => session.stop());
  const pongs: number[] = [];
  session.handle<[number]>("Game", "pong", "authority", (seq) => pongs.push(seq));
  let bot = await session.start();
  const seen = new Set<Godot3Bot>();
  for (let i = 0; i < 10; i++) {
    seen.add(bot);
    bot.node("Game").rpcId(1, "ping", i);
    await until(() => pongs.length === i + 1, `pong ${i}`);
    // Awaited by a call that will never come on this connection.
    const lost = session.waitForRpc<[string]>("Game", "echoed", { timeoutMs: 60_000 });
    const reconnected = new Promise<Godot3Bot>((resolve) => session.once("reconnected", resolve));
    game.server.disconnectPeer(bot.id, 1000, "", true);
    await t.throwsAsync(lost, { instanceOf: BotDisconnectedError });
    bot = await reconnected;
  }
  t.deepEqual(pongs, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.is(seen.size, 10, "a new bot per connection");
  // Between connections the session's calls reject at once, they do not queue.
  // (Wrapped: a promise resolved with a promise would adopt it.)
  const between = new Promise<{ call: Promise<unknown> }>((resolve) =>
    session.once("disconnected", () =>
      resolve({ call: session.request(1, "Game", "ping", [1], { method: "pong" }) }),
    ),
  );
  game.server.disconnectPeer(bot.id, 1000, "", true);
  const { call } = await between;
  await t.throwsAsync(call, { instanceOf: BotDisconnectedError, message: /reconnecting/ });
  t.is(session.bot, null);
  await session.ready();
});

/** A TCP relay that can freeze: nothing passes either way, as a pulled cable or a hung server. */
async function freezableRelay(
  t: ExecutionContext,
  targetPort: number,
): Promise<{ port: number; freeze(): void }> {
  const pairs: [Socket, Socket][] = [];
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(targetPort, "127.0.0.1");
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
    pairs.push([client, upstream]);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const [a, b] of pairs) {
      a.destroy();
      b.destroy();
    }
    server.close();
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    freeze() {
      for (const [a, b] of pairs) {
        a.unpipe();
        b.unpipe();
        a.pause();
        b.pause();
      }
      pairs.length = 0; // later connections pass
    },
  };
}

test("heartbeat on by default in a session: a frozen link is found dead and the session reconnects", async (t) => {
  t.timeout(60_000);
  const game = await startGame(t);
  const relay = await freezableRelay(t, game.port);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${relay.port}`,
    godot: 3,
    backoff: { initialMs: 5, maxMs: 20 },
  });
  t.teardown(() => session.stop());
  const losses: (string | undefined)[] = [];
  session.on("disconnected", (info) => losses.push(info?.initiatedBy));
  const causes: string[] = [];
  session.on("reconnecting", (_n, _ms, cause) => causes.push(cause.message));
  const first = await session.start();
  relay.freeze();
  // No close, no error from the socket: only the heartbeat (every SESSION_HEARTBEAT_MS) can tell.
  const second = await new Promise<Godot3Bot>((resolve) => session.once("reconnected", resolve));
  t.deepEqual(losses, ["heartbeat"]);
  t.regex(causes[0] ?? "", /^connection lost \(heartbeat, 1006\): no answer to a ping within 10000 ms/);
  t.false(first.connected);
  t.true(second.connected);
  t.is(SESSION_HEARTBEAT_MS, 5_000);
});

test("heartbeatIntervalMs: 0 turns the session's heartbeat off: a frozen link then stays up; stop() drops it after stopTimeoutMs", async (t) => {
  const game = await startGame(t);
  const relay = await freezableRelay(t, game.port);
  // With a 50 ms heartbeat a frozen link is dead within 150 ms; with none, it is never declared so.
  const on = BotSession.create({ url: `ws://127.0.0.1:${relay.port}`, godot: 3, heartbeatIntervalMs: 50 });
  // A close answer that never comes would be awaited for 10 minutes: stop() does not wait for it.
  const off = BotSession.create({
    url: `ws://127.0.0.1:${relay.port}`,
    godot: 3,
    heartbeatIntervalMs: 0,
    closeTimeoutMs: 600_000,
    stopTimeoutMs: 100,
  });
  t.teardown(() => Promise.all([on.stop(), off.stop()]));
  const lost: string[] = [];
  on.on("disconnected", () => lost.push("on"));
  off.on("disconnected", () => lost.push("off"));
  await on.start();
  await off.start();
  relay.freeze();
  await until(() => lost.includes("on"), "the heartbeat session's loss");
  // The one with a heartbeat has had many of its periods; the other has not noticed anything.
  await new Promise((r) => setTimeout(r, 300));
  t.deepEqual(lost, ["on"]);
  t.true(off.connected);
  const frozen = off.bot;
  const how: (string | undefined)[] = [];
  frozen?.on("disconnected", (info) => how.push(info?.initiatedBy));
  await off.stop();
  t.false(frozen?.connected);
  t.deepEqual(how, ["client"], "dropped by us, with no answer to our close");
});

test("stop() ends the session cleanly: during a long backoff at once, with no reconnect after; ready() and start() then reject", async (t) => {
  const game = await startGame(t);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${game.port}`,
    godot: 3,
    backoff: { initialMs: 600_000, maxMs: 600_000 },
    random: () => 0.99,
  });
  const events = record(session);
  await session.start();
  await game.stop();
  await until(() => events.some((e) => e.startsWith("reconnecting")), "a backoff of ~10 minutes");
  const pending = session.ready();
  // Resolves well before the ten-minute timer (the test would time out otherwise).
  await session.stop();
  await t.throwsAsync(pending, { instanceOf: BotDisconnectedError });
  await t.throwsAsync(session.ready(), { instanceOf: BotDisconnectedError });
  await t.throwsAsync(session.start(), { instanceOf: BotDisconnectedError });
  t.is(session.bot, null);
  t.deepEqual(
    events.map((e) => e.split(" ")[0]),
    ["connected", "disconnected", "reconnecting"],
  );
});

test("stop() while connected closes the connection cleanly (1000) and does not reconnect", async (t) => {
  const game = await startGame(t);
  const closes: string[] = [];
  game.multiplayer.on("network_peer_disconnected", (id) => closes.push(`left ${id}`));
  const session = BotSession.create({ url: `ws://127.0.0.1:${game.port}`, godot: 3 });
  const events = record(session);
  const bot = await session.start();
  const codes: (number | undefined)[] = [];
  bot.on("disconnected", (info) => codes.push(info?.code));
  await session.stop();
  await until(() => closes.length === 1, "the server saw the peer leave");
  t.deepEqual(closes, [`left ${bot.id}`]);
  t.deepEqual(codes, [1000]);
  t.deepEqual(events, [`connected ${bot.id}`, "disconnected"]);
});

test("what no retry can fix (a bad URL, bad options) gives up at once; maxAttempts bounds the retries: connection_failed, start() rejects", async (t) => {
  const bad = BotSession.create({ url: "http://127.0.0.1:1/not-ws", godot: 3 });
  const badEvents = record(bad);
  const err = await t.throwsAsync(bad.start(), { instanceOf: BotConnectError });
  t.is(err?.reason, "bad-url");
  t.is(badEvents.length, 1);
  t.regex(badEvents[0] ?? "", /^connection_failed /);

  // Options Bot.connect refuses: not retried either.
  const wrong = BotSession.create({ url: "ws://127.0.0.1:1", godot: 3, heartbeatIntervalMs: -5 });
  const wrongEvents = record(wrong);
  const refusedOptions = await t.throwsAsync(wrong.start());
  t.regex(refusedOptions?.message ?? "", /heartbeat/);
  t.deepEqual(
    wrongEvents.map((e) => e.split(" ")[0]),
    ["connection_failed"],
  );

  // A port nobody listens on: refused each time, three retries, then give up.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as { port: number };
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const refused = BotSession.create({
    url: `ws://127.0.0.1:${port}`,
    godot: 3,
    maxAttempts: 3,
    backoff: { initialMs: 1, maxMs: 4 },
  });
  const events = record(refused);
  const gaveUp = await t.throwsAsync(refused.start(), { instanceOf: BotConnectError });
  t.is(gaveUp?.reason, "gave-up");
  t.deepEqual(
    events.map((e) => e.split(" ").slice(0, 2).join(" ")),
    ["reconnecting 1", "reconnecting 2", "reconnecting 3", "connection_failed gave"],
  );
  await refused.stop();
});

test("a setup or declaration that throws is that bot's script_error; the session and its other declarations go on", async (t) => {
  const game = await startGame(t);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${game.port}`,
    godot: 3,
    backoff: { initialMs: 5, maxMs: 10 },
  });
  t.teardown(() => session.stop());
  const errors: string[] = [];
  session.setup((bot) =>
    bot.on("script_error", (err, where) => errors.push(`${where.name}: ${String(err)}`)),
  );
  session.handle("Game", "welcome", 99 as never, () => {}); // not a Godot 3 rpc mode
  session.setup(() => {
    throw new Error("setup failed");
  });
  const pongs: number[] = [];
  session.handle<[number]>("Game", "pong", "authority", (seq) => pongs.push(seq));
  const bot = await session.start();
  t.deepEqual(errors, ["setup: Error: setup failed", "welcome: RangeError: not a Godot 3 rpc mode: 99"]);
  bot.node("Game").rpcId(1, "ping", 3);
  await until(() => pongs.length === 1, "pong");
  // A declaration made while connected applies to the current bot at once, and to the next ones.
  const chats: string[] = [];
  session.handle<[number, string]>("Game", "chat_message", "authority", (_id, text) => chats.push(text));
  bot.node("Game").rpcId(1, "chat", "now");
  await until(() => chats.length === 1, "chat on the current bot");
  const next = new Promise<Godot3Bot>((resolve) => session.once("reconnected", resolve));
  game.server.disconnectPeer(bot.id, 1000, "", true);
  const again = await next;
  again.node("Game").rpcId(1, "chat", "next");
  await until(() => chats.length === 2, "chat on the next bot");
  t.deepEqual(chats, ["now", "next"]);
  t.is(errors.length, 4, "the same two errors on the second bot");
});

test("stop() during a connect in progress abandons it at once: a server that accepts and never answers", async (t) => {
  const sockets: Socket[] = [];
  const silent = createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    silent.close();
  });
  const { port } = silent.address() as { port: number };
  // Without the abandon, stop() would wait out a ten-minute join timeout (and the test time out).
  const session = BotSession.create({ url: `ws://127.0.0.1:${port}`, godot: 3, joinTimeoutMs: 600_000 });
  const events = record(session);
  const started = session.start();
  await until(() => sockets.length === 1, "the connection accepted");
  await session.stop();
  await t.throwsAsync(started, { instanceOf: BotDisconnectedError });
  t.deepEqual(events, []);
  t.is(session.bot, null);
});

test("a session listener that throws is printed, and the session goes on reconnecting", async (t) => {
  const game = await startGame(t);
  const session = BotSession.create({
    url: `ws://127.0.0.1:${game.port}`,
    godot: 3,
    backoff: { initialMs: 5, maxMs: 10 },
  });
  t.teardown(() => session.stop());
  const printed: string[] = [];
  const consoleError = console.error;
  console.error = (...args: unknown[]) => printed.push(args.map(String).join(" "));
  t.teardown(() => {
    console.error = consoleError;
  });
  session.on("reconnected", () => {
    throw new Error("listener bug");
  });
  let bot = await session.start();
  for (let i = 0; i < 3; i++) {
    const back = new Promise<Godot3Bot>((resolve) => session.once("reconnected", resolve));
    game.server.disconnectPeer(bot.id, 1000, "", true);
    bot = await back;
  }
  t.true(bot.connected);
  t.is(printed.length, 3);
  t.regex(printed[0] ?? "", /SCRIPT ERROR in a "reconnected" listener: Error: listener bug/);
});
