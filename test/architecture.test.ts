/**
 * The layers of src/ (README, Architecture): data goes down, events come up, and a layer imports
 * only the layers below it (types included). No module loads itself back through a cycle; a
 * type-only import may point back (SceneNode.multiplayer is typed MultiplayerAPI, as in Godot,
 * while the MultiplayerAPI makes SceneNodes): it is erased at run time. Within a layer, a
 * `godot3/` folder and a `godot4/` folder never import each other: what both share sits above them.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import test from "ava";

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), "../src");

/** What each folder of src/ may import besides itself. */
const MAY_IMPORT: Record<string, readonly string[]> = {
  core: [],
  engine: [],
  variant: ["core"],
  websocket: ["core", "variant"],
  multiplayer: ["core", "variant", "websocket"],
  scene: ["core", "variant", "websocket", "multiplayer"],
  // The server sits beside the client: it shares the layers below bots, never bots themselves.
  server: ["core", "variant", "websocket", "multiplayer", "scene"],
  bots: ["core", "variant", "websocket", "multiplayer", "scene"],
  manifest: ["core", "variant", "scene"],
  cli: ["core", "engine", "variant", "websocket", "multiplayer", "scene", "server", "bots", "manifest"],
  // The package's entry point re-exports the library (not the CLI).
  "index.ts": ["core", "variant", "websocket", "multiplayer", "scene", "server", "bots"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.(ts|mts|mjs)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

interface Import {
  readonly target: string;
  /** `import type …` / `export type …`: erased at run time. */
  readonly typeOnly: boolean;
}

/** Relative imports and re-exports of a file (static and dynamic), as absolute .ts paths. */
function importsOf(file: string): Import[] {
  const text = readFileSync(file, "utf8");
  const out: Import[] = [];
  const statement = /\b(import|export)(\s+type)?\b[^;"]*?(?:from\s*)?\(?\s*"(\.{1,2}\/[^"]+)"/g;
  for (const m of text.matchAll(statement)) {
    out.push({ target: resolve(dirname(file), m[3]!).replace(/\.js$/, ".ts"), typeOnly: m[2] !== undefined });
  }
  return out;
}

const layerOf = (file: string) => relative(SRC, file).split("/")[0]!;
const files = sourceFiles(SRC);
const graph = new Map(files.map((f) => [f, importsOf(f)]));

test("every folder of src/ has a place in the layering", (t) => {
  const unknown = [...new Set(files.map(layerOf))].filter((l) => !(l in MAY_IMPORT));
  t.deepEqual(unknown, []);
});

test("a layer imports only the layers below it", (t) => {
  const wrong: string[] = [];
  for (const [file, imports] of graph) {
    const from = layerOf(file);
    for (const { target } of imports) {
      const to = layerOf(target);
      if (to !== from && !MAY_IMPORT[from]?.includes(to)) {
        wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
      }
    }
  }
  t.deepEqual(wrong, []);
});

test("no import cycles between files", (t) => {
  const state = new Map<string, "open" | "done">();
  const cycles: string[] = [];
  const visit = (file: string, path: string[]): void => {
    if (state.get(file) === "done") return;
    if (state.get(file) === "open") {
      cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(" → "));
      return;
    }
    state.set(file, "open");
    for (const { target, typeOnly } of graph.get(file) ?? []) {
      if (!typeOnly && graph.has(target)) visit(target, [...path, file]);
    }
    state.set(file, "done");
  };
  for (const f of files) visit(f, []);
  t.deepEqual(cycles, []);
});

/** "godot3" or "godot4" when the file sits in (or below) a dialect folder of its layer. */
const dialectOf = (file: string) =>
  relative(SRC, file)
    .split("/")
    .find((part) => /^godot[34]$/.test(part));

/** Imports (types included) from one dialect's folder into the other's. */
function crossDialect(edges: Iterable<[string, readonly Import[]]>): string[] {
  const wrong: string[] = [];
  for (const [file, imports] of edges) {
    const from = dialectOf(file);
    if (!from) continue;
    for (const { target } of imports) {
      const to = dialectOf(target);
      if (to && to !== from) wrong.push(`${relative(SRC, file)} imports ${relative(SRC, target)}`);
    }
  }
  return wrong;
}

test("a Godot 3 part never imports a Godot 4 part, nor the reverse (types included)", (t) => {
  t.true(files.filter((f) => dialectOf(f) === "godot3").length >= 10, "the scan sees the dialect folders");
  t.deepEqual(crossDialect(graph), []);
});

test("the dialect rule would catch a crossing, either way, of any layer", (t) => {
  const at = (f: string) => join(SRC, f);
  const imp = (f: string, typeOnly = false): Import => ({ target: at(f), typeOnly });
  t.deepEqual(
    crossDialect([
      [
        at("scene/godot3/a.ts"),
        [imp("scene/godot4/b.ts", true), imp("scene/c.ts"), imp("scene/godot3/d.ts")],
      ],
      [at("multiplayer/godot4/e.ts"), [imp("websocket/godot3/f.ts")]],
      [at("bots/g.ts"), [imp("bots/godot3/h.ts"), imp("bots/godot4/i.ts")]],
    ]),
    ["scene/godot3/a.ts imports scene/godot4/b.ts", "multiplayer/godot4/e.ts imports websocket/godot3/f.ts"],
  );
});

test("the import scan sees imports of every form (it would catch a violation)", (t) => {
  const targets = (f: string) => graph.get(join(SRC, f))!.map((i) => [relative(SRC, i.target), i.typeOnly]);
  t.deepEqual(
    targets("websocket/websocket-client.ts").find(([f]) => f === "core/index.ts"),
    ["core/index.ts", false],
  );
  t.deepEqual(
    targets("scene/godot3/scene-node.ts").find(([f]) => f === "scene/godot3/multiplayer-api.ts"),
    ["scene/godot3/multiplayer-api.ts", true],
  );
  t.true(targets("index.ts").length >= 6, "re-exports count as imports");
});
