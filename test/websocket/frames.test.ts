/**
 * The client's own RFC 6455 pieces, as specifications: the frame receiver (any chunking gives
 * the same messages; every fault ends in one typed ProtocolError with the right close code; a
 * huge length allocates nothing), the frame sender (masked, right length encodings, caller's
 * bytes untouched) and the handshake (Godot's request, the checks of the answer).
 */
import test from "ava";
import fc from "fast-check";
import { HandshakeError, ProtocolError } from "../../src/websocket/errors.js";
import { acceptFor, checkAnswer, parseAnswer, upgradeRequest } from "../../src/websocket/handshake.js";
import { FrameReceiver } from "../../src/websocket/receiver.js";
import { encodeClose, encodeFrame, Opcode } from "../../src/websocket/sender.js";
import { parseCustomHeaders } from "../../src/websocket/url.js";

type Event =
  | ["message", string, boolean]
  | ["ping", number[]]
  | ["pong", number[]]
  | ["close", number, string]
  | ["error", number, string];

/** A receiver that records what it is told, fed chunk by chunk. */
class Recorder extends FrameReceiver {
  readonly events: Event[] = [];
  /** Pause reading after this many more messages (backpressure), or never. */
  pauseAfter = Number.POSITIVE_INFINITY;
  protected get readPaused(): boolean {
    return this.pauseAfter <= 0;
  }
  /** Resumes: reads what the pause left. */
  readOn(pauseAfter = Number.POSITIVE_INFINITY): this {
    this.pauseAfter = pauseAfter;
    this.readUnread();
    return this;
  }
  constructor(maxPayload = 1 << 16) {
    super();
    this.maxPayload = maxPayload;
  }
  feed(...chunks: Uint8Array[]): this {
    for (const c of chunks) this.receive(Buffer.from(c));
    return this;
  }
  protected onMessage(data: Uint8Array, isString: boolean): void {
    this.pauseAfter--;
    this.events.push(["message", Buffer.from(data).toString("hex"), isString]);
  }
  protected onPing(data: Uint8Array): void {
    this.events.push(["ping", [...data]]);
  }
  protected onPong(data: Uint8Array): void {
    this.events.push(["pong", [...data]]);
  }
  protected onCloseFrame(code: number, reason: Buffer): void {
    this.events.push(["close", code, reason.toString("utf8")]);
  }
  protected onProtocolError(error: ProtocolError): void {
    if (!(error instanceof ProtocolError)) throw new Error("not a ProtocolError");
    this.events.push(["error", error.closeCode, error.code]);
  }
}

/** A server frame (unmasked): FIN flag, opcode, payload; lengths in the shortest form unless `len` says. */
function frame(opcode: number, payload: number[] | Uint8Array, fin = true, first = 0): Buffer {
  const n = payload.length;
  const head = n < 126 ? [n] : n < 65536 ? [126, n >> 8, n & 0xff] : [127, 0, 0, 0, 0, ...u32(n)];
  return Buffer.from([(fin ? 0x80 : 0) | first | opcode, ...head, ...payload]);
}
function u32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}
/** Splits `bytes` at the given cut points. */
function cut(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Buffer[] = [];
  let at = 0;
  for (const p of points) {
    out.push(bytes.subarray(at, p));
    at = p;
  }
  out.push(bytes.subarray(at));
  return out;
}

test("frames wholly in a chunk, and split anywhere, give the same messages", (t) => {
  const message = fc.record({
    binary: fc.boolean(),
    bytes: fc.oneof(
      { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 9 },
      { arbitrary: fc.uint8Array({ minLength: 65530, maxLength: 65540 }), weight: 1 },
    ),
    text: fc.string({ unit: "grapheme", maxLength: 50 }),
  });
  fc.assert(
    fc.property(fc.array(message, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 8 }), (msgs, cuts) => {
      const wire = Buffer.concat(
        msgs.map((m) => (m.binary ? frame(2, m.bytes) : frame(1, [...Buffer.from(m.text)]))),
      );
      const expected = msgs.map((m) =>
        m.binary
          ? ["message", Buffer.from(m.bytes).toString("hex"), false]
          : ["message", Buffer.from(m.text).toString("hex"), true],
      );
      const whole = new Recorder(1 << 17).feed(wire);
      const pieces = new Recorder(1 << 17).feed(...cut(wire, cuts));
      const bytewise = new Recorder(1 << 17).feed(...[...wire.subarray(0, 400)].map((b) => Buffer.from([b])));
      t.deepEqual(whole.events, expected);
      t.deepEqual(pieces.events, expected);
      // Byte by byte (the first frames only, to keep it quick): still the same, in order.
      t.deepEqual(bytewise.events, expected.slice(0, bytewise.events.length));
    }),
    { numRuns: 150 },
  );
});

