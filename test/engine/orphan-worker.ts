// Child process for process-tree.test.ts: starts Godot, reports its process group, then idles
// until the test kills this process with SIGKILL (no exit hooks run).
import { startGodot } from "../../src/engine/index.js";
import { fixtureProject } from "../harness/godot.js";

const godot = await startGodot({
  version: "3.2.3",
  project: fixtureProject("3.2.3"),
  script: "mp_server.gd",
});
process.send?.({ pgid: godot.pid, workDir: godot.workDir });
setInterval(() => {}, 1 << 30);
