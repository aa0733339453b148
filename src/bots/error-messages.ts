/**
 * Distinct error messages of a run, with their counts, the first bots that hit them and one stack
 * each (the user's own frames first): "Errors: 3 (script 3)" says nothing a user can act on,
 * `boom from bot-2 ×3 (bot-1, bot-2, bot-3) at bots/my-bot.ts:12` does.
 */
import { fileURLToPath } from "node:url";
import type { ErrorMessage } from "./swarm-result.js";

/** Bots named per message: enough to find them in a log, bounded however many hit it. */
export const FIRST_BOTS = 3;
/** Distinct messages kept (a message with a changing number in it must not grow the result without bound). */
export const MAX_MESSAGES = 100;

// This library's own source (src/ or dist/): frames in it are not the user's.
const LIBRARY_ROOT = fileURLToPath(new URL("../", import.meta.url));

function isLibraryFrame(line: string): boolean {
  return (
    line.includes("node:internal") ||
    line.includes("(node:") ||
    line.includes("/node_modules/") ||
    line.includes(LIBRARY_ROOT) ||
    line.includes(`file://${LIBRARY_ROOT}`)
  );
}

/** The stack with the user's frames first (in their order), then the library's and the runtime's. */
export function userFirstStack(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== "string") return undefined;
  const lines = err.stack.split("\n");
  const at = lines.findIndex((l) => /^\s+at /.test(l));
  if (at < 0) return err.stack;
  const head = lines.slice(0, at);
  const frames = lines.slice(at);
  const user = frames.filter((l) => !isLibraryFrame(l));
  const rest = frames.filter((l) => isLibraryFrame(l));
  return [...head, ...user, ...rest].join("\n");
}

/** The first frame of the user's code, "file:line:col" (undefined when the stack has none). */
export function userFrame(err: unknown): string | undefined {
  if (!(err instanceof Error) || typeof err.stack !== "string") return undefined;
  for (const l of err.stack.split("\n")) {
    if (!/^\s+at /.test(l) || isLibraryFrame(l)) continue;
    const m = /\(([^()]+)\)\s*$/.exec(l) ?? /at (.+)$/.exec(l);
    return m?.[1]?.replace(/^file:\/\//, "");
  }
  return undefined;
}

/** The one-line message of anything thrown. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  if (typeof err === "string") return err;
  try {
    return `non-Error thrown: ${JSON.stringify(err)}`;
  } catch {
    return `non-Error thrown: ${String(err)}`;
  }
}

/** Distinct messages by kind and text, in the order first seen. */
export class ErrorMessages {
  readonly #byKey = new Map<string, ErrorMessage>();
  #others = 0;

  note(kind: string, err: unknown, bot: string | undefined): void {
    const message = messageOf(err);
    const key = `${kind}\u0000${message}`;
    let m = this.#byKey.get(key);
    if (!m) {
      if (this.#byKey.size >= MAX_MESSAGES) {
        this.#others++;
        return;
      }
      const stack = userFirstStack(err);
      const frame = userFrame(err);
      m = { kind, message, count: 0, bots: [], ...(stack ? { stack } : {}), ...(frame ? { at: frame } : {}) };
      this.#byKey.set(key, m);
    }
    m.count++;
    if (bot !== undefined && m.bots.length < FIRST_BOTS && !m.bots.includes(bot)) m.bots.push(bot);
  }

  /** The most frequent error message (refused packets are no errors), for the live line. */
  top(): { readonly message: string; readonly count: number } | undefined {
    let best: ErrorMessage | undefined;
    for (const m of this.#byKey.values()) {
      if (!m.kind.startsWith("dropped:") && (!best || m.count > best.count)) best = m;
    }
    return best && { message: best.message, count: best.count };
  }

  /** Messages past MAX_MESSAGES, counted but not kept. */
  get others(): number {
    return this.#others;
  }

  list(): ErrorMessage[] {
    return [...this.#byKey.values()].map((m) => ({ ...m, bots: [...m.bots] }));
  }
}

/** Messages of several results as one list: same kind and text add up, the first bots and stack stay. */
export function mergeMessages(lists: readonly (readonly ErrorMessage[] | undefined)[]): ErrorMessage[] {
  const byKey = new Map<string, ErrorMessage>();
  for (const list of lists) {
    for (const m of list ?? []) {
      const key = `${m.kind}\u0000${m.message}`;
      const into = byKey.get(key);
      if (!into) {
        byKey.set(key, { ...m, bots: [...m.bots] });
        continue;
      }
      into.count += m.count;
      for (const b of m.bots) if (into.bots.length < FIRST_BOTS && !into.bots.includes(b)) into.bots.push(b);
    }
  }
  return [...byKey.values()];
}

/** Messages sorted most frequent first. */
export function byFrequency(list: readonly ErrorMessage[]): ErrorMessage[] {
  return [...list].sort((a, b) => b.count - a.count);
}
