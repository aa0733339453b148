/**
 * Data files for bots (k6's SharedArray, Artillery's payload): a CSV or JSON file read once per
 * process and shared read-only: in one thread, one frozen copy for every bot; across worker
 * threads, the main thread's encoded rows in a SharedArrayBuffer (one copy in the process), each
 * row decoded when a bot takes it. Rows are handed out per bot: by its index, round robin, at random, or unique (a row is
 * never given twice; a bot that finds none left fails to start, counted as connect_failures.data).
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import type { DataRow } from "./script.js";

export const DataOrder = {
  INDEX: "index",
  ROUND_ROBIN: "round-robin",
  RANDOM: "random",
  UNIQUE: "unique",
} as const;
export type DataOrder = (typeof DataOrder)[keyof typeof DataOrder];

export class DataFileError extends Error {
  override readonly name = "DataFileError";
}

/** Rows run out (unique), or a bot's index has no row (index). */
export class DataExhaustedError extends Error {
  override readonly name = "DataExhaustedError";
  readonly reason = "data";
}

/** Rows as the runner reads them: an array, or rows shared between threads. */
export interface DataRows {
  readonly length: number;
  at(index: number): DataRow;
}

/** A data file's rows encoded once (JSON per row) in shared memory, for worker threads. */
export interface SharedData {
  readonly bytes: SharedArrayBuffer;
  /** Row i is bytes[offsets[i], offsets[i + 1]). */
  readonly offsets: SharedArrayBuffer;
}

const loaded = new Map<string, DataRows>();

/** Encodes rows into shared memory (the main thread, once per file). */
export function shareData(rows: DataRows): SharedData {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  let total = 0;
  for (let i = 0; i < rows.length; i++) {
    const b = enc.encode(JSON.stringify(rows.at(i)));
    parts.push(b);
    total += b.length;
  }
  const bytes = new SharedArrayBuffer(total);
  const offsets = new SharedArrayBuffer(4 * (rows.length + 1));
  const view = new Uint8Array(bytes);
  const at = new Uint32Array(offsets);
  let o = 0;
  for (const [i, b] of parts.entries()) {
    at[i] = o;
    view.set(b, o);
    o += b.length;
  }
  at[rows.length] = o;
  return { bytes, offsets };
}

/** Rows read from shared memory; a row is decoded (and frozen) when taken. */
export function sharedRows(data: SharedData): DataRows {
  const view = new Uint8Array(data.bytes);
  const at = new Uint32Array(data.offsets);
  const dec = new TextDecoder();
  return {
    length: at.length - 1,
    at(i) {
      // Decoding wants an unshared copy of the row's bytes only.
      const row = JSON.parse(dec.decode(view.slice(at[i], at[i + 1]))) as DataRow;
      return deepFreeze(row);
    },
  };
}

/** Makes `path` load as these shared rows in this thread (a worker given the main thread's). */
export function useSharedData(path: string, data: SharedData): void {
  loaded.set(resolve(path), sharedRows(data));
}

/** A CSV line's fields: commas, "quoted, fields" with "" for a quote. */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") {
      out.push(cur);
      cur = "";
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** CSV with a header line: each row an object by the header's names (values are strings). */
export function parseCsv(text: string, source = "csv"): Record<string, string>[] {
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = lines.shift();
  if (header === undefined) throw new DataFileError(`${source}: no header line`);
  const names = csvFields(header);
  return lines.map((line, i) => {
    const fields = csvFields(line);
    if (fields.length !== names.length) {
      throw new DataFileError(`${source}:${i + 2}: ${fields.length} fields, the header has ${names.length}`);
    }
    return Object.freeze(Object.fromEntries(names.map((n, k) => [n, fields[k] as string])));
  });
}

/** The rows of a .csv or .json (an array) file, read once per process and frozen. */
export function loadData(path: string): DataRows {
  const abs = resolve(path);
  const cached = loaded.get(abs);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(abs, "utf8");
  } catch (err) {
    throw new DataFileError(`cannot read data file ${path}: ${(err as Error).message}`);
  }
  let rows: DataRow[];
  if (/\.json$/i.test(abs)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      throw new DataFileError(`${path} is not JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(parsed)) throw new DataFileError(`${path}: a JSON data file holds an array of rows`);
    rows = parsed.map((r) => deepFreeze(r));
  } else if (/\.csv$/i.test(abs)) rows = parseCsv(text, path);
  else throw new DataFileError(`data file ${path}: .csv or .json expected`);
  if (rows.length === 0) throw new DataFileError(`data file ${path} has no rows`);
  const frozen = Object.freeze(rows);
  loaded.set(abs, frozen);
  return frozen;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === "object" && v !== null) {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

/** Hands out rows to the bots of one shard of a run. */
export class DataFeed {
  #taken = 0;
  constructor(
    /** An array, or shared rows (anything with length and at()). */
    readonly rows: DataRows,
    readonly order: DataOrder,
    readonly shard: { readonly index: number; readonly count: number } = { index: 0, count: 1 },
  ) {}

  /** The row for bot `index`; throws DataExhaustedError when there is none to give. */
  take(index: number, random: () => number = Math.random): DataRow {
    const n = this.rows.length;
    if (this.order === "random") return this.rows.at(Math.floor(random() * n));
    if (this.order === "index") {
      if (index >= n) throw new DataExhaustedError(`bot ${index + 1}: the data file has only ${n} rows`);
      return this.rows.at(index);
    }
    // Each shard takes every count-th row from its own index: no row is given twice in the swarm.
    const k = this.#taken++ * this.shard.count + this.shard.index;
    if (this.order === "round-robin") return this.rows.at(k % n);
    if (k >= n) throw new DataExhaustedError(`unique data: all ${n} rows are taken`);
    return this.rows.at(k);
  }
}
