/**
 * A server that misbehaves, scripted byte by byte on a raw TCP socket: whatever it sends, the
 * client ends in a typed error and a close (with the right close code on the wire), never a
 * throw, a hang or a huge allocation. Also the protocol's ordinary corners a Godot server rarely
 * shows: fragments, pings, an answer in pieces, frames in the answer's own chunk, a close timeout.
 */
import { once } from "node:events";
import net from "node:net";
import test, { type ExecutionContext } from "ava";
import fc from "fast-check";
import { WebSocketServer } from "ws";
import { acceptFor } from "../../src/websocket/handshake.js";
import { type CloseInfo, ConnectError, ProtocolError, WebSocketClient } from "../../src/websocket/index.js";
import { pollForSignal, pollUntil, recordSignals } from "./helpers.js";

interface Scripted {
  readonly port: number;
  /** Resolves with the first close frame the client sent (code, or 1005 when it had none), or null if none came. */
  readonly clientClose: Promise<number | null>;
}

/** Unmasks the client's frames in `bytes` and returns the code of the first close frame. */
function firstClose(bytes: Buffer): number | null {
  let at = 0;
  while (at + 2 <= bytes.length) {
    const opcode = bytes[at]! & 0x0f;
    let n = bytes[at + 1]! & 0x7f;
    let head = 2;
    if (n === 126) {
      n = bytes.readUInt16BE(at + 2);
      head = 4;
    } else if (n === 127) {
      n = Number(bytes.readBigUInt64BE(at + 2));
      head = 10;
    }
    const key = bytes.subarray(at + head, at + head + 4);
    const payload = Buffer.from(bytes.subarray(at + head + 4, at + head + 4 + n));
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
    if (opcode === 8) return payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
    at += head + 4 + n;
  }
  return null;
}

/**
 * A raw server: answers the upgrade with `answer(key)` (a valid 101 by default), then runs
 * `script` on the socket. It records what the client sends afterwards.
 */
async function scripted(
  t: ExecutionContext,
  script: (socket: net.Socket) => void,
  answer: (key: string) => string = (key) =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
): Promise<Scripted> {
  let resolveClose!: (code: number | null) => void;
  const clientClose = new Promise<number | null>((r) => {
    resolveClose = r;
  });
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on("error", () => {});
    let head = "";
    let after: Buffer[] | null = null;
    socket.on("data", (d: Buffer) => {
      if (after) {
        after.push(d);
        const code = firstClose(Buffer.concat(after));
        if (code !== null) resolveClose(code);
        return;
      }
      head += d.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end === -1) return;
      after = [Buffer.from(head.slice(end + 4), "latin1")];
      const key = /\r\nSec-WebSocket-Key: (.*)\r\n/.exec(head)![1]!;
      socket.write(answer(key));
      script(socket);
    });
    socket.on("close", () => resolveClose(null));
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return { port: (server.address() as net.AddressInfo).port, clientClose };
}

/** Connects and returns what the client reports: the close, or the connect error. */
async function outcome(
  port: number,
  protocols: string[] = [],
  options = {},
): Promise<{ info?: CloseInfo; error?: ConnectError; log: unknown[][] }> {
  const client = new WebSocketClient(options);
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${port}`, protocols);
  const ended = () => log.find((e) => e[0] === "connection_closed" || e[0] === "connection_error");
  await pollUntil(client, () => ended() !== undefined);
  const end = ended()!;
  if (end[0] === "connection_error") return { error: end[1] as ConnectError, log };
  return { info: end[2] as CloseInfo, log };
}

test("an unrequested subprotocol in the answer: ConnectError reason handshake", async (t) => {
  const { port } = await scripted(
    t,
    () => {},
    (key) =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Protocol: evil\r\n\r\n`,
  );
  const { error } = await outcome(port);
  t.true(error instanceof ConnectError);
  t.is(error?.reason, "handshake");
  t.regex(error?.message ?? "", /subprotocol but none was requested/);
  const other = await outcome(port, ["alpha"]);
  t.is(other.error?.reason, "handshake");
  t.regex(other.error?.message ?? "", /invalid subprotocol/);
});

