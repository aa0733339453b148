/**
 * What a GDScript (Godot 4) file declares for the multiplayer: `extends`, `class_name`, its own
 * `@rpc` functions with their config, and literal `rpc_config()` calls in its functions. Read at
 * class level as Godot's parser does (modules/gdscript/gdscript_parser.cpp): annotations attach to
 * the next member, on the same line or on lines before it; the `@rpc` arguments follow
 * `rpc_annotation()`: the first three are "any_peer"/"authority", "call_local"/"call_remote" and
 * "reliable"/"unreliable"/"unreliable_ordered" in any order, the fourth is the channel (an int).
 * Inner classes are separate scripts in Godot; their `@rpc`s do not belong to the file's class.
 */
import type { RpcConfig } from "../scene/index.js";
import type { ManifestWarning } from "./errors.js";
import { type LogicalLine, parseIntLiteral, type Token, tokenizeGDScript } from "./gdscript-tokenizer.js";
import {
  configFromDictionary,
  defaultConfig,
  RPC_MODE_CONSTANTS,
  TRANSFER_MODE_CONSTANTS,
} from "./rpc-config.js";

export interface DeclaredRpc {
  readonly name: string;
  readonly config: RpcConfig;
  readonly line: number;
}

/** A literal `rpc_config(name, {…})` (or `self.rpc_config`) inside one of the script's functions. */
export interface RpcConfigCall {
  readonly name: string;
  /** null: `rpc_config(name, null)`, which removes the name. */
  readonly config: RpcConfig | null;
  readonly line: number;
}

export interface DeclaredFunction {
  readonly name: string;
  readonly line: number;
  /** The body mentions `super` (so the base's version of this function may run too). */
  callsSuper: boolean;
  readonly rpcConfigCalls: RpcConfigCall[];
}

export type ExtendsClause =
  | { readonly kind: "path"; readonly path: string; readonly line: number }
  | { readonly kind: "name"; readonly name: string; readonly line: number };

export interface ParsedGDScript {
  readonly extends?: ExtendsClause;
  readonly className?: string;
  /** Own `@rpc` functions, in source order. */
  readonly rpcs: DeclaredRpc[];
  readonly functions: Map<string, DeclaredFunction>;
  readonly warnings: ManifestWarning[];
}

/** Functions Godot calls by itself when a node enters the tree. */
export const LIFECYCLE_FUNCTIONS: ReadonlySet<string> = new Set(["_init", "_enter_tree", "_ready"]);

interface Annotation {
  readonly name: string;
  readonly line: number;
  readonly args: Token[][] | undefined;
}

type Value =
  | { kind: "string"; value: string }
  | { kind: "int"; value: number }
  | { kind: "bool"; value: boolean };

/** Splits tokens[start] = "(" … ")" into its top-level comma-separated arguments. */
function splitArgs(tokens: readonly Token[], start: number): { args: Token[][]; end: number } {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  let k = start;
  for (; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind === "punct" && (t.text === "(" || t.text === "[" || t.text === "{")) {
      depth++;
      if (depth === 1) continue;
    } else if (t.kind === "punct" && (t.text === ")" || t.text === "]" || t.text === "}")) {
      depth--;
      if (depth === 0) {
        if (cur.length > 0) args.push(cur);
        return { args, end: k + 1 };
      }
    } else if (depth === 1 && t.kind === "punct" && t.text === ",") {
      args.push(cur);
      cur = [];
      continue;
    }
    cur.push(t);
  }
  if (cur.length > 0) args.push(cur);
  return { args, end: k };
}

const tokensText = (ts: readonly Token[]) =>
  ts
    .map((t) =>
      t.kind === "string" ? `${t.prefix ?? ""}"${t.text}"` : t.kind === "annotation" ? `@${t.text}` : t.text,
    )
    .join(" ");

