/**
 * Every Godot 4 Variant type of the corpus (test/variant/corpus.ts, godot4 dialect) as a compressed
 * RPC argument, through real 4.6.3 engines both ways: a real client reads each value (var_to_bytes,
 * from our encoder, which the conformance test holds to the engine's), sends it to a real server as
 * an argument of variant_in(name, value) and alone as variant_one(value); the server prints what it
 * got and sends it back. Through the capture proxy, so the argument bytes the engine wrote are checked
 * against the reference's compression rules (§6) and kept in fixtures/variant-capture.json, for the
 * test of our own compressed-argument codec. GODOT_PEER_UPDATE_FIXTURES=1 rewrites the fixture.
 */

import { writeFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { encode } from "../../src/variant/index.js";
import { startCaptureProxy } from "../harness/capture-proxy.js";
import { type GameEvent, startGodot4Client, startGodot4Server } from "../harness/godot4-game.js";
import { corpus } from "../variant/corpus.js";
import {
  type CaptureFixture,
  loadCapture,
  parseRemoteCall,
  parseSimplify,
  type RemoteCall,
} from "./capture.js";
import { methodId } from "./game4.js";

/** Left out, and why. */
const LEFT_OUT: Readonly<Record<string, string>> = {
  packed_byte_64k:
    "a 64 KiB argument makes a frame over the 65535-byte inbound buffer: the server closes (1009)",
  obj_refcounted: "a full object: bytes_to_var (objects off) refuses it, so nothing of it is left to send",
};

/** The corpus's object sent as an id: its id cannot survive the trip (see below). */
const OBJECT_ID = "objid_refcounted";

const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

/**
 * What the reference (§6) says the engine writes for one top-level argument, from the plain
 * var_to_bytes encoding: BOOL as one byte, INT in the smallest signed size, anything else unchanged.
 */
function compressed(plain: Uint8Array): Buffer {
  const b = Buffer.from(plain);
  const type = b.readUInt32LE(0) & 0xff;
  if (type === 1) return Buffer.from([0x01 | (b.readUInt32LE(4) ? 0x80 : 0)]);
  if (type !== 2) return b;
  const v = b.readUInt32LE(0) & 0x10000 ? b.readBigInt64LE(4) : BigInt(b.readInt32LE(4));
  const fits = (bits: number) => v >= -(1n << BigInt(bits - 1)) && v < 1n << BigInt(bits - 1);
  const size = fits(8) ? 0 : fits(16) ? 1 : fits(32) ? 2 : 3;
  const out = Buffer.alloc(1 + (1 << size));
  out[0] = 0x02 | (size << 6);
  if (size === 0) out.writeInt8(Number(v), 1);
  else if (size === 1) out.writeInt16LE(Number(v), 1);
  else if (size === 2) out.writeInt32LE(Number(v), 1);
  else out.writeBigInt64LE(v, 1);
  return out;
}

/** The compressed STRING arg the name travels as: header, length, bytes, padding to 4. */
function stringArg(s: string): Buffer {
  const bytes = Buffer.from(s, "utf8");
  const out = Buffer.alloc(8 + Math.ceil(bytes.length / 4) * 4);
  out.writeUInt32LE(4, 0);
  out.writeUInt32LE(bytes.length, 4);
  bytes.copy(out, 8);
  return out;
}

const entries = () => corpus("godot4").filter(([name]) => !(name in LEFT_OUT));

/** The argument bytes of every variant_in call the client sent, by name (byte parsing only). */
function sentArgs(frames: readonly { dir: string; data: Buffer }[]): Map<string, Buffer> {
  const table = new Map<number, string>();
  const out = new Map<string, Buffer>();
  const variantIn = methodId("Main/Variants", "variant_in");
  for (const f of frames) {
    if (f.dir !== "c2s") continue;
    const s = parseSimplify(f.data);
    if (s) table.set(s.id, s.path);
    const call = parseRemoteCall(f.data);
    if (
      !call ||
      (call.path ?? table.get(call.cacheId ?? -1)) !== "Main/Variants" ||
      call.method !== variantIn
    )
      continue;
    const a = call.args;
    if (a[0] !== 2) continue; // argc
    const len = a.readUInt32LE(5);
    const name = a.subarray(9, 9 + len).toString("utf8");
    // The name is a compressed STRING: the plain encoding, padded to 4 (else "not captured").
    if (!a.subarray(1, 9 + Math.ceil(len / 4) * 4).equals(stringArg(name))) continue;
    out.set(name, Buffer.from(a.subarray(9 + Math.ceil(len / 4) * 4)));
  }
  return out;
}

/** The variant_one calls the client sent, in order. */
function soloCalls(frames: readonly { dir: string; data: Buffer }[]): RemoteCall[] {
  const table = new Map<number, string>();
  const one = methodId("Main/Variants", "variant_one");
  const out: RemoteCall[] = [];
  for (const f of frames) {
    if (f.dir !== "c2s") continue;
    const s = parseSimplify(f.data);
    if (s) table.set(s.id, s.path);
    const call = parseRemoteCall(f.data);
    if (call && (call.path ?? table.get(call.cacheId ?? -1)) === "Main/Variants" && call.method === one)
      out.push(call);
  }
  return out;
}

function checkCompression(frames: readonly { dir: string; data: Buffer }[]): string[] {
  const got = sentArgs(frames);
  const problems: string[] = [];
  // A lone PackedByteArray goes byte-only: meta bit 7, no argc, the bytes with no header.
  const solo = soloCalls(frames);
  if (solo.length !== entries().length) problems.push(`${solo.length} variant_one calls captured`);
  entries().forEach(([name, value], i) => {
    const call = solo[i];
    const byteOnly = value instanceof Uint8Array;
    if (call?.byteOnly !== byteOnly)
      problems.push(`variant_one ${name}: byte-only ${String(call?.byteOnly)}`);
    if (byteOnly && !call?.args.equals(value))
      problems.push(`variant_one ${name}: ${call?.args.toString("hex")}`);
  });
  for (const [name, value] of entries()) {
    const want = compressed(encode(value, { dialect: "godot4" }));
    const seen = got.get(name);
    if (!seen) problems.push(`${name}: not captured`);
    else if (name === OBJECT_ID) {
      // OBJECT with flag bit 16 (as an id) + the sender's u64 instance id, not the id in the corpus.
      if (seen.length !== 12 || seen.readUInt32LE(0) !== (24 | 0x10000))
        problems.push(`${name}: ${seen.toString("hex")}`);
    } else if (!seen.equals(want))
      problems.push(`${name}: engine wrote ${seen.toString("hex")}, want ${want.toString("hex")}`);
  }
  return problems;
}

test("4.6.3: every corpus Variant goes as a compressed RPC argument and comes back the same", async (t) => {
  const list = entries();
  const dir = await mkdtemp(join(tmpdir(), "gp-g4-variants-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "values.txt");
  await writeFile(
    file,
    list.map(([name, v]) => `${name} ${b64(encode(v, { dialect: "godot4" }))}`).join("\n"),
  );

  const server = await startGodot4Server(t);
  const proxy = await startCaptureProxy(server.url);
  t.teardown(() => proxy.close());
  const client = await startGodot4Client(t, proxy.url, { session: "variants", variantsFile: file });
  const done = await client.waitForEvent("variants_done", () => true, 60_000);
  t.is(done.sent, list.length);
  // The server's log is read through its own pipe: wait for it rather than trust the client's timing.
  await server.waitForEvents("variant", list.length);
  await server.waitForEvents("variant_one", list.length);
  await client.stop();

  const bySide = (side: string) =>
    new Map(
      server
        .events()
        .concat(client.events())
        .filter((e) => e.ev === "variant" && e.side === side)
        .map((e) => [String(e.name), e]),
    );
  const problems: string[] = [];
  for (const side of ["server", "client"]) {
    const got = bySide(side);
    for (const [name, v] of list) {
      if (name === OBJECT_ID) continue;
      const want = b64(encode(v, { dialect: "godot4" }));
      const e = got.get(name);
      if (e?.b64 !== want) problems.push(`${side} ${name}: got ${String(e?.b64)}, sent ${want}`);
    }
  }
  // One argument alone: same values in order, but a lone empty PackedByteArray arrives as no argument.
  const ones = (side: string) =>
    server
      .events()
      .concat(client.events())
      .filter((e: GameEvent) => e.ev === "variant_one" && e.side === side)
      .sort((x, y) => Number(x.seq) - Number(y.seq));
  for (const side of ["server", "client"]) {
    const got = ones(side);
    t.is(got.length, list.length, side);
    list.forEach(([name, v], i) => {
      if (name === OBJECT_ID) return;
      const want =
        name === "packed_byte_empty"
          ? b64(encode(null, { dialect: "godot4" }))
          : b64(encode(v, { dialect: "godot4" }));
      if (got[i]?.b64 !== want)
        problems.push(`${side} one ${name}: got ${String(got[i]?.b64)}, sent ${want}`);
    });
  }
  t.deepEqual(problems, []);
  t.deepEqual(server.errorLines(), []);

  // An Object goes as the sender's instance id, with no error: the receiver gets an
  // EncodedObjectAsID holding it; sent on, that is the receiver's own EncodedObjectAsID's id.
  const sent = client.events("variant_sent", (e) => e.name === OBJECT_ID)[0];
  const atServer = bySide("server").get(OBJECT_ID);
  const back = bySide("client").get(OBJECT_ID);
  t.is(atServer?.type, 24);
  t.is(atServer?.object_id, sent?.instance_id);
  t.is(back?.type, 24);
  t.is(back?.object_id, atServer?.instance_id);

  const frames = proxy.frames.map((f) => ({ conn: f.conn, dir: f.dir, data: Buffer.from(f.data) }));
  t.deepEqual(checkCompression(frames), []);
  t.is(sentArgs(frames).get(OBJECT_ID)?.readBigInt64LE(4).toString(), String(sent?.instance_id));
  if (process.env.GODOT_PEER_UPDATE_FIXTURES === "1") {
    const fixture: CaptureFixture = {
      engine: "4.6.3",
      made: "test/godot4/variants.test.ts with GODOT_PEER_UPDATE_FIXTURES=1",
      session: `game4_main.gd: a server and one client, session variants: test/variant/corpus.ts (godot4) less ${Object.keys(LEFT_OUT).join(", ")}`,
      frames: frames.map((f) => ({ conn: f.conn, dir: f.dir, hex: f.data.toString("hex") })),
    };
    writeFileSync(
      new URL("./fixtures/variant-capture.json", import.meta.url),
      `${JSON.stringify(fixture, null, 1)}\n`,
    );
  }
});

test("the stored 4.6.3 variant capture (fixtures/variant-capture.json) follows the compression rules", (t) => {
  const { frames } = loadCapture("variant-capture.json");
  t.deepEqual(checkCompression(frames), []);
});
