/**
 * Real 4.6.3 clients play the Godot 4 example game on our Node server (ExampleGame4 over
 * WebSocketMultiplayerServer4): the scenarios of test/godot4/game4-scenarios.ts, word for word the
 * ones test/godot4/game.test.ts runs against a real 4.6.3 server.
 */
import test from "ava";
import { GAME4_SCENARIOS } from "../../godot4/game4-scenarios.js";
import { startNodeGame4Server } from "../../harness/node-godot4-game.js";

for (const s of GAME4_SCENARIOS) {
  test(`Node game4 server, 4.6.3 clients${s.prefix} ${s.title}`, (t) => s.run(t, startNodeGame4Server));
}
