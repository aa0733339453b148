/** Real Godot engines, headless: find or install them, run projects, stop them. */
export { findDebianMirror } from "./debian-mirror.js";
export { GodotProvisionError, GodotStartError } from "./errors.js";
export { type ExecResult, exec, execOk } from "./exec.js";
export { GodotProcess, runGodotScript, type StartGodotOptions, startGodot } from "./launch.js";
export { withDirLock } from "./lock.js";
export { freePort } from "./ports.js";
export {
  ensureHostPackage,
  type GodotInstall,
  godotPeerCacheDir,
  type ProvisionOptions,
  pathExists,
  provisionGodot,
} from "./provision.js";
export { GODOT_SOURCES, GODOT_VERSIONS, type GodotVersion, godotMajor, isGodotVersion } from "./versions.js";
