/**
 * What the server writes: all frames a client is sent in one turn leave in one write, complete and
 * in order, and before a close started in that turn; a greeting into a game larger than the 1,024-packet output limit arrives whole (Godot
 * counts only what the kernel has not taken); frames for a client that does not read are refused
 * by the output limits and reported, and all the others still arrive, in order.
 */
import { randomBytes } from "node:crypto";
import { connect, Socket } from "node:net";
import test, { type ExecutionContext } from "ava";
import WebSocket from "ws";
import { PROTO_SIZE, readHeader, readSysPeerId, SysType } from "../../src/multiplayer/index.js";
import { type RefusedOutput, WebSocketServer } from "../../src/server/index.js";
import { GodotError } from "../../src/websocket/index.js";
import { until } from "../bots/game.js";

async function mpServer(t: ExecutionContext, setup?: (s: WebSocketServer) => void) {
  const server = new WebSocketServer({ autoPoll: true, bindIp: "127.0.0.1" });
  setup?.(server);
  const port = await server.listen(0, [], true);
  t.teardown(() => server.stop());
  const refused: RefusedOutput[] = [];
  server.on("output_refused", (r) => refused.push(r));
  return { server, port, refused };
}

/** A raw client: every frame it reads, and the peers SYS_ADD/SYS_DEL told it of. */
interface RawClient {
  readonly ws: WebSocket;
  readonly id: number;
  readonly frames: Uint8Array[];
  readonly peers: Set<number>;
}

async function rawClient(port: number, keepFrames = true): Promise<RawClient> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}`);
  const frames: Uint8Array[] = [];
  const peers = new Set<number>();
  const id = await new Promise<number>((resolve, reject) => {
    ws.once("error", reject);
    ws.on("message", (data: Buffer) => {
      const f = new Uint8Array(data);
      if (keepFrames) frames.push(f);
      const type = f[0];
      if (type === SysType.ID) resolve(readSysPeerId(f));
      else if (type === SysType.ADD) peers.add(readSysPeerId(f));
      else if (type === SysType.DEL) peers.delete(readSysPeerId(f));
    });
  });
  return { ws, id, frames, peers };
}

/** Bytes of each write the server's socket for `client` hands to the kernel (Node's _write/_writev). */
function countWrites(t: ExecutionContext, serverPort: number) {
  const proto = Socket.prototype as unknown as {
    _write: (this: Socket, chunk: Buffer, ...rest: unknown[]) => void;
    _writev: (this: Socket, chunks: { chunk: Buffer }[], ...rest: unknown[]) => void;
  };
  const write = proto._write;
  const writev = proto._writev;
  const writes = new Map<Socket, number[]>();
  const record = (s: Socket, bytes: number) => {
    if (s.localPort !== serverPort) return; // only the server's side of the connections
    const list = writes.get(s) ?? [];
    list.push(bytes);
    writes.set(s, list);
  };
  proto._write = function (this: Socket, chunk: Buffer, ...rest: unknown[]) {
    record(this, chunk.length);
    return write.call(this, chunk, ...rest);
  };
  proto._writev = function (this: Socket, chunks: { chunk: Buffer }[], ...rest: unknown[]) {
    record(
      this,
      chunks.reduce((n, c) => n + c.chunk.length, 0),
    );
    return writev.call(this, chunks, ...rest);
  };
  const restore = () => {
    proto._write = write;
    proto._writev = writev;
  };
  t.teardown(restore);
  return {
    restore,
    /** The writes to the client whose end of the connection is `ws`. */
    to(ws: WebSocket): number[] {
      const port = (ws as unknown as { _socket: Socket })._socket.localPort;
      for (const [s, list] of writes) if (s.remotePort === port) return list;
      return [];
    },
  };
}

const SYS_WIRE = 2 + PROTO_SIZE + 4;
const turn = () => new Promise((r) => setImmediate(r));

test("a burst of frames to one client in one turn leaves in one write, complete and in order", async (t) => {
  const { server, port } = await mpServer(t);
  const client = await rawClient(port);
  await until(() => client.frames.length === 2, "the greeting");
  await turn();
  const writes = countWrites(t, port);
  const K = 500;
  server.setTargetPeer(client.id);
  for (let k = 0; k < K; k++) t.is(server.putPacket(Uint8Array.of(k & 0xff, k >> 8)), GodotError.OK);
  await until(() => client.frames.length === 2 + K, "every frame");
  writes.restore();
  t.deepEqual(writes.to(client.ws), [K * (2 + PROTO_SIZE + 2)], "one write of the K frames");
  const got = client.frames.slice(2).map((f) => {
    t.deepEqual(readHeader(f), { type: SysType.NONE, from: 1, to: client.id });
    return (f[PROTO_SIZE] as number) | ((f[PROTO_SIZE + 1] as number) << 8);
  });
  t.deepEqual(
    got,
    Array.from({ length: K }, (_, k) => k),
  );
});

test("frames put before disconnect_peer in the same turn arrive before the close", async (t) => {
  const { server, port } = await mpServer(t);
  const client = await rawClient(port);
  await until(() => client.frames.length === 2, "the greeting");
  const closed = new Promise<number>((resolve) => client.ws.once("close", (code) => resolve(code)));
  server.setTargetPeer(client.id);
  for (let k = 0; k < 100; k++) server.putPacket(Uint8Array.of(k));
  server.disconnectPeer(client.id, 4000, "bye");
  t.is(await closed, 4000);
  t.deepEqual(
    client.frames.slice(2).map((f) => f[PROTO_SIZE]),
    Array.from({ length: 100 }, (_, k) => k),
  );
});

/**
 * A client that completes the WebSocket handshake and then reads nothing until read() is called:
 * it costs the test nothing while the server greets and announces, and its kernel buffers keep
 * every frame (SYS frames only: no MultiplayerAPI on the server).
 */
function silentPeer(port: number) {
  const socket = connect(port, "127.0.0.1");
  socket.setNoDelay(true);
  socket.write(
    `GET / HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Key: ${randomBytes(16).toString("base64")}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
  );
  socket.pause();
  return {
    socket,
    /** Every SYS message so far: [type, peer id]. */
    async read(expected: number): Promise<[number, number][]> {
      const chunks: Buffer[] = [];
      const size = () => chunks.reduce((n, c) => n + c.length, 0);
      socket.on("data", (c: Buffer) => chunks.push(c)).resume();
      let head = -1;
      await until(() => {
        head = Buffer.concat(chunks).indexOf("\r\n\r\n");
        return head >= 0 && size() - head - 4 >= expected * SYS_WIRE;
      }, `${expected} frames`);
      const data = Buffer.concat(chunks).subarray(head + 4);
      const out: [number, number][] = [];
      for (let at = 0; at < data.length; at += SYS_WIRE) {
        if (data[at] !== 0x82 || data[at + 1] !== SYS_WIRE - 2) throw new Error(`not a SYS frame at ${at}`);
        out.push([data[at + 2] as number, data.readInt32LE(at + 11)]);
      }
      return out;
    },
  };
}