export function parseGDScript(source: string, file: string): ParsedGDScript {
  source = source.replace(/^\uFEFF/, ""); // a byte-order mark is not code
  const warnings: ManifestWarning[] = [];
  const warn = (line: number, message: string) => warnings.push({ file, line, message });
  const { lines, problems } = tokenizeGDScript(source);
  for (const p of problems) warn(p.line, p.message);

  let extendsClause: ExtendsClause | undefined;
  let className: string | undefined;
  const consts = new Map<string, Token[]>();
  const rpcFunctions: { name: string; line: number; annotations: Annotation[] }[] = [];
  const functions = new Map<string, DeclaredFunction>();
  const bodies: { fn: DeclaredFunction; tokens: readonly Token[] }[] = [];
  let block: { kind: "func"; fn: DeclaredFunction } | { kind: "other" } | undefined;
  let pending: Annotation[] = [];

  const parseExtends = (ts: readonly Token[], k: number, line: number): ExtendsClause | undefined => {
    const t = ts[k];
    if (t?.kind === "string") return { kind: "path", path: t.text, line };
    if (t?.kind === "ident") {
      let name = t.text;
      let j = k + 1;
      while (ts[j]?.text === "." && ts[j + 1]?.kind === "ident") {
        name += `.${ts[j + 1]!.text}`;
        j += 2;
      }
      return { kind: "name", name, line };
    }
    warn(line, `cannot read the class after "extends" (${tokensText(ts.slice(k, k + 3))})`);
    return undefined;
  };

  for (const l of lines as LogicalLine[]) {
    const ts = l.tokens;
    if (l.indent > 0) {
      // Inside the block opened by the last class-level line: a function body counts.
      if (block?.kind === "func") bodies.push({ fn: block.fn, tokens: ts });
      continue;
    }
    block = undefined;
    let k = 0;
    while (ts[k]?.kind === "annotation") {
      const t = ts[k]!;
      k++;
      let args: Token[][] | undefined;
      if (ts[k]?.kind === "punct" && ts[k]!.text === "(") {
        const r = splitArgs(ts, k);
        args = r.args;
        k = r.end;
      }
      pending.push({ name: t.text, line: t.line, args });
    }
    if (k >= ts.length) continue;
    const head = ts[k]!;
    const rpcAnnotations = pending.filter((a) => a.name === "rpc");
    pending = [];
    if (head.kind !== "ident") {
      for (const a of rpcAnnotations) warn(a.line, "@rpc is not followed by a function: ignored");
      continue;
    }
    let word = head.text;
    if (word === "static" && ts[k + 1]?.text === "func") {
      k++;
      word = "func";
    }
    switch (word) {
      case "func": {
        const nameTok = ts[k + 1];
        if (nameTok?.kind !== "ident") {
          warn(head.line, "a function without a name");
          break;
        }
        const fn: DeclaredFunction = {
          name: nameTok.text,
          line: nameTok.line,
          callsSuper: false,
          rpcConfigCalls: [],
        };
        if (functions.has(fn.name))
          warn(fn.line, `function "${fn.name}" is declared twice (Godot refuses the script)`);
        functions.set(fn.name, fn);
        if (rpcAnnotations.length > 0)
          rpcFunctions.push({ name: fn.name, line: fn.line, annotations: rpcAnnotations });
        block = { kind: "func", fn };
        // A one-line function keeps its body after the signature.
        bodies.push({ fn, tokens: ts.slice(k + 2) });
        break;
      }
      case "class_name": {
        const nameTok = ts[k + 1];
        if (nameTok?.kind === "ident") className = nameTok.text;
        else warn(head.line, 'cannot read the name after "class_name"');
        if (ts[k + 2]?.text === "extends")
          extendsClause = parseExtends(ts, k + 3, head.line) ?? extendsClause;
        break;
      }
      case "extends":
        extendsClause = parseExtends(ts, k + 1, head.line) ?? extendsClause;
        break;
      case "const": {
        const nameTok = ts[k + 1];
        let j = k + 2;
        if (ts[j]?.text === ":") {
          j++;
          while (j < ts.length && ts[j]!.text !== "=") j++;
        }
        if (nameTok?.kind === "ident" && (ts[j]?.text === "=" || ts[j]?.text === ":=")) {
          consts.set(nameTok.text, ts.slice(j + 1));
        }
        block = { kind: "other" };
        break;
      }
      default:
        // var, signal, enum, class and anything else: annotations on them are not @rpc's business.
        for (const a of rpcAnnotations)
          warn(a.line, `@rpc applies only to functions, not to "${word}": ignored`);
        block = { kind: "other" };
    }
  }

  const resolve = (ts: readonly Token[], seen: ReadonlySet<string> = new Set()): Value | undefined => {
    let t = ts;
    while (t.length >= 2 && t[0]!.text === "(" && t[t.length - 1]!.text === ")" && t[0]!.kind === "punct") {
      t = t.slice(1, -1);
    }
    if (t.length === 1) {
      const x = t[0]!;
      if (x.kind === "string") return { kind: "string", value: x.text };
      if (x.kind === "number") {
        const v = parseIntLiteral(x.text);
        return v === undefined ? undefined : { kind: "int", value: v };
      }
      if (x.kind === "ident") {
        if (x.text === "true" || x.text === "false") return { kind: "bool", value: x.text === "true" };
        const c = consts.get(x.text);
        if (c && !seen.has(x.text)) return resolve(c, new Set([...seen, x.text]));
        if (x.text in RPC_MODE_CONSTANTS) return { kind: "int", value: RPC_MODE_CONSTANTS[x.text]! };
        if (x.text in TRANSFER_MODE_CONSTANTS)
          return { kind: "int", value: TRANSFER_MODE_CONSTANTS[x.text]! };
      }
      return undefined;
    }
    if (t.length === 2 && t[0]!.text === "-" && t[1]!.kind === "number") {
      const v = parseIntLiteral(t[1]!.text);
      return v === undefined ? undefined : { kind: "int", value: -v };
    }
    // MultiplayerAPI.RPC_MODE_ANY_PEER, MultiplayerAPI.RPCMode.RPC_MODE_ANY_PEER, MultiplayerPeer.TRANSFER_MODE_…
    if (t.length >= 3 && t.every((x, i) => (i % 2 === 0 ? x.kind === "ident" : x.text === "."))) {
      const last = t[t.length - 1]!.text;
      if (last in RPC_MODE_CONSTANTS) return { kind: "int", value: RPC_MODE_CONSTANTS[last]! };
      if (last in TRANSFER_MODE_CONSTANTS) return { kind: "int", value: TRANSFER_MODE_CONSTANTS[last]! };
    }
    return undefined;
  };

  const rpcs: DeclaredRpc[] = [];
  for (const f of rpcFunctions) {
    const ann = f.annotations[0]!;
    if (f.annotations.length > 1) {
      warn(
        f.annotations[1]!.line,
        `@rpc is given twice to "${f.name}" (Godot refuses the script); the first is used`,
      );
    }
    rpcs.push({ name: f.name, line: f.line, config: rpcAnnotationConfig(ann, resolve, warn, f.name) });
  }

  for (const { fn, tokens } of bodies) scanBody(tokens, fn, resolve, warn);

  const out: ParsedGDScript = {
    ...(extendsClause ? { extends: extendsClause } : {}),
    ...(className !== undefined ? { className } : {}),
    rpcs,
    functions,
    warnings,
  };
  return out;
}

