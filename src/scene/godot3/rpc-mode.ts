/** MultiplayerAPI.RPCMode, numbered as Godot 3 numbers it (the GDScript keywords in comments). */
export enum RpcMode {
  /** A plain `func`/`var`: never callable remotely. */
  DISABLED = 0,
  /** `remote` */
  REMOTE = 1,
  /** `master`: runs only on the node's network master. */
  MASTER = 2,
  /** `puppet` (`slave` before 3.1): runs only on non-masters, called by the master. */
  PUPPET = 3,
  /** `remotesync` (`sync`): remote, and also run locally by the caller. */
  REMOTESYNC = 4,
  /** `mastersync` */
  MASTERSYNC = 5,
  /** `puppetsync` */
  PUPPETSYNC = 6,
}

/** Godot's old names, kept by the engine as aliases. */
export const RPC_MODE_SLAVE = RpcMode.PUPPET;
export const RPC_MODE_SYNC = RpcMode.REMOTESYNC;

/**
 * May a call (or set) from `remoteId` run on a node with this mode? Godot 3's `_can_call_mode`:
 * master modes need us to be the node's master; puppet modes need us not to be, and the caller
 * to be the node's master.
 */
export function canCallMode(mode: RpcMode, isMaster: boolean, nodeMaster: number, remoteId: number): boolean {
  switch (mode) {
    case RpcMode.REMOTE:
    case RpcMode.REMOTESYNC:
      return true;
    case RpcMode.MASTER:
    case RpcMode.MASTERSYNC:
      return isMaster;
    case RpcMode.PUPPET:
    case RpcMode.PUPPETSYNC:
      return !isMaster && remoteId === nodeMaster;
    default:
      return false;
  }
}

/**
 * Does a call we send also run locally, and is the remote send skipped? Godot 3's
 * `_should_call_local`: *sync modes always run locally; `master` runs locally (and only
 * locally) on the master; `puppet` runs locally on a puppet (and is still sent).
 */
export function shouldCallLocal(
  mode: RpcMode,
  isMaster: boolean,
): { callLocal: boolean; skipRemote: boolean } {
  switch (mode) {
    case RpcMode.MASTERSYNC:
      return { callLocal: true, skipRemote: isMaster };
    case RpcMode.REMOTESYNC:
    case RpcMode.PUPPETSYNC:
      return { callLocal: true, skipRemote: false };
    case RpcMode.MASTER:
      return { callLocal: isMaster, skipRemote: isMaster };
    case RpcMode.PUPPET:
      return { callLocal: !isMaster, skipRemote: false };
    default:
      return { callLocal: false, skipRemote: false };
  }
}
