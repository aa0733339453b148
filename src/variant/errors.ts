/** Why bytes could not be decoded: one stable code per failure class. */
export type DecodeErrorReason =
  | "truncated"
  | "length-out-of-range"
  | "unknown-type"
  | "too-deep"
  | "objects-not-allowed"
  | "invalid-utf8"
  | "invalid-node-path"
  | "invalid-container-type"
  | "invalid-offset";

/** Bytes that are not a Variant of the dialect. `offset` is where in the input the problem sits. */
export class DecodeError extends Error {
  override readonly name = "DecodeError";
  readonly offset: number;
  readonly reason: DecodeErrorReason;

  constructor(reason: DecodeErrorReason, offset: number, detail?: string) {
    super(`${reason} at offset ${offset}${detail ? `: ${detail}` : ""}`);
    this.reason = reason;
    this.offset = offset;
  }
}

/** A JS value with no Variant form in the dialect (or out of the type's range). */
export class EncodeError extends Error {
  override readonly name = "EncodeError";
  /** Where in the value: "[2].position" style, "" for the root. */
  readonly path: string;

  constructor(message: string, path = "") {
    super(path ? `${message} (at ${path})` : message);
    this.path = path;
  }
}
