/** "Did you mean …?" for a mistyped command or option: the closest known word, if close enough. */

/** Edit distance (insertions, deletions, substitutions, and a swap of two neighbours counts one). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i]);
  for (let j = 1; j <= b.length; j++) (d[0] as number[])[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const row = d[i] as number[];
      const up = d[i - 1] as number[];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min((up[j] as number) + 1, (row[j - 1] as number) + 1, (up[j - 1] as number) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1);
      }
      row[j] = v;
    }
  }
  return (d[a.length] as number[])[b.length] as number;
}

/** The known word closest to `word`, within a third of its length (at least 1, at most 3). */
export function closest(word: string, known: readonly string[]): string | undefined {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: string | undefined;
  let bestD = limit + 1;
  for (const k of known) {
    const dk = distance(word, k);
    if (dk < bestD) {
      best = k;
      bestD = dk;
    }
  }
  return best;
}

/** The options a usage text lists (`--name`), in order. */
export function optionsOf(usage: string): string[] {
  return [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
}

/**
 * parseArgs' complaint about an unknown option, made short, with the closest known one:
 * `unknown option --bot (did you mean --bots?)`. Other messages are returned as they are.
 */
export function explainUnknownOption(message: string, usage: string): string {
  const m = /^Unknown option '(-{1,2}[^']*)'/.exec(message);
  if (!m) return message;
  const given = m[1] as string;
  const guess = closest(given.startsWith("--") ? given : `-${given}`, optionsOf(usage));
  return `unknown option ${given}${guess ? ` (did you mean ${guess}?)` : ""}`;
}
