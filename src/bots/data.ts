/**
 * Data files for bots (k6's SharedArray, Artillery's payload): a CSV or JSON file read once per
 * process (one frozen copy shared read-only by every bot of every run in it; a worker thread has
 * its own), and rows handed out per bot: by its index, round robin, at random, or unique (a row is
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

const loaded = new Map<string, readonly DataRow[]>();

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
export function loadData(path: string): readonly DataRow[] {
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
    readonly rows: readonly DataRow[],
    readonly order: DataOrder,
    readonly shard: { readonly index: number; readonly count: number } = { index: 0, count: 1 },
  ) {}

  /** The row for bot `index`; throws DataExhaustedError when there is none to give. */
  take(index: number, random: () => number = Math.random): DataRow {
    const n = this.rows.length;
    if (this.order === "random") return this.rows[Math.floor(random() * n)];
    if (this.order === "index") {
      if (index >= n) throw new DataExhaustedError(`bot ${index + 1}: the data file has only ${n} rows`);
      return this.rows[index];
    }
    // Each shard takes every count-th row from its own index: no row is given twice in the swarm.
    const k = this.#taken++ * this.shard.count + this.shard.index;
    if (this.order === "round-robin") return this.rows[k % n];
    if (k >= n) throw new DataExhaustedError(`unique data: all ${n} rows are taken`);
    return this.rows[k];
  }
}
