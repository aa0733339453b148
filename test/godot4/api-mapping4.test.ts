/**
 * README's Godot 4 API mapping is complete and true: every method, signal, property, enum and
 * constant Godot 4.6.3 registers for WebSocketMultiplayerPeer, TLSOptions, MultiplayerPeer,
 * PacketPeer, WebSocketPeer, SceneMultiplayer and MultiplayerAPI — and the networking members of
 * Node and SceneTree — is in the left column of its class's "Godot 4: …" table, that column names
 * nothing else, every member of ours the tables name exists, and GodotError is 4.6.3's Error.
 */
import { readFile } from "node:fs/promises";
import test from "ava";
import { TLSOptions, TransferMode4, WebSocketMultiplayerPeer4 } from "../../src/multiplayer/index.js";
import { RpcMode4, SceneMultiplayer } from "../../src/scene/index.js";
import { WebSocketMultiplayerServer4 } from "../../src/server/index.js";
import * as variant from "../../src/variant/index.js";
import { ConnectionStatus, GodotError, WebSocketClient, WriteMode } from "../../src/websocket/index.js";
import { runFixtureScript } from "../harness/godot.js";

/** Each class's table: the heading of its "### Godot 4: …" subsection starts with this. */
const TABLE_OF: Readonly<Record<string, string>> = {
  WebSocketMultiplayerPeer: "Godot 4: WebSocketMultiplayerPeer",
  TLSOptions: "Godot 4: WebSocketMultiplayerPeer",
  MultiplayerPeer: "Godot 4: MultiplayerPeer",
  PacketPeer: "Godot 4: PacketPeer",
  WebSocketPeer: "Godot 4: WebSocketPeer",
  SceneMultiplayer: "Godot 4: SceneMultiplayer / MultiplayerAPI",
  MultiplayerAPI: "Godot 4: SceneMultiplayer / MultiplayerAPI",
  Node: "Godot 4: Node and SceneTree",
  SceneTree: "Godot 4: Node and SceneTree",
};
const WHOLE_CLASSES = [
  "WebSocketMultiplayerPeer",
  "MultiplayerPeer",
  "SceneMultiplayer",
  "MultiplayerAPI",
  "WebSocketPeer",
  "PacketPeer",
  "TLSOptions",
];

async function mappingSection(): Promise<string> {
  const readme = await readFile(new URL("../../README.md", import.meta.url), "utf8");
  const at = readme.indexOf("\n## Godot API mapping");
  if (at === -1) throw new Error("README has no '## Godot API mapping' section");
  const end = readme.indexOf("\n## ", at + 1);
  return readme.slice(at, end === -1 ? undefined : end);
}

