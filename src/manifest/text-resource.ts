/**
 * Godot's text resource format (.tscn, .tres, project.godot): `[tag key=value …]` headers, each
 * followed by `key = value` lines. Values are read as Godot writes them (strings with escapes,
 * numbers, true/false/null, `Name(args…)` constructors such as ExtResource("1_a"), arrays and
 * dictionaries, possibly over several lines); what this reader does not need is kept as raw text.
 */

export type TextValue =
  | { readonly kind: "string"; readonly value: string }
  | { readonly kind: "number"; readonly value: number }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "null" }
  | { readonly kind: "call"; readonly name: string; readonly args: readonly TextValue[] }
  | { readonly kind: "array"; readonly items: readonly TextValue[] }
  | { readonly kind: "dict"; readonly entries: readonly (readonly [TextValue, TextValue])[] }
  | { readonly kind: "other"; readonly text: string };

export interface TextSection {
  readonly tag: string;
  readonly line: number;
  readonly header: ReadonlyMap<string, TextValue>;
  readonly properties: ReadonlyMap<string, { readonly value: TextValue; readonly line: number }>;
}

export interface ParsedTextResource {
  /** Keys before the first header (project.godot has `config_version` there). */
  readonly preamble: ReadonlyMap<string, { readonly value: TextValue; readonly line: number }>;
  readonly sections: TextSection[];
  readonly problems: { line: number; message: string }[];
}

const ESC: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  b: "\b",
  f: "\f",
  a: "\x07",
  v: "\v",
  "0": "\0",
};

class Cursor {
  pos = 0;
  line = 1;
  constructor(readonly src: string) {}
  peek(o = 0): string {
    return this.src[this.pos + o] ?? "";
  }
  next(): string {
    const c = this.src[this.pos++] ?? "";
    if (c === "\n") this.line++;
    return c;
  }
  skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || c === "\r" || (newlines && c === "\n")) this.next();
      else if (c === ";" && newlines) {
        // project.godot comments run to the end of the line.
        while (this.pos < this.src.length && this.peek() !== "\n") this.next();
      } else return;
    }
  }
  done(): boolean {
    return this.pos >= this.src.length;
  }
}

/** Bound on nesting, so hostile input cannot exhaust the stack. */
const MAX_DEPTH = 64;

function parseValue(c: Cursor, depth: number): TextValue {
  if (depth > MAX_DEPTH) throw new SyntaxError("values nested too deep");
  c.skipSpace(true);
  const ch = c.peek();
  if (ch === '"' || ((ch === "&" || ch === "^") && c.peek(1) === '"')) {
    if (ch !== '"') c.next();
    return { kind: "string", value: parseString(c) };
  }
  if (ch === "[") {
    c.next();
    const items: TextValue[] = [];
    for (;;) {
      c.skipSpace(true);
      if (c.peek() === "]") {
        c.next();
        return { kind: "array", items };
      }
      if (c.done()) throw new SyntaxError("unterminated array");
      items.push(parseValue(c, depth + 1));
      c.skipSpace(true);
      if (c.peek() === ",") c.next();
      else if (c.peek() !== "]")
        throw new SyntaxError(`expected "," or "]" in an array, found "${c.peek()}"`);
    }
  }
  if (ch === "{") {
    c.next();
    const entries: [TextValue, TextValue][] = [];
    for (;;) {
      c.skipSpace(true);
      if (c.peek() === "}") {
        c.next();
        return { kind: "dict", entries };
      }
      if (c.done()) throw new SyntaxError("unterminated dictionary");
      const k = parseValue(c, depth + 1);
      c.skipSpace(true);
      if (c.next() !== ":") throw new SyntaxError('expected ":" in a dictionary');
      const v = parseValue(c, depth + 1);
      entries.push([k, v]);
      c.skipSpace(true);
      if (c.peek() === ",") c.next();
      else if (c.peek() !== "}")
        throw new SyntaxError(`expected "," or "}" in a dictionary, found "${c.peek()}"`);
    }
  }
  const start = c.pos;
  if (/[-+0-9.]/.test(ch)) {
    while (/[-+0-9.eE_a-fA-FxX]/.test(c.peek())) c.next();
    const text = c.src.slice(start, c.pos);
    const v = Number(text);
    return Number.isNaN(v) ? { kind: "other", text } : { kind: "number", value: v };
  }
  if (/[A-Za-z_]/.test(ch)) {
    while (/[A-Za-z0-9_]/.test(c.peek())) c.next();
    let name = c.src.slice(start, c.pos);
    // Typed containers: Array[Type]([…]), Dictionary[K, V]({…}).
    if (c.peek() === "[" && (name === "Array" || name === "Dictionary")) {
      let d = 0;
      do {
        const x = c.next();
        if (x === "[") d++;
        else if (x === "]") d--;
        if (c.done()) throw new SyntaxError("unterminated type");
      } while (d > 0);
      name = c.src.slice(start, c.pos);
    }
    if (name === "true" || name === "false") return { kind: "bool", value: name === "true" };
    if (name === "null" || name === "nil") return { kind: "null" };
    if (name === "inf" || name === "nan")
      return { kind: "number", value: name === "inf" ? Infinity : Number.NaN };
    c.skipSpace(false);
    if (c.peek() !== "(") return { kind: "other", text: name };
    c.next();
    const args: TextValue[] = [];
    for (;;) {
      c.skipSpace(true);
      if (c.peek() === ")") {
        c.next();
        return { kind: "call", name, args };
      }
      if (c.done()) throw new SyntaxError(`unterminated ${name}(`);
      const a = parseValue(c, depth + 1);
      c.skipSpace(true);
      // Object(Type, "prop": value, …): keep the values.
      if (c.peek() === ":") {
        c.next();
        args.push(parseValue(c, depth + 1));
        c.skipSpace(true);
      } else args.push(a);
      if (c.peek() === ",") c.next();
      else if (c.peek() !== ")")
        throw new SyntaxError(`expected "," or ")" in ${name}(…), found "${c.peek()}"`);
    }
  }
  throw new SyntaxError(`unexpected "${ch}"`);
}

