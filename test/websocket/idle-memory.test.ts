/**
 * What an idle client connection does not hold (issue #12, point 10: a swarm's idle bots): no
 * WebSocketPeer in multiplayer mode until getPeer(1) asks, no half-read frame state between whole
 * frames, no close record while open. Counted with v8.queryObjects (live instances after a full
 * GC); each lazy part must then answer as an eager one did, whenever it is first made.
 */
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { queryObjects } from "node:v8";
import test from "ava";
import { WebSocketServer } from "ws";
import { Ending } from "../../src/websocket/connection.js";
import type { ProtocolError } from "../../src/websocket/errors.js";
import {
  type CloseInfo,
  type ConnectError,
  GodotError,
  type MultiplayerSink,
  WebSocketClient,
  WebSocketPeer,
} from "../../src/websocket/index.js";
import { FrameReceiver, Unfinished } from "../../src/websocket/receiver.js";

const live = (ctor: abstract new (...args: never[]) => unknown): number =>
  queryObjects(ctor as unknown as () => unknown, { format: "count" }) as number;

/** A receiver that keeps the messages it is told of. */
class Messages extends FrameReceiver {
  readonly got: string[] = [];
  paused = false;
  constructor() {
    super();
    this.maxPayload = 1 << 16;
  }
  protected get readPaused(): boolean {
    return this.paused;
  }
  feed(chunk: Uint8Array): this {
    this.receive(Buffer.from(chunk));
    return this;
  }
  readOn(): this {
    this.paused = false;
    this.readUnread();
    return this;
  }
  protected onMessage(data: Uint8Array): void {
    this.got.push(Buffer.from(data).toString("latin1"));
    if (this.got.length === 1) this.paused = this.pauseAfterFirst;
  }
  pauseAfterFirst = false;
  protected onPing(): void {}
  protected onPong(): void {}
  protected onCloseFrame(): void {}
  protected onProtocolError(error: ProtocolError): void {
    throw error;
  }
}

/** A server's binary frame of `text` (FIN unless `more`; opcode 0 for a continuation). */
function frame(text: string, opcode = 2, fin = true): Buffer {
  const body = Buffer.from(text, "latin1");
  return Buffer.concat([Buffer.from([(fin ? 0x80 : 0) | opcode, body.length]), body]);
}

test.serial(
  "a receiver holds half-read state only while a frame, a fragmented message or a pause leaves some",
  (t) => {
    const r = new Messages();
    const base = live(Unfinished);
    r.feed(frame("whole")).feed(Buffer.concat([frame("a"), frame("b")]));
    t.is(live(Unfinished), base, "whole frames: none");
    const split = frame("split across chunks");
    r.feed(split.subarray(0, 1)); // a header cut after its first byte
    t.is(live(Unfinished), base + 1);
    r.feed(split.subarray(1, 6)); // a body cut
    t.is(live(Unfinished), base + 1);
    r.feed(split.subarray(6));
    t.is(live(Unfinished), base, "once whole: gone");
    r.feed(frame("frag", 2, false)).feed(frame("ment", 0, false));
    t.is(live(Unfinished), base + 1, "a fragmented message in progress");
    r.feed(frame("ed", 0, true));
    t.is(live(Unfinished), base);
    const q = new Messages();
    q.pauseAfterFirst = true;
    q.feed(Buffer.concat([frame("first"), frame("second"), frame("third")]));
    t.is(live(Unfinished), base + 1, "what a pause left");
    q.readOn();
    t.is(live(Unfinished), base);
    t.deepEqual(r.got, ["whole", "a", "b", "split across chunks", "fragmented"]);
    t.deepEqual(q.got, ["first", "second", "third"]);
  },
);

class Sink implements MultiplayerSink {
  readonly packets: string[] = [];
  opened = false;
  closed: CloseInfo | ConnectError | null = null;
  connected(): void {
    this.opened = true;
  }
  packet(data: Uint8Array): void {
    this.packets.push(Buffer.from(data).toString("latin1"));
  }
  disconnected(info: CloseInfo | null, error: ConnectError | null): void {
    this.closed = info ?? error;
  }
}

async function until(done: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 5_000 && !done(); i++) await new Promise((r) => setTimeout(r, 2));
  if (!done()) throw new Error(`never: ${what}`);
}

test.serial(
  "a multiplayer-mode client makes no WebSocketPeer nor close record while idle; getPeer(1) asked late sends like one asked at once, and is detached after the close",
  async (t) => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await once(wss, "listening");
    t.teardown(() => wss.close());
    const heard: string[] = [];
    wss.on("connection", (ws) => {
      ws.send(Buffer.from("hello"));
      ws.on("message", (d) => heard.push(Buffer.from(d as Buffer).toString("latin1")));
    });
    const url = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`;
    const peers = live(WebSocketPeer);
    const endings = live(Ending);
    const clients = Array.from({ length: 4 }, () => new WebSocketClient({ autoPoll: true }));
    const sinks = clients.map(() => new Sink());
    clients.forEach((c, i) => {
      c.setMultiplayerSink(sinks[i]!);
      t.is(c.connectToUrl(url, [], true), GodotError.OK);
    });
    await until(() => sinks.every((s) => s.packets.length === 1), "every client greeted");
    t.is(live(WebSocketPeer), peers, "idle: no peer");
    t.is(live(Ending), endings, "open: no close record");
    const late = clients[0]!.getPeer(1)!;
    t.is(clients[0]!.getPeer(1), late, "the same peer on every call");
    t.is(live(WebSocketPeer), peers + 1);
    t.true(late.isConnectedToHost());
    t.is(late.getConnectedPort(), (wss.address() as AddressInfo).port);
    t.is(late.putPacket(Buffer.from("late")), GodotError.OK);
    await until(() => heard.includes("late"), "the late peer's packet");
    for (const c of clients) c.disconnectFromHost();
    await until(() => sinks.every((s) => s.closed !== null), "every client closed");
    t.false(late.isConnectedToHost());
    t.is(late.putPacket(Buffer.from("after")), GodotError.FAILED);
    t.is(clients[1]!.getPeer(1)!.isConnectedToHost(), false, "first asked after the close: detached");
  },
);
