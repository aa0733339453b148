/**
 * Test-side wrapper of src/engine: real headless Godot servers whose whole process tree is
 * stopped when the test ends, pass or fail.
 */
import { fileURLToPath } from "node:url";
import type { ExecutionContext } from "ava";
import {
  type GodotProcess,
  type GodotVersion,
  godotMajor,
  runGodotScript,
  type StartGodotOptions,
  startGodot,
} from "../../src/engine/index.js";

export type { GodotProcess, GodotVersion };

/** Fixture projects: test/godot/g3 for Godot 3.x, test/godot/g4 for Godot 4.x. */
export function fixtureProject(version: GodotVersion): string {
  return fileURLToPath(new URL(`../godot/g${godotMajor(version)}`, import.meta.url));
}

export const GODOT3_VERSIONS: readonly GodotVersion[] = ["3.2.3", "3.6.2"];
export const ALL_VERSIONS: readonly GodotVersion[] = ["3.2.3", "3.6.2", "4.6.3"];

/**
 * Starts `script` from the version's fixture project and stops it at the end of the test.
 * On failure the Godot log is attached to the test output.
 */
export async function startFixture(
  t: ExecutionContext,
  version: GodotVersion,
  script: string,
  options: Omit<StartGodotOptions, "version" | "project" | "script"> = {},
): Promise<GodotProcess> {
  const godot = await startGodot({ version, project: fixtureProject(version), script, ...options });
  t.teardown(async () => {
    if (!t.passed) t.log(`Godot ${version} ${script} log:\n${godot.lines.join("\n")}`);
    await godot.stop();
  });
  return godot;
}

/** Runs a one-shot fixture script to completion. */
export function runFixtureScript(
  version: GodotVersion,
  script: string,
  env: Readonly<Record<string, string>> = {},
  timeoutMs = 60_000,
): Promise<{ code: number | null; lines: string[] }> {
  return runGodotScript({ version, project: fixtureProject(version), script, env, timeoutMs });
}