test("a game larger than the 1,024-packet output limit: every newcomer is greeted whole, in one write", async (t) => {
  t.timeout(120_000);
  const { server, port, refused } = await mpServer(t);
  const N = 1_100;
  const peers: ReturnType<typeof silentPeer>[] = [];
  t.teardown(() => {
    for (const p of peers) p.socket.destroy();
  });
  while (peers.length < N) {
    peers.push(...Array.from({ length: Math.min(100, N - peers.length) }, () => silentPeer(port)));
    await until(() => server.getPeerIds().length === peers.length, "the server to announce them");
  }
  const ids = server.getPeerIds();

  // One more: SYS_ID, SYS_ADD(1), then every peer ascending — 1,102 frames in one write.
  const writes = countWrites(t, port);
  const last = await rawClient(port);
  t.teardown(() => last.ws.terminate());
  await until(() => last.frames.length === N + 2, "the whole greeting");
  writes.restore();
  t.deepEqual(readHeader(last.frames[0]!), { type: SysType.ID, from: 1, to: 0 });
  const announced = last.frames.slice(1).map((f) => {
    t.is(f[0], SysType.ADD);
    return readSysPeerId(f);
  });
  t.deepEqual(announced, [1, ...ids]);
  const [handshake, greeting, ...rest] = writes.to(last.ws);
  t.true((handshake ?? 0) > 0);
  t.is(greeting, (N + 2) * SYS_WIRE);
  t.deepEqual(rest, []);

  // Every earlier peer was told of every later one, and of the last (a sample of them reads).
  for (const i of [0, 1, N / 2, N - 1]) {
    const frames = await peers[i]!.read(N + 2);
    t.is(frames.length, N + 2);
    const known = new Set(frames.filter(([type]) => type === SysType.ADD).map(([, id]) => id));
    t.deepEqual(
      [...known].sort((a, b) => a - b),
      [1, ...ids.filter((id) => id !== frames[0]![1]), last.id].sort((a, b) => a - b),
    );
  }
  t.deepEqual(refused, []);
  t.deepEqual([...server.refusedOutput], []);
});

for (const [name, outKb, outPackets, reason] of [
  ["bytes (64 KiB)", 64, 1024, "output-bytes"],
  ["packets (16)", 1024, 16, "output-packets"],
] as const) {
  test(`a client that does not read: frames beyond the output ${name} are refused and reported, the rest arrive in order`, async (t) => {
    t.timeout(60_000);
    const { server, port, refused } = await mpServer(t, (s) => s.setBuffers(64, 1024, outKb, outPackets));
    const client = await rawClient(port);
    await until(() => client.frames.length === 2, "the greeting");
    client.ws.pause(); // reads nothing more: the kernel's buffers fill, then Node's
    server.setTargetPeer(client.id);
    const payload = new Uint8Array(60_000);
    const sent: number[] = [];
    let seq = 0;
    // One frame a turn until one is refused, then a few more.
    for (let after = 0; after < 5 && seq < 5_000; seq++) {
      new DataView(payload.buffer).setUint32(0, seq, true);
      const err = server.putPacket(payload);
      if (err === GodotError.OK) sent.push(seq);
      else {
        t.is(err, GodotError.ERR_OUT_OF_MEMORY);
        after++;
      }
      await turn();
    }
    t.true(refused.length >= 5, "every refusal reported");
    for (const r of refused) t.like(r, { peer: client.id, reason, frames: 1 });
    t.is(server.refusedOutput.get(reason), refused.length);
    t.is(sent.length + refused.length, seq);
    // Nothing accepted is lost: once the client reads, it gets every accepted frame, in order.
    client.ws.resume();
    await until(() => client.frames.length === 2 + sent.length, "every accepted frame", 30_000);
    const got = client.frames
      .slice(2)
      .map((f) => new DataView(f.buffer, f.byteOffset + PROTO_SIZE).getUint32(0, true));
    t.deepEqual(got, sent);
  });
}