function parseString(c: Cursor): string {
  c.next(); // opening quote
  let out = "";
  for (;;) {
    if (c.done()) throw new SyntaxError("unterminated string");
    const ch = c.next();
    if (ch === '"') return out;
    if (ch === "\\") {
      const e = c.next();
      if (e === "u" || e === "U") {
        const len = e === "u" ? 4 : 6;
        const hex = c.src.slice(c.pos, c.pos + len);
        if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
          out += String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff));
          c.pos += len;
          continue;
        }
      }
      out += ESC[e] ?? e;
      continue;
    }
    out += ch;
  }
}

/** Skips to the start of the next line (after a value that could not be read). */
function skipLine(c: Cursor): void {
  while (!c.done() && c.peek() !== "\n") c.next();
}

export function parseTextResource(src: string): ParsedTextResource {
  const c = new Cursor(src.replace(/^\uFEFF/, ""));
  const problems: { line: number; message: string }[] = [];
  const preamble = new Map<string, { value: TextValue; line: number }>();
  const sections: TextSection[] = [];
  let props = preamble;
  while (!c.done()) {
    c.skipSpace(true);
    if (c.done()) break;
    const line = c.line;
    if (c.peek() === "[") {
      c.next();
      const header = new Map<string, TextValue>();
      const tagStart = c.pos;
      while (/[A-Za-z0-9_]/.test(c.peek())) c.next();
      const tag = c.src.slice(tagStart, c.pos);
      try {
        for (;;) {
          c.skipSpace(false);
          if (c.peek() === "]") {
            c.next();
            break;
          }
          const ks = c.pos;
          while (/[A-Za-z0-9_/]/.test(c.peek())) c.next();
          const key = c.src.slice(ks, c.pos);
          c.skipSpace(false);
          if (!key || c.next() !== "=") throw new SyntaxError(`bad header entry in [${tag}]`);
          header.set(key, parseValue(c, 0));
        }
      } catch (err) {
        problems.push({ line, message: (err as Error).message });
        skipLine(c);
      }
      const properties = new Map<string, { value: TextValue; line: number }>();
      sections.push({ tag, line, header, properties });
      props = properties;
      continue;
    }
    // key = value; keys may hold "/", ":" and quotes (project.godot: `run/main_scene`, `"a b"`).
    const ks = c.pos;
    while (!c.done() && c.peek() !== "=" && c.peek() !== "\n") c.next();
    const key = c.src
      .slice(ks, c.pos)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (c.peek() !== "=" || !key) {
      problems.push({
        line,
        message: `expected "key = value", found "${c.src.slice(ks, Math.min(c.pos, ks + 40))}"`,
      });
      skipLine(c);
      continue;
    }
    c.next();
    try {
      props.set(key, { value: parseValue(c, 0), line });
    } catch (err) {
      problems.push({ line, message: `${key}: ${(err as Error).message}` });
      skipLine(c);
    }
  }
  return { preamble, sections, problems };
}

/** A string value (String, StringName or NodePath("…")). */
export function stringOf(v: TextValue | undefined): string | undefined {
  if (v?.kind === "string") return v.value;
  if (
    v?.kind === "call" &&
    (v.name === "NodePath" || v.name === "StringName") &&
    v.args[0]?.kind === "string"
  ) {
    return v.args[0].value;
  }
  return undefined;
}

/** `ExtResource("1_a")` / `ExtResource( 1 )` / `SubResource("x")`: the kind and the id. */
export function resourceRef(v: TextValue | undefined): { kind: "ext" | "sub"; id: string } | undefined {
  if (v?.kind !== "call" || (v.name !== "ExtResource" && v.name !== "SubResource")) return undefined;
  const a = v.args[0];
  const id = a?.kind === "string" ? a.value : a?.kind === "number" ? String(a.value) : undefined;
  return id === undefined ? undefined : { kind: v.name === "ExtResource" ? "ext" : "sub", id };
}
