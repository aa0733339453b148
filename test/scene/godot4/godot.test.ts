/**
 * Against a real Godot 4.6.3 server (test/scene/godot4/g4: the reference captures' game): our
 * SceneMultiplayer client receives the server's calls (path cache, full paths, arguments, the
 * empty-PackedByteArray quirk, RAW), and the server runs ours, refuses what Godot refuses with
 * the messages we reproduce, and uses our cache ids after its CONFIRM_PATH. And the other way:
 * real Godot clients call our SceneMultiplayer server, which announces them to each other and
 * relays their broadcasts.
 */
import { fileURLToPath } from "node:url";
import test from "ava";
import { startGodot } from "../../../src/engine/index.js";
import { SceneMultiplayer } from "../../../src/scene/index.js";
import { NodePath, StringName, type Variant, Vector2, variantEquals } from "../../../src/variant/index.js";
import { MANIFEST } from "./fixtures.js";
import { hex } from "./hub.js";
import { WsClientPeer } from "./ws-peer.js";
import { WsServerPeer } from "./ws-server-peer.js";

const PROJECT = fileURLToPath(new URL("./g4", import.meta.url));
const WAIT = 30_000;

/** Resolves once `done()` holds; fails after WAIT. */
async function until(done: () => boolean): Promise<void> {
  const deadline = Date.now() + WAIT;
  while (!done()) {
    if (Date.now() > deadline) throw new Error("gave up waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

test("Godot 4.6.3 server ⇄ our SceneMultiplayer client: calls both ways, byte for byte", async (t) => {
  const godot = await startGodot({ version: "4.6.3", project: PROJECT, script: "server.gd" });
  t.teardown(async () => {
    if (!t.passed) t.log(godot.lines.join("\n"));
    await godot.stop();
  });
  const peer = new WsClientPeer(`ws://127.0.0.1:${godot.port}`);
  t.teardown(() => peer.close());
  const mp = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true });
  mp.multiplayerPeer = peer;
  const problems: string[] = [];
  mp.on("packet_dropped", (d) => problems.push(`drop ${d.reason}: ${d.message}`));
  mp.on("packet_error", (e) => problems.push(`error ${e.reason}: ${e.message}`));
  mp.on("manifest_error", (e) => problems.push(`manifest ${e.message}`));
  const calls: [string, Variant[]][] = [];
  let raw = "";
  const done = new Promise<void>((resolve) => {
    mp.on("peer_packet", (_id, p) => {
      raw = hex(p);
      resolve();
    });
  });
  mp.onRpcReceived = (node, method, args) => calls.push([`${node.path}:${method}`, [...args]]);
  await new Promise<void>((resolve) => mp.once("connected_to_server", () => resolve()));
  await done;

  // What Godot sent: the same bytes as the reference captures.
  const got = peer.received.map(hex);
  t.is(got[0], `01${Buffer.from("d0cd70828e4a6f4dd3df461b9d5d88a1").toString("hex")}00010000004d61696e00`);
  t.is(got[1], "20090000800401022a4d61696e00");
  t.is(
    got[2],
    "20270000800503040000000200000068690000030000000000604005000000000080" + "3f000000404d61696e00",
  );
  t.is(raw, "aabb");
  t.true(
    variantEquals(
      calls as unknown as Variant,
      [
        ["Main:r_one", [42]],
        ["Main:r_three", ["hi", 3.5, new Vector2(1, 2)]],
        ["Main:bytes_only", [Uint8Array.of(1, 2, 3)]],
        ["Main:bytes_only", []], // an empty PackedByteArray arrives as no argument
        ["Main/Child:child_rpc", [new StringName("sn"), NodePath.parse("A/B:c")]],
      ] as unknown as Variant,
    ),
    JSON.stringify(calls.map(([k, a]) => [k, a.map(String)])),
  );

  // What Godot made of ours.
  const me = mp.getUniqueId();
  mp.rpc(1, "Main", "c_hello", ["bot"]);
  await godot.waitForLine(new RegExp(`^CALL c_hello\\(bot\\) from ${me}$`), WAIT);
  mp.rpc(1, "Main", "cfg_rpc", [5]);
  mp.rpc(1, "Main", "r_three", [new StringName("x"), NodePath.parse("/root/A:b"), new Vector2(1, 2)]);
  mp.rpc(1, "Main", "bytes_only", [Uint8Array.of(7, 8)]);
  mp.rpc(1, "Main", "r_zero");
  mp.rpc(1, "Main", "r_one", []);
  mp.sendBytes(Uint8Array.of(0xde, 0xad), 1);
  await godot.waitForLine(/^RAW \d+ \[222, 173\]$/, WAIT);
  // After the server's CONFIRM_PATH, our 1-byte cache id.
  mp.rpc(1, "Main", "c_hello", ["again"]);
  mp.rpc(1, "Main", "Zed");
  await godot.waitForLine(new RegExp(`^CALL Zed\\(\\) from ${me}$`), WAIT);
  // stdout in order; the errors go to stderr, whose order against stdout is not kept.
  t.deepEqual(
    godot.lines.filter((l) => /^(CALL|RAW)/.test(l)),
    [
      `CALL c_hello(bot) from ${me}`,
      "CALL cfg_rpc(5)",
      "CALL r_three(StringName x, NodePath /root/A:b, (1.0, 2.0))",
      "CALL bytes_only([7, 8])",
      `RAW ${me} [222, 173]`,
      `CALL c_hello(again) from ${me}`,
      `CALL Zed() from ${me}`,
    ],
  );
  // ERROR lines come through stderr, a pipe of their own: they may trail the stdout lines above.
  for (const end = Date.now() + 10_000; godot.errorLines().length < 2 && Date.now() < end; )
    await new Promise((r) => setTimeout(r, 20));
  t.deepEqual(godot.errorLines(), [
    `ERROR: RPC 'r_zero' is not allowed on node /root/Main from: ${me}. Mode is "authority", authority is 1.`,
    "ERROR: RPC - 'Node(main.gd)::r_one': Method expected 1 argument(s), but called with 0",
  ]);
  t.is(hex(peer.sent.at(-2) as Uint8Array), "000103010400000005000000616761696e000000");
  t.is(hex(peer.sent.at(-1) as Uint8Array), "800100");
  t.true(
    peer.sent.some((p) => hex(p) === "020101000000"),
    "we confirmed the server's Main",
  );
  t.deepEqual(problems, []);
});

test("real Godot 4.6.3 clients ⇄ our SceneMultiplayer server: their calls, ADD_PEER, a relayed broadcast", async (t) => {
  const peer = new WsServerPeer();
  t.teardown(() => peer.close());
  const port = await peer.listening;
  const server = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true });
  server.multiplayerPeer = peer;
  const problems: string[] = [];
  server.on("packet_dropped", (d) => problems.push(`drop ${d.reason}: ${d.message}`));
  server.on("manifest_error", (e) => problems.push(`manifest ${e.message}`));
  const heard: string[] = [];
  server.onRpcReceived = (node, method, args, from) =>
    heard.push(`${node.path}:${method}(${args.map(String).join(", ")}) from ${from}`);
  const start = async (role: string) => {
    const godot = await startGodot({
      version: "4.6.3",
      project: PROJECT,
      script: "client.gd",
      port,
      ready: /^STARTED$/,
      env: { GP_ROLE: role },
    });
    t.teardown(async () => {
      if (!t.passed) t.log(`${role}:\n${godot.lines.join("\n")}`);
      await godot.stop();
    });
    return godot;
  };
  const a = await start("listener");
  const aId = Number((await a.waitForLine(/^CONNECTED \d+$/, WAIT)).split(" ")[1]);
  const b = await start("broadcaster");
  const bId = Number((await b.waitForLine(/^CONNECTED \d+$/, WAIT)).split(" ")[1]);
  // B's rpc() broadcast: one packet straight to us, one relayed to A.
  await a.waitForLine(new RegExp(`^CALL c_hello\\(to all\\) from ${bId}$`), WAIT);
  await a.waitForLine(new RegExp(`^PEER_CONNECTED ${bId}$`), WAIT);
  await b.waitForLine(new RegExp(`^PEER_CONNECTED ${aId}$`), WAIT);
  await until(() => heard.length >= 7);
  t.deepEqual(heard.slice().sort(), [
    `Main:Zed() from ${aId}`,
    `Main:Zed() from ${bId}`,
    `Main:c_hello(from godot) from ${aId}`,
    `Main:c_hello(from godot) from ${bId}`,
    `Main:c_hello(to all) from ${bId}`,
    `Main:cfg_rpc(5) from ${aId}`,
    `Main:cfg_rpc(5) from ${bId}`,
  ]);
  // ADD_PEER both ways, as Godot's server sends them.
  const sentHex = peer.sent.map((s) => `${s.to} ${hex(s.packet)}`);
  const le = (n: number) => Buffer.from(Int32Array.of(n).buffer).toString("hex");
  t.true(sentHex.includes(`${aId} 0701${le(bId)}`));
  t.true(sentHex.includes(`${bId} 0701${le(aId)}`));
  // Our CONFIRM_PATH for each client's Main (their id 1, MD5 matched).
  t.true(sentHex.includes(`${aId} 020101000000`));
  // Then our own call to a Godot client runs there.
  server.rpc(aId, "Main", "r_one", [42]);
  await a.waitForLine(/^CALL r_one\(42\)$/, WAIT);
  t.deepEqual(problems, []);
  t.deepEqual(a.errorLines(), []);
  t.deepEqual(b.errorLines(), []);
});

