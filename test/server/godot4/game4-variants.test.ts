/**
 * Every Godot 4 Variant type of the corpus through our Node server's Variants node, with a real
 * 4.6.3 client: the client sends each value as variant_in(name, value) and alone as
 * variant_one(value); our server prints what it decoded as var_to_bytes (base64), exactly as the
 * GDScript game does, and sends it back; the client prints what came back. Both must be what was sent.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { encode } from "../../../src/variant/index.js";
import { startGodot4Client } from "../../harness/godot4-game.js";
import { startNodeGame4Server } from "../../harness/node-godot4-game.js";
import { corpus } from "../../variant/corpus.js";

/** As in test/godot4/variants.test.ts: what 4.6.3 itself cannot carry. */
const LEFT_OUT = new Set(["packed_byte_64k", "obj_refcounted"]);
const OBJECT_ID = "objid_refcounted";
const b64 = (b: Uint8Array) => Buffer.from(b).toString("base64");

test("Node game4 server, 4.6.3 client: every corpus Variant arrives, prints as var_to_bytes and goes back the same", async (t) => {
  const list = corpus("godot4").filter(([name]) => !LEFT_OUT.has(name));
  const dir = await mkdtemp(join(tmpdir(), "gp-g4-node-variants-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "values.txt");
  await writeFile(
    file,
    list.map(([name, v]) => `${name} ${b64(encode(v, { dialect: "godot4" }))}`).join("\n"),
  );

  const server = await startNodeGame4Server(t);
  const client = await startGodot4Client(t, server.url, { session: "variants", variantsFile: file });
  const done = await client.waitForEvent("variants_done", () => true, 60_000);
  t.is(done.sent, list.length);
  await server.waitForEvents("variant_one", list.length);

  const problems: string[] = [];
  const sides = [
    ["server", server.events("variant")],
    ["client", client.events("variant")],
  ] as const;
  for (const [side, events] of sides) {
    const got = new Map(events.map((e) => [String(e.name), e]));
    for (const [name, v] of list) {
      if (name === OBJECT_ID) continue;
      const want = b64(encode(v, { dialect: "godot4" }));
      if (got.get(name)?.b64 !== want) problems.push(`${side} ${name}: got ${String(got.get(name)?.b64)}`);
    }
  }
  // Alone: the same, in order, except that a lone empty PackedByteArray arrives as no argument.
  const ones = [
    ["server", server.events("variant_one")],
    ["client", client.events("variant_one")],
  ] as const;
  for (const [side, events] of ones) {
    const got = [...events].sort((x, y) => Number(x.seq) - Number(y.seq));
    t.is(got.length, list.length, side);
    list.forEach(([name, v], i) => {
      if (name === OBJECT_ID) return;
      const want = b64(encode(name === "packed_byte_empty" ? null : v, { dialect: "godot4" }));
      if (got[i]?.b64 !== want) problems.push(`${side} one ${name}: got ${String(got[i]?.b64)}`);
    });
  }
  t.deepEqual(problems, []);
  // An Object travels as the sender's instance id; what the server sends on is its own wrapper's id.
  const sent = client.events("variant_sent", (e) => e.name === OBJECT_ID)[0];
  const atServer = server.events("variant", (e) => e.name === OBJECT_ID)[0];
  const back = client.events("variant", (e) => e.name === OBJECT_ID)[0];
  t.is(atServer?.type, 24);
  t.is(atServer?.object_id, sent?.instance_id);
  t.is(back?.type, 24);
  t.is(back?.object_id, atServer?.instance_id);
  t.deepEqual(server.errorLines(), []);
  t.deepEqual(client.errorLines(), []);
});
