export {
  type ArgsMatcher,
  Bot,
  type BotEvents,
  type BotOptions,
  type ReceivedCall,
  type RequestResult,
  type WaitOptions,
} from "./bot.js";
export { BotConnectError, BotDisconnectedError, BotTimeoutError } from "./errors.js";
export {
  decodeHistogram,
  encodeHistogram,
  type Histogram,
  type LatencySummary,
  newHistogram,
  recordMs,
  summarize,
} from "./histogram.js";
export { mergeResults, parseSwarmResult, SwarmResultFormatError } from "./merge.js";
export {
  type BotOutcome,
  correctedLagMs,
  LAG_RESOLUTION_MS,
  type LiveStats,
  SATURATED_CPU_PERCENT,
  SATURATED_LAG_MS,
  SwarmMetrics,
} from "./metrics.js";
export {
  checkReportPaths,
  type ReportOptions,
  type ReportPaths,
  type SwarmReport,
  summaryTable,
  toHtml,
  toJson,
  toJUnit,
  toReport,
  writeReports,
} from "./report/index.js";
export { type BotContext, type BotScript, botContext, defineBot } from "./script.js";
export {
  END_GRACE_MS,
  NO_CONNECT_GRACE_MS,
  runSwarm,
  type Shard,
  type SwarmLoad,
  type SwarmOptions,
  shardIndices,
} from "./swarm.js";
export type {
  EncodedHistogram,
  ErrorMessage,
  MethodResult,
  SecondSample,
  SwarmResult,
} from "./swarm-result.js";
export {
  evaluateThresholds,
  judgeRun,
  METRICS,
  parseThreshold,
  type RunVerdict,
  type Threshold,
  type ThresholdOutcome,
  ThresholdSyntaxError,
  thresholdMethods,
  UnknownMetricError,
} from "./thresholds.js";
