/**
 * RPCs between SceneMultiplayers: rpc modes and the engine's refusal messages, multiplayer
 * authority, call_local, errors of the calls we make, arguments that do not decode, argument
 * counts, and the manifest: checksum mismatches named, unknown nodes named.
 */
import test from "ava";
import { RpcError4, type RpcManifest, SceneMultiplayer } from "../../../src/scene/index.js";
import { EncodedObjectAsID, GodotObject, type Variant } from "../../../src/variant/index.js";
import { MANIFEST } from "./fixtures.js";
import { ascii, Game, on } from "./game.js";
import { bytes } from "./hub.js";

function oneClient(options = {}) {
  const g = new Game(options);
  const c = g.client(2);
  g.run();
  return { g, c, s: g.server.mp };
}

test("rpc mode authority: refused from a non-authority with Godot's message; accepted once it is the authority", (t) => {
  const { g, c, s } = oneClient();
  const ran: number[] = [];
  s.node("Main").onRpc("r_zero", () => ran.push(s.getRemoteSenderId()));
  c.mp.rpc(1, "Main", "r_zero");
  g.run();
  t.deepEqual(ran, []);
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.from, d.reason, d.message, d.path, d.method]),
    [
      [
        2,
        "not-allowed",
        `RPC 'r_zero' is not allowed on node /root/Main from: 2. Mode is "authority", authority is 1.`,
        "Main",
        "r_zero",
      ],
    ],
  );
  s.node("Main").setMultiplayerAuthority(2);
  c.mp.node("Main").setMultiplayerAuthority(2);
  t.true(c.mp.node("Main").isMultiplayerAuthority());
  c.mp.rpc(1, "Main", "r_zero");
  g.run();
  t.deepEqual(ran, [2]);
});

test("rpc mode disabled: refused whoever calls", (t) => {
  const manifest: RpcManifest = {
    ...MANIFEST,
    nodes: {
      Off: {
        rpcs: { nope: { rpc_mode: "disabled", call_local: false, transfer_mode: "reliable", channel: 0 } },
      },
    },
  };
  const { g, c } = oneClient({ manifest });
  c.mp.rpc(1, "Off", "nope");
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => d.message),
    [`RPC 'nope' is not allowed on node /root/Off from: 2. Mode is "disabled", authority is 1.`],
  );
});

test("the checks run in Godot's order: unknown method id before the rpc mode, node before method", (t) => {
  const { g, c } = oneClient();
  c.mp.rpc(1, "Main", "c_hello", ["x"]); // caches Main on the server as client id 1
  g.run();
  c.peer.putPacket(bytes("800109")); // method 9 does not exist
  c.peer.putPacket(bytes("800206")); // node id 2 unknown (and r_zero refused, never reached)
  c.peer.putPacket(bytes("800106")); // r_zero: the mode refuses
  g.run();
  t.deepEqual(
    g.server.seen.drops.map((d) => [d.reason, d.message]),
    [
      ["unknown-method", 'Condition "!cache_config.configs.has(p_rpc_method_id)" is true.'],
      ["unknown-cache-id", "ID 2 not found in cache of peer 2."],
      [
        "not-allowed",
        `RPC 'r_zero' is not allowed on node /root/Main from: 2. Mode is "authority", authority is 1.`,
      ],
    ],
  );
});

test("call_local: the caller runs it too, with get_remote_sender_id() = its own id", (t) => {
  const { g, c, s } = oneClient();
  const heard: string[] = [];
  c.mp
    .node("Main/Players/2")
    .onRpc("chat", (m) => heard.push(`client: ${m} from ${c.mp.getRemoteSenderId()}`));
  s.node("Main/Players/2").onRpc("chat", (m) => heard.push(`server: ${m} from ${s.getRemoteSenderId()}`));
  c.mp.rpc(0, "Main/Players/2", "chat", ["hi"]);
  t.deepEqual(heard, ["client: hi from 2"], "the local call runs at once, after the send");
  g.run();
  t.deepEqual(heard, ["client: hi from 2", "server: hi from 2"]);
  // rpc_id(own id) with call_local: only the local call.
  const mark = g.mark;
  c.mp.rpc(2, "Main/Players/2", "chat", ["me"]);
  g.run();
  t.deepEqual(g.wire(mark), []);
  t.is(heard.at(-1), "client: me from 2");
});

