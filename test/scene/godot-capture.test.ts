/**
 * A real Godot 3 client plays the example game against a real Godot 3 server through a
 * capture proxy. Every frame the engines exchange must parse with our framing and
 * MultiplayerAPI decoders, and re-encode with our encoders to the very same bytes.
 */
import test from "ava";
import { makeFrame, PROTO_SIZE, readHeader, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import {
  decodeSceneCommand,
  encodeConfirmPath,
  encodeRaw,
  encodeRemote,
  encodeSimplifyPath,
  NetworkCommand,
  type SceneCommand,
} from "../../src/scene/index.js";
import { startCaptureProxy } from "../harness/capture-proxy.js";
import { GODOT3_VERSIONS, startFixture } from "../harness/godot.js";

function reencode(c: SceneCommand): Uint8Array {
  switch (c.command) {
    case NetworkCommand.REMOTE_CALL:
      return encodeRemote(c.command, c.target, c.method, c.args);
    case NetworkCommand.REMOTE_SET:
      return encodeRemote(c.command, c.target, c.property, [c.value]);
    case NetworkCommand.SIMPLIFY_PATH:
      return encodeSimplifyPath(c.cacheId, c.path);
    case NetworkCommand.CONFIRM_PATH:
      return encodeConfirmPath(c.path);
    case NetworkCommand.RAW:
      return encodeRaw(c.data);
  }
}

for (const version of GODOT3_VERSIONS) {
  test(`Godot ${version}: every frame between a real client and server round-trips through our codecs`, async (t) => {
    const server = await startFixture(t, version, "game_server.gd");
    const proxy = await startCaptureProxy(`ws://127.0.0.1:${server.port}`);
    t.teardown(() => proxy.close());
    const client = await startFixture(t, version, "game_client.gd", {
      env: { GP_SERVER_URL: proxy.url },
      ready: /^SCRIPT_DONE$/,
    });
    await server.waitForLine(/^RAW \d+ \[1, 2, 3\]$/);
    await client.waitForLine(/^RAW 1 \[3, 2, 1\]$/);

    const clientId = Number((await client.waitForLine(/^CONNECTED \d+$/)).split(" ")[1]);
    const commands: { dir: string; cmd: SceneCommand }[] = [];
    for (const f of proxy.frames) {
      t.true(f.binary, "Godot 3 multiplayer frames are binary");
      const frame = new Uint8Array(f.data);
      const h = readHeader(frame);
      if (h.type !== SysType.NONE) {
        t.is(f.dir, "s2c");
        t.deepEqual(frame, makeFrame(h.type, 1, 0, frame.subarray(PROTO_SIZE)));
        t.is(readSysPeerId(frame), h.type === SysType.ID ? clientId : 1);
        continue;
      }
      t.deepEqual([h.from, h.to], f.dir === "c2s" ? [clientId, 1] : [1, clientId]);
      const payload = frame.subarray(PROTO_SIZE);
      const cmd = decodeSceneCommand(payload);
      t.deepEqual(
        reencode(cmd),
        payload,
        `re-encoding ${NetworkCommand[cmd.command]} ${f.data.toString("hex")}`,
      );
      commands.push({ dir: f.dir, cmd });
    }

    // The client's first packet introduces the path of /root/Game as cache id 1 ...
    const firstUp = commands.find((c) => c.dir === "c2s")?.cmd;
    t.deepEqual(firstUp, { command: NetworkCommand.SIMPLIFY_PATH, cacheId: 1, path: "Game" });
    // ... and calls sent before the server confirmed it carry the full path.
    const join = commands.find(
      (c) => c.cmd.command === NetworkCommand.REMOTE_CALL && c.cmd.method === "join",
    );
    t.deepEqual(join?.cmd, {
      command: NetworkCommand.REMOTE_CALL,
      target: { path: "Game" },
      method: "join",
      args: ["godot-client"],
    });
    // The server confirms every path the client introduced.
    const confirmed = commands
      .filter((c) => c.dir === "s2c" && c.cmd.command === NetworkCommand.CONFIRM_PATH)
      .map((c) => (c.cmd.command === NetworkCommand.CONFIRM_PATH ? c.cmd.path : ""));
    t.deepEqual(
      [...confirmed].sort(),
      ["Game", "Game/Modes", "Game/Modes/Nested/Deeper", `Game/Players/${clientId}`].sort(),
    );
    t.deepEqual(server.errorLines(), []);
    t.deepEqual(client.errorLines(), []);
  });
}
