/**
 * startGodot runs real Godot processes and owns their whole process tree: stop() leaves
 * nothing, a test process that dies (even by SIGKILL) leaves no orphan, a Godot that fails
 * to become ready is reported with its own output.
 */
import { fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import test from "ava";
import { GodotStartError, startGodot } from "../../src/engine/index.js";
import { fixtureProject, startFixture } from "../harness/godot.js";

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Waits (bounded) for a process group to vanish; true if it did. */
async function groupGone(pgid: number, boundMs = 15_000): Promise<boolean> {
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    if (!groupAlive(pgid)) return true;
    await sleep(50);
  }
  return !groupAlive(pgid);
}

test("stop() kills the whole process group", async (t) => {
  const godot = await startFixture(t, "3.2.3", "mp_server.gd");
  const pgid = godot.pid ?? 0;
  t.true(pgid > 0 && groupAlive(pgid));
  await godot.stop();
  t.false(godot.running);
  t.false(existsSync(godot.workDir));
  t.true(await groupGone(pgid));
});

test("a test process killed with SIGKILL leaves no Godot behind", async (t) => {
  const child = fork(new URL("./orphan-worker.ts", import.meta.url), [], {
    execArgv: ["--import=tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const { pgid, workDir } = await new Promise<{ pgid: number; workDir: string }>((resolve, reject) => {
    child.once("message", (m) => resolve(m as { pgid: number; workDir: string }));
    child.once("exit", (code) => reject(new Error(`worker exited early with ${code}`)));
  });
  t.true(groupAlive(pgid), "Godot runs while its parent lives");
  child.kill("SIGKILL");
  t.true(await groupGone(pgid), "the watchdog killed Godot when its parent died");
  t.false(existsSync(workDir), "and removed its temporary folder");
});

test("a Godot that exits before it is ready rejects with its own output", async (t) => {
  const err = await t.throwsAsync(
    startGodot({ version: "3.2.3", project: fixtureProject("3.2.3"), script: "exits_early.gd" }),
    { instanceOf: GodotStartError },
  );
  t.regex(err?.message ?? "", /fixture giving up on purpose/);
  t.true((err?.log ?? []).some((l) => l.includes("fixture giving up on purpose")));
});

test("a fixed port that is taken is reported, not waited on", async (t) => {
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, resolve));
  t.teardown(() => blocker.close());
  const addr = blocker.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  const err = await t.throwsAsync(
    startGodot({ version: "3.2.3", project: fixtureProject("3.2.3"), script: "mp_server.gd", port }),
    { instanceOf: GodotStartError },
  );
  t.regex(err?.message ?? "", /LISTEN_FAILED/);
});

test("waitForLine sees lines printed before and after the call", async (t) => {
  const godot = await startFixture(t, "3.6.2", "mp_server.gd");
  t.regex(await godot.waitForLine(/^Godot Engine v3\.6\.2/), /3\.6\.2/);
  await t.throwsAsync(godot.waitForLine(/^never printed$/, 100), { instanceOf: GodotStartError });
});
