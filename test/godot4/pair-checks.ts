/**
 * What the example game's scripted session of two clients (alice, bob) must look like on the wire,
 * checked by plain byte parsing: shared by the capture of a real 4.6.3 server
 * (test/godot4/pair-capture.test.ts) and of our Node server (test/server/godot4/game4-capture.test.ts).
 */
import type { ExecutionContext } from "ava";
import {
  Cmd,
  type Frame,
  parseConfirm,
  parseRelay,
  parseRemoteCall,
  parseSimplify,
  type RemoteCall,
  relayPacket,
  Sys,
  singleStringArg,
} from "./capture.js";
import { methodId, methodName, pathMd5 } from "./game4.js";

export const NAMES = ["alice", "bob"] as const;

/** Client → server calls of the session with one String argument: path, method, argument. */
function expectedStringCalls(name: string): string[] {
  const arena = "Main/World/Arena";
  return [
    `Main join ${name}`,
    `Main chat hello from ${name}`,
    "Main chat bye",
    `${arena} _any_under under`,
    `${arena} Upper_any upper`,
    `${arena} base_any inherited`,
    `${arena} Local_any local`,
    `${arena} alpha_local alpha`,
    `${arena} cfg_any runtime`,
    `${arena}/Outpost base_any outpost`,
    ...["_auth_only", "Base_auth", "default_rpc", "cfg_auth", "cfg_disabled"].map(
      (m) => `${arena} ${m} refused`,
    ),
  ].sort();
}

