/**
 * The demo against the Godot 4 flavour of the embedded server (README, "The Node server in Godot
 * 4"): `GODOT_PEER_EMBEDDED=godot4 npm run demo` runs the same example bots, which find the
 * engine from the server's greeting and play its game; the embedded game gives them its manifest.
 */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import type { SwarmReport } from "../../src/bots/report/index.js";
import { runCli } from "../harness/cli.js";

test("GODOT_PEER_EMBEDDED=godot4: the demo's chatters and movers play the Godot 4 game, calls counted as calls", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-demo4-"));
  const json = join(dir, "run.json");
  const run = await runCli(
    ["swarm", "bots/demo.ts", "--bots", "4", "--duration", "2s", "--threshold", "errors==0", "--json", json],
    { env: { GODOT_PEER_EMBEDDED: "godot4" } },
  );
  t.is(run.code, 0, `${run.stdout}\n${run.stderr}`);
  t.regex(run.stdout, /Embedded server \(the Godot 4 example game\)/);
  const res = JSON.parse(await readFile(json, "utf8")) as SwarmReport;
  t.is(res.bots.connected, 4);
  const chat = res.methods["Main:chat"];
  t.true((chat?.callsOut ?? 0) > 0, "the chatters' requests");
  // A Godot 4 client's broadcast is one packet to the server and one relay per other client.
  const move = res.methods["Main/World/Players/*:update_position"];
  t.true((move?.callsOut ?? 0) > 0, "the movers' rpc() calls are counted as calls");
  t.true((move?.packetsOut ?? 0) > (move?.callsOut ?? 0), "and became more packets than calls");
  t.true((res.methods["Main:chat_message"]?.callsIn ?? 0) > 0);
});
