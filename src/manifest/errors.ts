/** What can go wrong while reading a Godot project for its RPC manifest. */

/** Why a whole project could not be read (one stable code per case). */
export const ManifestErrorKind = {
  /** The directory does not exist or is not a directory. */
  NotADirectory: "not-a-directory",
  /** No project.godot in the directory. */
  NotAProject: "not-a-project",
  /** A file the manifest needs could not be read. */
  Unreadable: "unreadable",
  /** The project is larger than the reader accepts (files, bytes or expanded nodes). */
  TooLarge: "too-large",
  /** `--engine`: Godot did not start, crashed, timed out or printed no manifest. */
  EngineFailed: "engine-failed",
} as const;
export type ManifestErrorKind = (typeof ManifestErrorKind)[keyof typeof ManifestErrorKind];

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    readonly kind: ManifestErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A problem in one file that does not stop the manifest: the entry it concerns is left out or
 * given Godot's defaults, as the message says. `file` is a `res://` path, `line` 1-based (0: the
 * whole file).
 */
export interface ManifestWarning {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

export function formatWarning(w: ManifestWarning): string {
  return `${w.file}${w.line > 0 ? `:${w.line}` : ""}: ${w.message}`;
}
