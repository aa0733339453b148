/**
 * Two real 4.6.3 clients play the example game's scripted session on our Node server, through the
 * capture proxy: every frame passes the same byte-parsing checks as the capture of a real 4.6.3
 * server (test/godot4/pair-checks.ts): greeting, ADD_PEER, SIMPLIFY/CONFIRM with the MD5s, full
 * paths then cache ids, method ids, relay wrapping, raw to 0 / −1 / −X. The frames are kept in
 * fixtures/node-pair-capture.json for protocol-notes/server-4.md (GODOT_PEER_UPDATE_FIXTURES=1).
 */
import { readFileSync, writeFileSync } from "node:fs";
import test from "ava";
import type { CaptureFixture } from "../../godot4/capture.js";
import { checkPairCapture, NAMES } from "../../godot4/pair-checks.js";
import { startCaptureProxy } from "../../harness/capture-proxy.js";
import { startGodot4Client } from "../../harness/godot4-game.js";
import { startNodeGame4Server } from "../../harness/node-godot4-game.js";

test("Node game4 server, two 4.6.3 clients through a proxy: the wire passes 4.6.3's own capture checks", async (t) => {
  const server = await startNodeGame4Server(t);
  const proxy = await startCaptureProxy(server.url);
  t.teardown(() => proxy.close());
  const a = await startGodot4Client(t, proxy.url, { name: NAMES[0], peers: 1 });
  const aId = await a.connected();
  const b = await startGodot4Client(t, proxy.url, { name: NAMES[1], peers: 1 });
  await b.connected();
  await a.waitForEvent("settled");
  await b.waitForEvent("settled");
  await a.stop();
  await b.stop();
  const frames = proxy.frames.map((f) => ({ conn: f.conn, dir: f.dir, data: Buffer.from(f.data) }));
  t.true(
    proxy.frames.every((f) => f.binary || f.dir === "c2s"),
    "the server sends binary frames",
  );
  t.is(frames[0]?.data.readInt32LE(0), aId);
  checkPairCapture(t, frames);
  if (process.env.GODOT_PEER_UPDATE_FIXTURES === "1") {
    const fixture: CaptureFixture = {
      engine: "4.6.3",
      made: "test/server/godot4/game4-capture.test.ts with GODOT_PEER_UPDATE_FIXTURES=1",
      session:
        "our ExampleGame4 (relay on, no auth); conn 0 = real 4.6.3 client alice, conn 1 = bob, session play, peers=1",
      frames: frames.map((f) => ({ conn: f.conn, dir: f.dir, hex: f.data.toString("hex") })),
    };
    writeFileSync(
      new URL("./fixtures/node-pair-capture.json", import.meta.url),
      `${JSON.stringify(fixture, null, 1)}\n`,
    );
  }
});

test("the stored capture of our server (fixtures/node-pair-capture.json) passes the same checks", (t) => {
  const fixture: CaptureFixture = JSON.parse(
    readFileSync(new URL("./fixtures/node-pair-capture.json", import.meta.url), "utf8"),
  );
  checkPairCapture(
    t,
    fixture.frames.map((f) => ({ conn: f.conn, dir: f.dir, data: Buffer.from(f.hex, "hex") })),
  );
});
