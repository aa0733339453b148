/**
 * `npm run bench [-- --json] [-- --filter <regex>] [-- --quick]`: runs every `*.bench.ts` of this
 * folder (each default-exports a Benchmark[]), prints a table, or with --json one line per
 * benchmark: {"name","value","unit","baseline","ratio"}, ratio = ours ÷ baseline.
 */
import { readdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { type Benchmark, blackhole, formatTable, type Result, runBenchmark } from "./harness.js";

const { values } = parseArgs({
  options: {
    json: { type: "boolean", default: false },
    filter: { type: "string" },
    quick: { type: "boolean", default: false },
  },
});

const dir = fileURLToPath(new URL(".", import.meta.url));
const files = (await readdir(dir)).filter((f) => f.endsWith(".bench.ts")).sort();
const benchmarks: Benchmark[] = [];
for (const f of files) {
  const mod = (await import(new URL(f, import.meta.url).href)) as { default: Benchmark[] };
  benchmarks.push(...mod.default);
}

const filter = values.filter ? new RegExp(values.filter) : undefined;
const chosen = benchmarks.filter((b) => !filter || filter.test(b.name));
if (chosen.length === 0) {
  console.error(
    `no benchmark matches ${values.filter ?? ""}; have: ${benchmarks.map((b) => b.name).join(", ")}`,
  );
  process.exit(1);
}

const options = values.quick
  ? { rounds: 3, roundMs: 150, warmupMs: 150 }
  : { rounds: 7, roundMs: 400, warmupMs: 500 };
const results: Result[] = [];
for (const b of chosen) {
  const r = await runBenchmark(b, options);
  results.push(r);
  if (values.json) {
    const { name, value, unit, baseline, ratio } = r;
    console.log(JSON.stringify({ name, value, unit, baseline, ratio }));
  }
}
if (!values.json) console.log(formatTable(results));
void blackhole();