function rpcAnnotationConfig(
  ann: Annotation,
  resolve: (ts: readonly Token[]) => Value | undefined,
  warn: (line: number, message: string) => void,
  fnName: string,
): RpcConfig {
  const cfg = { ...defaultConfig() } as { -readonly [K in keyof RpcConfig]: RpcConfig[K] };
  const args = ann.args ?? [];
  if (args.length > 4)
    warn(
      ann.line,
      `@rpc takes at most 4 arguments, "${fnName}" has ${args.length} (Godot refuses the script)`,
    );
  let locality = 0;
  let permission = 0;
  let transfer = 0;
  for (let i = 0; i < Math.min(args.length, 4); i++) {
    const v = resolve(args[i]!);
    if (v === undefined) {
      warn(
        ann.line,
        `@rpc argument ${i + 1} of "${fnName}" (${tokensText(args[i]!)}) is not a constant the reader can evaluate; Godot's default is written (--engine reads the real value)`,
      );
      continue;
    }
    if (i === 3) {
      if (v.kind === "int") cfg.channel = v.value;
      else warn(ann.line, `@rpc argument 4 of "${fnName}" must be an int channel (Godot refuses the script)`);
      continue;
    }
    if (v.kind !== "string") {
      warn(
        ann.line,
        `@rpc argument ${i + 1} of "${fnName}" must be a String; the channel comes 4th (Godot refuses the script)`,
      );
      continue;
    }
    switch (v.value) {
      case "call_local":
      case "call_remote":
        locality++;
        cfg.call_local = v.value === "call_local";
        break;
      case "any_peer":
      case "authority":
        permission++;
        cfg.rpc_mode = v.value;
        break;
      case "reliable":
      case "unreliable":
      case "unreliable_ordered":
        transfer++;
        cfg.transfer_mode = v.value;
        break;
      default:
        warn(ann.line, `invalid @rpc argument "${v.value}" of "${fnName}" (Godot refuses the script)`);
    }
  }
  if (locality > 1) warn(ann.line, `@rpc of "${fnName}" names the locality twice (Godot refuses the script)`);
  else if (permission > 1)
    warn(ann.line, `@rpc of "${fnName}" names the permission twice (Godot refuses the script)`);
  else if (transfer > 1)
    warn(ann.line, `@rpc of "${fnName}" names the transfer mode twice (Godot refuses the script)`);
  return cfg;
}

