/**
 * A WebSocket man-in-the-middle for tests: real Godot client ⇄ proxy ⇄ real Godot server.
 * Frames are relayed untouched (binary stays binary, subprotocol passed through) and
 * recorded in order, so tests and protocol-notes can show what the real engine sends.
 */
import { type AddressInfo, createServer } from "node:net";
import WebSocket, { WebSocketServer } from "ws";

export interface CapturedFrame {
  /** Connection number, in accept order from 0. */
  readonly conn: number;
  /** c2s: client to server; s2c: server to client. */
  readonly dir: "c2s" | "s2c";
  readonly binary: boolean;
  readonly data: Buffer;
}

export interface CaptureProxy {
  readonly port: number;
  readonly url: string;
  readonly frames: CapturedFrame[];
  close(): Promise<void>;
}

export async function startCaptureProxy(targetUrl: string): Promise<CaptureProxy> {
  const frames: CapturedFrame[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const wss = new WebSocketServer({ host: "127.0.0.1", port });
  let next = 0;
  const sockets = new Set<WebSocket>();
  wss.on("connection", (down, req) => {
    const conn = next++;
    const protocols = (req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim())
      .filter((p) => p.length > 0);
    const up = new WebSocket(targetUrl, protocols);
    sockets.add(up);
    sockets.add(down);
    const pending: { data: Buffer; binary: boolean }[] = [];
    down.on("message", (data: Buffer, binary) => {
      frames.push({ conn, dir: "c2s", binary, data });
      if (up.readyState === WebSocket.OPEN) up.send(data, { binary });
      else pending.push({ data, binary });
    });
    up.on("open", () => {
      for (const p of pending.splice(0)) up.send(p.data, { binary: p.binary });
    });
    up.on("message", (data: Buffer, binary) => {
      frames.push({ conn, dir: "s2c", binary, data });
      if (down.readyState === WebSocket.OPEN) down.send(data, { binary });
    });
    const closeBoth = () => {
      if (up.readyState === WebSocket.OPEN) up.close();
      if (down.readyState === WebSocket.OPEN) down.close();
    };
    up.on("close", closeBoth);
    down.on("close", closeBoth);
    up.on("error", closeBoth);
    down.on("error", closeBoth);
  });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    frames,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.terminate();
        wss.close(() => resolve());
      }),
  };
}
