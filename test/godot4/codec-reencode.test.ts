/**
 * The real engine's frames re-encode byte for byte through our codecs: every REMOTE_CALL that
 * 4.6.3 wrote in the stored captures (a client–server pair playing the game, and every Variant
 * type as a compressed argument), alone or inside a SYS RELAY, decoded with our SceneMultiplayer
 * codec (decodeRemoteCall: cache id or full path, method id, compressed arguments) and encoded
 * again (encodeRemoteCall) gives the engine's exact bytes.
 */
import test from "ava";
import { decodeRemoteCall, encodeRemoteCall } from "../../src/scene/index.js";
import { Cmd, loadCapture, Sys } from "./capture.js";

/** The REMOTE_CALL of a frame (directly, or relayed), with where it starts; undefined for other commands. */
function remoteCallOf(d: Buffer): { at: number; packet: Buffer } | undefined {
  if ((d[0]! & 7) === Cmd.REMOTE_CALL) return { at: 0, packet: d };
  if (d[0] === Cmd.SYS && d[1] === Sys.RELAY && d.length > 6 && (d[6]! & 7) === Cmd.REMOTE_CALL)
    return { at: 6, packet: d.subarray(6) };
  return undefined;
}

function reencode(name: string): { calls: number; relayed: number; problems: string[] } {
  const { frames } = loadCapture(name);
  const problems: string[] = [];
  let calls = 0;
  let relayed = 0;
  const greeted = new Set<number>();
  for (const [i, f] of frames.entries()) {
    // Each connection's first server frame is the transport's 4-byte id, not SceneMultiplayer's.
    if (f.dir === "s2c" && !greeted.has(f.conn)) {
      greeted.add(f.conn);
      continue;
    }
    const rc = remoteCallOf(f.data);
    if (!rc) continue;
    calls++;
    if (rc.at > 0) relayed++;
    try {
      const call = decodeRemoteCall(rc.packet, { allowObjects: false });
      const again = Buffer.from(encodeRemoteCall(call.target, call.methodId, call.args));
      if (!again.equals(rc.packet))
        problems.push(`${name} #${i}: engine ${rc.packet.toString("hex")}, ours ${again.toString("hex")}`);
    } catch (err) {
      problems.push(`${name} #${i} (${rc.packet.toString("hex")}): ${(err as Error).message}`);
    }
  }
  return { calls, relayed, problems };
}

test("4.6.3 pair capture: every REMOTE_CALL, relayed ones included, decodes and re-encodes to the engine's bytes", (t) => {
  const r = reencode("pair-capture.json");
  t.deepEqual(r.problems, []);
  t.log(`${r.calls} calls, ${r.relayed} relayed`);
  t.true(r.calls >= 40, `calls: ${r.calls}`);
  t.true(r.relayed >= 5, `relayed: ${r.relayed}`);
});

test("4.6.3 variant capture: every Variant type as a compressed argument re-encodes to the engine's bytes", (t) => {
  const r = reencode("variant-capture.json");
  t.deepEqual(r.problems, []);
  t.log(`${r.calls} calls`);
  t.true(r.calls >= 80, `calls: ${r.calls}`);
});
