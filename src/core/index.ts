/** What every layer shares: Godot's signals (Object's connect/emit) as an emitter. */
export { SignalEmitter, type SignalListener, type SignalMap } from "./signal-emitter.js";
