export { type HtmlOptions, htmlEscape, toHtml } from "./html.js";
export { type JUnitOptions, toJUnit, xmlEscape } from "./junit.js";
export { summaryTable } from "./summary.js";
