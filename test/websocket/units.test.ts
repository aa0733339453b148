/** The small exact pieces: URL reading, Godot's buffer arithmetic, close reasons, TLS causes. */
import test from "ava";
import { InputPacketBuffer } from "../../src/websocket/buffers.js";
import { readCloseReason } from "../../src/websocket/close-codes.js";
import { bufferLimits, nearestShift, parseWebSocketUrl } from "../../src/websocket/index.js";
import { PIN_MISMATCH, tlsFailureOf } from "../../src/websocket/tls.js";

test("URLs: Godot's defaults (no scheme → ws, default ports, path /), IPv6, query kept", (t) => {
  t.like(parseWebSocketUrl("example.com"), { secure: false, host: "example.com", port: 80, path: "/" });
  t.like(parseWebSocketUrl("WSS://Example.com/a/b?c=d"), {
    secure: true,
    host: "example.com",
    port: 443,
    path: "/a/b?c=d",
    href: "wss://example.com/a/b?c=d",
  });
  t.like(parseWebSocketUrl("ws://[::1]:8080"), { host: "::1", port: 8080, href: "ws://[::1]:8080/" });
  t.like(parseWebSocketUrl("ws://127.0.0.1:443"), { secure: false, port: 443 });
});

test("nearestShift is Godot's: bits needed to hold n", (t) => {
  t.deepEqual([0, 1, 2, 3, 4, 63, 64, 1023, 1024].map(nearestShift), [0, 1, 2, 2, 3, 6, 7, 10, 11]);
});

test("Godot 3's default client buffers: 64 KiB and 1024 packets, rings hold one less", (t) => {
  t.deepEqual(
    bufferLimits({
      inputBufferSizeKb: 64,
      inputMaxPackets: 1024,
      outputBufferSizeKb: 64,
      outputMaxPackets: 1024,
    }),
    {
      inputBytes: 65535,
      inputPackets: 1023,
      maxMessageBytes: 65536,
      outputBytes: 65536,
      outputPackets: 1024,
    },
  );
});

test("the input ring is FIFO, bounded in bytes and packets, and drops what does not fit", (t) => {
  const ring = new InputPacketBuffer({ inputBytes: 10, inputPackets: 3 });
  const p = (n: number, v: number) => ({ data: new Uint8Array(n).fill(v), isString: v % 2 === 0 });
  t.true(ring.write(p(4, 1)));
  t.true(ring.write(p(4, 2)));
  t.false(ring.write(p(3, 3))); // 11 bytes > 10
  t.true(ring.write(p(2, 4)));
  t.false(ring.write(p(0, 5))); // a fourth packet
  t.is(ring.count, 3);
  t.is(ring.bytes, 10);
  t.deepEqual(ring.read(), p(4, 1));
  t.true(ring.write(p(0, 6)));
  t.deepEqual([ring.read(), ring.read(), ring.read()], [p(4, 2), p(2, 4), p(0, 6)]);
  t.is(ring.read(), undefined);
  // Long runs compact the backing array without losing order.
  for (let i = 0; i < 500; i++) {
    t.true(ring.write(p(1, i % 256)));
    t.deepEqual(ring.read(), p(1, i % 256));
  }
  t.is(ring.count, 0);
});

test("close reasons are read up to the first NUL, as Godot's parse_utf8 (Godot's own frames end in one)", (t) => {
  t.is(readCloseReason(Buffer.from("server says bye\0")), "server says bye");
  t.is(readCloseReason(Buffer.from("héllo")), "héllo");
  t.is(readCloseReason(Buffer.alloc(0)), "");
});

test("TLS causes from Node's error codes", (t) => {
  t.is(tlsFailureOf("CERT_HAS_EXPIRED", false), "expired");
  t.is(tlsFailureOf("CERT_NOT_YET_VALID", false), "not-yet-valid");
  t.is(tlsFailureOf("ERR_TLS_CERT_ALTNAME_INVALID", false), "wrong-host");
  t.is(tlsFailureOf("UNABLE_TO_VERIFY_LEAF_SIGNATURE", false), "unknown-ca");
  t.is(tlsFailureOf("UNABLE_TO_GET_ISSUER_CERT_LOCALLY", false), "unknown-ca");
  t.is(tlsFailureOf("SELF_SIGNED_CERT_IN_CHAIN", false), "self-signed");
  t.is(tlsFailureOf("DEPTH_ZERO_SELF_SIGNED_CERT", false), "self-signed");
  t.is(tlsFailureOf("DEPTH_ZERO_SELF_SIGNED_CERT", true), "pin-mismatch");
  t.is(tlsFailureOf(PIN_MISMATCH, true), "pin-mismatch");
  t.is(tlsFailureOf("ERR_SSL_WRONG_VERSION_NUMBER", false), "protocol");
  t.is(tlsFailureOf("ECONNREFUSED", false), undefined);
  t.is(tlsFailureOf(undefined, false), undefined);
});
