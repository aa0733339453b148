/**
 * The example game's server, either a real Godot 3 process (test/godot/g3/game_server.gd) or our
 * Node server (src/server/godot3/example-game.ts), behind one handle, so the same test code asserts the
 * same observations against both.
 */
import { EventEmitter } from "node:events";
import type { ExecutionContext } from "ava";
import { GodotStartError } from "../../src/engine/index.js";
import { ExampleGame } from "../../src/server/index.js";
import { GODOT3_VERSIONS, type GodotVersion, startFixture } from "./godot.js";

export type ServerKind = GodotVersion | "node";

/** Every server the Godot 3 game tests run against: the real engines, then ours. */
export const GAME_SERVERS: readonly ServerKind[] = [...GODOT3_VERSIONS, "node"];

export interface GameServerHandle {
  readonly kind: ServerKind;
  readonly port: number;
  readonly lines: string[];
  waitForLine(re: RegExp, timeoutMs?: number): Promise<string>;
  errorLines(): string[];
  /** Ends the server abruptly (a killed process, or every socket dropped). */
  stop(): Promise<void>;
  /** The Node server itself, for tests about it (undefined for Godot). */
  readonly game?: ExampleGame;
}

class LineLog extends EventEmitter<{ line: [string] }> {
  readonly lines: string[] = [];
  push(line: string): void {
    this.lines.push(line);
    this.emit("line", line);
  }
  waitForLine(re: RegExp, timeoutMs = 10_000): Promise<string> {
    const seen = this.lines.find((l) => re.test(l));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const onLine = (l: string) => {
        if (!re.test(l)) return;
        clearTimeout(timer);
        this.off("line", onLine);
        resolve(l);
      };
      const timer = setTimeout(() => {
        this.off("line", onLine);
        reject(new GodotStartError(`no line matching ${re} within ${timeoutMs} ms`, this.lines.slice(-30)));
      }, timeoutMs);
      this.on("line", onLine);
    });
  }
}

export async function startGameServer(t: ExecutionContext, kind: ServerKind): Promise<GameServerHandle> {
  if (kind !== "node") {
    const godot = await startFixture(t, kind, "game_server.gd");
    return {
      kind,
      port: godot.port,
      lines: godot.lines,
      waitForLine: (re, ms) => godot.waitForLine(re, ms),
      errorLines: () => godot.errorLines(),
      stop: () => godot.stop(),
    };
  }
  const log = new LineLog();
  const game = new ExampleGame({ bindIp: "127.0.0.1", log: (l) => log.push(l) });
  const port = await game.listen(0);
  log.push(`READY ${port}`);
  t.teardown(async () => {
    if (!t.passed) t.log(`Node game server log:\n${log.lines.join("\n")}`);
    await game.stop();
  });
  return {
    kind,
    port,
    lines: log.lines,
    waitForLine: (re, ms) => log.waitForLine(re, ms),
    errorLines: () => log.lines.filter((l) => /^\s*(?:SCRIPT |USER )?ERROR\b/.test(l)),
    stop: () => game.stop(),
    game,
  };
}
