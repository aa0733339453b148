/**
 * GDScript 2 (Godot 4) tokens, grouped into logical lines as Godot's tokenizer sees them: a
 * newline inside (), [] or {} or after a trailing backslash does not end a line; comments and
 * the contents of strings are never code, so `@rpc` written there cannot count.
 */

export type TokenKind = "ident" | "annotation" | "string" | "number" | "punct";

export interface Token {
  readonly kind: TokenKind;
  /** Identifier or annotation name (without `@`), the decoded string, the number's text, or the punctuation. */
  readonly text: string;
  /** For strings: `&` (StringName), `^` (NodePath) or "" (String). */
  readonly prefix?: "&" | "^" | "";
  readonly line: number;
}

export interface LogicalLine {
  /** Indentation (in characters) of the line's first token; 0 is class level of the script. */
  readonly indent: number;
  readonly line: number;
  readonly tokens: readonly Token[];
}

export interface TokenizeResult {
  readonly lines: LogicalLine[];
  /** Lexical problems (an unterminated string…), each with its line. */
  readonly problems: { line: number; message: string }[];
}

const IDENT_START = /[\p{L}_]/u;
const IDENT_PART = /[\p{L}\p{N}_]/u;
const PUNCT3 = new Set(["**=", "<<=", ">>=", "..."]);
const PUNCT2 = new Set([
  "->",
  "==",
  "!=",
  "<=",
  ">=",
  "&&",
  "||",
  "+=",
  "-=",
  "*=",
  "/=",
  "%=",
  "&=",
  "|=",
  "^=",
  "**",
  "<<",
  ">>",
  ":=",
  "..",
]);
const ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  "0": "\0",
};

export function tokenizeGDScript(source: string): TokenizeResult {
  const lines: LogicalLine[] = [];
  const problems: { line: number; message: string }[] = [];
  let tokens: Token[] = [];
  let indent = 0;
  let lineStart = 1;
  let depth = 0;
  let atLineStart = true;
  let column = 0;
  let line = 1;
  let i = 0;
  const n = source.length;

  const endLine = () => {
    if (tokens.length > 0) lines.push({ indent, line: lineStart, tokens });
    tokens = [];
    atLineStart = true;
    column = 0;
  };
  const push = (t: Token) => {
    if (tokens.length === 0) {
      indent = column;
      lineStart = t.line;
    }
    tokens.push(t);
  };

  while (i < n) {
    const c = source[i]!;
    if (c === "\n") {
      line++;
      i++;
      if (depth === 0) endLine();
      else column = 0;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      if (atLineStart) column++;
      i++;
      continue;
    }
    atLineStart = false;
    if (c === "#") {
      while (i < n && source[i] !== "\n") i++;
      continue;
    }
    if (c === "\\" && (source[i + 1] === "\n" || (source[i + 1] === "\r" && source[i + 2] === "\n"))) {
      // Line continuation: the next physical line belongs to this logical line.
      i += source[i + 1] === "\r" ? 3 : 2;
      line++;
      continue;
    }
    const startLine = line;
    // String literals, with the r / & / ^ prefixes.
    let prefix: "&" | "^" | "" = "";
    let raw = false;
    let q = i;
    if ((c === "&" || c === "^") && (source[i + 1] === '"' || source[i + 1] === "'")) {
      prefix = c;
      q = i + 1;
    } else if (c === "r" && (source[i + 1] === '"' || source[i + 1] === "'")) {
      raw = true;
      q = i + 1;
    }
    const quote = source[q];
    if (quote === '"' || quote === "'") {
      const triple = source.startsWith(quote.repeat(3), q);
      let j = q + (triple ? 3 : 1);
      let value = "";
      let closed = false;
      while (j < n) {
        const d = source[j]!;
        if (triple ? source.startsWith(quote.repeat(3), j) : d === quote) {
          j += triple ? 3 : 1;
          closed = true;
          break;
        }
        if (d === "\n") {
          if (!triple) break;
          line++;
        }
        if (d === "\\" && j + 1 < n) {
          const e = source[j + 1]!;
          if (raw) {
            // Raw strings keep the backslash; it only stops a quote from ending the string.
            value += d + e;
            if (e === "\n") line++;
            j += 2;
            continue;
          }
          if (e === "\n") {
            line++;
            j += 2;
            continue;
          }
          if (e === "u" || e === "U") {
            const len = e === "u" ? 4 : 6;
            const hex = source.slice(j + 2, j + 2 + len);
            if (/^[0-9a-fA-F]+$/.test(hex) && hex.length === len) {
              value += String.fromCodePoint(Math.min(Number.parseInt(hex, 16), 0x10ffff));
              j += 2 + len;
              continue;
            }
          }
          value += ESCAPES[e] ?? e;
          j += 2;
          continue;
        }
        value += d;
        j++;
      }
      if (!closed) problems.push({ line: startLine, message: "unterminated string" });
      push({ kind: "string", text: value, prefix, line: startLine });
      i = j;
      continue;
    }
    if (c === "@") {
      let j = i + 1;
      while (j < n && IDENT_PART.test(source[j]!)) j++;
      push({ kind: "annotation", text: source.slice(i + 1, j), line });
      i = j;
      continue;
    }
    if (IDENT_START.test(c)) {
      let j = i + 1;
      while (j < n && IDENT_PART.test(source[j]!)) j++;
      push({ kind: "ident", text: source.slice(i, j), line });
      i = j;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(source[i + 1] ?? ""))) {
      const m = /^(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][+-]?[0-9_]+)?)/.exec(
        source.slice(i, i + 400),
      );
      const text = m?.[0] || c;
      push({ kind: "number", text, line });
      i += text.length;
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    const p3 = source.slice(i, i + 3);
    const p2 = source.slice(i, i + 2);
    const text = PUNCT3.has(p3) ? p3 : PUNCT2.has(p2) ? p2 : c;
    push({ kind: "punct", text, line });
    i += text.length;
  }
  endLine();
  return { lines, problems };
}

/** The value of a GDScript integer literal (`42`, `1_000`, `0x1F`, `0b101`), or undefined. */
export function parseIntLiteral(text: string): number | undefined {
  const t = text.replace(/_/g, "");
  let v: number;
  if (/^0[xX][0-9a-fA-F]+$/.test(t)) v = Number.parseInt(t.slice(2), 16);
  else if (/^0[bB][01]+$/.test(t)) v = Number.parseInt(t.slice(2), 2);
  else if (/^[0-9]+$/.test(t)) v = Number(t);
  else return undefined;
  return Number.isSafeInteger(v) ? v : undefined;
}
