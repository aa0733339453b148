/**
 * Test side: a bare TCP server that answers the WebSocket upgrade by hand and then does only what
 * a test tells it (send a frame, ignore our close, stay silent), to play a broken Godot 4 server.
 */
import { createHash } from "node:crypto";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";

export interface FakeServer {
  readonly port: number;
  readonly url: string;
  /** Everything each connection sent after its upgrade request (frames, masked). */
  readonly received: Buffer[];
  close(): Promise<void>;
}

/** One unmasked server frame (FIN, opcode 2 binary or 1 text). */
export function serverFrame(payload: Uint8Array, opcode = 2): Buffer {
  const n = payload.length;
  const head = n < 126 ? Buffer.of(0x80 | opcode, n) : Buffer.of(0x80 | opcode, 126, n >> 8, n & 0xff);
  return Buffer.concat([head, payload]);
}

/**
 * `upgrade: false`: never answer the upgrade (a TCP server that says nothing). `answerClose`:
 * answer a close frame with a close (code 1000) and end, as a live server does; by default ignore it.
 */
export async function startFakeServer(
  onOpen: (socket: Socket) => void,
  options: { upgrade?: boolean; answerClose?: boolean } = {},
): Promise<FakeServer> {
  const sockets = new Set<Socket>();
  const received: Buffer[] = [];
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let head = Buffer.alloc(0);
    let upgraded = false;
    socket.on("data", (chunk: Buffer) => {
      if (upgraded) {
        received.push(chunk);
        if (options.answerClose && chunk[0] === 0x88) {
          socket.end(serverFrame(Uint8Array.of(0x03, 0xe8), 8));
        }
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0 || options.upgrade === false) return;
      const key = /sec-websocket-key: *(\S+)/i.exec(head.subarray(0, end).toString("latin1"))?.[1] ?? "";
      const accept = createHash("sha1").update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest("base64");
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
      upgraded = true;
      onOpen(socket);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `ws://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
