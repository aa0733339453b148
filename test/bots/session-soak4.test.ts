/** The session soak with Godot 4 (the Node server's ExampleGame4, a Godot 4 session): the same bounds as Godot 3's. */
import test from "ava";
import { soak } from "./soak.js";

test("Godot 4: 3,000 reconnects and 21,000 calls: flat heap after GC, bounded RSS, nothing left behind; the process then exits by itself", (t) =>
  soak(t, "session-soak4.ts", 3000));
