/**
 * `[Rpc(...)]` methods of a Godot C# script: the class named like the file, its base class, and
 * its instance methods with the attribute, as ScriptManagerBridge collects them (static methods are
 * skipped; `Rpc(mode = Authority)`, `CallLocal`, `TransferMode`, `TransferChannel` default to
 * authority, false, Reliable, 0). Comments and strings are skipped; nested types are not the script.
 */
import type { RpcConfig } from "../scene/index.js";
import type { ManifestWarning } from "./errors.js";
import type { DeclaredRpc } from "./gdscript.js";
import { defaultConfig } from "./rpc-config.js";

export interface ParsedCSharp {
  readonly className?: string;
  /** The first type after `:` (a Godot class or another script's class), namespace removed. */
  readonly baseName?: string;
  /** `[GlobalClass]`: the class is known to Godot by name. */
  readonly globalClass: boolean;
  readonly rpcs: DeclaredRpc[];
  readonly warnings: ManifestWarning[];
}

interface CsToken {
  readonly kind: "ident" | "string" | "number" | "punct";
  readonly text: string;
  readonly line: number;
}

function tokenizeCSharp(src: string, problems: { line: number; message: string }[]): CsToken[] {
  const out: CsToken[] = [];
  let line = 1;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === "\n") {
      line++;
      i++;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "/") {
      while (i < n && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop; j++) if (src[j] === "\n") line++;
      if (end < 0) problems.push({ line, message: "unterminated comment" });
      i = stop;
      continue;
    }
    // Strings: "…", @"…" (verbatim), $"…" / $@"…" (interpolated), """…""" (raw), and 'c'.
    const m = /^(\$*@?\$*)("""+|"|')/.exec(src.slice(i, i + 8));
    if (m && (m[1] !== "" || c === '"' || c === "'")) {
      const startLine = line;
      const verbatim = m[1]!.includes("@");
      const delim = m[2]!;
      let j = i + m[0].length;
      let closed = false;
      while (j < n) {
        const d = src[j]!;
        if (d === "\n") line++;
        if (delim.length >= 3 ? src.startsWith(delim, j) : d === delim) {
          if (verbatim && src[j + 1] === delim) {
            j += 2;
            continue;
          }
          j += delim.length;
          closed = true;
          break;
        }
        if (d === "\\" && !verbatim && delim.length < 3) {
          j += 2;
          continue;
        }
        if (d === "\n" && !verbatim && delim.length < 3) break;
        j++;
      }
      if (!closed) problems.push({ line: startLine, message: "unterminated string" });
      out.push({ kind: "string", text: src.slice(i, j), line: startLine });
      i = j;
      continue;
    }
    if (/[\p{L}_]/u.test(c) || (c === "@" && /[\p{L}_]/u.test(src[i + 1] ?? ""))) {
      let j = i + 1;
      while (j < n && /[\p{L}\p{N}_]/u.test(src[j]!)) j++;
      out.push({ kind: "ident", text: src.slice(c === "@" ? i + 1 : i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9a-zA-Z_.]/.test(src[j]!)) j++;
      out.push({ kind: "number", text: src.slice(i, j), line });
      i = j;
      continue;
    }
    out.push({ kind: "punct", text: c, line });
    i++;
  }
  return out;
}

const MODIFIERS = new Set([
  "public",
  "private",
  "protected",
  "internal",
  "static",
  "virtual",
  "override",
  "abstract",
  "sealed",
  "async",
  "new",
  "unsafe",
  "extern",
  "partial",
  "readonly",
  "file",
]);

/** Index after the bracket group that opens at tokens[k] (`(`, `[`, `{` or `<`). */
function skipGroup(ts: readonly CsToken[], k: number): number {
  const open = ts[k]!.text;
  const close = open === "(" ? ")" : open === "[" ? "]" : open === "{" ? "}" : ">";
  let depth = 0;
  for (let j = k; j < ts.length; j++) {
    if (ts[j]!.text === open) depth++;
    else if (ts[j]!.text === close && --depth === 0) return j + 1;
  }
  return ts.length;
}

/** Top-level comma-separated pieces between tokens[start] (an opening bracket) and its match. */
function splitGroup(ts: readonly CsToken[], start: number, end: number): CsToken[][] {
  const parts: CsToken[][] = [];
  let cur: CsToken[] = [];
  let depth = 0;
  for (let j = start + 1; j < end - 1; j++) {
    const t = ts[j]!;
    if ("([{".includes(t.text)) depth++;
    else if (")]}".includes(t.text)) depth--;
    if (depth === 0 && t.text === ",") {
      parts.push(cur);
      cur = [];
    } else cur.push(t);
  }
  if (cur.length > 0) parts.push(cur);
  return parts;
}

export function parseCSharp(source: string, file: string): ParsedCSharp {
  source = source.replace(/^\uFEFF/, ""); // a byte-order mark is not code
  const warnings: ManifestWarning[] = [];
  const warn = (line: number, message: string) => warnings.push({ file, line, message });
  const problems: { line: number; message: string }[] = [];
  const ts = tokenizeCSharp(source, problems);
  for (const p of problems) warn(p.line, p.message);
  const stem = (file.split("/").pop() ?? "").replace(/\.cs$/, "");

  // Find the class named like the file (Godot's rule for a C# script); else the first class.
  const classes: { name: string; at: number; attrs: string[] }[] = [];
  let attrs: string[] = [];
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k]!;
    if (t.text === "[") {
      const end = skipGroup(ts, k);
      for (const part of splitGroup(ts, k, end)) if (part[0]?.kind === "ident") attrs.push(lastName(part));
      k = end - 1;
      continue;
    }
    if (t.kind === "ident" && (t.text === "class" || t.text === "record") && ts[k + 1]?.kind === "ident") {
      classes.push({ name: ts[k + 1]!.text, at: k, attrs });
    }
    if (t.text === ";" || t.text === "{" || t.text === "}") attrs = [];
  }
  const cls = classes.find((c) => c.name === stem) ?? classes[0];
  if (!cls) return { globalClass: false, rpcs: [], warnings };
  if (cls.name !== stem)
    warn(ts[cls.at]!.line, `class "${cls.name}" is not named like the file; Godot needs "${stem}"`);

  let k = cls.at + 2;
  if (ts[k]?.text === "<") k = skipGroup(ts, k);
  let baseName: string | undefined;
  if (ts[k]?.text === ":") {
    const part: CsToken[] = [];
    for (
      let j = k + 1;
      j < ts.length && ts[j]!.text !== "{" && ts[j]!.text !== "," && ts[j]!.text !== "where";
      j++
    ) {
      if (ts[j]!.text === "<") break;
      part.push(ts[j]!);
    }
    if (part.length > 0) baseName = lastName(part);
  }
  while (k < ts.length && ts[k]!.text !== "{") k++;
  if (k >= ts.length) {
    warn(ts[cls.at]!.line, `class "${cls.name}" has no body`);
    return { className: cls.name, globalClass: false, rpcs: [], warnings };
  }
  const bodyEnd = skipGroup(ts, k);

  const rpcs: DeclaredRpc[] = [];
  let pendingRpc: { config: RpcConfig; line: number } | undefined;
  for (let j = k + 1; j < bodyEnd - 1; j++) {
    const t = ts[j]!;
    if (t.text === "[") {
      const end = skipGroup(ts, j);
      for (const part of splitGroup(ts, j, end)) {
        // An attribute target such as `method:` is allowed before the name.
        const p = part[1]?.text === ":" && part[0]?.kind === "ident" ? part.slice(2) : part;
        const name = attributeName(p);
        if (name === "Rpc" || name === "RpcAttribute")
          pendingRpc = { config: rpcAttributeConfig(p, warn, t.line), line: t.line };
      }
      j = end - 1;
      continue;
    }
    if (t.text === "{" || t.text === "(") {
      // A nested type's body, a property's accessors or an initializer: not members of this class.
      pendingRpc = undefined;
      j = skipGroup(ts, j) - 1;
      continue;
    }
    if (t.text === ";" || t.text === "=") {
      pendingRpc = undefined;
      continue;
    }
    // A member declaration: modifiers, a return type, a name, then `(` for a method.
    if (pendingRpc && t.kind === "ident") {
      let m = j;
      let isStatic = false;
      while (ts[m]?.kind === "ident" && MODIFIERS.has(ts[m]!.text)) {
        if (ts[m]!.text === "static") isStatic = true;
        m++;
      }
      // Skip the return type (with generics, arrays, nullables, tuples) up to the name before "(".
      let p = m;
      while (
        p < bodyEnd &&
        ts[p]!.text !== "(" &&
        ts[p]!.text !== ";" &&
        ts[p]!.text !== "{" &&
        ts[p]!.text !== "="
      ) {
        p = ts[p]!.text === "<" ? skipGroup(ts, p) : p + 1;
      }
      if (ts[p]?.text === "(" && ts[p - 1]?.kind === "ident" && p - 1 > m - 1) {
        const name = ts[p - 1]!.text;
        if (isStatic) warn(ts[p - 1]!.line, `[Rpc] on static method "${name}": Godot ignores it`);
        else rpcs.push({ name, config: pendingRpc.config, line: ts[p - 1]!.line });
        j = skipGroup(ts, p) - 1;
      } else {
        warn(pendingRpc.line, "[Rpc] is not on a method: ignored");
        j = p - 1;
      }
      pendingRpc = undefined;
    }
  }
  return {
    className: cls.name,
    ...(baseName !== undefined ? { baseName } : {}),
    globalClass: cls.attrs.includes("GlobalClass"),
    rpcs,
    warnings,
  };
}

function lastName(part: readonly CsToken[]): string {
  let name = "";
  for (const t of part) {
    if (t.kind === "ident") name = t.text;
    else if (t.text !== "." && t.text !== ":") break;
  }
  return name;
}

/** `Rpc`, `Godot.Rpc`, `global::Godot.RpcAttribute` → the last name before the arguments. */
function attributeName(part: readonly CsToken[]): string {
  let name = "";
  for (const t of part) {
    if (t.text === "(") break;
    if (t.kind === "ident") name = t.text;
  }
  return name;
}

const CS_RPC_MODES: Record<string, RpcConfig["rpc_mode"]> = {
  Disabled: "disabled",
  AnyPeer: "any_peer",
  Authority: "authority",
};
const CS_TRANSFER_MODES: Record<string, RpcConfig["transfer_mode"]> = {
  Unreliable: "unreliable",
  UnreliableOrdered: "unreliable_ordered",
  Reliable: "reliable",
};

function rpcAttributeConfig(
  part: readonly CsToken[],
  warn: (line: number, message: string) => void,
  line: number,
): RpcConfig {
  const cfg = { ...defaultConfig() } as { -readonly [K in keyof RpcConfig]: RpcConfig[K] };
  const open = part.findIndex((t) => t.text === "(");
  if (open < 0) return cfg;
  const args = splitGroup(part, open, skipGroup(part, open));
  for (const arg of args) {
    // Named: `CallLocal = true` or `mode: …`; positional: the mode.
    const named =
      arg[1] && (arg[1].text === "=" || arg[1].text === ":") && arg[0]?.kind === "ident"
        ? arg[0].text
        : undefined;
    const value = named ? arg.slice(2) : arg;
    const last = value[value.length - 1]?.text ?? "";
    const key = named === "mode" || named === undefined ? "Mode" : named;
    switch (key) {
      case "Mode":
        if (last in CS_RPC_MODES) cfg.rpc_mode = CS_RPC_MODES[last]!;
        else
          warn(
            line,
            `[Rpc] mode ${value.map((t) => t.text).join("")} is not a MultiplayerApi.RpcMode the reader knows; Authority is written`,
          );
        break;
      case "CallLocal":
        if (last === "true" || last === "false") cfg.call_local = last === "true";
        else warn(line, "[Rpc] CallLocal is not a literal bool; false is written");
        break;
      case "TransferMode":
        if (last in CS_TRANSFER_MODES) cfg.transfer_mode = CS_TRANSFER_MODES[last]!;
        else
          warn(
            line,
            "[Rpc] TransferMode is not a MultiplayerPeer.TransferModeEnum value; Reliable is written",
          );
        break;
      case "TransferChannel": {
        const n =
          value.length === 1 && /^[0-9]+$/.test(last)
            ? Number(last)
            : value.length === 2 && value[0]!.text === "-" && /^[0-9]+$/.test(last)
              ? -Number(last)
              : undefined;
        if (n !== undefined) cfg.channel = n;
        else warn(line, "[Rpc] TransferChannel is not an int literal; 0 is written");
        break;
      }
      default:
        warn(line, `[Rpc] has no argument "${key}"`);
    }
  }
  return cfg;
}
