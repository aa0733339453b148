/**
 * Durations on the command line: a number with its unit, or several (`1m30s`, `1h15m`), largest
 * unit first, each unit once. A bare number is refused: "30" could mean seconds or milliseconds.
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
