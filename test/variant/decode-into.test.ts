/** decode()'s `into`: hot loops (the Godot 4 SYNC path) get the answer in an object of their own, not a new one each call. */
import test from "ava";
import { decode, encode, Vector2 } from "../../src/variant/index.js";

test("decode(bytes, options, into) fills and returns `into`, with the same value and length as without", (t) => {
  const bytes = new Uint8Array([
    ...encode(7.5, { dialect: "godot4" }),
    ...encode(new Vector2(1, 2), { dialect: "godot4" }),
  ]);
  const into = { value: null as unknown, bytesRead: 0 } as {
    value: ReturnType<typeof decode>["value"];
    bytesRead: number;
  };
  const first = decode(bytes, { dialect: "godot4" }, into);
  t.is(first, into);
  t.deepEqual({ ...first }, decode(bytes, { dialect: "godot4" }));
  const firstLength = first.bytesRead;
  const second = decode(bytes, { dialect: "godot4", offset: firstLength }, into);
  t.is(second, into);
  t.deepEqual(second.value, new Vector2(1, 2));
  t.is(firstLength + second.bytesRead, bytes.length);
});
