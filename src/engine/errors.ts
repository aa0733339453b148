/** Raised when a Godot binary cannot be found, installed or verified. */
export class GodotProvisionError extends Error {
  override readonly name = "GodotProvisionError";
}

/** Raised when a Godot process fails to start or to become ready. */
export class GodotStartError extends Error {
  override readonly name = "GodotStartError";
  constructor(
    message: string,
    /** The last lines the process printed, for the test report. */
    readonly log: readonly string[],
  ) {
    super(log.length > 0 ? `${message}\n--- last Godot output ---\n${log.join("\n")}` : message);
  }
}
