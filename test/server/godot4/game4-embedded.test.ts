/**
 * `GODOT_PEER_EMBEDDED=godot4 godot-peer swarm …` (and so `npm run demo`) embeds the Godot 4
 * example game instead of the Godot 3 one: a real 4.6.3 client joins it and plays a session.
 * (The demo's bots speak Godot 3 until the Godot 4 bot lands, so none of them can join it yet.)
 */
import test from "ava";
import { runCli } from "../../harness/cli.js";
import { startGodot4Client } from "../../harness/godot4-game.js";

test("GODOT_PEER_EMBEDDED=godot4: swarm embeds ExampleGame4, and a real 4.6.3 client plays on it", async (t) => {
  process.env.GODOT_PEER_EMBEDDED = "godot4";
  let announce: (url: string) => void = () => {};
  const url = new Promise<string>((resolve) => {
    announce = resolve;
  });
  const run = runCli(
    ["swarm", "test/cli/fixtures/stay.ts", "--bots", "1", "--duration", "6s", "--progress", "none"],
    {
      onSpawn: (child) => {
        let out = "";
        child.stdout?.on("data", (d: Buffer | string) => {
          out += String(d);
          const m = /Embedded server \(the Godot 4 example game\) on (ws:\/\/\S+)/.exec(out);
          if (m?.[1]) announce(m[1]);
        });
      },
    },
  );
  const client = await startGodot4Client(t, await url, { name: "real" });
  const id = await client.connected();
  await client.waitForEvent("done", (e) => e.id === id);
  t.deepEqual(
    client.events("pong").map((e) => e.seq),
    [1, 2],
  );
  t.deepEqual(
    client.events("welcome").map((e) => e.id),
    [id],
  );
  const result = await run;
  t.regex(result.stdout, /Embedded server \(the Godot 4 example game\) on ws:\/\/127\.0\.0\.1:\d+/);
});
