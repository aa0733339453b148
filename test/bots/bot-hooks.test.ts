/**
 * The bot API for scripts (issue #14 point 7), against the Node server's example game (Godot 3):
 * a handler knows its sender with no side call, bot.sendBytes, a per-frame hook for tick-style
 * scripts, and request()/waitForRpc() typed by their reply.
 */
import test, { type ExecutionContext } from "ava";
import { Bot, BotDisconnectedError, type Godot3Bot, type RpcCall } from "../../src/bots/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { type Variant, Vector2 } from "../../src/variant/index.js";
import { until } from "./game.js";

async function game(t: ExecutionContext): Promise<number> {
  const g = new ExampleGame();
  t.teardown(() => g.stop());
  return g.listen(0);
}

async function join(t: ExecutionContext, port: number, options: { style?: "tick" } = {}): Promise<Godot3Bot> {
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${port}`, godot: 3, ...options });
  t.teardown(() => bot.disconnect());
  return bot;
}

test("a handler's `this` is the call: its sender, node and method, with no side call; arrow handlers get their arguments as before", async (t) => {
  const port = await game(t);
  const a = await join(t, port);
  const b = await join(t, port);
  const path = `Game/Players/${a.id}`;
  const calls: { from: number; path: string; method: string; args: Variant[] }[] = [];
  b.handle(path, "update_position", "any_peer", function (this: RpcCall, ...args: Variant[]) {
    calls.push({ from: this.from, path: this.path, method: this.method, args });
  });
  const arrow: Variant[][] = [];
  b.handle("Game", "chat_message", "authority", (...args: Variant[]) => arrow.push(args));
  // A's broadcast reaches B through the server: the sender is A, not the relaying server.
  a.node(path).rpc("update_position", new Vector2(3, 4));
  a.node("Game").rpcId(1, "chat", "hi");
  await until(() => calls.length === 1 && arrow.length === 1, "the relayed call and the chat");
  t.deepEqual(calls, [{ from: a.id, path, method: "update_position", args: [new Vector2(3, 4)] }]);
  // The arrow handler sees exactly the call's arguments: no trailing context added.
  t.deepEqual(arrow, [[a.id, "hi"]]);
  t.is(b.senderId, 0, "outside a handler there is no sender");
});

test("a typed handler: `this.from` beside typed arguments", async (t) => {
  const port = await game(t);
  const a = await join(t, port);
  const got: [number, number, string][] = [];
  a.handle<[number, string]>("Game", "chat_message", "authority", function (id, text) {
    got.push([this.from, id, text]);
  });
  a.node("Game").rpcId(1, "chat", "typed");
  await until(() => got.length === 1, "chat_message");
  t.deepEqual(got, [[1, a.id, "typed"]]);
});

test("bot.sendBytes: a raw packet to the server (answered reversed), and one to another peer through the server", async (t) => {
  const port = await game(t);
  const a = await join(t, port);
  const b = await join(t, port);
  const atA: [number, number[]][] = [];
  const atB: [number, number[]][] = [];
  a.on("raw", (from, bytes) => atA.push([from, [...bytes]]));
  b.on("raw", (from, bytes) => atB.push([from, [...bytes]]));
  a.sendBytes(Uint8Array.of(1, 2, 3), 1);
  a.sendBytes(Uint8Array.of(9, 8), b.id);
  await until(() => atA.length === 1 && atB.length === 1, "both raw packets");
  t.deepEqual(atA, [[1, [3, 2, 1]]]);
  t.deepEqual(atB, [[a.id, [9, 8]]]);
});

test("tick style: onFrame runs after each poll() has delivered, with delta in seconds, drives the loop, and stops when removed", async (t) => {
  const port = await game(t);
  const bot = await join(t, port, { style: "tick" });
  let frames = 0;
  const deltas: number[] = [];
  const pongs: number[] = [];
  let pongAtFrame = -1;
  let hookSawPongAt = -1;
  bot.handle<[number]>("Game", "pong", "authority", (seq) => {
    pongs.push(seq);
    pongAtFrame = frames;
  });
  const remove = bot.onFrame((delta) => {
    deltas.push(delta);
    if (pongs.length > 0 && hookSawPongAt < 0) hookSawPongAt = frames;
    frames++;
  }, 200);
  // Nothing polls but the frame loop: the pong is delivered inside one of its frames.
  bot.node("Game").rpcId(1, "ping", 7);
  await until(() => pongs.length === 1 && frames > pongAtFrame + 1, "the pong, in a frame");
  t.deepEqual(pongs, [7]);
  t.is(hookSawPongAt, pongAtFrame, "the hook of the poll that delivered the pong saw it");
  t.is(deltas[0], 0);
  t.true(
    deltas.slice(1).every((d) => d > 0 && d < 60),
    `deltas in seconds: ${deltas.slice(0, 5).join(", ")}`,
  );
  remove();
  const after = frames;
  bot.poll();
  bot.poll();
  t.is(frames, after, "a removed hook no longer runs");
});

test("a frame hook that throws is a script_error; the loop goes on", async (t) => {
  const port = await game(t);
  const bot = await join(t, port, { style: "tick" });
  const errors: [unknown, string][] = [];
  bot.on("script_error", (err, where) => errors.push([err, where.name]));
  let frames = 0;
  bot.onFrame(() => {
    frames++;
    if (frames === 1) throw new Error("boom in _process");
  }, 200);
  await until(() => frames >= 3, "frames after the throw");
  t.is(errors.length, 1);
  const [err] = errors[0] ?? [];
  t.true(err instanceof Error && err.message === "boom in _process", String(err));
  t.is(errors[0]?.[1], "process_frame");
  t.throws(() => bot.onFrame(() => {}, 0), { instanceOf: RangeError });
});

test("request() and waitForRpc() are typed by their reply", async (t) => {
  const port = await game(t);
  const bot = await join(t, port);
  bot.handle("Game", "player_joined", "authority", () => {});
  const welcome = await bot.request<[number, Map<Variant, Variant>]>(1, "Game", "join", ["typed"], {
    method: "welcome",
  });
  const id: number = welcome.args[0];
  const players: Map<Variant, Variant> = welcome.args[1];
  t.is(id, bot.id);
  t.is(players.get(bot.id), "typed");
  const waiting = bot.waitForRpc<[number]>("Game", "pong");
  bot.node("Game").rpcId(1, "ping", 41);
  const pong = await waiting;
  const seq: number = pong.args[0];
  // @ts-expect-error: the reply was promised as [number]
  const wrong: string = pong.args[0];
  t.is(seq + 1, 42);
  t.is(typeof wrong, "number");
  t.is(pong.from, 1);
  await bot.disconnect();
  await t.throwsAsync(bot.waitForRpc<[number]>("Game", "pong"), { instanceOf: BotDisconnectedError });
});

test("request() never throws: a bad path or a send that fails rejects it, and leaves no wait to swallow a later reply", async (t) => {
  const port = await game(t);
  const bot = await join(t, port);
  // Not a path below /root: refused by the dialect, as a rejection.
  let bad: Promise<unknown> | undefined;
  t.notThrows(() => {
    bad = bot.request(1, "/elsewhere", "ping", [1], { method: "pong" });
  });
  await t.throwsAsync(bad as Promise<unknown>, { instanceOf: RangeError });
  // A value no Variant encodes: the send throws, the request rejects with it.
  let unsent: Promise<unknown> | undefined;
  t.notThrows(() => {
    unsent = bot.request(1, "Game", "ping", [Symbol("no variant") as never], { method: "pong" });
  });
  await t.throwsAsync(unsent as Promise<unknown>);
  // The next pong is no reply of that request: it reaches the handler.
  const pongs: Variant[] = [];
  bot.handle("Game", "pong", "authority", (seq) => {
    pongs.push(seq as Variant);
  });
  bot.node("Game").rpcId(1, "ping", 7);
  await until(() => pongs.length > 0, "pong(7) at the handler");
  t.deepEqual(pongs, [7]);
});
