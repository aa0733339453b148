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
export { type BotContext, type BotScript, botContext, defineBot } from "./script.js";