test("an answer with an extension, a bad Upgrade, or not HTTP at all: reason handshake", async (t) => {
  for (const answer of [
    (key: string) =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\nSec-WebSocket-Extensions: permessage-deflate\r\n\r\n`,
    (key: string) =>
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
    () => "SSH-2.0-OpenSSH_9.6\r\n\r\n",
  ]) {
    const { port } = await scripted(t, () => {}, answer);
    const { error } = await outcome(port);
    t.is(error?.reason, "handshake", error?.message);
  }
});

test("an answer head that never ends is refused past 16 KiB", async (t) => {
  const { port } = await scripted(
    t,
    () => {},
    () => `HTTP/1.1 101 Switching Protocols\r\nX-Pad: ${"x".repeat(20_000)}`,
  );
  const { error } = await outcome(port);
  t.is(error?.reason, "handshake");
});

test("the answer in one-byte pieces, with the first frames in its last chunk, works", async (t) => {
  const frames = Buffer.from([0x82, 2, 1, 2, 0x81, 2, 0x68, 0x69]);
  const server = net.createServer((socket) => {
    socket.on("error", () => {});
    let head = "";
    socket.on("data", async (d: Buffer) => {
      head += d.toString("latin1");
      if (!head.includes("\r\n\r\n")) return;
      const key = /\r\nSec-WebSocket-Key: (.*)\r\n/.exec(head)![1]!;
      const answer = Buffer.from(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      );
      for (const b of answer.subarray(0, -1)) {
        socket.write(Buffer.from([b]));
        await new Promise((r) => setTimeout(r, 0));
      }
      socket.write(Buffer.concat([answer.subarray(-1), frames]));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.teardown(() => server.close());
  const client = new WebSocketClient();
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${(server.address() as net.AddressInfo).port}`);
  await pollForSignal(client, log, "connection_established");
  const peer = client.getPeer(1)!;
  while (peer.getAvailablePacketCount() < 2) {
    client.poll();
    await new Promise((r) => setTimeout(r, 2));
  }
  t.deepEqual([...peer.getPacket()], [1, 2]);
  t.false(peer.wasStringPacket());
  t.is(Buffer.from(peer.getPacket()).toString(), "hi");
  t.true(peer.wasStringPacket());
  client.dropConnection();
  await pollForSignal(client, log, "connection_closed");
});

test("a header claiming 2^62 bytes: closed with 1009 at once, nothing allocated for it", async (t) => {
  const { port, clientClose } = await scripted(t, (s) =>
    s.write(Buffer.from([0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])),
  );
  const { info } = await outcome(port);
  t.like(info, { code: 1009, wasClean: false, initiatedBy: "client" });
  t.true(info?.error instanceof ProtocolError);
  t.is((info?.error as ProtocolError | undefined)?.code, "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH");
  t.is(await clientClose, 1009);
});

test("a masked frame from the server: closed with 1002 and a ProtocolError", async (t) => {
  const { port, clientClose } = await scripted(t, (s) => s.write(Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5])));
  const { info } = await outcome(port);
  t.like(info, { code: 1002, initiatedBy: "client" });
  t.is((info?.error as ProtocolError | undefined)?.code, "WS_ERR_UNEXPECTED_MASK");
  t.is(await clientClose, 1002);
});

test("fuzzed garbage after the handshake always ends in a close, with the code sent when it is a fault", async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 200 }), async (garbage) => {
      const ctx = { teardown: (fn: () => void) => cleanups.push(fn) } as unknown as ExecutionContext;
      const cleanups: (() => void)[] = [];
      try {
        // The server sends the garbage, then ends its side: the connection must end either way.
        const { port, clientClose } = await scripted(ctx, (s) => s.end(Buffer.from(garbage)));
        const { info, error } = await outcome(port);
        if (error || !info) return false;
        if (info.error instanceof ProtocolError) {
          if (info.code !== info.error.closeCode || info.initiatedBy !== "client") return false;
          const sent = await clientClose;
          return sent === info.code;
        }
        // Not a fault: the stream was valid frames (or a close, answered) or ended mid-frame.
        return info.wasClean ? info.initiatedBy === "server" : info.code === 1006 || info.code === 1005;
      } finally {
        for (const c of cleanups) c();
      }
    }),
    { numRuns: 40 },
  );
  t.pass();
});

test("fragments, pings and pongs from a ws server: messages joined, pings answered", async (t) => {
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
  await once(wss, "listening");
  t.teardown(() => wss.close());
  const ponged = new Promise<Buffer>((resolve) => {
    wss.on("connection", (ws) => {
      ws.on("pong", resolve);
      ws.ping(Buffer.from("are you there"));
      ws.send("hel", { fin: false });
      ws.send("lo", { fin: true });
      ws.send(Buffer.from([1, 2]), { binary: true, fin: false });
      ws.send(Buffer.from([3]), { binary: true, fin: true });
    });
  });
  const client = new WebSocketClient();
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`);
  await pollForSignal(client, log, "connection_established");
  const peer = client.getPeer(1)!;
  while (peer.getAvailablePacketCount() < 2) {
    client.poll();
    await new Promise((r) => setTimeout(r, 2));
  }
  t.is(Buffer.from(peer.getPacket()).toString(), "hello");
  t.deepEqual([...peer.getPacket()], [1, 2, 3]);
  t.is((await ponged).toString(), "are you there");
  client.disconnectFromHost(1000, "done");
  const [clean] = await pollForSignal(client, log, "connection_closed");
  t.true(clean);
});

test("a server that never answers our close: the socket is dropped after closeTimeoutMs", async (t) => {
  const { port, clientClose } = await scripted(t, () => {});
  const client = new WebSocketClient({ closeTimeoutMs: 150 });
  const log = recordSignals(client);
  client.connectToUrl(`ws://127.0.0.1:${port}`);
  await pollForSignal(client, log, "connection_established");
  client.disconnectFromHost(4000, "bye");
  t.is(await clientClose, 4000);
  const [clean, info] = (await pollForSignal(client, log, "connection_closed")) as [boolean, CloseInfo];
  t.false(clean);
  t.like(info, { code: 1006, initiatedBy: "client" });
});

test("dropConnection(): no close frame, connection_closed(false) from the network", async (t) => {
  const { port, clientClose } = await scripted(t, () => {});
  const client = new WebSocketClient({ autoPoll: true });
  await client.connectToUrlAsync(`ws://127.0.0.1:${port}`);
  const closed = once(client, "connection_closed");
  client.dropConnection();
  const [clean, info] = (await closed) as [boolean, CloseInfo];
  t.false(clean);
  t.like(info, { code: 1006, initiatedBy: "network" });
  t.is(await clientClose, null);
});
