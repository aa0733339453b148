/**
 * Properties of the Godot 4 scene layer over arbitrary values:
 *  - every Godot 4 Variant type round-trips as a compressed argument, using every byte;
 *  - REMOTE_CALL packets round-trip for any target, method id and arguments;
 *  - end to end through SceneMultiplayers, every command carries what was sent: RAW, RELAY,
 *    SIMPLIFY_PATH/CONFIRM_PATH + REMOTE_CALL, AUTH.
 */
import test from "ava";
import fc from "fast-check";
import {
  decodeAndDecompressVariant,
  decodeRemoteCall,
  encodeAndCompressVariant,
  encodeRemoteCall,
  type RemoteCallTarget,
} from "../../../src/scene/index.js";
import { type Variant, variantEquals } from "../../../src/variant/index.js";
import { godotString, variant } from "../../variant/arbitraries.js";
import { Game } from "./game.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

test("every Godot 4 Variant round-trips as a compressed argument and encodes back to the same bytes", (t) => {
  fc.assert(
    fc.property(variant("godot4"), (v) => {
      const b = encodeAndCompressVariant(v);
      const { value, bytesRead } = decodeAndDecompressVariant(b, { allowObjects: true });
      return (
        bytesRead === b.length && variantEquals(value, v) && hex(encodeAndCompressVariant(value)) === hex(b)
      );
    }),
    { numRuns: 1500 },
  );
  t.pass();
});

const target: fc.Arbitrary<RemoteCallTarget> = fc.oneof(
  fc.integer({ min: 0, max: 0x7fffffff }).map((cacheId) => ({ cacheId })),
  godotString.map((path) => ({ path })),
);

/** What the receiver sees: one empty PackedByteArray arrives as no argument (Godot's quirk). */
function seenArgs(args: Variant[]): Variant[] {
  return args.length === 1 && args[0] instanceof Uint8Array && args[0].length === 0 ? [] : args;
}

test("REMOTE_CALL round-trips for any target, method id and up to 255 arguments", (t) => {
  fc.assert(
    fc.property(
      target,
      fc.integer({ min: 0, max: 0xffff }),
      fc.oneof(
        fc.array(variant("godot4"), { maxLength: 4 }),
        fc.uint8Array().map((b) => [b]),
      ),
      (tgt, methodId, args) => {
        const call = decodeRemoteCall(encodeRemoteCall(tgt, methodId, args), { allowObjects: true });
        return (
          JSON.stringify(call.target) === JSON.stringify(tgt) &&
          call.methodId === methodId &&
          variantEquals(call.args, seenArgs(args))
        );
      },
    ),
    { numRuns: 1500 },
  );
  const many = Array.from({ length: 255 }, (_, i) => i);
  t.deepEqual(decodeRemoteCall(encodeRemoteCall({ cacheId: 1 }, 0, many)).args, many);
});

test("end to end: RAW and RELAY carry any payload, both ways, to the right peer and from the right sender", (t) => {
  const g = new Game();
  const a = g.client(2);
  const b = g.client(3);
  g.run();
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 1, maxLength: 300 }),
      fc.constantFrom("s>a", "a>s", "a>b", "b>a"),
      (data, route) => {
        const [from, to] = route.split(">") as [string, string];
        const who = { s: g.server, a, b };
        const ids = { s: 1, a: 2, b: 3 };
        const dest = who[to as keyof typeof who];
        dest.seen.raw.length = 0;
        who[from as keyof typeof who].mp.sendBytes(data, ids[to as keyof typeof ids]);
        g.run();
        const got = dest.seen.raw;
        return (
          got.length === 1 &&
          got[0]?.[0] === ids[from as keyof typeof ids] &&
          got[0][1] === Buffer.from(data).toString("latin1")
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test("end to end: SIMPLIFY_PATH, CONFIRM_PATH and REMOTE_CALL deliver any args to any matched node, twice", (t) => {
  const g = new Game();
  const c = g.client(2);
  g.run();
  const seg = fc.stringMatching(/^[A-Za-z0-9_\u00e9\u4e16]{1,12}$/);
  fc.assert(
    fc.property(
      seg,
      fc.array(variant("godot4"), { maxLength: 3 }),
      fc.boolean(),
      (name, args, fromClient) => {
        const path = `Main/Players/${name}`;
        const [sender, receiver, to] = fromClient ? [c.mp, g.server.mp, 1] : [g.server.mp, c.mp, 2];
        receiver.allowObjectDecoding = true;
        const got: Variant[][] = [];
        receiver.node(path).onRpc("hit", (...x) => got.push(x));
        sender.rpc(to, path, "hit", args);
        g.run();
        sender.rpc(to, path, "hit", args);
        g.run();
        const want = seenArgs(args);
        return (
          got.length === 2 &&
          variantEquals(got[0] as Variant[], want) &&
          variantEquals(got[1] as Variant[], want)
        );
      },
    ),
    { numRuns: 300 },
  );
  t.deepEqual(g.server.seen.drops, []);
  t.deepEqual(c.seen.drops, []);
});

test("end to end: AUTH carries any data to the callback", (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), (data) => {
      const g = new Game();
      let got: Uint8Array | null = null;
      g.server.mp.authCallback = (_id, d) => {
        got = d;
      };
      const c = g.client(2);
      c.mp.authCallback = () => {};
      g.run();
      c.mp.sendAuth(1, data);
      g.run();
      return got !== null && hex(got) === hex(data);
    }),
    { numRuns: 100 },
  );
  t.pass();
});
