/**
 * Clients made with the same options share one settings object (a swarm's 20,000 clients keep
 * one): what a client is set to afterwards is its own.
 */
import test from "ava";
import { GodotError, WebSocketClient } from "../../src/websocket/index.js";

test("clients made with the defaults keep their own settings: setting one changes no other", (t) => {
  const [a, b, c] = [0, 1, 2].map(() => new WebSocketClient());
  if (!a || !b || !c) throw new Error("three clients");
  const defaults = b.getBufferLimits();
  a.verifySsl = false;
  a.autoPoll = true;
  t.is(a.setBuffers(1, 16, 1, 16), GodotError.OK);
  for (const x of [b, c]) {
    t.true(x.verifySsl);
    t.false(x.autoPoll);
    t.deepEqual(x.getBufferLimits(), defaults);
    t.is(x.trustedSslCertificate, null);
  }
  t.false(a.verifySsl);
  t.true(a.autoPoll);
  t.like(a.getBufferLimits(), { inputBytes: 1023, maxMessageBytes: 1024, outputBytes: 1024 });
  const auto = new WebSocketClient({ autoPoll: true });
  t.true(auto.autoPoll);
  auto.autoPoll = false;
  t.true(new WebSocketClient({ autoPoll: true }).autoPoll, "a later client made with autoPoll has it");
});
