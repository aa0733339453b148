/**
 * What a Godot 4 game on our server prints, as lines: `EVT {json}` records (game4_log.gd's format),
 * `READY <port>`, and the engine's own `ERROR: …` / `SCRIPT ERROR: …` lines for what it refuses.
 * It has the shape of the test harness's LineSource (lines, running, "line" events, errorLines,
 * stop), so one GameLog reads a real 4.6.3 server's stdout or this, unchanged.
 */
import { SignalEmitter } from "../../core/index.js";

export interface GameOutput4Events {
  line: [line: string];
}

/** JSON for an EVT field: 64-bit ints as numbers (as Godot's JSON does), bytes as int lists. */
function jsonValue(_key: string, v: unknown): unknown {
  if (typeof v === "bigint") return Number(v);
  if (v instanceof Uint8Array) return [...v];
  return v;
}

const ERROR_LINE = /^\s*(?:SCRIPT |USER )?ERROR\b/;

export class GameOutput4 extends SignalEmitter<GameOutput4Events> {
  /** The lines kept so far (at most `keep`; the oldest go first). */
  readonly lines: string[] = [];
  /** Lines no longer kept because of `keep`. */
  forgotten = 0;
  #running = true;
  readonly #keep: number;
  readonly #onStop: () => Promise<void>;

  constructor(keep: number, onStop: () => Promise<void>) {
    super();
    this.#keep = keep;
    this.#onStop = onStop;
  }

  get running(): boolean {
    return this.#running;
  }

  /** Godot's print(): one line. */
  print(line: string): void {
    if (this.#keep > 0) {
      if (this.lines.length >= this.#keep) {
        this.lines.shift();
        this.forgotten++;
      }
      this.lines.push(line);
    }
    if (this.listenerCount("line") > 0) this.emit("line", line);
  }

  /** game4_log.gd's evt(): `EVT {"ev": …, …}`, keys sorted as Godot's JSON.stringify sorts them. */
  evt(ev: string, data: Readonly<Record<string, unknown>> = {}): void {
    if (this.#keep === 0 && this.listenerCount("line") === 0) return; // nobody reads: no JSON
    const d: Record<string, unknown> = { ev, ...data };
    const sorted: Record<string, unknown> = {};
    for (const k of Object.keys(d).sort()) sorted[k] = d[k];
    this.print(`EVT ${JSON.stringify(sorted, jsonValue)}`);
  }

  /** ERR_PRINT: `ERROR: <message>`. */
  error(message: string): void {
    this.print(`ERROR: ${message}`);
  }

  errorLines(): string[] {
    return this.lines.filter((l) => ERROR_LINE.test(l));
  }

  /** Marks the game ended (no more lines). */
  ended(): void {
    this.#running = false;
  }

  /** Stops the game this output belongs to. */
  stop(): Promise<void> {
    return this.#onStop();
  }
}
