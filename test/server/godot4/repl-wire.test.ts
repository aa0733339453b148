/**
 * The replication bytes our Node server sends are 4.6.3's: a raw client joins the replication game
 * on a real 4.6.3 server (repl4.gd) and on ours (ReplGame4), and reads what each sends it before
 * it does anything: the spawners' SIMPLIFY_PATHs, the SPAWNs (scene and custom, with cache ids, net
 * ids, synchronizer ids, names, arguments and spawn state) and the first full SYNC. Only the
 * client's own id differs between the runs (it names its player and its secret).
 */
import test, { type ExecutionContext } from "ava";
import { decodeAndDecompressVariant } from "../../../src/scene/index.js";
import { show4 } from "../../../src/server/index.js";
import { startFixture } from "../../harness/godot.js";
import { GameLog, GODOT4_VERSION } from "../../harness/godot4-game.js";
import { startNodeRepl4Server } from "../../harness/node-godot4-game.js";
import { rawClient } from "./ws-client.js";

/** MD5 of no RPCs: a spawner's SIMPLIFY_PATH checksum. */
const NO_RPCS_MD5 = "d41d8cd98f00b204e9800998ecf8427e";

type Start = (t: ExecutionContext) => Promise<{ log: GameLog; url: string }>;

async function startReal(t: ExecutionContext): Promise<{ log: GameLog; url: string }> {
  const proc = await startFixture(t, GODOT4_VERSION, "repl4_main.gd", { args: ["--", "mode=server"] });
  return { log: new GameLog(proc), url: `ws://127.0.0.1:${proc.port}` };
}

/** Every value of a compressed-variant run, shown as var_to_str shows it. */
function values(b: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at < b.length; ) {
    const d = decodeAndDecompressVariant(b, { offset: at });
    out.push(show4(d.value));
    at += d.bytesRead;
  }
  return out;
}

/** One packet, its fields named; the client's id as <id>. */
function describe(p: Buffer, id: number): string {
  const anon = (s: string) =>
    s.replaceAll(String(id), "<id>").replaceAll(`Vector2(${id % 1000}, `, "Vector2(<id%1000>, ");
  switch (p[0]) {
    case 1: {
      const end = p.indexOf(0, 34 + 4);
      return anon(
        `SIMPLIFY_PATH ${p.subarray(1, 33).toString()} id=${p.readUInt32LE(34)} ${p.subarray(38, end)}`,
      );
    }
    case 4: {
      const syncs = p.readUInt32LE(10);
      const nameLen = p.readUInt32LE(14);
      let at = 18;
      const ids: number[] = [];
      for (let i = 0; i < syncs; i++, at += 4) ids.push(p.readUInt32LE(at));
      const name = p.subarray(at, at + nameLen - 1).toString();
      at += nameLen;
      let arg = "";
      if (p[1] === 0xff) {
        const size = p.readUInt32LE(at);
        const bytes = p.subarray(at + 4, at + 4 + size);
        arg = ` arg(${bytes.toString("hex")})=${values(bytes).join(",")}`;
        at += 4 + size;
      }
      return anon(
        `SPAWN scene=${p[1]} spawner=${p.readUInt32LE(2)} net=${p.readUInt32LE(6)} syncs=[${ids}] name=${name}${arg} state=[${values(p.subarray(at))}]`,
      );
    }
    case 6: {
      const entries: string[] = [];
      for (let at = 3; at + 8 < p.length; ) {
        const size = p.readUInt32LE(at + 4);
        entries.push(`${p.readUInt32LE(at)}:${values(p.subarray(at + 8, at + 8 + size))}`);
        at += 8 + size;
      }
      return anon(`SYNC ${entries.join(" ")}`);
    }
    default:
      return anon(`cmd ${p[0]} ${p.toString("hex")}`);
  }
}

async function firstPackets(t: ExecutionContext, start: Start): Promise<string[]> {
  const { url } = await start(t);
  const c = await rawClient(url);
  const id = (await c.next()).readInt32LE(0);
  const seen: string[] = [];
  // Up to the first full SYNC: everything the server sends a newcomer before its network frame.
  for (;;) {
    const p = await c.next();
    seen.push(describe(p, id));
    if (p[0] === 6) break;
  }
  c.ws.close();
  return seen;
}

test("what our replication server sends a newcomer is byte for byte what 4.6.3 sends: spawner paths, SPAWNs (scene, custom, owner-only) with their ids and state, the first SYNC", async (t) => {
  const theirs = await firstPackets(t, startReal);
  const mine = await firstPackets(t, startNodeRepl4Server);
  t.deepEqual(mine, theirs);
  t.deepEqual(theirs, [
    `SIMPLIFY_PATH ${NO_RPCS_MD5} id=1 Main/ObjectSpawner`,
    "SPAWN scene=0 spawner=1 net=1 syncs=[2] name=Crate state=[Vector2(1, 1)]",
    `SIMPLIFY_PATH ${NO_RPCS_MD5} id=2 Main/ItemSpawner`,
    'SPAWN scene=255 spawner=2 net=3 syncs=[] name=gem7 arg(1b00000002000000040000000200000069640000020000000700000004000000040000006b696e64040000000300000067656d00)={ "id": 7, "kind": "gem" } state=[]',
    `SIMPLIFY_PATH ${NO_RPCS_MD5} id=3 Main/PlayerSpawner`,
    // Its player: no synchronizer id and no state (the peer owns the Sync); its secret: its own.
    "SPAWN scene=0 spawner=3 net=4 syncs=[] name=<id> state=[]",
    "SPAWN scene=0 spawner=1 net=5 syncs=[6] name=Secret<id> state=[Vector2(<id%1000>, 1)]",
    "SYNC 2:Vector2(1, 1) 6:Vector2(<id%1000>, 1)",
  ]);
});
