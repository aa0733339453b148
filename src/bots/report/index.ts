export { type HtmlOptions, htmlEscape, toHtml } from "./html.js";
export { type PlainLatency, type SwarmReport, toJson, toReport } from "./json.js";
export { type JUnitOptions, toJUnit, xmlEscape } from "./junit.js";
export { summaryTable } from "./summary.js";
export { checkReportPaths, type ReportOptions, type ReportPaths, writeReports } from "./write.js";
