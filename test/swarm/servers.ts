/**
 * Small misbehaving servers on 127.0.0.1, each the shape of a failure a load test meets in the
 * field: a black hole, an upgrade followed by silence, a proxy that hangs every second
 * connection, a server that kicks every bot, garbage right after the 101, nothing listening.
 * Every one is closed at the end of the test.
 */
import { createHash } from "node:crypto";
import { createServer, type Server, Socket } from "node:net";
import type { ExecutionContext } from "ava";
import { ExampleGame } from "../../src/server/index.js";

export interface Misbehaving {
  readonly url: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: () => number;
}

function track(
  t: ExecutionContext,
  server: Server,
  onSocket: (s: Socket, n: number) => void,
): Promise<Misbehaving> {
  const sockets = new Set<Socket>();
  let n = 0;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("error", () => undefined);
    s.on("close", () => sockets.delete(s));
    onSocket(s, n++);
  });
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      resolve({ url: `ws://127.0.0.1:${port}`, port, accepted: () => n });
    });
  });
}

/** Accepts TCP and never answers: the upgrade never comes back. */
export function blackHole(t: ExecutionContext): Promise<Misbehaving> {
  return track(t, createServer(), (s) => s.pause());
}

/** The 101 answer to a WebSocket upgrade request read from `s`, or null while the request is incomplete. */
function upgradeAnswer(request: string): string | null {
  if (!request.includes("\r\n\r\n")) return null;
  const key = /sec-websocket-key:\s*(\S+)/i.exec(request)?.[1] ?? "";
  const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`;
}

function afterUpgrade(t: ExecutionContext, then: (s: Socket) => void): Promise<Misbehaving> {
  return track(t, createServer(), (s) => {
    let request = "";
    const onData = (d: Buffer) => {
      request += d.toString("latin1");
      const answer = upgradeAnswer(request);
      if (answer === null) return;
      s.off("data", onData);
      s.write(answer);
      then(s);
    };
    s.on("data", onData);
  });
}

/** Completes the WebSocket upgrade, then says nothing (no SYS_ID, no SYS_ADD). */
export function upgradeThenSilent(t: ExecutionContext): Promise<Misbehaving> {
  return afterUpgrade(t, () => undefined);
}

/** Completes the upgrade, then sends bytes that are no WebSocket frame (RSV bits set, no extension). */
export function garbageAfterUpgrade(t: ExecutionContext): Promise<Misbehaving> {
  return afterUpgrade(t, (s) => s.write(Buffer.from("GARBAGE, NOT A FRAME\r\n", "latin1")));
}

/** Completes the upgrade, then sends a well-formed binary frame too short to be a Godot packet. */
export function shortFrameAfterUpgrade(t: ExecutionContext): Promise<Misbehaving> {
  return afterUpgrade(t, (s) => s.write(Buffer.from([0x82, 0x03, 0x01, 0x02, 0x03])));
}

/** A TCP proxy to `target` that forwards every odd connection and holds every even one (0, 2, …) silent. */
export function hangEverySecond(t: ExecutionContext, targetPort: number): Promise<Misbehaving> {
  return track(t, createServer(), (s, n) => {
    if (n % 2 === 0) {
      s.pause();
      return;
    }
    const up = new Socket();
    up.on("error", () => s.destroy());
    s.on("close", () => up.destroy());
    up.connect(targetPort, "127.0.0.1", () => {
      s.pipe(up);
      up.pipe(s);
    });
  });
}

/** The embedded example game, kicking every peer (close 4000 "kicked") `afterMs` after it joined. */
export async function kicker(
  t: ExecutionContext,
  afterMs: number,
): Promise<Misbehaving & { game: ExampleGame }> {
  const game = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await game.listen(0);
  const timers = new Set<NodeJS.Timeout>();
  let n = 0;
  game.server.on("peer_connected", (id: number) => {
    n++;
    const timer = setTimeout(() => {
      timers.delete(timer);
      game.server.disconnectPeer(id, 4000, "kicked");
    }, afterMs);
    timers.add(timer);
  });
  t.teardown(async () => {
    for (const timer of timers) clearTimeout(timer);
    await game.stop();
  });
  return { url: `ws://127.0.0.1:${port}`, port, accepted: () => n, game };
}

/** A port on which nothing listens (it was bound, then closed). */
export async function nothingListening(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `ws://127.0.0.1:${port}`;
}

/** The embedded example game (Godot 3) on a free port, stopped at the end of the test: its URL. */
export async function exampleGame(t: ExecutionContext): Promise<string> {
  const g = new ExampleGame({ bindIp: "127.0.0.1" });
  const port = await g.listen(0);
  t.teardown(() => g.stop());
  return `ws://127.0.0.1:${port}`;
}
