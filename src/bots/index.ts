import { registerBotEngine } from "./bot.js";
import { godot3Engine } from "./godot3/index.js";
import { godot4Engine } from "./godot4/index.js";

// The engines Bot.connect speaks (a new one: one line here, its bot class in engines.ts).
registerBotEngine(godot3Engine);
registerBotEngine(godot4Engine);

export {
  type ArgsMatcher,
  Bot,
  type BotEvents,
  type BotOptions,
  type BotRpcHandler,
  type BotTelemetry,
  type ConnectOptions,
  engineOfGreeting,
  type ReceivedCall,
  type RequestResult,
  type RpcCall,
  registerBotEngine,
  type WaitOptions,
} from "./bot.js";
export {
  type CheckResult,
  type Checks,
  Counter,
  type CustomMetricResult,
  Gauge,
  MetricType,
  Rate,
  Trend,
} from "./custom-metrics.js";
export {
  DataExhaustedError,
  DataFeed,
  DataFileError,
  DataOrder,
  type DataRows,
  loadData,
  parseCsv,
  type SharedData,
  shareData,
  sharedRows,
  useSharedData,
} from "./data.js";
export type {
  BotDialect,
  BotEngine,
  BotNode,
  BotRpcConfig,
  BotRpcDeclaration,
  DialectHost,
  GodotEngine,
  OpeningTimes,
  ReplicationCounts,
  RpcAccess,
  SynchronizerCounts,
} from "./dialect.js";
export type { BotByEngine, EngineBot, EngineOptions } from "./engines.js";
export { BotConnectError, BotDisconnectedError, BotTimeoutError } from "./errors.js";
export { Godot3Bot, Godot3Dialect, type Godot3Options, godot3Engine, godot3Mode } from "./godot3/index.js";
export {
  type AuthExchange,
  type Godot4Auth,
  Godot4Bot,
  Godot4Dialect,
  Godot4Node,
  type Godot4Options,
  godot4Config,
  godot4Engine,
  loadManifest,
  type Mode4,
} from "./godot4/index.js";
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
  checkNetwork,
  type DropOption,
  type DropRule,
  DropTimeline,
  linkPart,
  type NetworkConditions,
  type NetworkDuration,
  NetworkOptionError,
  type NextDrop,
} from "./network.js";
export {
  type DataOption,
  type DurationOption,
  defineOptions,
  type RateOption,
  type ScenarioOptions,
  type ShapeOptions,
  type StageOption,
  type TestOptions,
  type ThinkOption,
  type ThresholdOption,
  type ThresholdsOption,
} from "./options.js";
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
export { byWeight, runScenarios, type Scenario } from "./scenarios.js";
export {
  type BotConnectOptions,
  type BotContext,
  type BotScript,
  botContext,
  type DataRow,
  defineBot,
} from "./script.js";
export {
  MAX_BUCKETS,
  mergeSeries,
  SERIES_BUCKET_MS,
  type SeriesBucket,
  SeriesRecorder,
  type TimeSeries,
} from "./series.js";
export {
  type BackoffOptions,
  BotSession,
  backoffDelay,
  SESSION_HEARTBEAT_MS,
  type SessionEvents,
  type SessionOptions,
} from "./session.js";
export { type Stage, shardShare, stagesMs, targetAt } from "./stages.js";
export {
  type BotConnect,
  type BotInfo,
  END_GRACE_MS,
  NO_CONNECT_GRACE_MS,
  RAMP_DOWN,
  runSwarm,
  type Shard,
  type SwarmConnectOptions,
  type SwarmLoad,
  type SwarmOptions,
  shardIndices,
} from "./swarm.js";
export type {
  EncodedHistogram,
  ErrorMessage,
  LoadShape,
  MethodResult,
  ReplicationResult,
  SecondSample,
  SwarmResult,
  SynchronizerResult,
} from "./swarm-result.js";
export { drawThink, type ThinkTime, thinkAround, thinkProblem } from "./think.js";
export {
  evaluateThresholds,
  judgeRun,
  METRICS,
  parseThreshold,
  parseThresholdWith,
  type RunVerdict,
  type Threshold,
  type ThresholdOutcome,
  ThresholdSyntaxError,
  thresholdMethods,
  UnknownMetricError,
} from "./thresholds.js";
