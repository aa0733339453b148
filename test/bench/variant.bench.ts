/**
 * The Variant codec against msgpackr on a realistic RPC payload mix: the argument lists a Godot 3
 * game sends in REMOTE_CALL packets (positions, small ints and floats, short strings, a small
 * player-state Dictionary, a PoolByteArray of a few hundred bytes). msgpackr gets the equivalent
 * plain JS data (vectors as {x, y, z}, the Dictionary as an object).
 */
import { pack, unpack } from "msgpackr";
import { decode, encode, type Variant, Vector2, Vector3 } from "../../src/variant/index.js";
import type { Benchmark } from "./harness.js";

const blob = new Uint8Array(320).map((_, i) => (i * 31) & 0xff);

/** One "op" = one RPC argument list of each kind. */
const godotMix: Variant[] = [
  ["update_position", new Vector3(12.5, 0, -3.25), new Vector3(0.5, 0, 1), 0.016666668],
  ["set_health", 87, 100],
  ["chat", "bot-17", "gg, see you next round"],
  ["aim", new Vector2(512, 384), 1.5707964, true],
  [
    "sync_state",
    new Map<Variant, Variant>([
      ["name", "bot-17"],
      ["hp", 87],
      ["position", new Vector2(120.5, 64)],
      ["alive", true],
      ["score", 1234],
      ["team", 2],
    ]),
  ],
  ["inventory", [1, 4, 4, 9, 12], "sword"],
  ["snapshot", 42, blob],
];

const plainMix: unknown[] = [
  ["update_position", { x: 12.5, y: 0, z: -3.25 }, { x: 0.5, y: 0, z: 1 }, 0.016666668],
  ["set_health", 87, 100],
  ["chat", "bot-17", "gg, see you next round"],
  ["aim", { x: 512, y: 384 }, 1.5707964, true],
  [
    "sync_state",
    { name: "bot-17", hp: 87, position: { x: 120.5, y: 64 }, alive: true, score: 1234, team: 2 },
  ],
  ["inventory", [1, 4, 4, 9, 12], "sword"],
  ["snapshot", 42, blob],
];

const godotBytes = godotMix.map((m) => Uint8Array.from(encode(m)));
const msgpackBytes = plainMix.map((m) => Uint8Array.from(pack(m)));

const benchmarks: Benchmark[] = [
  {
    name: "variant/encode rpc-mix",
    ours: {
      name: "variant.encode",
      fn: () => {
        let n = 0;
        for (const m of godotMix) n += encode(m).length;
        return n;
      },
    },
    baseline: {
      name: "msgpackr.pack",
      fn: () => {
        let n = 0;
        for (const m of plainMix) n += pack(m).length;
        return n;
      },
    },
  },
  {
    name: "variant/decode rpc-mix",
    ours: {
      name: "variant.decode",
      fn: () => {
        let last: unknown;
        for (const b of godotBytes) last = decode(b).value;
        return last;
      },
    },
    baseline: {
      name: "msgpackr.unpack",
      fn: () => {
        let last: unknown;
        for (const b of msgpackBytes) last = unpack(b);
        return last;
      },
    },
  },
];

export default benchmarks;