/**
 * A receiver fed as a ws:// socket feeds it: every chunk read into one buffer that the next read
 * overwrites. It keeps what it is handed as it is (no copy) and reads it only at the end.
 */
class SharedBufferRecorder extends FrameReceiver {
  readonly #shared = Buffer.alloc(1 << 16);
  readonly #kept: [kind: string, data: Uint8Array, isString: boolean][] = [];
  pauseAfter = Number.POSITIVE_INFINITY;
  protected get readPaused(): boolean {
    return this.pauseAfter <= 0;
  }
  constructor() {
    super();
    this.maxPayload = 1 << 17;
  }
  feed(chunks: Uint8Array[], pauseEvery: number): this {
    this.pauseAfter = pauseEvery;
    for (const c of chunks) {
      for (let at = 0; at < c.length; at += this.#shared.length) {
        const part = c.subarray(at, at + this.#shared.length);
        this.#shared.set(part);
        this.receive(this.#shared.subarray(0, part.length), true);
        this.#shared.fill(0xee); // the next read
        // Backpressure now and then: what the pause left must survive the next reads too.
        if (this.readPaused) {
          this.pauseAfter = pauseEvery;
          this.readUnread();
          this.#shared.fill(0xdd);
        }
      }
    }
    this.pauseAfter = Number.POSITIVE_INFINITY;
    this.readUnread();
    return this;
  }
  events(): [string, string, boolean][] {
    return this.#kept.map(([k, d, s]) => [k, Buffer.from(d).toString("hex"), s]);
  }
  /** The messages' payloads as they were handed over. */
  payloads(): Uint8Array[] {
    return this.#kept.filter((e) => e[0] === "message").map((e) => e[1]);
  }
  protected onMessage(data: Uint8Array, isString: boolean): void {
    this.pauseAfter--;
    this.#kept.push(["message", data, isString]);
  }
  protected onPing(data: Uint8Array): void {
    // A ping's payload is answered at once by the connection: it is not kept (no copy owed).
    this.#kept.push(["ping", Uint8Array.from(data), false]);
  }
  protected onPong(data: Uint8Array): void {
    this.#kept.push(["pong", data, false]);
  }
  protected onCloseFrame(code: number, reason: Buffer): void {
    this.#kept.push([`close ${code}`, reason, true]);
  }
  protected onProtocolError(error: ProtocolError): void {
    this.#kept.push([`error ${error.closeCode}`, new Uint8Array(0), false]);
  }
}

test("read into a shared buffer, whatever is kept is copied: same messages as from owned chunks", (t) => {
  const part = fc.oneof(
    fc.record({ op: fc.constantFrom(1, 2), bytes: fc.uint8Array({ maxLength: 200 }), split: fc.nat(3) }),
    {
      arbitrary: fc.record({
        op: fc.constant(2),
        bytes: fc.uint8Array({ minLength: 70_000, maxLength: 70_100 }),
        split: fc.constant(0),
      }),
      weight: 1,
    },
    fc.record({ op: fc.constantFrom(9, 10), bytes: fc.uint8Array({ maxLength: 20 }), split: fc.constant(0) }),
  );
  fc.assert(
    fc.property(
      fc.array(part, { maxLength: 8 }),
      fc.array(fc.nat(), { maxLength: 10 }),
      fc.integer({ min: 1, max: 3 }),
      fc.boolean(),
      (parts, cuts, pauseEvery, closing) => {
        // Text payloads are made UTF-8; a data message may be sent in up to 4 fragments.
        const frames: Buffer[] = [];
        for (const p of parts) {
          const bytes =
            p.op === 1 ? Buffer.from(Buffer.from(p.bytes).toString("base64")) : Buffer.from(p.bytes);
          if (p.op >= 8 || p.split === 0) {
            frames.push(frame(p.op, bytes));
            continue;
          }
          const size = Math.ceil(bytes.length / (p.split + 1));
          for (let i = 0; i <= p.split; i++) {
            const piece = bytes.subarray(i * size, (i + 1) * size);
            frames.push(frame(i === 0 ? p.op : 0, piece, i === p.split));
          }
        }
        if (closing) frames.push(encodeCloseFrame(4001, "bye"));
        const wire = Buffer.concat(frames);
        const shared = new SharedBufferRecorder().feed(cut(wire, cuts), pauseEvery);
        t.deepEqual(shared.events(), referenceEvents(wire));
      },
    ),
    // No shrinking: a failing case carries 70 KB payloads; the first one found says enough.
    { numRuns: 120, endOnFailure: true },
  );
});

test("read into a shared buffer, a kept payload is copied into a pool shared by many (as big as a socket chunk), small ones into the heap, big ones alone", (t) => {
  // 1,000 bots' SYNCs are 60,000 copies a second: a buffer each costs V8 about 1.3 µs.
  const sync = (i: number) => Buffer.alloc(1350, i);
  const sizes = [1350, 1350, 40, 1350, 20_000, 1350];
  const wire = Buffer.concat(sizes.map((n, i) => frame(2, n === 1350 ? sync(i) : Buffer.alloc(n, i))));
  // One read: no frame split across chunks (such a payload is assembled in a buffer of its own).
  const r = new SharedBufferRecorder().feed([wire], Number.POSITIVE_INFINITY);
  const got = r.payloads();
  t.deepEqual(
    got.map((p) => [p.length, p[0], p.at(-1)]),
    sizes.map((n, i) => [n, i, i]),
    "every payload intact after the shared buffer was overwritten",
  );
  const [a, b, small, c, big, d] = got as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  const pooled = [a, b, c, d];
  t.deepEqual(
    pooled.map((p) => p.buffer.byteLength),
    [65536, 65536, 65536, 65536],
    "a 1350-byte payload is carved from a 64 KiB pool",
  );
  // 5.4 KB of copies cross from one pool into the next at most once.
  t.true(new Set(pooled.map((p) => p.buffer)).size <= 2, "one pool for many");
  t.deepEqual(
    pooled.map((p) => p.byteOffset % 8),
    [0, 0, 0, 0],
    "each on an eight-byte boundary",
  );
  for (let i = 1; i < pooled.length; i++) {
    const [x, y] = [pooled[i - 1] as Uint8Array, pooled[i] as Uint8Array];
    t.true(x.buffer !== y.buffer || x.byteOffset + x.length <= y.byteOffset, "copies do not overlap");
  }
  t.is(small.buffer.byteLength, 40, "a small payload is its own (V8 keeps it in its heap)");
  t.is(big.buffer.byteLength, 20_000, "a payload above a quarter of a pool has its own buffer");
});

/** What a receiver fed owned chunks reports for `wire`: the reference for the shared-buffer one. */
function referenceEvents(wire: Buffer): [string, string, boolean][] {
  const r = new Recorder(1 << 17).feed(wire);
  return r.events.map((e): [string, string, boolean] => {
    if (e[0] === "message") return ["message", e[1], e[2]];
    if (e[0] === "ping" || e[0] === "pong") return [e[0], Buffer.from(e[1]).toString("hex"), false];
    if (e[0] === "close") return [`close ${e[1]}`, Buffer.from(e[2]).toString("hex"), true];
    return [`error ${e[1]}`, "", false];
  });
}

/** A server's close frame (unmasked). */
function encodeCloseFrame(code: number, reason: string): Buffer {
  return frame(8, [code >> 8, code & 0xff, ...Buffer.from(reason)]);
}

test("a fragmented message is joined at its final frame; control frames may come between", (t) => {
  const r = new Recorder().feed(
    frame(1, [...Buffer.from("hé")], false),
    frame(9, [1, 2]),
    frame(0, [...Buffer.from("llo ")], false),
    frame(10, []),
    frame(0, [...Buffer.from("wörld")], true),
    frame(2, [9]),
  );
  t.deepEqual(r.events, [
    ["ping", [1, 2]],
    ["pong", []],
    ["message", Buffer.from("héllo wörld").toString("hex"), true],
    ["message", "09", false],
  ]);
  // UTF-8 is checked on the whole message: a character split between fragments is fine.
  const e = Buffer.from("é");
  const split = new Recorder().feed(frame(1, [e[0]!], false), frame(0, [e[1]!]));
  t.deepEqual(split.events, [["message", e.toString("hex"), true]]);
});

test("a pause stops reading before the next frame; the rest of the chunk waits, in order", (t) => {
  const wire = Buffer.concat([1, 2, 3, 4, 5].map((i) => frame(2, [i])));
  const r = new Recorder();
  r.pauseAfter = 2;
  r.feed(wire.subarray(0, 9)); // frames 1-3 and the first byte of frame 4
  t.deepEqual(
    r.events.map((e) => e[1]),
    ["01", "02"],
  );
  r.readOn(1);
  t.deepEqual(
    r.events.map((e) => e[1]),
    ["01", "02", "03"],
  );
  // Paused with a header cut in two: the next chunk joins the unread byte.
  r.readOn();
  r.feed(wire.subarray(9));
  t.deepEqual(
    r.events.map((e) => e[1]),
    ["01", "02", "03", "04", "05"],
  );
});

test("a close frame: code and reason, 1005 when empty; nothing is read after it", (t) => {
  t.deepEqual(new Recorder().feed(frame(8, [0x0f, 0xa2, ...Buffer.from("bye")]), frame(2, [1])).events, [
    ["close", 4002, "bye"],
  ]);
  t.deepEqual(new Recorder().feed(frame(8, [])).events, [["close", 1005, ""]]);
});

const faults: [string, Buffer, number, string][] = [
  ["RSV1 (no extension was agreed)", frame(2, [1], true, 0x40), 1002, "WS_ERR_UNEXPECTED_RSV_1"],
  ["RSV2", frame(2, [1], true, 0x20), 1002, "WS_ERR_UNEXPECTED_RSV_2_3"],
  ["reserved opcode 3", frame(3, [1]), 1002, "WS_ERR_INVALID_OPCODE"],
  ["reserved opcode 11", frame(11, []), 1002, "WS_ERR_INVALID_OPCODE"],
  ["continuation with nothing to continue", frame(0, [1]), 1002, "WS_ERR_INVALID_OPCODE"],
  [
    "a new message inside a fragmented one",
    Buffer.concat([frame(2, [1], false), frame(2, [2])]),
    1002,
    "WS_ERR_INVALID_OPCODE",
  ],
  ["fragmented ping", frame(9, [], false), 1002, "WS_ERR_EXPECTED_FIN"],
  ["ping over 125 bytes", frame(9, new Array(126).fill(0)), 1002, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"],
  ["close with 1 byte", frame(8, [3]), 1002, "WS_ERR_INVALID_CONTROL_PAYLOAD_LENGTH"],
  ["close with code 1005", frame(8, [0x03, 0xed]), 1002, "WS_ERR_INVALID_CLOSE_CODE"],
  ["close with code 999", frame(8, [0x03, 0xe7]), 1002, "WS_ERR_INVALID_CLOSE_CODE"],
  ["close reason not UTF-8", frame(8, [0x03, 0xe8, 0xff]), 1007, "WS_ERR_INVALID_UTF8"],
  [
    "a masked frame (servers never mask)",
    Buffer.from([0x82, 0x81, 1, 2, 3, 4, 5]),
    1002,
    "WS_ERR_UNEXPECTED_MASK",
  ],
  ["text that is not UTF-8", frame(1, [0x41, 0xff, 0xfe]), 1007, "WS_ERR_INVALID_UTF8"],
  [
    "a message over the input buffer",
    frame(2, new Array(1025).fill(1)),
    1009,
    "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
  ],
  [
    "fragments adding up to more than the input buffer",
    Buffer.concat([frame(2, new Array(600).fill(1), false), frame(0, new Array(600).fill(1))]),
    1009,
    "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH",
  ],
  [
    "a 64-bit length above 2^53 - 1",
    Buffer.from([0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0]),
    1009,
    "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH",
  ],
];

for (const [what, bytes, closeCode, code] of faults) {
  test(`fault: ${what} → ProtocolError ${code}, close ${closeCode}, then nothing more`, (t) => {
    const valid = frame(2, [7]);
    const byteByByte: Buffer[] = [...bytes].map((b) => Buffer.from([b]));
    const variants: Buffer[][] = [
      [bytes, valid],
      [...byteByByte, valid],
    ];
    for (const chunks of variants) {
      const r = new Recorder(1024).feed(...chunks);
      const errors = r.events.filter((e) => e[0] === "error");
      t.deepEqual(errors, [["error", closeCode, code]]);
      t.deepEqual(r.events.at(-1), ["error", closeCode, code]);
    }
  });
}

test("a length the limit refuses is never allocated (a header claiming 2^62 bytes, or 2^40)", (t) => {
  const sizes: number[] = [];
  const allocUnsafe = Buffer.allocUnsafe;
  Buffer.allocUnsafe = (size: number) => {
    sizes.push(size);
    return allocUnsafe(size);
  };
  try {
    const huge = new Recorder(1 << 16).feed(Buffer.from([0x82, 127, 0x40, 0, 0, 0, 0, 0, 0, 0]));
    const big = new Recorder(1 << 16).feed(Buffer.from([0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0, 1, 2]));
    t.deepEqual(huge.events, [["error", 1009, "WS_ERR_UNSUPPORTED_DATA_PAYLOAD_LENGTH"]]);
    t.deepEqual(big.events, [["error", 1009, "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH"]]);
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
  }
  t.true(sizes.every((s) => s <= 1 << 16));
});

test("garbage never throws: it ends in one typed fault (or waits for more), allocating no more than the limit", (t) => {
  const limit = 4096;
  const allocUnsafe = Buffer.allocUnsafe;
  let largest = 0;
  Buffer.allocUnsafe = (size: number) => {
    largest = Math.max(largest, size);
    return allocUnsafe(size);
  };
  try {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 2000 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (garbage, cuts) => {
          const r = new Recorder(limit);
          for (const chunk of cut(Buffer.from(garbage), cuts)) r.feed(chunk);
          const errors = r.events.filter((e) => e[0] === "error");
          // At most one fault, and it is the last thing reported; a close frame also ends reading.
          if (errors.length > 1) return false;
          const endIndex = r.events.findIndex((e) => e[0] === "error" || e[0] === "close");
          if (endIndex !== -1 && endIndex !== r.events.length - 1) return false;
          for (const e of errors) if (![1002, 1007, 1009].includes(e[1])) return false;
          return true;
        },
      ),
      { numRuns: 2000 },
    );
  } finally {
    Buffer.allocUnsafe = allocUnsafe;
  }
  t.true(largest <= limit, `largest allocation ${largest}`);
});

/** Reads a client frame: FIN/opcode, length, unmasked payload. */
function unmask(wire: Buffer): { first: number; payload: Buffer; headLength: number } {
  t_true((wire[1]! & 0x80) !== 0, "a client frame is masked");
  let n = wire[1]! & 0x7f;
  let at = 2;
  if (n === 126) {
    n = wire.readUInt16BE(2);
    at = 4;
  } else if (n === 127) {
    n = wire.readUInt32BE(2) * 2 ** 32 + wire.readUInt32BE(6);
    at = 10;
  }
  const key = wire.subarray(at, at + 4);
  const payload = Buffer.from(wire.subarray(at + 4));
  for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
  t_true(payload.length === n, "length field matches");
  return { first: wire[0]!, payload, headLength: at };
}
function t_true(v: boolean, what: string): void {
  if (!v) throw new Error(what);
}

test("sent frames are masked, FIN, with the shortest length form; the caller's bytes are untouched", (t) => {
  for (const [n, headLength] of [
    [0, 2],
    [1, 2],
    [125, 2],
    [126, 4],
    [65535, 4],
    [65536, 10],
    [70001, 10],
  ] as const) {
    const payload = Buffer.alloc(n);
    for (let i = 0; i < n; i++) payload[i] = (i * 7) & 0xff;
    const copy = Buffer.from(payload);
    const wire = encodeFrame(Opcode.BINARY, payload);
    const read = unmask(wire);
    t.is(read.first, 0x82);
    t.is(read.headLength, headLength);
    t.true(read.payload.equals(copy));
    t.true(payload.equals(copy));
  }
  // Two frames of the same bytes use different keys.
  const a = encodeFrame(Opcode.TEXT, Buffer.from("same"));
  const b = encodeFrame(Opcode.TEXT, Buffer.from("same"));
  t.false(a.subarray(2, 6).equals(b.subarray(2, 6)) && a.equals(b));
  t.deepEqual([...unmask(encodeClose(4001, Buffer.from("ok"))).payload], [0x0f, 0xa1, 0x6f, 0x6b]);
  t.is(unmask(encodeClose(1005, Buffer.alloc(0))).payload.length, 0);
});

test("the upgrade request is Godot 3's, custom headers last, one line each, in the order given", (t) => {
  t.is(
    upgradeRequest(
      "/lobby?x=1",
      "example.com:8080",
      "a2V5",
      ["beta", "alpha"],
      parseCustomHeaders(["X-Multi: 1", "X-Token: abc", "X-Multi: 2", "42: answer"]),
    ),
    "GET /lobby?x=1 HTTP/1.1\r\nHost: example.com:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
      "Sec-WebSocket-Key: a2V5\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: beta,alpha\r\n" +
      "X-Multi: 1\r\nX-Token: abc\r\nX-Multi: 2\r\n42: answer\r\n\r\n",
  );
  t.notRegex(upgradeRequest("/", "h", "k", [], []), /Protocol/);
});

test("the answer's checks: accept key, Upgrade, the subprotocol asked for, no extensions", (t) => {
  const key = "dGhlIHNhbXBsZSBub25jZQ==";
  t.is(acceptFor(key), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="); // RFC 6455 §1.3's example
  const answer = (extra: string) =>
    parseAnswer(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}${extra}`,
    );
  t.is(checkAnswer(answer(""), key, []), "");
  t.is(checkAnswer(answer("\r\nSec-WebSocket-Protocol: alpha"), key, ["beta", "alpha"]), "alpha");
  const refused: [string, string[], RegExp][] = [
    ["\r\nSec-WebSocket-Protocol: alpha", [], /subprotocol but none was requested/],
    ["\r\nSec-WebSocket-Protocol: gamma", ["alpha"], /invalid subprotocol/],
    ["", ["alpha"], /no subprotocol/],
    ["\r\nSec-WebSocket-Extensions: permessage-deflate", [], /Sec-WebSocket-Extensions/],
  ];
  for (const [extra, protocols, message] of refused) {
    t.throws(() => checkAnswer(answer(extra), key, protocols), { instanceOf: HandshakeError, message });
  }
  t.throws(() => checkAnswer(answer(""), "b3RoZXIga2V5IGhlcmU=", []), {
    instanceOf: HandshakeError,
    message: /Sec-WebSocket-Accept/,
  });
  t.throws(
    () => checkAnswer(parseAnswer(`HTTP/1.1 101 OK\r\nSec-WebSocket-Accept: ${acceptFor(key)}`), key, []),
    { instanceOf: HandshakeError, message: /Upgrade/ },
  );
  t.throws(() => parseAnswer("SSH-2.0-OpenSSH"), { instanceOf: HandshakeError });
  t.like(parseAnswer("HTTP/1.1 404 Not Found\r\nA: 1\r\na: 2"), { status: 404, statusText: "Not Found" });
  t.is(parseAnswer("HTTP/1.1 404 Not Found\r\nA: 1\r\na: 2").headers.get("a"), "1, 2");
});