test("Godot 4.6.3 server with auth_callback: our client answers its challenge and is admitted; a silent one is kicked", async (t) => {
  const godot = await startGodot({
    version: "4.6.3",
    project: PROJECT,
    script: "server.gd",
    env: { GP_AUTH: "1", GP_AUTH_TIMEOUT: "1.0" },
  });
  t.teardown(async () => {
    if (!t.passed) t.log(godot.lines.join("\n"));
    await godot.stop();
  });
  const peer = new WsClientPeer(`ws://127.0.0.1:${godot.port}`);
  t.teardown(() => peer.close());
  const mp = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true });
  const signals: string[] = [];
  for (const s of [
    "peer_authenticating",
    "peer_authentication_failed",
    "connected_to_server",
    "server_disconnected",
  ] as const) {
    mp.on(s, () => signals.push(s));
  }
  let challenge = "";
  mp.authCallback = (id, data) => {
    challenge = `${id} ${Buffer.from(data).toString("utf8")}`;
    peer.putPacket(Uint8Array.of(0x80, 0x05, 0x06)); // an RPC before auth: Godot drops it
    mp.sendAuth(1, new TextEncoder().encode("secret"));
    mp.completeAuth(1);
  };
  mp.multiplayerPeer = peer;
  const got: string[] = [];
  mp.onRpcReceived = (node, method, args) =>
    got.push(`${node.path}:${method}(${args.map(String).join(", ")})`);
  await new Promise<void>((resolve) => mp.once("connected_to_server", () => resolve()));
  await godot.waitForLine(/^PEER_CONNECTED \d+$/, WAIT);
  await until(() => got.length >= 1);
  t.is(challenge, "1 challenge");
  t.deepEqual(signals, ["peer_authenticating", "connected_to_server"]);
  t.is(got[0], "Main:r_one(42)");
  t.true(godot.lines.includes(`AUTH ${mp.getUniqueId()} secret`));
  t.deepEqual(godot.errorLines(), [
    'ERROR: Condition "len < 2 || (packet[0] & CMD_MASK) != NETWORK_COMMAND_SYS || packet[1] != SYS_COMMAND_AUTH" is true. Continuing.',
  ]);
  // A client that never answers is kicked after auth_timeout; both sides see the failure.
  const silentPeer = new WsClientPeer(`ws://127.0.0.1:${godot.port}`);
  t.teardown(() => silentPeer.close());
  const silent = new SceneMultiplayer({ manifest: MANIFEST, autoProcess: true });
  silent.authCallback = () => {};
  const silentSignals: string[] = [];
  for (const s of ["peer_authenticating", "peer_authentication_failed", "server_disconnected"] as const) {
    silent.on(s, () => silentSignals.push(s));
  }
  silent.multiplayerPeer = silentPeer;
  await new Promise<void>((resolve) => silent.once("server_disconnected", () => resolve()));
  await godot.waitForLine(/^AUTH_FAILED \d+$/, WAIT);
  t.deepEqual(silentSignals, ["peer_authenticating", "peer_authentication_failed", "server_disconnected"]);
});