/** The "### Godot 4: …" subsections of the mapping section, by heading (without "### "). */
function godot4Tables(section: string): Map<string, string> {
  const tables = new Map<string, string>();
  for (const part of section.split(/\n(?=### )/)) {
    if (part.startsWith("### Godot 4: ")) tables.set(part.slice(4, part.indexOf("\n")), part);
  }
  return tables;
}

interface Row {
  readonly line: string;
  readonly godot: string;
  readonly ours: string;
}

/** The table rows of a subsection (not the header or the separator); `\|` is a pipe inside a cell. */
function rows(table: string): Row[] {
  return table
    .split("\n")
    .filter((l) => l.startsWith("| ") && !l.startsWith("| Godot 4 |") && !l.startsWith("| --- |"))
    .map((line) => {
      const cells = line.split(/(?<!\\)\|/).slice(1, -1);
      return { line, godot: cells[0]!.trim(), ours: cells.slice(1).join("|").trim() };
    });
}

/** Godot names a left cell maps: the leading identifier (path) of each code span, split at dots. */
function godotNames(cell: string): string[] {
  if (cell.startsWith("—")) return []; // ours only
  return [...cell.matchAll(/`([^`]*)`/g)].flatMap((m) => {
    const lead = /^[@A-Za-z_][\w.]*/.exec(m[1]!)?.[0] ?? "";
    return lead.split(".").filter((s) => s !== "");
  });
}

interface Registered {
  /** Class → the names 4.6.3 registers for it (networking members only for Node and SceneTree). */
  readonly byClass: Map<string, Set<string>>;
  /** @GlobalScope Error: name → value. */
  readonly errors: Map<string, number>;
  /** How many error codes error_string() knows. */
  readonly errorCodes: number;
  readonly lines: string[];
}

let registered: Promise<Registered> | null = null;
/** Runs the fixture once for the whole file. */
function godot4Api(): Promise<Registered> {
  registered ??= runFixtureScript("4.6.3", "ws_api4.gd", {
    GP_CLASSES: WHOLE_CLASSES.join(","),
    GP_NETWORKING: "Node,SceneTree",
    GP_NETWORKING_RE: "rpc|multiplayer|authority",
  }).then(({ code, lines }) => {
    if (code !== 0) throw new Error(`ws_api4.gd exited with ${code}:\n${lines.join("\n")}`);
    const byClass = new Map<string, Set<string>>();
    const errors = new Map<string, number>();
    let errorCodes = -1;
    for (const l of lines) {
      const m = /^(METHOD|SIGNAL|PROPERTY|ENUM|CONSTANT) (\S+) (\S+)(?: (-?\d+))?$/.exec(l);
      if (m) {
        if (m[2] === "@GlobalScope") errors.set(m[3]!, Number(m[4]));
        else {
          if (!byClass.has(m[2]!)) byClass.set(m[2]!, new Set());
          byClass.get(m[2]!)!.add(m[3]!);
        }
      }
      const c = /^ERROR_CODES (\d+)$/.exec(l);
      if (c) errorCodes = Number(c[1]);
    }
    return { byClass, errors, errorCodes, lines };
  });
  return registered;
}

/** "Class.name" for every registered name absent from the left column of its class's table. */
function missingNames(section: string, api: Registered): string[] {
  const tables = godot4Tables(section);
  const missing: string[] = [];
  for (const [cls, names] of api.byClass) {
    const prefix = TABLE_OF[cls];
    const table = prefix === undefined ? undefined : [...tables].find(([h]) => h.startsWith(prefix))?.[1];
    const mapped = new Set(rows(table ?? "").flatMap((r) => godotNames(r.godot)));
    for (const n of names) if (!mapped.has(n)) missing.push(`${cls}.${n}`);
  }
  return missing;
}

test("Godot 4.6.3: every registered name is in the left column of its class's Godot 4 table", async (t) => {
  const api = await godot4Api();
  t.deepEqual([...api.byClass.keys()].sort(), Object.keys(TABLE_OF).sort());
  t.false(api.lines.some((l) => l.startsWith("NO_CLASS")));
  const total = [...api.byClass.values()].reduce((n, s) => n + s.size, 0);
  t.true(total > 150, `only ${total} names`);
  t.true(api.byClass.get("Node")!.has("rpc_id") && api.byClass.get("SceneTree")!.has("multiplayer_poll"));
  t.deepEqual(missingNames(await mappingSection(), api), []);
});

test("Godot 4.6.3: the Godot 4 tables' left column names nothing 4.6.3 does not register", async (t) => {
  const api = await godot4Api();
  const known = new Set([...api.byClass.keys(), ...[...api.byClass.values()].flatMap((s) => [...s])]);
  const tables = [...godot4Tables(await mappingSection()).values()];
  const named = tables.flatMap((table) => rows(table).flatMap((r) => godotNames(r.godot)));
  t.true(named.length > 150);
  t.deepEqual(
    named.filter((n) => !known.has(n)),
    [],
  );
});

test("every mp4./server./tls./ws./wsPeer./sm./n./… member the Godot 4 tables name exists", async (t) => {
  const mp4 = new WebSocketMultiplayerPeer4();
  const ws = new WebSocketClient(); // what mp4.client is once connected
  const sm = new SceneMultiplayer();
  const owners: Record<string, object> = {
    mp4,
    server: new WebSocketMultiplayerServer4(),
    tls: TLSOptions.client(),
    ws,
    wsPeer: ws.getPeer(1)!,
    sm,
    n: sm.node("Main"),
    TLSOptions,
    GodotError,
    ConnectionStatus,
    TransferMode4,
    RpcMode4,
    WriteMode,
    variant,
  };
  const ours = [...godot4Tables(await mappingSection()).values()].flatMap((table) =>
    rows(table).map((r) => r.ours),
  );
  const named = ours.flatMap((cell) =>
    [
      ...cell.matchAll(
        /`(mp4|server|tls|ws|wsPeer|sm|n|TLSOptions|GodotError|ConnectionStatus|TransferMode4|RpcMode4|WriteMode|variant)\.([A-Za-z_]\w*)/g,
      ),
    ].map((m) => [m[1]!, m[2]!] as const),
  );
  t.true(named.length > 100, `only ${named.length} members`);
  t.deepEqual(
    named.filter(([owner, name]) => !(name in owners[owner]!)),
    [],
  );
});

test("removing any one row of the Godot 4 tables makes the completeness check fail", async (t) => {
  const api = await godot4Api();
  const section = await mappingSection();
  t.deepEqual(missingNames(section, api), []);
  const mapping = [...godot4Tables(section).values()].flatMap(rows).filter((r) => !r.godot.startsWith("—"));
  t.true(mapping.length > 60, `only ${mapping.length} rows`);
  const harmless = mapping.filter((r) => {
    const at = section.indexOf(`\n${r.line}\n`);
    const without = section.slice(0, at) + section.slice(at + r.line.length + 1);
    return missingNames(without, api).length === 0;
  });
  t.deepEqual(
    harmless.map((r) => r.godot),
    [],
  );
});

test("Godot 4.6.3: GodotError has every Error code with the same number, and no code is missing", async (t) => {
  const api = await godot4Api();
  t.is(api.errorCodes, 49);
  t.is(api.errors.size, api.errorCodes);
  t.deepEqual(
    [...api.errors.values()].sort((a, b) => a - b),
    [...Array(api.errorCodes).keys()],
  );
  const ours = GodotError as Readonly<Record<string, number>>;
  t.deepEqual(
    [...api.errors].filter(([name, value]) => ours[name] !== value),
    [],
  );
  t.is(Object.keys(GodotError).length, api.errorCodes);
});
