/** Durations on the command line: parsed in src/core/units.ts (one home, the network conditions use it too). */
export { DurationSyntaxError, durationMs } from "../core/index.js";
