/**
 * What a Godot 4 bot puts on the wire, captured between it and a real 4.6.3 server: the same
 * frames, byte for byte, that a real 4.6.3 client of the game sends for the same calls
 * (fixtures/pair-capture.json, the real client "alice"), the auth exchange, and tick style.
 * GODOT_PEER_UPDATE_FIXTURES=1 stores our capture (fixtures/bot4-capture.json) for protocol-notes.
 */
import { writeFileSync } from "node:fs";
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { Vector2 } from "../../src/variant/index.js";
import { loadCapture } from "../godot4/capture.js";
import { startCaptureProxy } from "../harness/capture-proxy.js";
import { startGodot4Server } from "../harness/godot4-game.js";
import { startNodeGame4Server } from "../harness/node-godot4-game.js";
import { GAME4_MANIFEST_FILE, until } from "./game4.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("4.6.3: a Godot 4 bot sends what a real 4.6.3 client sends, byte for byte; auth as the engine does it", async (t) => {
  const server = await startGodot4Server(t);
  const proxy = await startCaptureProxy(server.url);
  t.teardown(() => proxy.close());
  const bot = await Bot.connect({ url: proxy.url, manifest: GAME4_MANIFEST_FILE });
  t.teardown(() => bot.disconnect());
  bot.handle("Main", "pong", "authority", () => {});
  const main = bot.node("Main");
  // The real client's first calls (game4.gd _play), made by the bot.
  main.rpcId(1, "join", "alice");
  main.rpcId(1, "chat", "hello from alice");
  main.rpcId(1, "echo", 1, 2.5, "three", new Vector2(4, 5));
  await bot.request(1, "Main", "ping", [1], { method: "pong", match: (a) => a[0] === 1 });
  // Once the server confirmed the path: by cache id.
  await bot.request(1, "Main", "ping", [2], { method: "pong", match: (a) => a[0] === 2 });
  bot.sendBytes(Uint8Array.of(1, 2, 3), 1);
  await server.waitForEvent("raw", (e) => e.from === bot.id);

  const ours = proxy.frames.filter((f) => f.dir === "c2s").map((f) => hex(f.data));
  const real = loadCapture("pair-capture.json").frames.filter((f) => f.conn === 0 && f.dir === "c2s");
  const realHex = real.map((f) => f.data.toString("hex"));
  // The same first five frames (SIMPLIFY_PATH Main, then join/chat/echo/ping with the full path).
  t.deepEqual(ours.slice(0, 5), realHex.slice(0, 5));
  // And every frame of ours is one the real client sent (ping(2) by cache id, raw to the server).
  t.deepEqual(
    ours.filter((h) => !realHex.includes(h)),
    [],
  );
  // The eighth: our CONFIRM_PATH of the server's own path for Main (its pong comes by cache id).
  t.is(ours.length, 8);
  t.true(ours.includes("020101000000"));
  t.true(proxy.frames.every((f) => f.binary));

  // Authentication: our token, our completion, the server's completion, then the ADD_PEERs.
  const authServer = await startGodot4Server(t, { auth: true });
  const authProxy = await startCaptureProxy(authServer.url);
  t.teardown(() => authProxy.close());
  const authed = await Bot.connect({ url: authProxy.url, manifest: GAME4_MANIFEST_FILE, auth: "good-bot" });
  t.teardown(() => authed.disconnect());
  await authServer.waitForEvent("auth", (e) => e.ok === true);
  const authFrames = authProxy.frames.map((f) => `${f.dir} ${hex(f.data)}`);
  t.deepEqual(authFrames.slice(1, 4), [
    `c2s 0700${Buffer.from("good-bot").toString("hex")}`,
    "c2s 0700",
    "s2c 0700",
  ]);
  t.regex(authFrames[0] ?? "", /^s2c [0-9a-f]{8}$/);
  if (process.env.GODOT_PEER_UPDATE_FIXTURES === "1") {
    const store = (frames: typeof proxy.frames) =>
      frames.map((f) => ({ conn: f.conn, dir: f.dir, hex: hex(f.data) }));
    writeFileSync(
      new URL("./fixtures/bot4-capture.json", import.meta.url),
      `${JSON.stringify(
        {
          engine: "4.6.3",
          made: "test/bots/godot4-wire.test.ts with GODOT_PEER_UPDATE_FIXTURES=1",
          session:
            "a Godot 4 bot (the game's manifest) on a game4 server: join, chat, echo, ping 1 and 2, raw [1,2,3]; then a bot with auth 'good-bot' on a server with auth",
          frames: [...store(proxy.frames), ...store(authProxy.frames).map((f) => ({ ...f, conn: 1 }))],
        },
        null,
        1,
      )}\n`,
    );
  }
});

test("tick style: a Godot 4 bot runs nothing outside poll(), and poll() delivers", async (t) => {
  const server = await startNodeGame4Server(t);
  const bot = await Bot.connect({ url: server.url, manifest: GAME4_MANIFEST_FILE, style: "tick" });
  t.teardown(() => bot.disconnect());
  t.is(bot.godot, 4);
  const pongs: number[] = [];
  bot.handle("Main", "pong", "authority", (seq: number) => pongs.push(seq));
  bot.node("Main").rpcId(1, "ping", 3);
  await server.waitForEvent("ping", (e) => e.seq === 3);
  await new Promise((r) => setTimeout(r, 50));
  t.deepEqual(pongs, []);
  await until(() => {
    bot.poll();
    return pongs.length > 0;
  }, "poll() to deliver the pong");
  t.deepEqual(pongs, [3]);
});

test("tick style with auth: the exchange runs while joining, then nothing outside poll()", async (t) => {
  const server = await startNodeGame4Server(t, { auth: true });
  const bot = await Bot.connect({
    url: server.url,
    manifest: GAME4_MANIFEST_FILE,
    style: "tick",
    auth: { token: "good-tick" },
  });
  t.teardown(() => bot.disconnect());
  await server.waitForEvent("auth", (e) => e.token === "good-tick" && e.ok === true);
  const pongs: number[] = [];
  bot.handle("Main", "pong", "authority", (seq: number) => pongs.push(seq));
  bot.node("Main").rpcId(1, "ping", 4);
  await server.waitForEvent("ping", (e) => e.seq === 4);
  t.deepEqual(pongs, []);
  await until(() => {
    bot.poll();
    return pongs.length > 0;
  }, "poll() to deliver the pong");
  t.deepEqual(pongs, [4]);
});