function scanBody(
  ts: readonly Token[],
  fn: DeclaredFunction,
  resolve: (ts: readonly Token[]) => Value | undefined,
  warn: (line: number, message: string) => void,
): void {
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k]!;
    if (t.kind !== "ident") continue;
    if (t.text === "super") {
      fn.callsSuper = true;
      continue;
    }
    if (t.text !== "rpc_config" || ts[k + 1]?.text !== "(") continue;
    if (ts[k - 1]?.text === "." && ts[k - 2]?.text !== "self") {
      warn(
        t.line,
        `rpc_config() on another object (${tokensText(ts.slice(Math.max(0, k - 2), k))}…) is not attributed to a node (--engine sees its effect)`,
      );
      continue;
    }
    if (ts[k - 1]?.text === "func") continue; // a declaration, not a call
    const { args } = splitArgs(ts, k + 1);
    const name = args[0] ? resolve(args[0]) : undefined;
    if (args.length !== 2 || name?.kind !== "string") {
      warn(
        t.line,
        `rpc_config(${tokensText(ts.slice(k + 2, k + 6))}…) does not have a literal name and config; not counted (--engine sees it)`,
      );
      continue;
    }
    const cfgTokens = args[1]!;
    if (cfgTokens.length === 1 && cfgTokens[0]!.text === "null") {
      fn.rpcConfigCalls.push({ name: name.value, config: null, line: t.line });
      continue;
    }
    if (cfgTokens[0]?.text !== "{" || cfgTokens[cfgTokens.length - 1]?.text !== "}") {
      warn(
        t.line,
        `rpc_config("${name.value}", …): the config is not a dictionary literal; not counted (--engine sees it)`,
      );
      continue;
    }
    const { args: entries } = splitArgs(cfgTokens, 0);
    const dict: Record<string, unknown> = {};
    let ok = true;
    for (const e of entries) {
      const sep = e.findIndex((x) => x.kind === "punct" && (x.text === ":" || x.text === "="));
      const keyTok = e[0];
      const key =
        sep === 1 && (keyTok?.kind === "string" || keyTok?.kind === "ident") ? keyTok.text : undefined;
      const v = key === undefined ? undefined : resolve(e.slice(sep + 1));
      if (key === undefined || v === undefined) {
        warn(
          t.line,
          `rpc_config("${name.value}", …): cannot evaluate the entry ${tokensText(e)}; not counted (--engine sees it)`,
        );
        ok = false;
        break;
      }
      dict[key] = v.value;
    }
    if (!ok) continue;
    const config = configFromDictionary(dict);
    if (config === undefined) {
      warn(
        t.line,
        "rpc_mode" in dict
          ? `rpc_config("${name.value}", …): a mode out of range; Godot skips the entry`
          : `rpc_config("${name.value}", …) has no "rpc_mode"; Godot skips the entry (it still takes an id)`,
      );
      continue;
    }
    if (!LIFECYCLE_FUNCTIONS.has(fn.name)) {
      warn(
        t.line,
        `rpc_config("${name.value}") in ${fn.name}() is counted, but it registers only once ${fn.name}() runs`,
      );
    }
    fn.rpcConfigCalls.push({ name: name.value, config, line: t.line });
  }
}