test("calls we make that Godot refuses throw RpcError4 with Godot's message and error code", (t) => {
  const { g, c } = oneClient();
  const mark = g.mark;
  const refused = (fn: () => void) => {
    const e = t.throws(fn, { instanceOf: RpcError4 });
    return [e?.reason, e?.message, e?.godotError];
  };
  t.deepEqual(
    refused(() => c.mp.rpc(2, "Main", "c_hello", ["x"])),
    ["not-allowed-on-self", "RPC 'c_hello' on yourself is not allowed by selected mode.", 31],
  );
  t.deepEqual(
    refused(() => c.mp.rpc(1, "Main", "nothing")),
    [
      "unknown-method",
      'Unable to get the RPC configuration for the function "nothing" at path: "/root/Main". This happens when the method is missing or not marked for RPCs in the local script.',
      31,
    ],
  );
  t.deepEqual(
    refused(() => c.mp.rpc(77, "Main", "c_hello", ["x"])),
    ["unknown-peer", "Attempt to call RPC with unknown peer ID: 77.", 31],
  );
  t.deepEqual(
    refused(() => c.mp.rpc(1, "Main", "c_hello", new Array(256).fill(0)))[1],
    "Too many arguments (>255).",
  );
  t.deepEqual(refused(() => c.mp.rpc(1, "Nowhere", "x"))[0], "unknown-node");
  t.deepEqual(
    refused(() => c.mp.rpc(1, "Main", "c_hello", [Symbol("no") as unknown as Variant]))[0],
    "encode-failed",
  );
  t.deepEqual(
    refused(() => c.mp.sendBytes(new Uint8Array(0))),
    ["empty-raw-packet", "Trying to send an empty raw packet.", 30],
  );
  const offline = new SceneMultiplayer();
  t.deepEqual(
    refused(() => offline.rpc(1, "Main", "x"))[1],
    "Trying to call an RPC while no multiplayer peer is active.",
  );
  // A send the peer refuses (a full buffer) is the caller's to know.
  c.peer.failNextPut = 6;
  t.deepEqual(refused(() => c.mp.sendBytes(Uint8Array.of(1), 1))[0], "send-failed");
  t.deepEqual(g.wire(mark), [], "nothing was sent, not even a SIMPLIFY_PATH");
});

test("an Object argument does not decode: the method still runs, with null from there on (logged)", (t) => {
  const { g, c, s } = oneClient();
  const got: Variant[][] = [];
  s.node("Main").onRpc("r_three", (...a) => got.push(a));
  c.mp.rpc(1, "Main", "r_three", [1, new GodotObject("Node"), 3]);
  g.run();
  t.deepEqual(got, [[1, null, null]]);
  t.deepEqual(
    g.server.seen.errors.map((e) => [e.reason, e.path, e.method]),
    [["bad-argument", "Main", "r_three"]],
  );
  t.true(
    g.server.seen.errors[0]?.message.startsWith("Invalid packet received. Unable to decode state variable."),
  );
  // An object sent as its id is an EncodedObjectAsID, as Godot decodes it.
  c.mp.rpc(1, "Main", "r_three", [new EncodedObjectAsID(5n)]);
  g.run();
  t.true(got[1]?.[0] instanceof EncodedObjectAsID);
  // With allow_object_decoding the full Object arrives.
  s.allowObjectDecoding = true;
  c.mp.rpc(1, "Main", "r_three", [new GodotObject("Node")]);
  g.run();
  t.true(got[2]?.[0] instanceof GodotObject);
});

test("an argument count the method does not take is logged and the method is not called", (t) => {
  const { g, c, s } = oneClient();
  const got: Variant[][] = [];
  s.node("Main").onRpc("r_one", (...a) => got.push(a));
  c.mp.rpc(1, "Main", "r_one", []);
  c.mp.rpc(1, "Main", "r_one", [1, 2]);
  c.mp.rpc(1, "Main", "r_one", [3]);
  g.run();
  t.deepEqual(got, [[3]]);
  t.deepEqual(
    g.server.seen.errors.map((e) => e.message),
    [
      "RPC - '/root/Main::r_one': Method expected 1 argument(s), but called with 0",
      "RPC - '/root/Main::r_one': Method expected 1 argument(s), but called with 2",
    ],
  );
});

test("a handler that throws is a script error: counted, reported, and the next call runs", (t) => {
  const { g, c, s } = oneClient();
  s.removeAllListeners("script_error");
  const errors: string[] = [];
  s.on("script_error", (e, where) =>
    errors.push(`${String(e)} at ${where.path}:${where.method} from ${where.from}`),
  );
  let calls = 0;
  s.node("Main").onRpc("Zed", () => {
    calls++;
    throw new Error("boom");
  });
  c.mp.rpc(1, "Main", "Zed");
  c.mp.rpc(1, "Main", "Zed");
  g.run();
  t.is(calls, 2);
  t.deepEqual(errors, ["Error: boom at Main:Zed from 2", "Error: boom at Main:Zed from 2"]);
  t.is(s.stats.scriptErrors, 2);
});

