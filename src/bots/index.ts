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
export { type LiveStats, SATURATED_CPU_PERCENT, SATURATED_LAG_MS, SwarmMetrics } from "./metrics.js";
export { type BotContext, type BotScript, botContext, defineBot } from "./script.js";
export { runSwarm, type Shard, type SwarmLoad, type SwarmOptions, shardIndices } from "./swarm.js";
export type { EncodedHistogram, MethodResult, SecondSample, SwarmResult } from "./swarm-result.js";
