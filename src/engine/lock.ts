import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A cross-process lock: a directory that holds its owner's pid. It is made complete in a private
 * folder and renamed into place — a rename onto an existing directory fails, so exactly one
 * process wins, and nobody ever sees a lock without its owner. A lock whose owner is no longer
 * alive is stale and taken over, so a killed test run never blocks the next one.
 */
export async function withDirLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  { timeoutMs = 15 * 60_000 }: { timeoutMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const mine = `${lockDir}.${process.pid}-${randomBytes(4).toString("hex")}`;
  await mkdir(dirname(lockDir), { recursive: true });
  let wait = 50;
  for (;;) {
    await mkdir(mine, { recursive: true });
    await writeFile(join(mine, "owner"), `${process.pid}\n`);
    try {
      await rename(mine, lockDir);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code !== "ENOTEMPTY" && code !== "EEXIST") {
        await rm(mine, { recursive: true, force: true });
        throw err;
      }
    }
    if (await takeOverIfStale(lockDir)) continue;
    if (Date.now() > deadline) {
      await rm(mine, { recursive: true, force: true });
      throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${lockDir}`);
    }
    await sleep(wait);
    wait = Math.min(wait * 2, 1000);
  }
  try {
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function ownerOf(dir: string): Promise<number | undefined> {
  try {
    const pid = Number.parseInt(await readFile(join(dir, "owner"), "utf8"), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

/**
 * Moves a lock whose owner is dead out of the way (to a tombstone, atomically) and says whether to
 * try again at once. If another waiter replaced the lock in between, its live lock is put back.
 */
async function takeOverIfStale(lockDir: string): Promise<boolean> {
  const pid = await ownerOf(lockDir);
  if (pid === undefined || alive(pid)) return false;
  const tomb = `${lockDir}.stale-${process.pid}-${randomBytes(4).toString("hex")}`;
  try {
    await rename(lockDir, tomb);
  } catch {
    return true; // someone else moved it first: try again
  }
  const moved = await ownerOf(tomb);
  if (moved !== pid && moved !== undefined && alive(moved)) {
    // We raced a fresh lock away: give it back (if the place is still free).
    await rename(tomb, lockDir).catch(() => undefined);
    return false;
  }
  await rm(tomb, { recursive: true, force: true });
  return true;
}
