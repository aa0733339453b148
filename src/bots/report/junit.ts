/** JUnit XML for CI: one test case per threshold, plus one for bot errors. */
import type { SwarmResult } from "../swarm-result.js";
import type { ThresholdOutcome } from "../thresholds.js";
import { judgeRun } from "../thresholds.js";
import { messagesOf, SHOWN_MESSAGES, shapeText, shortStack } from "./format.js";
import { type PlainLatency, toReport } from "./json.js";
import { summaryTable } from "./summary.js";

/** Is this UTF-16 code unit, at `i` of `s`, a character XML 1.0 can hold? */
function xmlAllowed(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 0x20) return c === 0x09 || c === 0x0a || c === 0x0d;
  if (c === 0xfffe || c === 0xffff) return false;
  // Surrogates only in pairs.
  if (c >= 0xd800 && c <= 0xdbff) {
    const next = s.charCodeAt(i + 1);
    return next >= 0xdc00 && next <= 0xdfff;
  }
  if (c >= 0xdc00 && c <= 0xdfff) {
    const prev = s.charCodeAt(i - 1);
    return prev >= 0xd800 && prev <= 0xdbff;
  }
  return true;
}

/** Text safe in XML content and in double- or single-quoted attributes. */
export function xmlEscape(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    if (!xmlAllowed(text, i)) {
      out += "\uFFFD";
      continue;
    }
    const ch = text[i] as string;
    out +=
      ch === "&"
        ? "&amp;"
        : ch === "<"
          ? "&lt;"
          : ch === ">"
            ? "&gt;"
            : ch === '"'
              ? "&quot;"
              : ch === "'"
                ? "&apos;"
                : ch;
  }
  return out;
}

export interface JUnitOptions {
  /** Bot errors do not fail the "bot errors" test case (--allow-errors). */
  readonly allowErrors?: boolean;
  /** The suite's name (default "godot-peer swarm"). */
  readonly suiteName?: string;
}

export function toJUnit(
  result: SwarmResult,
  outcomes: readonly ThresholdOutcome[],
  options: JUnitOptions = {},
): string {
  const suite = options.suiteName ?? "godot-peer swarm";
  const seconds = Math.max(0, (result.endedAt - result.startedAt) / 1000).toFixed(3);
  const cases: string[] = [];
  let failures = 0;
  for (const o of outcomes) {
    const head = `    <testcase classname="thresholds" name="${xmlEscape(o.threshold.expr)}" time="0">`;
    if (o.passed) {
      cases.push(`${head}\n      <system-out>${xmlEscape(o.message)}</system-out>\n    </testcase>`);
    } else {
      failures++;
      cases.push(
        `${head}\n      <failure message="${xmlEscape(o.message)}" type="threshold">${xmlEscape(o.message)}</failure>\n    </testcase>`,
      );
    }
  }
  // The bots' own verdict: joined, ran and ended as they should (judgeRun), with the messages.
  const verdict = judgeRun(result, [], options.allowErrors ? { allowErrors: true } : {});
  const messages = messagesOf(result, "errors")
    .slice(0, SHOWN_MESSAGES)
    .map(
      (m) =>
        `×${m.count} ${m.kind}: ${m.message}${m.bots.length ? ` (first: ${m.bots.join(", ")})` : ""}${shortStack(
          m,
        )
          .map((f) => `\n    ${f}`)
          .join("")}`,
    )
    .join("\n");
  const problems = [...verdict.reasons, ...verdict.allowed];
  const errorText = problems.length === 0 ? "every bot joined, ran and ended normally" : problems.join("; ");
  const head = `    <testcase classname="bots" name="bot errors" time="0">`;
  if (!verdict.passed) {
    failures++;
    cases.push(
      `${head}\n      <failure message="${xmlEscape(errorText)}" type="bot-errors">${xmlEscape(`${errorText} (--allow-errors accepts them)\n${messages}`)}</failure>\n    </testcase>`,
    );
  } else {
    const note = problems.length > 0 ? `${errorText} (allowed)\n${messages}` : errorText;
    cases.push(`${head}\n      <system-out>${xmlEscape(note)}</system-out>\n    </testcase>`);
  }
  const stamp = new Date(result.startedAt).toISOString().replace(/\.\d+Z$/, "");
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<testsuites name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" time="${seconds}">`,
    `  <testsuite name="${xmlEscape(suite)}" tests="${cases.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${stamp}">`,
    ...properties(result),
    ...cases,
    `    <system-out>${xmlEscape(summaryTable(result, outcomes))}</system-out>`,
    "  </testsuite>",
    "</testsuites>",
    "",
  ].join("\n");
}

/**
 * The run's figures as suite properties, for CI dashboards that read them: the load shape and
 * stages, latency percentiles (p50, p95, p99) of connect, join, round trips, iterations and
 * custom trends, every counter, the check and rate shares, and each scenario's own.
 */
function properties(result: SwarmResult): string[] {
  const props: [string, string | number][] = [];
  const shape = shapeText(result);
  if (shape) props.push(["shape", shape]);
  const add = (prefix: string, r: SwarmResult) => {
    const rep = toReport(r);
    const lat = (name: string, l: PlainLatency | undefined) => {
      if (!l?.count) return;
      props.push([`${prefix}${name}.count`, l.count]);
      for (const p of ["p50", "p95", "p99", "max"] as const) {
        const v = l[p];
        if (v !== null) props.push([`${prefix}${name}.${p}`, v]);
      }
    };
    lat("connect", rep.latency.connect);
    lat("join", rep.latency.join);
    lat("rtt", rep.latency.rtt);
    lat("iteration", rep.latency.iteration);
    for (const [k, l] of Object.entries(rep.latency.custom ?? {})) lat(k, l);
    for (const [k, n] of Object.entries(rep.counters)) props.push([`${prefix}${k}`, n]);
    for (const [k, v] of Object.entries(rep.rates)) if (v !== null) props.push([`${prefix}${k}.rate`, v]);
    for (const st of rep.stages ?? []) {
      props.push([
        `${prefix}stage.${st.index}.target`,
        `${st.fromTarget}→${st.toTarget} over ${st.toMs - st.fromMs} ms`,
      ]);
      if (st.rtt.p95 !== null) props.push([`${prefix}stage.${st.index}.rtt.p95`, st.rtt.p95]);
    }
  };
  add("", result);
  for (const [name, sc] of Object.entries(result.scenarios ?? {})) add(`scenario.${name}.`, sc);
  if (props.length === 0) return [];
  return [
    "    <properties>",
    ...props.map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(String(v))}"/>`),
    "    </properties>",
  ];
}
