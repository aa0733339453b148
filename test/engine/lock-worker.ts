// Child process for lock.test.ts: holds the lock while writing a block of journal lines.
import { appendFile } from "node:fs/promises";
import { setTimeout as sleep } from "node:timers/promises";
import { withDirLock } from "../../src/engine/index.js";

const [lock, journal, name] = process.argv.slice(2) as [string, string, string];
await withDirLock(lock, async () => {
  await appendFile(journal, `${name} enter\n`);
  for (let i = 0; i < 4; i++) {
    await sleep(15);
    await appendFile(journal, `${name} ${i}\n`);
  }
  await appendFile(journal, `${name} leave\n`);
});
