/**
 * Our Node server playing the Godot 4 example game (src/server/godot4/example-game4.ts), with the
 * API of startGodot4Server (test/harness/godot4-game.ts): the same options, a url, and a GameLog
 * over the game's own output (the EVT and ERROR lines a real 4.6.3 server prints), so one test body
 * runs against either. Stopped at the end of the test; its log is attached on failure.
 */
import type { ExecutionContext } from "ava";
import { ExampleGame4, ReplGame4 } from "../../src/server/index.js";
import { GameLog, type Godot4ServerOptions } from "./godot4-game.js";

export class NodeGame4Server extends GameLog {
  constructor(readonly game: ExampleGame4) {
    super(game.output);
  }
  get url(): string {
    return this.game.url;
  }
}

export async function startNodeGame4Server(
  t: ExecutionContext,
  options: Godot4ServerOptions = {},
): Promise<NodeGame4Server> {
  const game = new ExampleGame4({
    relay: options.relay ?? true,
    auth: options.auth ?? false,
    ...(options.authTimeout !== undefined ? { authTimeout: options.authTimeout } : {}),
  });
  t.teardown(async () => {
    if (!t.passed) t.log(`Node game4 server log:\n${game.output.lines.join("\n")}`);
    await game.stop();
  });
  await game.listen(options.port ?? 0);
  return new NodeGame4Server(game);
}

/** Our Node server playing the replication game (src/server/godot4/repl-game4.ts, repl4.gd's twin). */
export async function startNodeRepl4Server(t: ExecutionContext): Promise<{ log: GameLog; url: string }> {
  const game = new ReplGame4();
  t.teardown(async () => {
    if (!t.passed) t.log(`Node repl4 server log:\n${game.output.lines.slice(-200).join("\n")}`);
    await game.stop();
  });
  await game.listen(0);
  return { log: new GameLog(game.output), url: game.url };
}
