/** Godot's rpc config dictionaries in names, and the code-point order Godot sorts RPC names by. */
import { compareCodePoints, DEFAULT_RPC_CONFIG, type RpcConfig } from "../scene/index.js";

export { compareCodePoints };

/** MultiplayerAPI.RPCMode by value. */
export const RPC_MODES = ["disabled", "any_peer", "authority"] as const;
/** MultiplayerPeer.TransferMode by value. */
export const TRANSFER_MODES = ["unreliable", "unreliable_ordered", "reliable"] as const;

/** Godot's enum constant names, as scripts write them, to their values. */
export const RPC_MODE_CONSTANTS: Readonly<Record<string, number>> = {
  RPC_MODE_DISABLED: 0,
  RPC_MODE_ANY_PEER: 1,
  RPC_MODE_AUTHORITY: 2,
};
export const TRANSFER_MODE_CONSTANTS: Readonly<Record<string, number>> = {
  TRANSFER_MODE_UNRELIABLE: 0,
  TRANSFER_MODE_UNRELIABLE_ORDERED: 1,
  TRANSFER_MODE_RELIABLE: 2,
};

/**
 * An rpc config dictionary (`get_rpc_config()`, `rpc_config()`) as SceneRPCInterface reads it:
 * missing keys take the defaults; an entry without "rpc_mode" is skipped by Godot (undefined here).
 * Out-of-range enum values also give undefined.
 */
export function configFromDictionary(dict: Readonly<Record<string, unknown>>): RpcConfig | undefined {
  if (!("rpc_mode" in dict)) return undefined;
  const mode = toInt(dict.rpc_mode, 2);
  const transfer = toInt(dict.transfer_mode, 2);
  const mName = RPC_MODES[mode];
  const tName = TRANSFER_MODES[transfer];
  if (mName === undefined || tName === undefined) return undefined;
  return {
    rpc_mode: mName,
    call_local: dict.call_local === undefined ? false : Boolean(dict.call_local),
    transfer_mode: tName,
    channel: toInt(dict.channel, 0),
  };
}

function toInt(v: unknown, fallback: number): number {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "boolean") return v ? 1 : 0;
  const n = Number(v);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

export function sameConfig(a: RpcConfig | undefined, b: RpcConfig | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return (
    a.rpc_mode === b.rpc_mode &&
    a.call_local === b.call_local &&
    a.transfer_mode === b.transfer_mode &&
    a.channel === b.channel
  );
}

export const defaultConfig = (): RpcConfig => ({ ...DEFAULT_RPC_CONFIG });

/** The keys of a record in code-point order. */
export function sortedKeys(record: Readonly<Record<string, unknown>>): string[] {
  return Object.keys(record).sort(compareCodePoints);
}
