import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * A cross-process lock: a directory made atomically by mkdir, holding the owner's pid.
 * A lock whose owner is no longer alive is stale and taken over, so a killed test run
 * never blocks the next one.
 */
export async function withDirLock<T>(
  lockDir: string,
  fn: () => Promise<T>,
  { timeoutMs = 15 * 60_000 }: { timeoutMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let wait = 50;
  for (;;) {
    try {
      await mkdir(lockDir);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (await isStale(lockDir)) {
        // Take over by removing; the mkdir race that follows has exactly one winner.
        await rm(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for lock ${lockDir}`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 1000);
    }
  }
  try {
    await writeFile(join(lockDir, "owner"), `${process.pid}\n`);
    return await fn();
  } finally {
    await rm(lockDir, { recursive: true, force: true });
  }
}

async function isStale(lockDir: string): Promise<boolean> {
  let text: string;
  try {
    text = await readFile(join(lockDir, "owner"), "utf8");
  } catch {
    // Owner file not written yet: the owner is between mkdir and writeFile. Not stale.
    return false;
  }
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}
