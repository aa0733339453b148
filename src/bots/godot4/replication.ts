/**
 * What a Godot 4 bot sees and drives of replication (MultiplayerSpawner / MultiplayerSynchronizer):
 * the nodes the server spawned, with their replicated properties, waits on them, and the network
 * frame that sends the SYNC of the synchronizers the bot is the authority of (its own player).
 *
 *   const me = await bot.replication.waitForSpawn(`Main/Players/${bot.uniqueId}`);
 *   me.set("position", new Vector2(10, 0));          // sent at the synchronizer's interval
 *   await bot.replication.waitForProperty(other, "hp", (hp) => hp === 90);
 */
import type { ReplicatedNode, SceneMultiplayer, SceneReplicationInterface } from "../../scene/index.js";
import type { Variant } from "../../variant/index.js";
import { BotTimeoutError } from "../errors.js";

export interface BotReplicationOptions {
  /** Network frames per second: how often SceneMultiplayer::poll would run in a Godot client. Default 60. */
  readonly fps?: number;
}

/** `*` matches one path element ("Main/Players/*"); a RegExp is tested on the whole path. */
export type PathPattern = string | RegExp;

function matcher(pattern: PathPattern): (path: string) => boolean {
  if (pattern instanceof RegExp) return (p) => pattern.test(p);
  if (!pattern.includes("*")) return (p) => p === pattern;
  const segs = pattern.split("/");
  return (p) => {
    const s = p.split("/");
    return s.length === segs.length && segs.every((x, i) => x === "*" || x === s[i]);
  };
}

export class BotReplication {
  readonly #mp: SceneMultiplayer;
  readonly #intervalMs: number;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(mp: SceneMultiplayer, options: BotReplicationOptions = {}) {
    this.#mp = mp;
    this.#intervalMs = 1000 / (options.fps ?? 60);
  }

  /** The SceneReplicationInterface: spawners, synchronizers, their authority, stats, and its events (spawned, despawned, changed, synchronized). */
  get interface(): SceneReplicationInterface {
    return this.#mp.replication;
  }

  get nodes(): ReadonlyMap<string, ReplicatedNode> {
    return this.#mp.replication.nodes;
  }

  getNode(path: string): ReplicatedNode | undefined {
    return this.#mp.replication.getNode(path);
  }

  /** A frozen bot sends no SYNC for its synchronizers (a client that stopped replicating). */
  get frozen(): boolean {
    return this.#mp.replication.frozen;
  }

  set frozen(v: boolean) {
    this.#mp.replication.frozen = v;
  }

  /** Starts the network frame (idempotent): SYNCs of owned synchronizers go out from it. */
  start(): void {
    if (this.#timer) return;
    // Tick style (bot.poll(), autoProcess off) has its frame in SceneMultiplayer.poll(): not twice.
    this.#timer = setInterval(() => {
      if (this.#mp.autoProcess) this.#mp.replication.process();
    }, this.#intervalMs);
    this.#timer.unref?.();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Resolves with the first replicated node whose path matches (one already there included). */
  waitForSpawn(pattern: PathPattern, timeoutMs = 10_000): Promise<ReplicatedNode> {
    const r = this.#mp.replication;
    const match = matcher(pattern);
    for (const n of r.nodes.values()) if (n.spawner !== null && match(n.path)) return Promise.resolve(n);
    return new Promise((resolve, reject) => {
      const on = (n: ReplicatedNode) => {
        if (!match(n.path)) return;
        clearTimeout(timer);
        r.off("spawned", on);
        resolve(n);
      };
      const timer = setTimeout(() => {
        r.off("spawned", on);
        reject(
          new BotTimeoutError(
            `no spawn of ${String(pattern)} within ${timeoutMs} ms`,
            String(pattern),
            "spawned",
            timeoutMs,
          ),
        );
      }, timeoutMs);
      r.on("spawned", on);
    });
  }

  /** Resolves when `node` (or the node at the path) is despawned. */
  waitForDespawn(node: ReplicatedNode | string, timeoutMs = 10_000): Promise<ReplicatedNode> {
    const r = this.#mp.replication;
    const path = typeof node === "string" ? node : node.path;
    return new Promise((resolve, reject) => {
      if (!r.nodes.has(path)) {
        const n = typeof node === "string" ? undefined : node;
        if (n) return resolve(n);
      }
      const on = (n: ReplicatedNode) => {
        if (n.path !== path) return;
        clearTimeout(timer);
        r.off("despawned", on);
        resolve(n);
      };
      const timer = setTimeout(() => {
        r.off("despawned", on);
        reject(
          new BotTimeoutError(`${path} still there after ${timeoutMs} ms`, path, "despawned", timeoutMs),
        );
      }, timeoutMs);
      r.on("despawned", on);
    });
  }

  /** Resolves with the property's value once `predicate` holds for it (now, or after a SPAWN/SYNC). */
  waitForProperty(
    node: ReplicatedNode | string,
    property: string,
    predicate: (value: Variant) => boolean,
    timeoutMs = 10_000,
  ): Promise<Variant> {
    const r = this.#mp.replication;
    const path = typeof node === "string" ? node : node.path;
    const key = property.startsWith(".:") ? property.slice(2) : property;
    const current = r.getNode(path)?.properties.get(key);
    if (current !== undefined && predicate(current)) return Promise.resolve(current);
    return new Promise((resolve, reject) => {
      const on = (n: ReplicatedNode, k: string, v: Variant) => {
        if (n.path !== path || k !== key || !predicate(v)) return;
        clearTimeout(timer);
        r.off("changed", on);
        resolve(v);
      };
      const timer = setTimeout(() => {
        r.off("changed", on);
        const last = r.getNode(path)?.properties.get(key);
        reject(
          new BotTimeoutError(
            `${path}:${key} did not match within ${timeoutMs} ms (last value: ${String(last)})`,
            path,
            key,
            timeoutMs,
          ),
        );
      }, timeoutMs);
      r.on("changed", on);
    });
  }
}
