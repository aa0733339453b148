/** Provisioning is safe when two test processes race: they serialize on a directory lock. */
import { fork } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "ava";
import { withDirLock } from "../../src/engine/index.js";

const fixture = new URL("./lock-worker.ts", import.meta.url);

function runWorker(lock: string, journal: string, name: string): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const child = fork(fixture, [lock, journal, name], { execArgv: ["--import=tsx"], stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
}

test("two processes never hold the lock at once", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-lock-"));
  const lock = join(dir, "x.lock");
  const journal = join(dir, "journal");
  await writeFile(journal, "");
  const codes = await Promise.all([
    runWorker(lock, journal, "a"),
    runWorker(lock, journal, "b"),
    runWorker(lock, journal, "c"),
  ]);
  t.deepEqual(codes, [0, 0, 0]);
  const lines = (await readFile(journal, "utf8")).trim().split("\n");
  t.is(lines.length, 6 * 3);
  // Each holder writes enter, 4 steps, leave; with mutual exclusion each block is contiguous.
  for (let i = 0; i < lines.length; i += 6) {
    const who = lines[i]?.split(" ")[0];
    t.deepEqual(lines.slice(i, i + 6), [
      `${who} enter`,
      `${who} 0`,
      `${who} 1`,
      `${who} 2`,
      `${who} 3`,
      `${who} leave`,
    ]);
  }
});

test("a lock left by a dead process is taken over", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-lock-"));
  const lock = join(dir, "x.lock");
  await mkdir(lock);
  // A pid far above pid_max is never alive.
  await writeFile(join(lock, "owner"), "99999999\n");
  t.is(await withDirLock(lock, async () => "ran", { timeoutMs: 5_000 }), "ran");
});

test("a lock held by a live process is waited for, and the wait can time out", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-lock-"));
  const lock = join(dir, "x.lock");
  await mkdir(lock);
  await writeFile(join(lock, "owner"), `${process.pid}\n`);
  await t.throwsAsync(
    withDirLock(lock, async () => "ran", { timeoutMs: 200 }),
    { message: /timed out/ },
  );
});

test("the lock is released when the critical section throws", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "gp-lock-"));
  const lock = join(dir, "x.lock");
  await t.throwsAsync(
    withDirLock(lock, async () => {
      throw new Error("boom");
    }),
    { message: "boom" },
  );
  t.is(await withDirLock(lock, async () => 1, { timeoutMs: 1_000 }), 1);
});
