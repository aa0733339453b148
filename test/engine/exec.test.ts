/** exec(): a command that cannot start fails at once and leaves no timer behind. */
import test from "ava";
import { exec } from "../../src/engine/index.js";

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;

test.serial(
  "a command that does not exist rejects with ENOENT and leaves no timer holding the process",
  async (t) => {
    const before = timeouts();
    const err = await t.throwsAsync(
      exec("/nonexistent/godot-peer-no-such-binary", [], { timeoutMs: 120_000 }),
    );
    t.is((err as NodeJS.ErrnoException).code, "ENOENT");
    t.is(timeouts(), before);
  },
);

test.serial("the timeout kills a command that runs too long", async (t) => {
  const r = await exec("sleep", ["30"], { timeoutMs: 200 });
  t.is(r.signal, "SIGKILL");
});
