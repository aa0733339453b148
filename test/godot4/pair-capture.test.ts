/**
 * Two real Godot 4.6.3 clients play the example game's scripted session against a real 4.6.3
 * server, through a man-in-the-middle proxy on loopback. What the proxy saw is checked by plain
 * byte parsing against the reference (/work/shared/reference/godot4-protocol.md, and
 * protocol-notes/godot4-captures.md): the id greeting, ADD_PEER, SIMPLIFY_PATH/CONFIRM_PATH with the
 * MD5 of the sorted names, full paths until confirmed then 1-byte ids, method ids in code-point
 * order, relay wrapping. The same checks run on the stored capture, fixtures/pair-capture.json,
 * which our codecs must re-encode byte for byte. GODOT_PEER_UPDATE_FIXTURES=1 rewrites it.
 */
import { writeFileSync } from "node:fs";
import test from "ava";
import { startCaptureProxy } from "../harness/capture-proxy.js";
import { startGodot4Client, startGodot4Server } from "../harness/godot4-game.js";
import { type CaptureFixture, loadCapture } from "./capture.js";
import { checkPairCapture, NAMES } from "./pair-checks.js";

test("4.6.3 pair through a proxy: greeting, paths, ids, relay as the reference says", async (t) => {
  const server = await startGodot4Server(t);
  const proxy = await startCaptureProxy(server.url);
  t.teardown(() => proxy.close());
  // One after the other, so connection 0 is alice.
  const a = await startGodot4Client(t, proxy.url, { name: NAMES[0], peers: 1 });
  const aId = await a.connected();
  const b = await startGodot4Client(t, proxy.url, { name: NAMES[1], peers: 1 });
  await b.connected();
  // Settled (game4.gd): all of each session has reached the other, so the proxy has recorded it.
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
      made: "test/godot4/pair-capture.test.ts with GODOT_PEER_UPDATE_FIXTURES=1",
      session:
        "game4_main.gd: a server (relay on, no auth); conn 0 = client alice, conn 1 = client bob, session play, peers=1",
      frames: frames.map((f) => ({ conn: f.conn, dir: f.dir, hex: f.data.toString("hex") })),
    };
    writeFileSync(
      new URL("./fixtures/pair-capture.json", import.meta.url),
      `${JSON.stringify(fixture, null, 1)}\n`,
    );
  }
});

test("the stored 4.6.3 pair capture (fixtures/pair-capture.json) shows the same", (t) => {
  const { fixture, frames } = loadCapture("pair-capture.json");
  t.is(fixture.engine, "4.6.3");
  checkPairCapture(t, frames);
});