test("MD5 mismatch: both sides raise a ManifestError naming the differing name; the call still works", (t) => {
  // The client's manifest lacks Main's r_three: method ids after it would shift.
  const { r_three: _, ...rest } = MANIFEST.nodes.Main?.rpcs ?? {};
  const older: RpcManifest = {
    ...MANIFEST,
    nodes: { ...MANIFEST.nodes, Main: { ...MANIFEST.nodes.Main, rpcs: rest } },
  };
  const g = new Game();
  const c = g.client(2, { manifest: older });
  g.run();
  const heard: Variant[] = [];
  g.server.mp.node("Main").onRpc("c_hello", (x) => heard.push(x));
  const mark = g.mark;
  c.mp.rpc(1, "Main", "c_hello", ["x"]);
  g.run();
  t.deepEqual(heard, ["x"], "Godot only logs: the call runs");
  // The server checks the client's checksum against its names: it finds what the client lacks.
  t.deepEqual(g.wire(mark).slice(-1), ["1>2 020001000000"]);
  const [onServer] = g.server.seen.manifest;
  t.is(onServer?.reason, "checksum-mismatch");
  t.is(onServer?.path, "Main");
  t.is(onServer?.peer, 2);
  t.deepEqual(onServer?.missingOnPeer, ["r_three"]);
  t.regex(
    onServer?.message ?? "",
    /The rpc node checksum failed\. .*Node path: Main \(peer 2: the peer lacks "r_three"\)/,
  );
  // The client learns from CONFIRM_PATH (valid = 0) that its names were refused.
  t.deepEqual(
    c.seen.manifest.map((e) => [e.reason, e.path]),
    [["checksum-refused", "Main"]],
  );
  t.is(g.server.mp.stats.manifest.get("checksum-mismatch"), 1);
  t.is(c.mp.stats.manifest.get("checksum-refused"), 1);
  // The other way: the server's SIMPLIFY_PATH has a name the client does not know at all.
  g.server.mp.rpc(2, "Main", "c_hello", ["y"]);
  g.run();
  t.is(c.seen.manifest[1]?.reason, "checksum-mismatch");
  t.deepEqual(c.seen.manifest[1]?.missingOnPeer, []);
  t.regex(c.seen.manifest[1]?.message ?? "", /does not explain/);
});

test("MD5 mismatch: a name the peer has and we know from elsewhere in the manifest is named as extra", (t) => {
  const newer: RpcManifest = {
    ...MANIFEST,
    nodes: {
      ...MANIFEST.nodes,
      Main: {
        ...MANIFEST.nodes.Main,
        rpcs: { ...MANIFEST.nodes.Main?.rpcs, hit: MANIFEST.nodes.Main!.rpcs.Zed! },
      },
    },
  };
  const g = new Game();
  const c = g.client(2, { manifest: newer });
  g.run();
  c.mp.rpc(1, "Main", "c_hello", ["x"]);
  g.run();
  t.deepEqual(g.server.seen.manifest[0]?.extraOnPeer, ["hit"]);
  t.regex(g.server.seen.manifest[0]?.message ?? "", /the peer also declares "hit"/);
});

test("a node our manifest lacks: a named ManifestError at SIMPLIFY_PATH, a named drop for its calls", (t) => {
  const { g, c, s } = oneClient();
  s.node("Secret", { rpcs: { psst: { rpc_mode: "any_peer" } } });
  const mark = g.mark;
  s.rpc(2, "Secret", "psst");
  g.run();
  s.rpc(2, "Secret", "psst");
  g.run();
  t.deepEqual(g.wire(mark).slice(2, 3), ["2>1 020001000000"], "confirmed, as a checksum mismatch");
  t.deepEqual(
    c.seen.manifest.map((e) => [e.reason, e.path, e.peer]),
    [["unknown-node", "Secret", 1]],
  );
  t.deepEqual(
    c.seen.drops.map((d) => [d.reason, d.path]),
    [
      ["unknown-node", "Secret"],
      ["unknown-node", "Secret"],
    ],
  );
  t.is(c.seen.drops[0]?.message, "Failed to get path from RPC: Secret.");
  t.is(c.seen.drops[1]?.message, "Failed to get cached node from peer 1 with cache ID 1.");
});

test("rpc_config(): a node-level RPC in code gets id 0x8000 | i, only before the node's first RPC", (t) => {
  const { g, c, s } = oneClient();
  const decl = { rpcs: { a: { rpc_mode: "any_peer" as const } } };
  const serverNode = s.node("Dyn", decl).rpcConfig("z", { rpc_mode: "any_peer" });
  c.mp.node("Dyn", decl).rpcConfig("z", { rpc_mode: "any_peer" });
  const got: string[] = [];
  serverNode.onRpc("z", (x) => got.push(`z(${x})`));
  const mark = g.mark;
  c.mp.rpc(1, "Dyn", "z", [1]);
  g.run();
  t.deepEqual(got, ["z(1)"]);
  t.is(g.wire(mark)[1], on(2, 1, `600a000080 0080 01 0201 ${ascii("Dyn")}00`));
  t.throws(() => c.mp.node("Dyn").rpcConfig("late", {}), { instanceOf: RangeError });
});
