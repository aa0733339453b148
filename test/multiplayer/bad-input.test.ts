/**
 * Bytes a Godot server never sends, from a hostile or broken server: each is dropped with the
 * reason Godot would give (an event and a counter), in Godot's order of checks; nothing crashes,
 * and the connection stays up, as Godot keeps it up.
 */
import type { AddressInfo } from "node:net";
import test from "ava";
import { WebSocketServer } from "ws";
import { Bot } from "../../src/bots/index.js";
import { makeFrame, makeSysFrame, SysType } from "../../src/multiplayer/index.js";
import { encodeRemote, encodeSimplifyPath, NetworkCommand, RpcMode } from "../../src/scene/index.js";
import { until } from "../bots/game.js";

const ME = 4242;
const fromServer = (bytes: Uint8Array) => makeFrame(SysType.NONE, 1, ME, bytes);
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));
/** REMOTE_CALL on cache id 5 ("Game", introduced first) of `hello`, then `rest`. */
const cachedHello = (...rest: number[]) => Uint8Array.of(0, 5, 0, 0, 0, ...ascii("hello"), 0, ...rest);

/** [what, frame or packet, the reason it is dropped with] */
const FRAMES: [string, Uint8Array, string][] = [
  ["shorter than the 9-byte header", Uint8Array.of(0, 1, 0, 0), "too-short"],
  ["an unknown frame type", makeFrame(9 as SysType, 1, 0, Uint8Array.of(1, 0, 0, 0)), "unknown-type"],
  ["a SYS message without its id", makeFrame(SysType.ADD, 1, 0, Uint8Array.of(7, 0)), "sys-too-short"],
];
const PACKETS: [string, Uint8Array, string][] = [
  ["an empty MultiplayerAPI packet", new Uint8Array(0), "empty"],
  ["an unknown command byte", Uint8Array.of(7, 1, 2), "unknown-command"],
  ["a call shorter than 6 bytes", Uint8Array.of(0, 5, 0, 0, 0), "too-short"],
  [
    "a node that does not exist",
    encodeRemote(NetworkCommand.REMOTE_CALL, { path: "Nowhere" }, "f", [1]),
    "unknown-node",
  ],
  [
    "a method the node does not expose",
    encodeRemote(NetworkCommand.REMOTE_CALL, { path: "Game" }, "nope", []),
    "unknown-method",
  ],
  [
    "a cache id never introduced",
    encodeRemote(NetworkCommand.REMOTE_CALL, { cacheId: 77 }, "hello", []),
    "unknown-cached-path",
  ],
  ["a path offset beyond the packet", Uint8Array.of(0, 0xff, 0xff, 0xff, 0xff, 0x68, 0), "bad-path-offset"],
  ["a method name with no end", Uint8Array.of(0, 5, 0, 0, 0, ...ascii("hel")), "unterminated-name"],
  ["no byte left for argc", cachedHello(), "too-short"],
  ["argc 255 and no arguments", cachedHello(255), "too-short"],
  ["an argument of unknown type 99", cachedHello(1, 99, 0, 0, 0), "bad-argument"],
  ["an Object argument (objects not allowed)", cachedHello(1, 17, 0, 0, 0), "bad-argument"],
  [
    "a string longer than the packet",
    cachedHello(1, 4, 0, 0, 0, 0xff, 0xff, 0xff, 0x7f, 0x41),
    "bad-argument",
  ],
  ["a CONFIRM_PATH of a path we never sent", Uint8Array.of(3, ...ascii("No"), 0), "confirm-unknown-path"],
  ["a RAW packet with nothing in it", Uint8Array.of(4), "too-short"],
];

test("garbage frames and packets are dropped with Godot's reason; the bot carries on", async (t) => {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  t.teardown(() => wss.close());
  await new Promise((r) => wss.once("listening", r));
  const port = (wss.address() as AddressInfo).port;
  wss.on("connection", (ws) => {
    ws.send(makeSysFrame(SysType.ID, ME));
    ws.send(makeSysFrame(SysType.ADD, 1));
    // The bot's first packet says it is listening: then the garbage, then one good call.
    ws.once("message", () => {
      ws.send(fromServer(encodeSimplifyPath(5, "Game")));
      for (const [, frame] of FRAMES) ws.send(frame);
      for (const [, packet] of PACKETS) ws.send(fromServer(packet));
      ws.send(fromServer(encodeRemote(NetworkCommand.REMOTE_CALL, { cacheId: 5 }, "hello", ["still here"])));
    });
  });
  const bot = await Bot.connect({ url: `ws://127.0.0.1:${port}`, godot: 3 });
  t.teardown(() => bot.disconnect());
  const frameDrops: string[] = [];
  const packetDrops: string[] = [];
  bot.peer.on("frame_dropped", (err) => frameDrops.push(err.reason));
  bot.multiplayer.on("packet_dropped", (d) => packetDrops.push(d.reason));
  const hello: string[] = [];
  bot.handle("Game", "hello", RpcMode.PUPPET, (text: string) => hello.push(text));
  bot.multiplayer.sendBytes(Uint8Array.of(1), 1);

  await until(() => hello.length === 1, "the good call after the garbage");
  t.deepEqual(hello, ["still here"]);
  t.true(bot.connected);
  t.deepEqual(
    frameDrops,
    FRAMES.map(([, , reason]) => reason),
  );
  t.deepEqual(
    packetDrops,
    PACKETS.map(([, , reason]) => reason),
  );
  let counted = 0;
  for (const n of bot.multiplayer.stats.dropped.values()) counted += n;
  t.is(counted, PACKETS.length);
});
