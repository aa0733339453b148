/**
 * `npm run demo`: a handful of bots join a real headless Godot 3.2.3 multiplayer server,
 * learn their peer ids, see each other announced, and pass raw packets through the server.
 * (Until the embedded Node server and the swarm runner land, the default server is a real
 * Godot process, provisioned on first run.)
 */
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { startGodot } from "../src/engine/index.js";

const BOTS = 5;
// Godot 3 WebSocketMultiplayerPeer framing: u8 type, i32 from, i32 to, then payload.
const SYS_NONE = 0;
const SYS_ADD = 1;
const SYS_DEL = 2;
const SYS_ID = 3;
// MultiplayerAPI command byte of a raw packet (send_bytes) in Godot 3.
const NETWORK_COMMAND_RAW = 4;

interface Bot {
  readonly name: string;
  id: number;
  readonly peers: Set<number>;
  readonly heard: string[];
  readonly ws: WebSocket;
}

function frame(type: number, from: number, to: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUInt8(type, 0);
  out.writeInt32LE(from, 1);
  out.writeInt32LE(to, 5);
  out.set(payload, 9);
  return out;
}

function join(port: number, name: string): Promise<Bot> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const bot: Bot = { name, id: 0, peers: new Set(), heard: [], ws };
  return new Promise((resolve, reject) => {
    ws.on("error", reject);
    ws.on("message", (data: Buffer) => {
      if (data.length < 9) return;
      const type = data.readUInt8(0);
      const from = data.readInt32LE(1);
      if (type === SYS_NONE && data[9] === NETWORK_COMMAND_RAW) {
        bot.heard.push(`${data.subarray(10).toString("utf8")} (from ${from})`);
        return;
      }
      const id = data.length >= 13 ? data.readInt32LE(9) : 0;
      if (type === SYS_ID) bot.id = id;
      if (type === SYS_ADD) bot.peers.add(id);
      if (type === SYS_DEL) bot.peers.delete(id);
      // SYS_ADD of peer 1 is Godot's connection_succeeded.
      if (type === SYS_ADD && id === 1) resolve(bot);
    });
  });
}

const project = fileURLToPath(new URL("../test/godot/g3", import.meta.url));
process.stdout.write("Starting a headless Godot 3.2.3 multiplayer server (provisioned on first run)…\n");
const godot = await startGodot({ version: "3.2.3", project, script: "mp_server.gd" });
// Never hang: a demo that cannot finish says so and fails.
const watchdog = setTimeout(() => {
  process.stderr.write("demo: timed out waiting for the bots' traffic\n");
  process.exitCode = 1;
  void godot.stop().then(() => process.exit(1));
}, 60_000);
watchdog.unref();
try {
  process.stdout.write(`${godot.install.reportedVersion} listening on ws://127.0.0.1:${godot.port}\n`);
  const bots: Bot[] = [];
  for (let i = 0; i < BOTS; i++) {
    const bot = await join(godot.port, `bot-${i + 1}`);
    bots.push(bot);
    process.stdout.write(`${bot.name} joined as peer ${bot.id}\n`);
  }
  // Let every SYS_ADD for the later joiners arrive at the earlier ones.
  await Promise.all(
    bots.map(
      (b) =>
        new Promise<void>((resolve) => {
          const check = () => (b.peers.size === BOTS ? resolve() : setTimeout(check, 10));
          check();
        }),
    ),
  );
  for (const b of bots) {
    const hello = new TextEncoder().encode(`hello from ${b.name}`);
    b.ws.send(frame(SYS_NONE, b.id, 0, Uint8Array.of(NETWORK_COMMAND_RAW, ...hello)));
  }
  await Promise.all(
    bots.map(
      (b) =>
        new Promise<void>((resolve) => {
          const check = () => (b.heard.length === BOTS - 1 ? resolve() : setTimeout(check, 10));
          check();
        }),
    ),
  );
  for (const b of bots) {
    process.stdout.write(`${b.name} (peer ${b.id}) sees peers [${[...b.peers].join(", ")}] and heard:\n`);
    for (const h of b.heard) process.stdout.write(`    ${h}\n`);
    b.ws.close(1000);
  }
  const errors = godot.errorLines();
  process.stdout.write(
    errors.length === 0 ? "Godot logged no errors.\n" : `Godot logged errors:\n${errors.join("\n")}\n`,
  );
  process.exitCode = errors.length === 0 ? 0 : 1;
} finally {
  clearTimeout(watchdog);
  await godot.stop();
}
