/**
 * The harness starts real headless Godot servers, and what they send first is what
 * protocol-notes/ says: Godot 3 greets with SYS_ID in a 9-byte header, Godot 4 with the
 * bare 4-byte peer id.
 */
import test from "ava";
import WebSocket from "ws";
import { ALL_VERSIONS, startFixture } from "../harness/godot.js";

/** Opens a plain WebSocket and collects binary messages in order. */
async function openPlain(port: number): Promise<{ next(): Promise<Buffer>; close(): void }> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const queue: Buffer[] = [];
  const waiting: ((b: Buffer) => void)[] = [];
  ws.on("message", (data: Buffer) => {
    const w = waiting.shift();
    if (w) w(data);
    else queue.push(data);
  });
  await new Promise<void>((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
  return {
    next: () =>
      new Promise((resolve) => {
        const b = queue.shift();
        if (b) resolve(b);
        else waiting.push(resolve);
      }),
    close: () => ws.close(),
  };
}

for (const version of ALL_VERSIONS) {
  test(`Godot ${version} server greets a new WebSocket with its peer id`, async (t) => {
    const godot = await startFixture(t, version, "mp_server.gd");
    const ws = await openPlain(godot.port);
    const first = await ws.next();
    const announced = await godot.waitForLine(/^PEER_CONNECTED \d+$/);
    const idOnServer = Number(announced.split(" ")[1]);
    if (version.startsWith("3.")) {
      // u8 type SYS_ID (3), i32 from = 1 (server), i32 to = 0, then the i32 id.
      t.is(first.length, 13);
      t.is(first.readUInt8(0), 3);
      t.is(first.readInt32LE(1), 1);
      t.is(first.readInt32LE(5), 0);
      t.is(first.readInt32LE(9), idOnServer);
      // Then SYS_ADD of the server (peer 1): what makes a Godot client emit connection_succeeded.
      const second = await ws.next();
      t.deepEqual([...second], [1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    } else {
      t.is(first.length, 4);
      t.is(first.readInt32LE(0), idOnServer);
    }
    t.true(idOnServer > 1 && idOnServer <= 0x7fffffff);
    ws.close();
    await godot.waitForLine(/^PEER_DISCONNECTED \d+$/);
    t.deepEqual(godot.errorLines(), []);
  });
}
