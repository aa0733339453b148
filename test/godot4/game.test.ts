/**
 * The Godot 4 example game with a real 4.6.3 server and real 4.6.3 clients: the scenarios of
 * game4-scenarios.ts (the same ones run against our Node server in
 * test/server/godot4/game4-real-clients.test.ts).
 */
import test from "ava";
import { startGodot4Server } from "../harness/godot4-game.js";
import { GAME4_SCENARIOS } from "./game4-scenarios.js";

for (const s of GAME4_SCENARIOS) {
  test(`4.6.3 game${s.prefix} ${s.title}`, (t) => s.run(t, startGodot4Server));
}
