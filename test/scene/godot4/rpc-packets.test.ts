/**
 * REMOTE_CALL packets and method tables (scene_rpc_interface.cpp), checked against the reference
 * captures of a real Godot 4.6.3 server and client (shared/reference/godot4-protocol.md §5):
 * every packet encodes to the captured bytes and decodes back to the captured call.
 */
import test from "ava";
import {
  compareCodePoints,
  decodeRemoteCall,
  encodeRemoteCall,
  type ManifestNode,
  type RemoteCallTarget,
  RpcNodeConfig,
} from "../../../src/scene/index.js";
import { NodePath, StringName, type Variant, Vector2, variantEquals } from "../../../src/variant/index.js";
import { MANIFEST } from "./fixtures.js";
import { bytes, hex } from "./hub.js";

/** The test script of the captures: seven `@rpc` functions and one rpc_config() name. */
const MAIN = new RpcNodeConfig(MANIFEST.nodes.Main as ManifestNode);

test("method ids: script names sorted by code point from 0, rpc_config() names from 0x8000", (t) => {
  const ids = Object.fromEntries(MAIN.names.map((n) => [n, MAIN.byName(n)?.id]));
  t.deepEqual(ids, {
    cfg_rpc: 0x8000,
    Zed: 0,
    _under: 1,
    bytes_only: 2,
    c_hello: 3,
    r_one: 4,
    r_three: 5,
    r_zero: 6,
  });
  t.is(MAIN.byId(0x8000)?.name, "cfg_rpc");
  t.is(MAIN.byId(7), undefined);
  t.is(MAIN.byId(0x8001), undefined);
});

test("the checksum: md5 of node-level names then script names, as the capture's SIMPLIFY_PATH", (t) => {
  t.is(MAIN.md5, "d0cd70828e4a6f4dd3df461b9d5d88a1");
  t.true(new RpcNodeConfig({ rpcs: ["child_rpc"] }).md5.startsWith("d92e181e"));
  t.true(new RpcNodeConfig({ rpcs: ["child_rpc"] }).md5.endsWith("39bd"));
  t.is(new RpcNodeConfig({}).md5, "d41d8cd98f00b204e9800998ecf8427e");
});

test("names sort by Unicode code point, not by JS UTF-16 units", (t) => {
  // U+FF5E (one unit, 0xFF5E) is below U+1F600 (surrogates 0xD83D…): JS `<` says the opposite.
  const astral = "\u{1F600}";
  const bmp = "\uFF5E";
  t.true(astral < bmp, "JS compares UTF-16 units");
  t.true(compareCodePoints(bmp, astral) < 0);
  const config = new RpcNodeConfig({ rpcs: [astral, bmp, "a", "B", "_"] });
  t.deepEqual(config.names, ["B", "_", "a", bmp, astral]);
  t.is(config.byName(astral)?.id, 4);
});

test("more than 255 names: ids above 255 take 2 bytes (meta bit 6)", (t) => {
  const names = Array.from({ length: 300 }, (_, i) => `m${String(i).padStart(3, "0")}`);
  const config = new RpcNodeConfig({ rpcs: names });
  t.is(config.byName("m299")?.id, 299);
  const p = encodeRemoteCall({ cacheId: 1 }, 299, []);
  t.is(hex(p), "c0012b01");
  t.is(decodeRemoteCall(p).methodId, 299);
  t.is(hex(encodeRemoteCall({ cacheId: 1 }, 255, [])), "8001ff");
});

interface Capture {
  readonly title: string;
  readonly target: RemoteCallTarget;
  readonly method: string;
  readonly args: Variant[];
  readonly hex: string;
}

