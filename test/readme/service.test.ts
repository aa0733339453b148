/**
 * The README's long-lived service example runs as written against the Node example game: it
 * joins, comes back after its connection is dropped server-side with its handler intact, and
 * ends cleanly on SIGTERM.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import test from "ava";
import { Bot } from "../../src/bots/index.js";
import { ExampleGame } from "../../src/server/index.js";

const root = new URL("../../", import.meta.url);

test("the service example runs as written: joins, comes back after a dropped connection with its handler, stops on SIGTERM", async (t) => {
  const text = (await readFile(new URL("README.md", root), "utf8"))
    .split(/^## /m)
    .find((s) => s.startsWith("Running godot-peer as a long-lived service"));
  const code = text && /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  if (!code) return t.fail("no ts example in the section");
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await game.listen(0);
  t.teardown(() => game.stop());
  const dir = await mkdtemp(join(new URL("test/readme/", root).pathname, ".service-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, "service.ts");
  // The only change to the text is the port (9080 may be taken on a shared machine).
  await writeFile(file, code.replaceAll("9080", String(port)));
  const child = spawn(process.execPath, ["--import", "tsx", "--conditions=source", file], {
    cwd: root.pathname,
    stdio: ["ignore", "pipe", "pipe"],
  });
  t.teardown(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const line = async (re: RegExp): Promise<RegExpMatchArray> => {
    for (let i = 0; i < 3000; i++) {
      const m = re.exec(out);
      if (m) return m;
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error(`no ${re} in the service's output:\n${out}\n${err}`);
  };
  const first = Number((await line(/^connected as peer (\d+)$/m))[1]);
  game.server.disconnectPeer(first, 1000, "", true);
  const second = Number((await line(/^back as peer (\d+)$/m))[1]);
  t.not(second, first);
  t.regex(out, /^reconnecting: attempt 1 in \d+ ms \(connection lost \(network, 1006\)/m);
  // Another player chats: the service's handler, declared once, runs on its second bot.
  const other = await Bot.connect({ url: `ws://127.0.0.1:${port}`, godot: 3 });
  t.teardown(() => other.disconnect());
  other.node("Game").rpcId(1, "chat", "hello service");
  await line(new RegExp(`^chat from ${other.id} \\(sent by peer 1\\): hello service$`, "m"));
  child.kill("SIGTERM");
  t.is(await exited, 0, err);
  t.is(err, "");
});
