/**
 * `npm run demo`: bots play the example game for a few seconds — chatters (request/response on
 * Game.chat) and movers (20 Hz unreliable positions) — on the embedded Node server, then print
 * what each side counted. `npm run demo -- --godot 3.2.3` (or 3.6.2) plays the same bots against
 * a real headless Godot server running the same game in GDScript, provisioned on first run.
 */
import { fileURLToPath } from "node:url";
import { Bot, type BotScript, botContext, ExampleGame } from "godot-peer";
import { type GodotVersion, isGodotVersion, startGodot } from "godot-peer/engine";
import chat from "./chat.js";
import mover from "./mover.js";

const DURATION_MS = 4_000;
const SCRIPTS: readonly BotScript[] = [chat, chat, chat, chat, mover, mover, mover, mover];

interface GameServer {
  readonly name: string;
  readonly url: string;
  readonly lines: readonly string[];
  errorLines(): string[];
  stop(): Promise<void>;
}

async function embedded(): Promise<GameServer> {
  const lines: string[] = [];
  const game = new ExampleGame({ bindIp: "127.0.0.1", log: (l) => lines.push(l) });
  const port = await game.listen(0);
  return {
    name: "the embedded Node server (src/server/example-game.ts)",
    url: `ws://127.0.0.1:${port}`,
    lines,
    errorLines: () => lines.filter((l) => l.startsWith("ERROR")),
    stop: () => game.stop(),
  };
}

async function godot(version: GodotVersion): Promise<GameServer> {
  process.stdout.write(
    `Starting a headless Godot ${version} server with the example game (provisioned on first run)…\n`,
  );
  const project = fileURLToPath(new URL("../test/godot/g3", import.meta.url));
  const proc = await startGodot({ version, project, script: "game_server.gd" });
  return {
    name: `Godot ${proc.install.reportedVersion}`,
    url: `ws://127.0.0.1:${proc.port}`,
    lines: proc.lines,
    errorLines: () => proc.errorLines(),
    stop: () => proc.stop(),
  };
}

const flag = process.argv.indexOf("--godot");
const version = flag >= 0 ? process.argv[flag + 1] : undefined;
if (flag >= 0 && !(version && isGodotVersion(version) && version.startsWith("3."))) {
  process.stderr.write("usage: npm run demo [-- --godot 3.2.3|3.6.2]\n");
  process.exit(2);
}
const server = version && isGodotVersion(version) ? await godot(version) : await embedded();
process.stdout.write(`${server.name} listening on ${server.url}\n`);

const stop = new AbortController();
const rtts: number[] = [];
const bots: Bot[] = [];
let failed = 0;
try {
  const runs = SCRIPTS.map(async (script, index) => {
    const bot = await Bot.connect({ url: server.url });
    bots.push(bot);
    // Time each chat line from send to the broadcast that comes back.
    const request = bot.request.bind(bot);
    bot.request = async (...args: Parameters<Bot["request"]>) => {
      const r = await request(...args);
      if (args[2] === "chat") rtts.push(r.rttMs);
      return r;
    };
    try {
      await script(bot, botContext(index, stop.signal));
    } catch (err) {
      failed++;
      process.stderr.write(`bot-${index + 1}: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  });
  setTimeout(() => stop.abort(), DURATION_MS);
  await Promise.all(runs);
  // One at a time: when peers close together, Godot 3's server logs `_send_sys` errors while
  // telling each closing peer about the others (an engine race; see protocol-notes).
  for (const b of bots) await b.disconnect();

  const sum = (key: "callsOut" | "callsIn") =>
    bots.reduce((n, b) => n + [...b.multiplayer.stats.byMethod.values()].reduce((m, s) => m + s[key], 0), 0);
  rtts.sort((a, b) => a - b);
  const pct = (p: number) =>
    rtts[Math.min(rtts.length - 1, Math.floor((p / 100) * rtts.length))] ?? Number.NaN;
  const chats = server.lines.filter((l) => l.startsWith("CHAT ")).length;
  const moves = server.lines.filter((l) => l.startsWith("UPDATE_POSITION ")).length;
  process.stdout.write(
    `${[
      `${bots.length} bots for ${DURATION_MS / 1000} s: ${sum("callsOut")} calls sent, ${sum("callsIn")} received`,
      `server ran ${chats} chat calls and ${moves} position updates`,
      `chat round trip (send → broadcast back): p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms over ${rtts.length} lines`,
    ].join("\n")}\n`,
  );
  const errors = server.errorLines();
  process.stdout.write(
    errors.length === 0
      ? "The server logged no errors.\n"
      : `The server logged errors:\n${errors.join("\n")}\n`,
  );
  process.exitCode = errors.length === 0 && failed === 0 ? 0 : 1;
} finally {
  await server.stop();
}