export function checkPairCapture(t: ExecutionContext, frames: readonly Frame[]): void {
  const on = (conn: number, dir: Frame["dir"]) =>
    frames.map((f, i) => ({ ...f, i })).filter((f) => f.conn === conn && f.dir === dir);
  const conns = [0, 1];

  // The first message is the 4-byte id; the client sends nothing before it.
  const ids = conns.map((c) => {
    const first = on(c, "s2c")[0];
    t.is(first?.data.length, 4, `conn ${c}: greeting is 4 bytes`);
    const id = first?.data.readInt32LE(0) ?? 0;
    t.true(id >= 2, `conn ${c}: id ${id} >= 2`);
    t.true((on(c, "c2s")[0]?.i ?? -1) > (first?.i ?? Infinity), `conn ${c}: client spoke after the greeting`);
    return id;
  });
  t.not(ids[0], ids[1]);
  const id = (c: number) => ids[c] ?? 0;
  const other = (c: number) => 1 - c;

  for (const c of conns) {
    const s2c = on(c, "s2c");
    const c2s = on(c, "c2s");

    // ADD_PEER: the other client is announced, the server never.
    const added = s2c
      .filter((f) => f.data.length === 6 && f.data[0] === Cmd.SYS && f.data[1] === Sys.ADD_PEER)
      .map((f) => f.data.readInt32LE(2));
    t.deepEqual(added, [id(other(c))], `conn ${c}: ADD_PEER`);

    // The client's SIMPLIFY_PATHs to the server: ids from 1 in first-use order, MD5 of the names.
    const simplified = c2s.map((f) => ({ f, s: parseSimplify(f.data) })).filter((x) => x.s !== undefined);
    const table = new Map<number, string>();
    simplified.forEach(({ s }, k) => {
      if (!s) return;
      t.is(s.id, k + 1, `conn ${c}: cache id of ${s.path}`);
      t.is(s.md5, pathMd5(s.path), `conn ${c}: MD5 of ${s.path}`);
      table.set(s.id, s.path);
    });
    t.deepEqual(
      [...table.values()],
      ["Main", "Main/World/Arena", "Main/World/Arena/Outpost", "Main/Control", `Main/World/Players/${id(c)}`],
    );
    // The server confirms each one (valid: same MD5), once.
    const confirmAt = new Map<number, number>();
    for (const f of s2c) {
      const k = parseConfirm(f.data);
      if (!k) continue;
      t.true(k.valid, `conn ${c}: confirm ${k.id} valid`);
      t.false(confirmAt.has(k.id), `conn ${c}: ${k.id} confirmed once`);
      confirmAt.set(k.id, f.i);
    }
    t.deepEqual([...confirmAt.keys()].sort(), [...table.keys()].sort());

    // The server's own SIMPLIFY_PATHs to this client (its counter, shared by all clients).
    const serverTable = new Map<number, string>();
    for (const f of s2c) {
      const s = parseSimplify(f.data);
      if (!s) continue;
      t.is(s.md5, pathMd5(s.path), `server MD5 of ${s.path}`);
      serverTable.set(s.id, s.path);
    }
    t.is(serverTable.get(1), "Main");
    t.is(serverTable.get(2), "Main/World/Arena");
    const clientConfirmAt = new Map<number, number>();
    for (const f of c2s) {
      const k = parseConfirm(f.data);
      if (k?.valid) clientConfirmAt.set(k.id, f.i);
    }
    t.deepEqual(
      [...clientConfirmAt.keys()].sort(),
      [...serverTable.keys()].sort(),
      `conn ${c}: client confirms`,
    );

    // Calls carry the full path until the receiver's confirm; a cache id only after it.
    // (Not the greeting: a random id may well look like a REMOTE_CALL byte.)
    const calls = (dir: Frame["dir"], tableOf: Map<number, string>, confirms: Map<number, number>) =>
      on(c, dir)
        .slice(dir === "s2c" ? 1 : 0)
        .flatMap((f) => {
          const call = parseRemoteCall(f.data);
          if (!call) return [];
          const path = call.path ?? tableOf.get(call.cacheId ?? -1);
          t.truthy(path, `conn ${c} ${dir}: target of ${f.data.toString("hex")} resolves`);
          if (call.cacheId !== undefined) {
            t.true(
              (confirms.get(call.cacheId) ?? Infinity) < f.i,
              `conn ${c} ${dir}: cache id after its confirm`,
            );
          }
          return [{ call, path: path ?? "", i: f.i }];
        });
    const up = calls("c2s", table, confirmAt);
    const down = calls("s2c", serverTable, clientConfirmAt);
    for (const list of [up, down]) {
      const firstForm = new Map<string, RemoteCall>();
      for (const { call, path } of list) if (!firstForm.has(path)) firstForm.set(path, call);
      for (const [path, call] of firstForm)
        t.truthy(call.path, `conn ${c}: first call to ${path} names it in full`);
    }
    t.true(
      up.some(({ call, path }) => path === "Main" && call.path !== undefined) &&
        up.some(({ call, path }) => path === "Main" && call.cacheId !== undefined),
      "client → server calls to Main: full path, then cache id",
    );
    // Unicasts from the client in cache form use the 1-byte node id.
    for (const { call } of up) if (call.cacheId !== undefined) t.is(call.nodeMode, 0);
    // A 2-byte method id (meta bit 6) exactly for node-level (rpc_config) ids.
    for (const { call } of [...up, ...down]) t.is(call.method >= 0x100, (call.method & 0x8000) !== 0);

    // Method ids: the index in the code-point-sorted names (the String arg says which call it was).
    const named = up
      .map(({ call, path }) => ({ path, arg: singleStringArg(call), method: methodName(path, call.method) }))
      .filter((x) => x.arg !== undefined)
      .map((x) => `${x.path} ${x.method} ${x.arg}`)
      .sort();
    t.deepEqual(named, expectedStringCalls(NAMES[c] ?? ""), `conn ${c}: method ids`);
    t.is(methodId("Main/World/Arena", "cfg_any"), 0x8000);
    // The server's welcome(id, players) goes to this client with its id as a 32-bit INT (82 + i32).
    const welcome = down.find(
      ({ call, path }) => path === "Main" && methodName(path, call.method) === "welcome",
    );
    t.truthy(welcome, `conn ${c}: welcome`);
    t.is(welcome?.call.args[0], 2, "argc 2");
    t.is(welcome?.call.args[1], 0x82);
    t.is(welcome?.call.args.readInt32LE(2), id(c));

    // RAW both ways: [1,2,3] to the server, its reversed echo back.
    t.true(c2s.some((f) => f.data.equals(Buffer.from([3, 1, 2, 3]))));
    t.true(s2c.some((f) => f.data.equals(Buffer.from([3, 3, 2, 1]))));

    // Relay: the client wraps for the other client; the server rewraps with the source id, inner bytes untouched.
    const relays = c2s.flatMap((f) => {
      const r = parseRelay(f.data);
      return r ? [r] : [];
    });
    const got = on(other(c), "s2c").map((f) => f.data);
    const kinds = new Set<number>();
    for (const r of relays) {
      t.not(r.peer, 1, "never relayed to the server");
      kinds.add((r.inner[0] ?? 0) & 7);
      const delivered = got.filter((d) => d.equals(relayPacket(id(c), r.inner))).length;
      if (r.peer === -id(other(c))) t.is(delivered, 0, "all-but-X skips X");
      else t.true(delivered >= 1, `relay to ${r.peer} delivered as from ${id(c)}`);
    }
    t.deepEqual([...kinds].sort(), [Cmd.REMOTE_CALL, Cmd.SIMPLIFY_PATH, Cmd.CONFIRM_PATH, Cmd.RAW]);
    const rawTo = (peer: number, byte: number) =>
      relays.some((r) => r.peer === peer && r.inner.equals(Buffer.from([Cmd.RAW, byte])));
    // send_bytes to 0, -1, -X leaves the client as ONE relay packet with that target.
    t.true(rawTo(0, 21) && rawTo(-1, 22) && rawTo(-id(other(c)), 23));
    // The server runs what went to 0 and to -X (its echo comes back), not what went to -1.
    t.true(s2c.some((f) => f.data.equals(Buffer.from([3, 21]))));
    t.true(s2c.some((f) => f.data.equals(Buffer.from([3, 23]))));
    t.false(s2c.some((f) => f.data.equals(Buffer.from([3, 22]))));
  }
}