const MAIN_PATH = { path: "Main" };
const CAPTURES: Capture[] = [
  {
    title: "r_zero() before CONFIRM: full path, byte-only",
    target: MAIN_PATH,
    method: "r_zero",
    args: [],
    hex: "a0 06000080 06 4d61696e00",
  },
  {
    title: "r_one(42) before CONFIRM",
    target: MAIN_PATH,
    method: "r_one",
    args: [42],
    hex: "20 09000080 04 01 022a 4d61696e00",
  },
  {
    title: 'r_three("hi", 3.5, Vector2(1, 2)) before CONFIRM',
    target: MAIN_PATH,
    method: "r_three",
    args: ["hi", 3.5, new Vector2(1, 2)],
    hex: "20 27000080 05 03 04000000020000006869 0000 0300000000006040 050000000000803f00000040 4d61696e00",
  },
  { title: "r_zero() via cache id 1", target: { cacheId: 1 }, method: "r_zero", args: [], hex: "80 01 06" },
  {
    title: "r_one(300): INT in 16 bits",
    target: { cacheId: 1 },
    method: "r_one",
    args: [300],
    hex: "00 01 04 01 422c01",
  },
  {
    title: 'r_three(true, 0.1, [1, "x"])',
    target: { cacheId: 1 },
    method: "r_three",
    args: [true, 0.1, [1, "x"]],
    hex: "00 01 05 03 81 030001009a9999999999b93f 1c000000020000000200000001000000040000000100000078000000",
  },
  {
    title: "bytes_only(PackedByteArray [1, 2, 3]): raw bytes, no argc",
    target: { cacheId: 1 },
    method: "bytes_only",
    args: [Uint8Array.of(1, 2, 3)],
    hex: "80 01 02 010203",
  },
  {
    title: 'cfg_rpc({"k": 7}): node-level id 0x8000 in 2 bytes',
    target: { cacheId: 1 },
    method: "cfg_rpc",
    args: [new Map<Variant, Variant>([["k", 7]])],
    hex: "40 01 0080 01 1b000000010000000400000001000000 6b000000 0200000007000000",
  },
  {
    title: 'rpc("r_one", -2) broadcast',
    target: { cacheId: 1 },
    method: "r_one",
    args: [-2],
    hex: "00 01 04 01 02fe",
  },
  {
    title: 'client c_hello("from godot"), full path',
    target: MAIN_PATH,
    method: "c_hello",
    args: ["from godot"],
    hex: "20 1b000080 03 01 04000000 0a000000 66726f6d20676f646f74 0000 4d61696e00",
  },
  {
    title: "client cfg_rpc(5): 4-byte node, 2-byte method",
    target: MAIN_PATH,
    method: "cfg_rpc",
    args: [5],
    hex: "60 0a000080 0080 01 0205 4d61696e00",
  },
  {
    title: 'client c_hello("again") via its id 1',
    target: { cacheId: 1 },
    method: "c_hello",
    args: ["again"],
    hex: "00 01 03 01 04000000 05000000 616761696e000000",
  },
  { title: "client Zed()", target: { cacheId: 1 }, method: "Zed", args: [], hex: "80 01 00" },
  {
    title: 'bot c_hello("bot"), full path',
    target: MAIN_PATH,
    method: "c_hello",
    args: ["bot"],
    hex: "20 13000080 03 01 04000000 03000000 626f7400 4d61696e00",
  },
  {
    title: 'bot c_hello("bot") via its id 5',
    target: { cacheId: 5 },
    method: "c_hello",
    args: ["bot"],
    hex: "00 05 03 01 04000000 03000000 626f7400",
  },
  {
    title: "bot cfg_rpc(7)",
    target: { cacheId: 5 },
    method: "cfg_rpc",
    args: [7],
    hex: "40 05 0080 01 0207",
  },
];

for (const c of CAPTURES) {
  test(`capture: ${c.title}`, (t) => {
    const id = MAIN.byName(c.method)?.id;
    if (id === undefined) return t.fail(`no method ${c.method}`);
    const packet = bytes(c.hex);
    t.is(hex(encodeRemoteCall(c.target, id, c.args)), hex(packet));
    const call = decodeRemoteCall(packet);
    t.deepEqual(call.target, c.target);
    t.is(call.methodId, id);
    t.is(call.args.length, c.args.length);
    for (const [i, a] of c.args.entries()) t.true(variantEquals(call.args[i] as Variant, a), `arg ${i}`);
  });
}

test('capture: child_rpc(&"sn", ^"A/B:c") on Main/Child, full path', (t) => {
  const p = bytes(
    "20 3b000080 00 02 15000000 02000000 736e0000 16000000 02000080 01000000 00000000 01000000 41000000 01000000 42000000 01000000 63000000 4d61696e2f4368696c6400",
  );
  const args = [new StringName("sn"), NodePath.parse("A/B:c")];
  t.is(hex(encodeRemoteCall({ path: "Main/Child" }, 0, args)), hex(p));
  const call = decodeRemoteCall(p);
  t.deepEqual(call.target, { path: "Main/Child" });
  t.true(variantEquals(call.args, args));
});

test("zero args also arrive as bit 7 clear with argc 0 (Zed(): 00 05 00 00)", (t) => {
  const call = decodeRemoteCall(bytes("00 05 00 00"));
  t.deepEqual(call, { target: { cacheId: 5 }, methodId: 0, args: [], byteOnly: false });
});

test("quirk: one empty PackedByteArray is sent byte-only with no bytes, and arrives as 0 args", (t) => {
  const p = encodeRemoteCall({ cacheId: 1 }, 2, [new Uint8Array(0)]);
  t.is(hex(p), "800102");
  t.deepEqual(decodeRemoteCall(p).args, []);
  // Two PackedByteArrays are ordinary compressed args.
  t.is(
    hex(encodeRemoteCall({ cacheId: 1 }, 2, [Uint8Array.of(9), new Uint8Array(0)])),
    "000102021d00000001000000090000001d00000000000000",
  );
});

test("node ids: 1 byte up to 255, 2 bytes up to 65535, then 4 (meta bits 4–5)", (t) => {
  t.is(hex(encodeRemoteCall({ cacheId: 255 }, 0, [])), "80ff00");
  t.is(hex(encodeRemoteCall({ cacheId: 300 }, 0, [])), "902c0100");
  t.is(hex(encodeRemoteCall({ cacheId: 65535 }, 0, [])), "90ffff00");
  t.is(hex(encodeRemoteCall({ cacheId: 70000 }, 0, [])), "a07011010000");
  for (const id of [255, 300, 65535, 70000])
    t.deepEqual(decodeRemoteCall(encodeRemoteCall({ cacheId: id }, 0, [])).target, { cacheId: id });
});
