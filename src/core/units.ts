/**
 * Durations and bandwidths as users write them (flags, `options`, network conditions). A duration
 * is a number with its unit, or several (`1m30s`, `1h15m`), largest unit first, each unit once; a
 * bare number in text is refused: "30" could mean seconds or milliseconds.
 */

const UNIT_MS = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const ORDER: readonly Unit[] = ["h", "m", "s", "ms"];

/** Why a duration's text was refused (the caller adds which flag it was). */
export class DurationSyntaxError extends Error {
  override readonly name = "DurationSyntaxError";
}

/** "1m30s", "250ms", "60s", "1.5m", "2h" → milliseconds (more than zero). */
export function durationMs(text: string): number {
  const s = text.trim();
  if (/^\d+(?:\.\d+)?$/.test(s)) {
    throw new DurationSyntaxError(`"${text}" has no unit: say ${s}s, ${s}ms or ${s}m`);
  }
  const part = /(\d+(?:\.\d+)?)(ms|h|m|s)/y;
  let at = 0;
  let ms = 0;
  let last = -1;
  while (at < s.length) {
    part.lastIndex = at;
    const m = part.exec(s);
    if (!m) throw new DurationSyntaxError(`"${text}" is not a duration (e.g. 250ms, 60s, 1m30s, 2h)`);
    const rank = ORDER.indexOf(m[2] as Unit);
    if (rank <= last)
      throw new DurationSyntaxError(`"${text}": units go largest first, each once (e.g. 1h15m, 1m30s)`);
    last = rank;
    ms += Number(m[1]) * UNIT_MS[m[2] as Unit];
    at = part.lastIndex;
  }
  if (s.length === 0)
    throw new DurationSyntaxError(`"${text}" is not a duration (e.g. 250ms, 60s, 1m30s, 2h)`);
  if (!Number.isFinite(ms) || ms <= 0) throw new DurationSyntaxError(`"${text}" must be more than zero`);
  return ms;
}

/** A duration option: "30s", "250ms", or a number of ms (`zero`: 0 and "0ms" allowed). */
export function durationValueMs(v: unknown, { zero = false } = {}): number {
  if (typeof v === "number") {
    if (!Number.isFinite(v) || v < 0 || (v === 0 && !zero)) {
      throw new DurationSyntaxError(`${v} is not a duration in ms ${zero ? "≥ 0" : "> 0"}`);
    }
    return v;
  }
  if (typeof v !== "string")
    throw new DurationSyntaxError(`a duration ("30s", "250ms") or a number of ms expected`);
  if (zero && /^\s*0\s*(ms|s|m|h)?\s*$/.test(v)) return 0;
  return durationMs(v);
}

/** Why a bandwidth's text was refused (the caller adds which option it was). */
export class BandwidthSyntaxError extends Error {
  override readonly name = "BandwidthSyntaxError";
}

const BITS = { bit: 1, kbit: 1e3, mbit: 1e6, gbit: 1e9 } as const;
const BYTES = {
  B: 1,
  kB: 1e3,
  KB: 1e3,
  KiB: 1024,
  MB: 1e6,
  MiB: 1024 ** 2,
  GB: 1e9,
  GiB: 1024 ** 3,
} as const;

/**
 * A bandwidth, in bytes per second: tc's bit rates ("256kbit", "1mbit", "1.5Mbit"; per second,
 * SI prefixes), byte rates ("32kB/s", "1MiB/s"), or a number of bytes per second. "kbps" is
 * refused: tc reads it as kilobytes, most people as kilobits.
 */
export function bandwidthBytesPerSec(v: unknown): number {
  if (typeof v === "number") {
    if (!(Number.isFinite(v) && v > 0))
      throw new BandwidthSyntaxError(`${v} is not a rate > 0 bytes per second`);
    return v;
  }
  if (typeof v !== "string") {
    throw new BandwidthSyntaxError(
      `a bandwidth ("256kbit", "1mbit", "32kB/s") or a number of bytes per second expected`,
    );
  }
  const s = v.trim();
  if (/^\d+(?:\.\d+)?\s*[kmgt]?bps$/i.test(s)) {
    throw new BandwidthSyntaxError(
      `"${v}" is ambiguous (tc reads kbps as kilobytes per second, most people as kilobits): write kbit or kB/s`,
    );
  }
  const bits = /^(\d+(?:\.\d+)?)\s*(bit|kbit|mbit|gbit)(?:\/s)?$/i.exec(s);
  const bytes = bits ? null : /^(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB)(?:\/s)?$/.exec(s);
  let perSec: number;
  if (bits) perSec = (Number(bits[1]) * BITS[bits[2]!.toLowerCase() as keyof typeof BITS]) / 8;
  else if (bytes) perSec = Number(bytes[1]) * BYTES[bytes[2] as keyof typeof BYTES];
  else throw new BandwidthSyntaxError(`"${v}" is not a bandwidth (e.g. 256kbit, 1mbit, 32kB/s, 1MiB/s)`);
  if (!(perSec > 0 && Number.isFinite(perSec)))
    throw new BandwidthSyntaxError(`"${v}" must be more than zero`);
  return perSec;
}
