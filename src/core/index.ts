/** What every layer shares: Godot's signals (Object's connect/emit) as an emitter, Godot's global vocabulary, byte helpers. */
export { readI32, readU32, writeU32 } from "./bytes.js";
export { ConnectionStatus } from "./connection-status.js";
export { errorName, GodotError } from "./errors.js";
export { sharedSettings } from "./shared-settings.js";
export { SignalEmitter, type SignalListener, type SignalMap } from "./signal-emitter.js";
export {
  BandwidthSyntaxError,
  bandwidthBytesPerSec,
  DurationSyntaxError,
  durationMs,
  durationValueMs,
} from "./units.js";
