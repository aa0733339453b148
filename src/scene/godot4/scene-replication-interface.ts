/**
 * SceneReplicationInterface (modules/multiplayer/scene_replication_interface.cpp) for a peer with
 * no scene tree: SPAWN / DESPAWN / SYNC received become replicated nodes holding their properties,
 * and synchronizers this peer is the authority of send full and delta SYNCs as Godot 4.6.3 does.
 *
 * What a bot cannot see statically is given in code: which peer is the authority of a spawned
 * scene's synchronizer (a script sets it; default: the spawner's authority), and whether a
 * spawner has a spawn_function (default: assumed set).
 * Every refusal is a named drop in Godot's order of checks, with the text Godot prints.
 */
import { SignalEmitter } from "../../core/index.js";
import { DecodeError, type Variant, variantEquals } from "../../variant/index.js";
import type { SceneDropReason4 } from "./errors.js";
import { type MultiplayerHost, PACKET_START } from "./host.js";
import { NetworkCommand } from "./network-commands.js";
import { getU16, getU32, PacketWriter, putU32 } from "./packet-writer.js";
import {
  CUSTOM_SPAWN,
  isNewerSyncTime,
  isValidNodeName,
  propertyKey,
  type ReplicationConfig,
  resolveRelative,
  STATIC_SYNC_ID,
  type SynchronizerConfig,
  spawnerConfig,
  synchronizerConfig,
} from "./replication-config.js";
import type { ManifestSpawner, ManifestSynchronizer, RpcManifest } from "./rpc-manifest.js";
import type { RpcNode } from "./rpc-node.js";
import { readCString, type SceneCacheInterface } from "./scene-cache-interface.js";
import {
  fixedLength,
  readCompressedVariant,
  readFixedCompressedVariant,
  writeCompressedVariant,
} from "./variant-compression.js";

const DELTA_FLAG = 1 << 4;
const EMPTY = new Uint8Array(0);
/** Bytes of a synchronizer's slot for a state kept as bytes (3 Vector3 are 48). */
const STATE_SLOT = 64;
const TRANSFER_UNRELIABLE = 0;
const TRANSFER_RELIABLE = 2;
/** SceneReplicationInterface's default max_sync_packet_size and max_delta_packet_size. */
export const DEFAULT_SYNC_MTU = 1350;
export const DEFAULT_DELTA_MTU = 65535;

/**
 * Where the last kept value read ended (a script reads a state's values in order): in which bytes,
 * for the state of which start and sequence number (a new state there gets a new one).
 */
let cursorBytes: Uint8Array = EMPTY;
let cursorStart = -1;
let cursorSeq = -1;
let cursorIndex = 0;
let cursorAt = 0;

/**
 * A node's entry for one value of the state a synchronizer keeps as bytes (its `index`-th
 * property): made once per synchronizer and property, so a read knows where to look.
 */
class KeptValue {
  constructor(
    readonly sync: Synchronizer,
    readonly index: number,
  ) {}
}

/**
 * The `index`-th value of the state `sync` keeps as bytes: decoded afresh, so a copy (Godot's
 * Vector2, Transform, Color… are value types: mutating one read changes nothing here).
 */
function readKept(sync: Synchronizer, index: number): Variant {
  const r = sync.replication as SceneReplicationInterface;
  r.keptValuesRead++;
  const inSlab = sync.stateAt >= 0;
  const bytes = inSlab ? r.stateSlab : sync.stateBytes;
  const start = inSlab ? sync.stateAt : 0;
  const end = start + sync.stateLength;
  let i = 0;
  let at = start;
  if (cursorBytes === bytes && cursorStart === start && cursorSeq === sync.stateSeq && cursorIndex <= index) {
    i = cursorIndex;
    at = cursorAt;
  }
  // Validated on receipt: every value there is whole and of a fixed size.
  for (; i < index; i++) at += compressedLength(bytes, at, end);
  cursorBytes = bytes;
  cursorStart = start;
  cursorSeq = sync.stateSeq;
  const v = readFixedCompressedVariant(bytes, at, end);
  cursorIndex = index + 1;
  cursorAt = at + fixedLength;
  return v;
}

/** values() / entries() of ReplicatedProperties: the Map's own, kept values decoded as they come. */
class ReadIterator<T> implements MapIterator<T> {
  constructor(
    readonly inner: MapIterator<unknown>,
    readonly entries: boolean,
  ) {}

  next(): IteratorResult<T, undefined> {
    // The Map iterator's own answer, fresh each step (a caller may keep two), filled in place.
    const r = this.inner.next() as { done?: boolean; value: unknown };
    if (r.done) return r as IteratorResult<T, undefined>;
    if (this.entries) {
      const e = r.value as [string, unknown];
      const v = e[1];
      if (v instanceof KeptValue) e[1] = readKept(v.sync, v.index);
    } else if (r.value instanceof KeptValue) r.value = readKept(r.value.sync, r.value.index);
    return r as IteratorResult<T, undefined>;
  }

  [Symbol.iterator](): MapIterator<T> {
    return this;
  }
}

/**
 * A node's properties. The values of a full SYNC nobody listens to stay in the bytes received
 * (validated on receipt) and every read decodes a fresh value from them: 1,000 bots following 100
 * entities would otherwise keep 100,000 values alive, replaced 20 times a second, promoted out of
 * the young generation and swept there. Mutating a value read changes nothing here.
 */
export class ReplicatedProperties extends Map<string, Variant> {
  /** The node's synchronizers (an entry of a state one keeps as bytes holds a KeptValue of it). */
  readonly #syncs: readonly Synchronizer[];

  constructor(syncs: readonly Synchronizer[]) {
    super();
    this.#syncs = syncs;
  }

  #raw(key: string): Variant | KeptValue | undefined {
    return super.get(key) as Variant | KeptValue | undefined;
  }

  /** The entry no longer reads its synchronizer's kept state: the next state points them all again. */
  #release(key: string): void {
    const old = this.#raw(key);
    if (old instanceof KeptValue) old.sync.stateKept = false;
  }

  /** The node's values of `sync` are now its kept state's (its entries point there, if not yet). */
  keep(sync: Synchronizer): void {
    if (sync.stateKept) return;
    const keys = sync.syncKeys;
    let refs = sync.keptValues;
    if (refs === null) {
      refs = keys.map((_, i) => new KeptValue(sync, i));
      sync.keptValues = refs;
    }
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const old = this.#raw(key);
      if (old instanceof KeptValue && old.sync !== sync) old.sync.stateKept = false;
      super.set(key, refs[i] as unknown as Variant);
    }
    sync.stateKept = true;
  }

  /** The entries pointing at `sync`'s kept state take their values (its bytes are about to go). */
  unkeep(sync: Synchronizer): void {
    const refs = sync.keptValues;
    if (refs !== null) {
      const keys = sync.syncKeys;
      for (let i = 0; i < keys.length; i++) {
        const key = keys[i] as string;
        if (this.#raw(key) === refs[i]) super.set(key, readKept(sync, i));
      }
    }
    sync.stateKept = false;
  }

  override get(key: string): Variant | undefined {
    const v = this.#raw(key);
    return v instanceof KeptValue ? readKept(v.sync, v.index) : v;
  }

  override set(key: string, value: Variant): this {
    this.#release(key);
    return super.set(key, value);
  }

  override delete(key: string): boolean {
    this.#release(key);
    return super.delete(key);
  }

  override clear(): void {
    for (const sync of this.#syncs) sync.stateKept = false;
    super.clear();
  }

  override forEach(
    fn: (value: Variant, key: string, map: Map<string, Variant>) => void,
    thisArg?: unknown,
  ): void {
    super.forEach((v, k) => {
      const kept = v as unknown;
      fn.call(thisArg, kept instanceof KeptValue ? readKept(kept.sync, kept.index) : v, k, this);
    });
  }

  override entries(): MapIterator<[string, Variant]> {
    return new ReadIterator<[string, Variant]>(super.entries(), true);
  }

  override values(): MapIterator<Variant> {
    return new ReadIterator<Variant>(super.values(), false);
  }

  override [Symbol.iterator](): MapIterator<[string, Variant]> {
    return this.entries();
  }
}

/** Godot 4 type ids of fixed size: NIL … COLOR but STRING; the reals of each (-1: fixed bytes). */
const FIXED_REALS = [0, -1, -1, 1, -1, 2, -8, 4, -16, 3, -12, 6, 4, -16, 4, 4, 6, 9, 12, 16, -16];
const FLAG_64 = 1 << 16;

/**
 * The bytes of the compressed value at `at` when its type has a fixed size and they are all
 * there; -1 for anything else (only a full decode can tell). Builds nothing.
 */
function compressedLength(p: Uint8Array, at: number, end: number): number {
  const meta = p[at] as number;
  const type = meta & 0x3f;
  if (type === 1) return 1; // BOOL: the value in the meta
  if (type === 2) {
    const mode = meta >> 6;
    const len = 1 + (mode === 0 ? 1 : mode === 1 ? 2 : mode === 2 ? 4 : 8);
    return at + len <= end ? len : -1;
  }
  if (end - at < 4) return -1;
  const header = getU32(p, at);
  const t = header & 0xff;
  if (t >= FIXED_REALS.length || t === 4 || t === 1 || t === 2) return -1;
  const reals = FIXED_REALS[t] as number;
  const len = 4 + (reals >= 0 ? reals * ((header & FLAG_64) !== 0 ? 8 : 4) : -reals);
  return at + len <= end ? len : -1;
}

/** A node that replication made or fills: spawned by a peer, or a static node a synchronizer replicates. */
export class ReplicatedNode {
  /** Property key ("position", "Sprite:modulate") → its last value (a Map; see ReplicatedProperties). */
  readonly properties: Map<string, Variant>;
  /** The synchronizers whose root this node is. */
  readonly synchronizers: Synchronizer[] = [];
  constructor(
    /** Root-relative path ("Main/Players/42"). */
    readonly path: string,
    /** The MultiplayerSpawner's path, null for a node that was not spawned. */
    readonly spawner: string | null,
    /** The spawnable scene's index; null for a custom spawn or a static node. */
    readonly sceneIndex: number | null,
    readonly scene: string | null,
    /** A custom spawn's argument (what spawn() was given). */
    readonly spawnArgument: Variant | undefined,
    /** The net id the spawning peer gave it (ours: given at its first SPAWN; 0: not spawned). */
    public netId: number,
    /** The peer that spawned it (0: not spawned). */
    readonly remotePeer: number,
  ) {
    this.properties = new ReplicatedProperties(this.synchronizers);
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf("/") + 1);
  }

  get(property: string): Variant | undefined {
    return this.properties.get(propertyKey(property));
  }

  /** Sets a property locally: sent by the synchronizers we are the authority of, at their interval. */
  set(property: string, value: Variant): void {
    this.properties.set(propertyKey(property), value);
  }
}

/** The property keys of a config's full SYNC, one array for all its synchronizers. */
const syncKeysCache = new WeakMap<ReplicationConfig, readonly string[]>();
function syncKeysOf(config: ReplicationConfig): readonly string[] {
  let keys = syncKeysCache.get(config);
  if (!keys) {
    keys = config.syncProperties.map(propertyKey);
    syncKeysCache.set(config, keys);
  }
  return keys;
}

/** A MultiplayerSynchronizer as this peer tracks it. */
export class Synchronizer {
  // What a SYNC's receipt reads and writes first: one cache line of 1,000 bots' 100,000 synchronizers.
  /** get_multiplayer_authority. */
  authority: number;
  /** Our net id for it on the wire: received in a SPAWN, or STATIC_SYNC_ID | path cache id. */
  netId = 0;
  syncStarted = false;
  lastInboundSync = 0;
  /** Its last full SYNC state's bytes when bigger than a slot, copied here (reused); see ReplicatedProperties. */
  stateBytes: Uint8Array = EMPTY;
  /** Its slot in the interface's stateSlab (-1: none; a state bigger than a slot is in stateBytes). */
  stateAt = -1;
  stateLength = 0;
  /** Whether its node's entries of its properties all read its kept state; stateSeq names that state. */
  stateKept = false;
  stateSeq = 0;
  /** Whose slab holds its kept state (set when it keeps one). */
  replication: SceneReplicationInterface | null = null;
  /**
   * The entry that followed it in its peer's last full SYNC, valid while that peer's recvEpoch is
   * nextEpoch: a game sends its synchronizers in the same order every tick, so the next entry's
   * net id is checked against it before a lookup in recvSyncIds (1,000 bots' maps are cold).
   */
  next: Synchronizer | null = null;
  nextEpoch = -1;
  /** Its node's entries for the values of its kept state (made when it first keeps one). */
  keptValues: KeptValue[] | null = null;
  /** How many values its full SYNC carries. */
  readonly syncCount: number;
  /** Its declaration's counters (shared by every instance of a pattern): ReplicationStats.synchronizers. */
  stats: SynchronizerStats = newSynchronizerStats();
  lastSyncUsec = -1;
  lastWatchUsec = -1;
  /** When each watched property last changed (usec), and the value seen then. */
  readonly watchChangeUsec: number[];
  readonly watchSeen: (Variant | undefined)[];
  /** set_visibility_for: peers besides public visibility. */
  readonly visibleTo = new Set<number>();
  publicVisibility: boolean;
  rpcNode: RpcNode | null = null;
  /** The property keys of its full SYNC, by index (the SYNC path sets them with no string work). */
  readonly syncKeys: readonly string[];
  /** The replication interface's visibility_changed handler (synchronizers of our spawns). */
  onVisibilityChanged: ((peer: number) => void) | null = null;
  constructor(
    readonly path: string,
    readonly node: ReplicatedNode,
    readonly settings: SynchronizerConfig,
    authority: number,
  ) {
    this.authority = authority;
    const n = settings.config.watchProperties.length;
    this.watchChangeUsec = new Array<number>(n).fill(-1);
    this.watchSeen = new Array<Variant | undefined>(n).fill(undefined);
    this.publicVisibility = settings.public_visibility;
    this.syncKeys = syncKeysOf(settings.config);
    this.syncCount = this.syncKeys.length;
  }

  get config(): ReplicationConfig {
    return this.settings.config;
  }

  /** set_visibility_for(peer, visible); peer 0 = public_visibility. */
  setVisibilityFor(peer: number, visible: boolean): void {
    if (peer === 0) this.publicVisibility = visible;
    else if (visible) this.visibleTo.add(peer);
    else this.visibleTo.delete(peer);
    this.onVisibilityChanged?.(peer);
  }

  /** MultiplayerSynchronizer.public_visibility (setting it is set_visibility_for(0, …)). */
  setPublicVisibility(visible: boolean): void {
    this.setVisibilityFor(0, visible);
  }

  isVisibleTo(peer: number): boolean {
    return this.publicVisibility || this.visibleTo.has(peer);
  }
}

export interface SceneReplicationEvents {
  /** MultiplayerSpawner.spawned: a remote spawn was accepted (its spawn state applied). */
  spawned: [node: ReplicatedNode];
  despawned: [node: ReplicatedNode];
  /** A property took a new value from a SPAWN or SYNC (not emitted when the value is the same). */
  changed: [node: ReplicatedNode, property: string, value: Variant];
  /** MultiplayerSynchronizer.synchronized / delta_synchronized. */
  synchronized: [sync: Synchronizer];
  delta_synchronized: [sync: Synchronizer];
}

/** One declared synchronizer's share of ReplicationStats: SYNC entries, not packets. */
export interface SynchronizerStats {
  syncsIn: number;
  deltasIn: number;
  syncsStale: number;
  /** Entries sent (one per peer per SYNC packet it is in). */
  syncsOut: number;
  deltasOut: number;
  /** The entries' state bytes, their headers not counted. */
  bytesIn: number;
  bytesOut: number;
}

function newSynchronizerStats(): SynchronizerStats {
  return { syncsIn: 0, deltasIn: 0, syncsStale: 0, syncsOut: 0, deltasOut: 0, bytesIn: 0, bytesOut: 0 };
}

export interface ReplicationStats {
  spawnsIn: number;
  despawnsIn: number;
  /** Full SYNC entries applied, and delta entries applied. */
  syncsIn: number;
  deltasIn: number;
  /** Full SYNC entries older than the last one taken (Godot skips them silently). */
  syncsStale: number;
  /** SYNC entries for a net id not known (yet): skipped silently as Godot does. */
  syncsUnknown: number;
  /** Packets sent: full SYNC and delta SYNC. */
  syncsOut: number;
  deltasOut: number;
  /** SPAWN / DESPAWN packets we sent as a spawner's authority. */
  spawnsOut: number;
  despawnsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** By declaration: the synchronizer's path, or its pattern (a `*` for a spawned node's name). */
  readonly synchronizers: Map<string, SynchronizerStats>;
}

/**
 * Who is the authority of the synchronizer at `path` (root-relative) of a node `node` just
 * spawned by `spawnerAuthority`: the bot's answer to what the game's script does in _enter_tree.
 */
export type SynchronizerAuthority = (path: string, node: ReplicatedNode, spawnerAuthority: number) => number;

interface SyncPattern {
  readonly key: string;
  readonly segments: readonly string[];
  readonly settings: SynchronizerConfig;
}

/** MultiplayerSpawner.spawn / add_child under a spawn_path, by the spawner's authority. */
export interface SpawnOptions {
  /** A spawnable scene, by index or res:// path; absent: a custom spawn (spawn_function). */
  readonly scene?: number | string;
  /** A custom spawn's argument (what spawn() is given; sent in the SPAWN). */
  readonly argument?: Variant;
  /** The node's properties before it enters the tree (the spawn state is read from them). */
  readonly properties?: Iterable<readonly [string, Variant]>;
  /** Runs once the synchronizers exist, before the SPAWN goes out (_enter_tree / _ready). */
  readonly setup?: (node: ReplicatedNode) => void;
}

interface PeerInfo {
  recvNodes: Map<number, ReplicatedNode>;
  /** spawn_nodes: our spawns this peer was sent. */
  spawnNodes: Set<ReplicatedNode>;
  recvSyncIds: Map<number, Synchronizer>;
  /** Bumped whenever recvSyncIds changes: a Synchronizer's `next` of an older epoch is stale. */
  recvEpoch: number;
  /** The last entry of this peer's last full SYNC (its `next` predicts the one after). */
  lastRecv: Synchronizer | null;
  lastSentSync: number;
  lastWatchUsecs: Map<Synchronizer, number>;
}

interface SpawnerState {
  readonly config: ManifestSpawner;
  authority: number;
  /** Root-relative path of its spawn_path. */
  readonly parent: string | null;
  readonly tracked: Set<ReplicatedNode>;
}

const now = (): number => Math.floor(performance.now() * 1000);

export class SceneReplicationInterface extends SignalEmitter<SceneReplicationEvents> {
  /** A frozen peer sends no SYNC at all (a client that stopped replicating). */
  frozen = false;
  maxSyncPacketSize = DEFAULT_SYNC_MTU;
  maxDeltaPacketSize = DEFAULT_DELTA_MTU;
  synchronizerAuthority: SynchronizerAuthority = (_path, _node, spawnerAuthority) => spawnerAuthority;
  readonly stats: ReplicationStats = {
    spawnsIn: 0,
    despawnsIn: 0,
    syncsIn: 0,
    deltasIn: 0,
    syncsStale: 0,
    syncsUnknown: 0,
    syncsOut: 0,
    deltasOut: 0,
    spawnsOut: 0,
    despawnsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    synchronizers: new Map(),
  };
  /** Each declaration's counters, by its settings (what a Synchronizer knows of its declaration). */
  /** Values read from the full SYNC states kept as bytes (each read decodes one afresh). */
  keptValuesRead = 0;
  readonly #statsOf = new Map<SynchronizerConfig, SynchronizerStats>();
  readonly #host: MultiplayerHost;
  readonly #cache: SceneCacheInterface;
  readonly #nodeAt: (path: string) => RpcNode;
  readonly #forget: (path: string) => void;
  readonly #spawners = new Map<string, SpawnerState>();
  readonly #exactSyncs = new Map<string, SynchronizerConfig>();
  readonly #syncPatterns: SyncPattern[] = [];
  /** Every replicated node by root-relative path. */
  readonly #nodes = new Map<string, ReplicatedNode>();
  /** Static synchronizers (not spawned) by path. */
  readonly #static = new Map<string, Synchronizer>();
  /** Every synchronizer of a spawned node, by path (a peer may name one by path cache id). */
  readonly #spawnedSyncs = new Map<string, Synchronizer>();
  /** spawned_nodes: what we spawned as a spawner's authority. */
  readonly #spawned = new Set<ReplicatedNode>();
  #lastNetId = 0;
  /** Synchronizers we are the authority of. */
  readonly #owned = new Set<Synchronizer>();
  /**
   * Godot's peers_info, made for a peer on first use: its membership is the connected peers'
   * (with server_relay on a client is told of every peer, and a swarm's bots would hold N² empty
   * records otherwise).
   */
  readonly #peers = new Map<number, PeerInfo>();
  readonly #clock: () => number;

  constructor(
    host: MultiplayerHost,
    cache: SceneCacheInterface,
    nodeAt: (path: string) => RpcNode,
    forget: (path: string) => void,
    clockUsec: () => number = now,
  ) {
    super();
    this.#host = host;
    this.#cache = cache;
    this.#nodeAt = nodeAt;
    this.#forget = forget;
    this.#clock = clockUsec;
  }

  // ---- declarations ----

  /** Takes the manifest's spawners and synchronizers (replacing none declared in code). */
  loadManifest(manifest: RpcManifest): void {
    for (const [path, s] of Object.entries(manifest.spawners ?? {})) this.addSpawner(path, s);
    for (const [path, s] of Object.entries(manifest.synchronizers ?? {})) this.addSynchronizer(path, s);
  }

  /** Declares a MultiplayerSpawner at a root-relative path; its authority is 1 unless set. */
  addSpawner(
    path: string,
    spawner: Partial<ManifestSpawner> & Pick<ManifestSpawner, "spawn_path">,
    authority = 1,
  ): void {
    const config = spawnerConfig(spawner);
    this.#spawners.set(path, {
      config,
      authority,
      parent: resolveRelative(path, config.spawn_path),
      tracked: new Set(),
    });
  }

  /** Declares a MultiplayerSynchronizer by path, or by pattern (`*` = one element) for spawned scenes. */
  addSynchronizer(
    path: string,
    sync: Partial<ManifestSynchronizer> & Pick<ManifestSynchronizer, "properties">,
  ): void {
    const settings = synchronizerConfig(sync);
    let counts = this.stats.synchronizers.get(path);
    if (!counts) {
      counts = newSynchronizerStats();
      this.stats.synchronizers.set(path, counts);
    }
    this.#statsOf.set(settings, counts);
    if (path.includes("*")) this.#syncPatterns.push({ key: path, segments: path.split("/"), settings });
    else this.#exactSyncs.set(path, settings);
  }

  /** Whether `path` is a declared spawner or synchronizer (nodes the path cache may name). */
  declares(path: string): boolean {
    // A synchronizer of a spawned scene (a pattern) exists only while its node does.
    return this.#spawners.has(path) || this.#exactSyncs.has(path) || this.#spawnedSyncs.has(path);
  }

  setSpawnerAuthority(path: string, authority: number): void {
    const s = this.#spawners.get(path);
    if (!s) throw new RangeError(`no MultiplayerSpawner declared at ${path}`);
    s.authority = authority;
  }

  // ---- what a bot reads ----

  getNode(path: string): ReplicatedNode | undefined {
    return this.#nodes.get(path);
  }

  get nodes(): ReadonlyMap<string, ReplicatedNode> {
    return this.#nodes;
  }

  /** The synchronizers we are the authority of (what process() sends). */
  get ownedSynchronizers(): ReadonlySet<Synchronizer> {
    return this.#owned;
  }

  /**
   * A static synchronizer (part of the scene, not spawned) that we are the authority of: it is
   * sent by path (STATIC_SYNC_ID | cache id) once the peer confirmed the path.
   */
  ownStaticSynchronizer(path: string): Synchronizer {
    const settings = this.#syncSettings(path);
    if (!settings) throw new RangeError(`no MultiplayerSynchronizer declared at ${path}`);
    const sync = this.#staticSync(path, settings, this.#host.uniqueId());
    sync.authority = this.#host.uniqueId();
    this.#owned.add(sync);
    return sync;
  }

  // ---- peers ----

  onPeerChange(id: number, connected: boolean): void {
    // A newcomer starts with an empty record (made when first needed), as Godot's new PeerInfo.
    if (connected) {
      this.#peers.delete(id);
      // A newcomer is sent every spawn of ours it may see (its record is then made).
      for (const node of this.#spawned) this.#updateSpawnVisibility(id, node);
      return;
    }
    const info = this.#peers.get(id);
    if (!info) return;
    this.#peers.delete(id);
    // _free_remotes: what the peer spawned goes with it.
    for (const node of info.recvNodes.values()) this.#removeNode(node);
  }

  clear(): void {
    for (const id of [...this.#peers.keys()]) this.onPeerChange(id, false);
    for (const s of this.#static.values()) {
      s.netId = 0;
      s.syncStarted = false;
      s.lastInboundSync = 0;
    }
    // on_reset: our spawns keep their nodes; ids are given again.
    for (const node of this.#spawned) {
      node.netId = 0;
      for (const s of node.synchronizers) s.netId = 0;
    }
    this.#lastNetId = 0;
  }

  /** peers_info[from], if `from` is a connected peer (its record made on first use). */
  #info(from: number): PeerInfo | undefined {
    const known = this.#peers.get(from);
    if (known) return known;
    if (!this.#host.connectedPeers.has(from)) return undefined;
    const made: PeerInfo = {
      recvNodes: new Map(),
      spawnNodes: new Set(),
      recvSyncIds: new Map(),
      recvEpoch: 0,
      lastRecv: null,
      lastSentSync: 0,
      lastWatchUsecs: new Map(),
    };
    this.#peers.set(from, made);
    return made;
  }

  #drop(from: number, reason: SceneDropReason4, message: string, path?: string): void {
    this.#host.drop(from, reason, message, path);
  }

  // ---- spawning, as a spawner's authority (on_spawn, _update_spawn_visibility, on_despawn) ----

  /**
   * A node added under the spawn_path of a MultiplayerSpawner we are the authority of (its
   * spawn(), or add_child of a spawnable scene): every peer its synchronizers are visible to gets
   * a SPAWN with the state of the synchronizers we are the authority of, as 4.6.3 makes it.
   * Throws RangeError for what Godot refuses (the same texts).
   */
  spawn(spawnerPath: string, name: string, options: SpawnOptions = {}): ReplicatedNode {
    const spawner = this.#spawners.get(spawnerPath);
    if (!spawner) throw new RangeError(`no MultiplayerSpawner declared at ${spawnerPath}`);
    const self = this.#host.uniqueId();
    if (spawner.authority !== self)
      throw new RangeError('Condition "!is_multiplayer_authority()" is true. Returning: nullptr');
    if (spawner.parent === null) throw new RangeError('Parameter "parent" is null.');
    if (name === "" || !isValidNodeName(name)) throw new RangeError(`Invalid node name: '${name}'.`);
    const path = spawner.parent === "" ? name : `${spawner.parent}/${name}`;
    if (this.#nodes.has(path)) throw new RangeError(`A node named ${name} is already at ${spawner.parent}.`);
    const limit = spawner.config.spawn_limit;
    if (limit && limit <= spawner.tracked.size)
      throw new RangeError("Unable to spawn node. The spawn limit has been reached!");
    let sceneIndex: number | null = null;
    if (options.scene !== undefined) {
      const scenes = spawner.config.spawnable_scenes;
      sceneIndex = typeof options.scene === "number" ? options.scene : scenes.indexOf(options.scene);
      if (!(sceneIndex >= 0 && sceneIndex < scenes.length && sceneIndex < CUSTOM_SPAWN))
        throw new RangeError(`${String(options.scene)} is not a spawnable scene of ${spawnerPath}.`);
    } else if (spawner.config.spawn_function === false) {
      throw new RangeError("Custom spawn requires a valid 'spawn_function'.");
    }
    const node = new ReplicatedNode(
      path,
      spawnerPath,
      sceneIndex,
      sceneIndex === null ? null : (spawner.config.spawnable_scenes[sceneIndex] ?? null),
      sceneIndex === null ? (options.argument ?? null) : undefined,
      0,
      0,
    );
    for (const [k, v] of options.properties ?? []) node.properties.set(propertyKey(k), v);
    this.#nodes.set(path, node);
    spawner.tracked.add(node);
    for (const [syncPath, settings] of this.#syncsUnder(path)) {
      const root = resolveRelative(syncPath, settings.root_path) ?? path;
      const target = root === path ? node : this.#nodeFor(root);
      const sync = new Synchronizer(
        syncPath,
        target,
        settings,
        this.synchronizerAuthority(syncPath, node, self),
      );
      sync.stats = this.#statsOf.get(settings) ?? sync.stats;
      target.synchronizers.push(sync);
      this.#spawnedSyncs.set(syncPath, sync);
      if (sync.authority === self) this.#owned.add(sync);
    }
    options.setup?.(node);
    for (const sync of node.synchronizers)
      sync.onVisibilityChanged = (peer) => this.#visibilityChanged(node, peer);
    this.#spawned.add(node);
    this.#updateSpawnVisibility(0, node);
    return node;
  }

  /** The node we spawned leaves the tree (queue_free): a DESPAWN to every peer that has it. */
  despawn(node: ReplicatedNode | string): boolean {
    const n = typeof node === "string" ? this.#nodes.get(node) : node;
    if (!n || !this.#spawned.has(n)) return false;
    const packet = this.#despawnPacket(n);
    for (const [peer, info] of this.#peers) if (info.spawnNodes.has(n)) this.#sendRaw(peer, packet, true);
    this.#removeNode(n);
    return true;
  }

  /** What we spawned (spawned_nodes). */
  get spawnedNodes(): ReadonlySet<ReplicatedNode> {
    return this.#spawned;
  }

  /** Whether `peer` was sent the SPAWN of our node (peers_info[peer].spawn_nodes). */
  isSpawnedTo(node: ReplicatedNode, peer: number): boolean {
    return this.#peers.get(peer)?.spawnNodes.has(node) ?? false;
  }

  /**
   * is_rpc_visible: may an RPC on the node at `path` go to `peer` (0: to everyone)? Untracked
   * nodes and nodes with no synchronizer always; the peer that spawned a node always.
   */
  isRpcVisible(path: string, peer: number): boolean {
    const node = this.#nodes.get(path);
    if (!node || node.synchronizers.length === 0) return true;
    if (node.remotePeer && peer === node.remotePeer) return true;
    if (this.#spawned.has(node)) {
      if (peer) return this.#peers.get(peer)?.spawnNodes.has(node) ?? false;
      const self = this.#host.uniqueId();
      for (const id of this.#host.connectedPeers) {
        if (id !== self && !this.#peers.get(id)?.spawnNodes.has(node)) return false;
      }
      return true;
    }
    for (const s of node.synchronizers) if (s.isVisibleTo(peer)) return true;
    return false;
  }

  #visibilityChanged(node: ReplicatedNode, peer: number): void {
    if (this.#spawned.has(node) && peer !== this.#host.uniqueId()) this.#updateSpawnVisibility(peer, node);
  }

  /** _update_spawn_visibility: spawn visibility is the OR of our synchronizers' (public with none). */
  #updateSpawnVisibility(peer: number, node: ReplicatedNode): void {
    const self = this.#host.uniqueId();
    let visible = true;
    for (const s of node.synchronizers) {
      if (s.authority !== self) continue;
      if (s.isVisibleTo(peer)) {
        visible = true;
        break;
      }
      visible = false;
    }
    const toSpawn: number[] = [];
    const toDespawn: number[] = [];
    if (peer) {
      const info = this.#info(peer);
      if (!info || visible === info.spawnNodes.has(node)) return;
      (visible ? toSpawn : toDespawn).push(peer);
    } else {
      for (const id of this.#host.connectedPeers) {
        if (id === self) continue;
        if (!visible) this.#updateSpawnVisibility(id, node);
        else if (!this.#info(id)?.spawnNodes.has(node)) toSpawn.push(id);
      }
    }
    if (toSpawn.length > 0) {
      const packet = this.#spawnPacket(node);
      const spawner = this.#nodeAt(node.spawner as string);
      for (const id of toSpawn) {
        this.#cache.sendObjectCache(spawner, id);
        this.#sendRaw(id, packet, true);
        this.#peers.get(id)?.spawnNodes.add(node);
        this.stats.spawnsOut++;
      }
    }
    if (toDespawn.length > 0) {
      const packet = this.#despawnPacket(node);
      for (const id of toDespawn) {
        this.#peers.get(id)?.spawnNodes.delete(node);
        this.#sendRaw(id, packet, true);
        this.stats.despawnsOut++;
      }
    }
  }

  /** _make_spawn_packet: scene id, spawner's cache id, net id, our synchronizers' ids, name, argument, state. */
  #spawnPacket(node: ReplicatedNode): Uint8Array {
    if (node.netId === 0) node.netId = ++this.#lastNetId;
    const self = this.#host.uniqueId();
    const ours = node.synchronizers.filter((s) => s.authority === self);
    for (const s of ours) if (s.netId === 0) s.netId = ++this.#lastNetId;
    const spawnerId = this.#cache.makeObjectCache(this.#nodeAt(node.spawner as string));
    const name = new TextEncoder().encode(node.name);
    const w = this.#scratch;
    w.pos = 0;
    w.u8(NetworkCommand.SPAWN);
    w.u8(node.sceneIndex ?? CUSTOM_SPAWN);
    w.u32(spawnerId);
    w.u32(node.netId);
    w.u32(ours.length);
    w.u32(name.length + 1);
    for (const s of ours) w.u32(s.netId);
    w.bytes(name);
    w.u8(0);
    if (node.sceneIndex === null) {
      const at = w.pos;
      w.u32(0);
      writeCompressedVariant(w, node.spawnArgument ?? null);
      putU32(w.buf, at, w.pos - at - 4);
    }
    for (const s of ours) {
      for (const prop of s.config.spawnProperties) {
        const v = s.node.properties.get(propertyKey(prop));
        if (v === undefined)
          throw new RangeError(`Unable to retrieve spawn state: ${node.path} has no ${prop}.`);
        writeCompressedVariant(w, v);
      }
    }
    return w.take(0, w.pos);
  }

  #despawnPacket(node: ReplicatedNode): Uint8Array {
    const p = new Uint8Array(5);
    p[0] = NetworkCommand.DESPAWN;
    putU32(p, 1, node.netId);
    return p;
  }

  /** _send_raw: channel 0, reliable or not. */
  #sendRaw(peer: number, packet: Uint8Array, reliable: boolean): void {
    const w = this.#host.writer;
    w.pos = PACKET_START;
    w.bytes(packet);
    this.#host.setTransfer(reliable ? TRANSFER_RELIABLE : TRANSFER_UNRELIABLE, 0);
    this.#host.sendCommand(peer, w.pos);
    this.stats.bytesOut += packet.length;
  }

  // ---- SPAWN ----

  onSpawnReceive(from: number, p: Uint8Array): void {
    const len = p.length;
    if (len < 18) {
      this.#drop(from, "spawn-too-short", "Invalid spawn packet received");
      return;
    }
    const sceneId = p[1] as number;
    const spawnerId = getU32(p, 2);
    const cached = this.#cache.getCached(from, spawnerId);
    const spawner = cached ? this.#spawners.get(cached.path) : undefined;
    if (!cached || !spawner) {
      // get_cached_object names the id it lacks; the spawner's null check follows (SceneServer4 prints both).
      const message = cached
        ? 'Parameter "spawner" is null.'
        : `ID ${spawnerId} not found in cache of peer ${from}.`;
      this.#drop(from, "spawn-unknown-spawner", message, cached?.path);
      return;
    }
    const spawnerPath = cached.path;
    if (from !== spawner.authority) {
      this.#drop(
        from,
        "spawn-not-authority",
        'Condition "p_from != spawner->get_multiplayer_authority()" is true. Returning: ERR_UNAUTHORIZED',
        spawnerPath,
      );
      return;
    }
    const netId = getU32(p, 6);
    const syncLen = getU32(p, 10);
    const nameLen = getU32(p, 14);
    let ofs = 18;
    if (nameLen + syncLen * 4 > len - ofs) {
      this.#drop(
        from,
        "spawn-bad-size",
        `Invalid spawn packet size: ${len}, wants: ${ofs + nameLen + syncLen * 4}`,
        spawnerPath,
      );
      return;
    }
    const syncIds: number[] = [];
    for (let i = 0; i < syncLen; i++, ofs += 4) syncIds.push(getU32(p, ofs));
    if (nameLen < 1) {
      this.#drop(from, "spawn-empty-name", "Zero spawn name size.", spawnerPath);
      return;
    }
    const name = readCString(p, ofs, ofs + nameLen);
    if (!isValidNodeName(name) || name === "") {
      this.#drop(
        from,
        "spawn-bad-name",
        `Invalid node name received: '${name}'. Make sure to add nodes via 'add_child(node, true)' remotely.`,
        spawnerPath,
      );
      return;
    }
    ofs += nameLen;
    const parent = spawner.parent;
    if (parent === null) {
      this.#drop(from, "spawn-no-parent", 'Parameter "parent" is null.', spawnerPath);
      return;
    }
    const path = parent === "" ? name : `${parent}/${name}`;
    if (this.#nodes.has(path)) {
      this.#drop(
        from,
        "spawn-name-exists",
        'Condition "parent->has_node(name)" is true. Returning: ERR_INVALID_DATA',
        path,
      );
      return;
    }
    let argument: Variant | undefined;
    const limit = spawner.config.spawn_limit;
    if (sceneId === CUSTOM_SPAWN) {
      if (len - ofs < 4) {
        this.#drop(
          from,
          "spawn-bad-argument",
          'Condition "p_buffer_len - ofs < 4" is true. Returning: ERR_INVALID_DATA',
          path,
        );
        return;
      }
      const argSize = getU32(p, ofs);
      ofs += 4;
      if (argSize > len - ofs) {
        this.#drop(
          from,
          "spawn-bad-argument",
          'Condition "arg_size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
          path,
        );
        return;
      }
      try {
        const d = readCompressedVariant(p, ofs, ofs + argSize, this.#host.allowObjectDecoding);
        argument = d.value;
      } catch (err) {
        this.#drop(
          from,
          "spawn-bad-argument",
          `The spawn argument does not decode: ${(err as Error).message}`,
          path,
        );
        return;
      }
      ofs += argSize;
      if (limit && limit <= spawner.tracked.size) {
        this.#drop(from, "spawn-limit", "Unable to spawn node. The spawn limit has been reached!", path);
        return;
      }
      if (spawner.config.spawn_function === false) {
        this.#drop(from, "spawn-no-function", "Custom spawn requires a valid 'spawn_function'.", path);
        return;
      }
    } else {
      if (limit && limit <= spawner.tracked.size) {
        this.#drop(from, "spawn-limit", "Unable to spawn node. The spawn limit has been reached!", path);
        return;
      }
      const scenes = spawner.config.spawnable_scenes.length;
      if (sceneId >= scenes) {
        this.#drop(
          from,
          "spawn-unknown-scene",
          `Index p_id = ${sceneId} is out of bounds (spawnable_scenes.size() = ${scenes}).`,
          path,
        );
        return;
      }
    }
    const info = this.#info(from);
    if (!info) {
      this.#drop(
        from,
        "unknown-peer",
        'Condition "!peers_info.has(p_from)" is true. Returning: ERR_UNAVAILABLE',
        path,
      );
      return;
    }
    if (info.recvNodes.has(netId)) {
      this.#drop(
        from,
        "spawn-net-id-in-use",
        'Condition "peers_info[p_from].recv_nodes.has(net_id)" is true. Returning: ERR_ALREADY_IN_USE',
        path,
      );
      return;
    }
    const isCustom = sceneId === CUSTOM_SPAWN;
    const node = new ReplicatedNode(
      path,
      spawnerPath,
      isCustom ? null : sceneId,
      isCustom ? null : (spawner.config.spawnable_scenes[sceneId] ?? null),
      argument,
      netId,
      from,
    );
    this.#nodes.set(path, node);
    spawner.tracked.add(node);
    info.recvNodes.set(netId, node);
    this.stats.spawnsIn++;
    this.stats.bytesIn += len;
    // on_replication_start for each synchronizer of the scene, in tree order: those of the
    // spawning peer's authority take the next net id and their spawn state.
    let at = ofs;
    let failed = false;
    for (const [syncPath, settings] of this.#syncsUnder(path)) {
      const authority = this.synchronizerAuthority(syncPath, node, from);
      const root = resolveRelative(syncPath, settings.root_path) ?? path;
      const target = root === path ? node : this.#nodeFor(root);
      const sync = new Synchronizer(syncPath, target, settings, authority);
      sync.stats = this.#statsOf.get(settings) ?? sync.stats;
      target.synchronizers.push(sync);
      this.#spawnedSyncs.set(syncPath, sync);
      if (authority === this.#host.uniqueId()) this.#owned.add(sync);
      if (failed || authority !== from) continue;
      const id = syncIds.shift();
      if (id === undefined) {
        this.#drop(
          from,
          "spawn-missing-sync-id",
          `The MultiplayerSynchronizer at path "${syncPath}" is unable to process the pending spawn since it has no network ID.`,
          syncPath,
        );
        failed = true;
        continue;
      }
      info.recvSyncIds.set(id, sync);
      info.recvEpoch++;
      sync.netId = id;
      if (at >= len) continue;
      const props = settings.config.spawnProperties;
      try {
        at = this.#applyState(target, props.map(propertyKey), p, at, len);
      } catch (err) {
        this.#drop(
          from,
          "spawn-bad-state",
          `The spawn state does not decode: ${(err as Error).message}`,
          syncPath,
        );
        failed = true;
      }
    }
    this.emit("spawned", node);
    if (!failed && syncIds.length > 0) {
      this.#drop(from, "spawn-unused-sync-ids", "Method/function failed. Returning: ERR_INVALID_DATA", path);
    }
  }

  onDespawnReceive(from: number, p: Uint8Array): void {
    if (p.length < 5) {
      this.#drop(from, "despawn-too-short", "Invalid spawn packet received");
      return;
    }
    const netId = getU32(p, 1);
    const info = this.#info(from);
    if (!info) {
      this.#drop(
        from,
        "despawn-unknown",
        'Condition "!peers_info.has(p_from)" is true. Returning: ERR_UNAUTHORIZED',
      );
      return;
    }
    const node = info.recvNodes.get(netId);
    if (!node) {
      this.#drop(
        from,
        "despawn-unknown",
        'Condition "!pinfo.recv_nodes.has(net_id)" is true. Returning: ERR_UNAUTHORIZED',
      );
      return;
    }
    const spawner = node.spawner ? this.#spawners.get(node.spawner) : undefined;
    info.recvNodes.delete(netId);
    if (!spawner || from !== spawner.authority) {
      this.#drop(
        from,
        "despawn-not-authority",
        'Condition "p_from != spawner->get_multiplayer_authority()" is true. Returning: ERR_UNAUTHORIZED',
        node.path,
      );
      return;
    }
    this.stats.despawnsIn++;
    this.stats.bytesIn += p.length;
    this.#removeNode(node);
  }

  // ---- SYNC ----

  onSyncReceive(from: number, p: Uint8Array): void {
    const len = p.length;
    if (len < 11) {
      this.#drop(from, "sync-too-short", "Invalid sync packet received");
      return;
    }
    this.stats.bytesIn += len;
    if (((p[0] as number) & DELTA_FLAG) !== 0) {
      this.#onDeltaReceive(from, p);
      return;
    }
    const time = getU16(p, 1);
    const info = this.#info(from);
    const recv = info?.recvSyncIds;
    // Nobody listening: each state is validated now (Godot decodes the entry on receipt) and
    // decoded when read. Nothing in this loop can add a listener then (no event is emitted).
    let lazy = this.#nobodyListens();
    // For the states kept (one view a packet, not one an entry).
    const view = lazy ? new DataView(p.buffer, p.byteOffset, len) : null;
    // The entry before (spawned synchronizers only): its `next` is the likely one now.
    let prev = info?.lastRecv ?? null;
    let ofs = 3;
    while (ofs + 8 < len) {
      const netId = getU32(p, ofs);
      const size = getU32(p, ofs + 4);
      ofs += 8;
      if (size > len - ofs) {
        this.#drop(
          from,
          "sync-bad-size",
          'Condition "size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
        );
        return;
      }
      let sync: Synchronizer | undefined;
      if (netId & STATIC_SYNC_ID) {
        sync = this.#findSynchronizer(from, netId);
        prev = null;
      } else if (info !== undefined) {
        const guess = prev?.nextEpoch === info.recvEpoch ? prev.next : null;
        sync =
          guess !== null && guess.netId === netId ? guess : (recv as Map<number, Synchronizer>).get(netId);
        if (sync !== undefined && prev !== null && guess !== sync) {
          prev.next = sync;
          prev.nextEpoch = info.recvEpoch;
        }
        prev = sync ?? null;
        info.lastRecv = prev;
      }
      if (!sync) {
        this.stats.syncsUnknown++;
        ofs += size;
        continue;
      }
      if (sync.authority !== from) {
        ofs += size;
        this.#drop(
          from,
          "sync-not-authority",
          "Ignoring sync data from non-authority or for missing node.",
          sync.path,
        );
        // packet_dropped's listeners may have begun to listen here.
        lazy = this.#nobodyListens();
        continue;
      }
      if (!isNewerSyncTime(sync.syncStarted, sync.lastInboundSync, time)) {
        this.stats.syncsStale++;
        sync.stats.syncsStale++;
        ofs += size;
        continue;
      }
      sync.syncStarted = true;
      sync.lastInboundSync = time;
      try {
        if (!lazy || !this.#deferState(sync, p, view, ofs, ofs + size))
          this.#applyState(sync.node, sync.syncKeys, p, ofs, ofs + size);
      } catch (err) {
        this.#drop(
          from,
          "sync-bad-state",
          `The sync state does not decode: ${(err as Error).message}`,
          sync.path,
        );
        return;
      }
      ofs += size;
      this.stats.syncsIn++;
      sync.stats.syncsIn++;
      sync.stats.bytesIn += size;
      // emit() gathers its arguments: not done for nobody.
      if (!lazy && this.listenerCount("synchronized") > 0) this.emit("synchronized", sync);
    }
  }

  #nobodyListens(): boolean {
    return this.listenerCount("synchronized") === 0 && this.listenerCount("changed") === 0;
  }

  #onDeltaReceive(from: number, p: Uint8Array): void {
    const len = p.length;
    let ofs = 1;
    while (ofs + 16 < len) {
      const netId = getU32(p, ofs);
      const indexes = (BigInt(getU32(p, ofs + 8)) << 32n) | BigInt(getU32(p, ofs + 4));
      const size = getU32(p, ofs + 12);
      ofs += 16;
      if (size > len - ofs) {
        this.#drop(
          from,
          "sync-bad-size",
          'Condition "size > uint32_t(p_buffer_len - ofs)" is true. Returning: ERR_INVALID_DATA',
        );
        return;
      }
      const sync = this.#findSynchronizer(from, netId);
      if (!sync || sync.authority !== from) {
        ofs += size;
        this.#drop(
          from,
          "sync-not-authority",
          "Ignoring delta for non-authority or invalid synchronizer.",
          sync?.path,
        );
        continue;
      }
      const props = sync.config.deltaProperties(indexes);
      if (props.length === 0) {
        this.#drop(
          from,
          "delta-no-properties",
          'Condition "props.is_empty()" is true. Returning: ERR_INVALID_DATA',
          sync.path,
        );
        return;
      }
      try {
        const end = this.#applyState(sync.node, props.map(propertyKey), p, ofs, ofs + size);
        if (end !== ofs + size) {
          this.#drop(
            from,
            "sync-bad-state",
            'Condition "uint32_t(consumed) != size" is true. Returning: ERR_INVALID_DATA',
            sync.path,
          );
          return;
        }
      } catch (err) {
        this.#drop(
          from,
          "sync-bad-state",
          `The delta state does not decode: ${(err as Error).message}`,
          sync.path,
        );
        return;
      }
      ofs += size;
      this.stats.deltasIn++;
      sync.stats.deltasIn++;
      sync.stats.bytesIn += size;
      this.emit("delta_synchronized", sync);
    }
  }

  /** _find_synchronizer: by path cache id (static) or by the net id the peer's SPAWN gave. */
  #findSynchronizer(from: number, netId: number): Synchronizer | undefined {
    if (netId & STATIC_SYNC_ID) {
      const id = (netId & 0x7fffffff) >>> 0;
      const cached = this.#cache.getCached(from, id);
      if (!cached) {
        this.#drop(from, "sync-unknown-cache-id", `ID ${id} not found in cache of peer ${from}.`);
        return undefined;
      }
      const known = this.#spawnedSyncs.get(cached.path) ?? this.#static.get(cached.path);
      if (known) return known;
      // Only a synchronizer of the scene itself; one of a spawned scene not (or no longer) there is not received yet.
      const settings = this.#exactSyncs.get(cached.path);
      return settings ? this.#staticSync(cached.path, settings, null) : undefined;
    }
    return this.#peers.get(from)?.recvSyncIds.get(netId);
  }

  /**
   * Decodes `keys.length` compressed values from p[at, end) onto `node` (all or none); the offset
   * after them. The values are read in `p` itself (no view per value) and a value that runs past
   * `end` is refused as truncated, as Godot's decode of the entry's bytes alone would refuse it.
   */
  #applyState(node: ReplicatedNode, keys: readonly string[], p: Uint8Array, at: number, end: number): number {
    const values = this.#values;
    const allowObjects = this.#host.allowObjectDecoding;
    for (let i = 0; i < keys.length; i++) {
      if (at >= end)
        throw new DecodeError("truncated", at, `${keys.length - i} of ${keys.length} values missing`);
      const d = readCompressedVariant(p, at, p.length, allowObjects);
      if (at + d.length > end)
        throw new DecodeError("truncated", at, `a value of ${d.length} bytes, ${end - at} left`);
      values[i] = d.value;
      at += d.length;
    }
    const props = node.properties;
    // "changed" compares old and new: only when someone listens.
    const watched = this.listenerCount("changed") > 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i] as string;
      const v = values[i] as Variant;
      values[i] = null;
      if (!watched) {
        props.set(key, v);
        continue;
      }
      const old = props.get(key);
      props.set(key, v);
      if (old === undefined || !variantEquals(old, v)) this.emit("changed", node, key, v);
    }
    return at;
  }

  /** The values of one state being decoded (applied only once all decoded). */
  readonly #values: Variant[] = [];

  /**
   * Keeps a full SYNC state as bytes on its synchronizer if it checks out without decoding it
   * (true); false where only a full decode can tell (the caller decodes it, error and all).
   */
  #deferState(sync: Synchronizer, p: Uint8Array, view: DataView | null, at: number, end: number): boolean {
    const start = at;
    const n = sync.syncCount;
    for (let i = 0; i < n; i++) {
      if (at >= end) return false;
      const len = compressedLength(p, at, end);
      if (len < 0) return false;
      at += len;
    }
    const size = end - start;
    if (size <= STATE_SLOT) {
      if (sync.stateAt < 0) sync.stateAt = this.#slot();
      // Four bytes a step (a cold slot: 1,000 bots' slabs are not in the cache).
      const slab = this.#slabView;
      const from = view ?? new DataView(p.buffer, p.byteOffset, p.byteLength);
      const to = sync.stateAt;
      let i = 0;
      for (; i + 4 <= size; i += 4) slab.setUint32(to + i, from.getUint32(start + i, true), true);
      for (; i < size; i++) this.#slab[to + i] = p[start + i] as number;
    } else {
      // Its entries read the state wherever it is: nothing to decode before the slot goes.
      if (sync.stateAt >= 0) this.#freeSlot(sync, false);
      if (sync.stateBytes.length < size) sync.stateBytes = new Uint8Array(size);
      sync.stateBytes.set(p.subarray(start, end));
    }
    sync.stateLength = size;
    // A small integer (no heap number): a reader's cursor in the previous state is not taken for this one.
    this.#stateSeq = (this.#stateSeq + 1) & 0x3fffffff;
    sync.stateSeq = this.#stateSeq;
    if (sync.replication === null) sync.replication = this;
    if (!sync.stateKept) (sync.node.properties as ReplicatedProperties).keep(sync);
    return true;
  }

  #stateSeq = 0;
  /**
   * The states kept as bytes, a slot each: one buffer per peer, written in the order its SYNCs
   * come, rather than 100 small buffers scattered in the heap.
   */
  #slab = new Uint8Array(0);
  #slabView = new DataView(this.#slab.buffer);
  #slabUsed = 0;
  readonly #freeSlots: number[] = [];

  /** The buffer of the synchronizers' stateAt slots (replaced as it grows). */
  get stateSlab(): Uint8Array {
    return this.#slab;
  }

  #slot(): number {
    const free = this.#freeSlots.pop();
    if (free !== undefined) return free;
    if (this.#slabUsed + STATE_SLOT > this.#slab.length) {
      const grown = new Uint8Array(Math.max(16 * STATE_SLOT, this.#slab.length * 2));
      grown.set(this.#slab);
      this.#slab = grown;
      this.#slabView = new DataView(grown.buffer);
    }
    const at = this.#slabUsed;
    this.#slabUsed += STATE_SLOT;
    return at;
  }

  /** Gives the synchronizer's slot back, its kept values decoded first (its node may still be read). */
  #freeSlot(sync: Synchronizer, decode = true): void {
    if (decode) (sync.node.properties as ReplicatedProperties).unkeep(sync);
    this.#freeSlots.push(sync.stateAt);
    sync.stateAt = -1;
  }

  // ---- sending: on_network_process ----

  /**
   * One network frame (SceneMultiplayer::poll calls it): every peer that sees one of our
   * synchronizers gets its u16 sync time raised, a full SYNC of the synchronizers due
   * (replication_interval) and a delta SYNC of the ON_CHANGE properties changed (delta_interval).
   */
  process(usec: number = this.#clock()): void {
    if (this.frozen || this.#owned.size === 0) return;
    for (const sync of this.#owned) this.#watchChanges(sync, usec);
    const self = this.#host.uniqueId();
    // Per peer sync_nodes, built in one pass: the public synchronizers, and each restricted one
    // under the peers it names (a server with a secret per peer stays linear in peers).
    const open: Synchronizer[] = [];
    let restricted: Map<number, Synchronizer[]> | null = null;
    for (const s of this.#owned) {
      if (s.publicVisibility) {
        open.push(s);
        continue;
      }
      for (const peer of s.visibleTo) {
        restricted ??= new Map();
        const list = restricted.get(peer);
        if (list) list.push(s);
        else restricted.set(peer, [s]);
      }
    }
    for (const peer of this.#host.connectedPeers) {
      if (peer === self) continue;
      let any = false;
      // The path of a synchronizer sent by path goes out first (the writer then holds the SYNC).
      const ready: Synchronizer[] = [];
      for (let k = 0; k < 2; k++) {
        const list = k === 0 ? open : restricted?.get(peer);
        if (!list) continue;
        for (const s of list) {
          // A synchronizer of our spawn goes to the peers that were sent the SPAWN.
          if (this.#spawned.has(s.node) && !this.#peers.get(peer)?.spawnNodes.has(s.node)) continue;
          any = true;
          if (this.#verify(s, peer)) ready.push(s);
        }
      }
      if (!any) continue;
      const info = this.#info(peer) as PeerInfo;
      info.lastSentSync = (info.lastSentSync + 1) & 0xffff;
      this.#sendSync(peer, ready, info.lastSentSync, usec);
      this.#sendDelta(peer, ready, info, usec);
    }
  }

  /** _verify_synchronizer: a synchronizer with no spawned id goes by path, once the peer confirmed it. */
  #verify(sync: Synchronizer, peer: number): boolean {
    if (sync.netId !== 0 && (sync.netId & STATIC_SYNC_ID) === 0) return true;
    sync.rpcNode ??= this.#nodeAt(sync.path);
    const verified = this.#cache.sendObjectCache(sync.rpcNode, peer);
    if (sync.netId === 0) sync.netId = (STATIC_SYNC_ID | sync.rpcNode.cacheId) >>> 0;
    return verified;
  }

  #sendSync(peer: number, ready: readonly Synchronizer[], time: number, usec: number): void {
    const host = this.#host;
    const w = host.writer;
    const mtu = this.maxSyncPacketSize;
    const start = () => {
      w.pos = PACKET_START;
      w.u8(NetworkCommand.SYNC);
      w.u16(time);
    };
    start();
    for (const sync of ready) {
      if (!this.#outboundDue(sync, usec, sync.settings.replication_interval)) continue;
      const props = sync.config.syncProperties;
      if (props.length === 0 || !this.#hasAll(sync.node, props)) continue;
      const entry = this.#encodeValues(sync.node, props);
      if (entry.length > mtu) continue; // "Node states bigger than MTU will not be sent"
      if (w.pos - PACKET_START + 8 + entry.length > mtu) {
        this.#flush(peer, TRANSFER_UNRELIABLE, 3);
        start();
      }
      w.u32(sync.netId);
      w.u32(entry.length);
      w.bytes(entry);
      sync.stats.syncsOut++;
      sync.stats.bytesOut += entry.length;
    }
    this.#flush(peer, TRANSFER_UNRELIABLE, 3);
  }

  #sendDelta(peer: number, ready: readonly Synchronizer[], info: PeerInfo, usec: number): void {
    const w = this.#host.writer;
    const mtu = this.maxDeltaPacketSize;
    const start = () => {
      w.pos = PACKET_START;
      w.u8(NetworkCommand.SYNC | DELTA_FLAG);
    };
    start();
    for (const sync of ready) {
      const watch = sync.config.watchProperties;
      if (watch.length === 0) continue;
      const last = info.lastWatchUsecs.get(sync) ?? -1;
      let indexes = 0n;
      // get_delta_state sends the values the watch saw, not what the property holds now.
      const scratch = this.#scratch;
      scratch.pos = 0;
      for (let i = 0; i < watch.length; i++) {
        if ((sync.watchChangeUsec[i] as number) > last) {
          indexes |= 1n << BigInt(i);
          writeCompressedVariant(scratch, sync.watchSeen[i] as Variant);
        }
      }
      if (indexes === 0n) continue;
      const entry = scratch.buf.subarray(0, scratch.pos);
      if (entry.length > mtu) continue;
      if (w.pos - PACKET_START + 16 + entry.length > mtu) {
        this.#flush(peer, TRANSFER_RELIABLE, 1);
        start();
      }
      w.u32(sync.netId);
      w.u32(Number(indexes & 0xffffffffn));
      w.u32(Number(indexes >> 32n));
      w.u32(entry.length);
      w.bytes(entry);
      info.lastWatchUsecs.set(sync, usec);
      sync.stats.deltasOut++;
      sync.stats.bytesOut += entry.length;
    }
    this.#flush(peer, TRANSFER_RELIABLE, 1);
  }

  #flush(peer: number, mode: number, header: number): void {
    const w = this.#host.writer;
    const end = w.pos;
    if (end - PACKET_START <= header) return;
    this.#host.setTransfer(mode, 0);
    this.#host.sendCommand(peer, end);
    if (mode === TRANSFER_RELIABLE) this.stats.deltasOut++;
    else this.stats.syncsOut++;
    this.stats.bytesOut += end - PACKET_START;
  }

  /** update_outbound_sync_time: due once per interval; every peer of the same frame gets it. */
  #outboundDue(sync: Synchronizer, usec: number, intervalSec: number): boolean {
    if (sync.lastSyncUsec === usec) return true;
    if (sync.lastSyncUsec >= 0 && usec < sync.lastSyncUsec + intervalSec * 1e6) return false;
    sync.lastSyncUsec = usec;
    return true;
  }

  /** _watch_changes, at most once per delta_interval: which ON_CHANGE values differ from the last seen. */
  #watchChanges(sync: Synchronizer, usec: number): void {
    const interval = sync.settings.delta_interval * 1e6;
    if (sync.lastWatchUsec >= 0 && interval > 0 && usec < sync.lastWatchUsec + interval) return;
    sync.lastWatchUsec = usec;
    const watch = sync.config.watchProperties;
    for (let i = 0; i < watch.length; i++) {
      const v = sync.node.properties.get(propertyKey(watch[i] as string));
      if (v === undefined) continue;
      const seen = sync.watchSeen[i];
      if (seen !== undefined && variantEquals(seen, v)) continue;
      sync.watchSeen[i] = v;
      sync.watchChangeUsec[i] = usec;
    }
  }

  #hasAll(node: ReplicatedNode, props: readonly string[]): boolean {
    for (const p of props) if (!node.properties.has(propertyKey(p))) return false;
    return true;
  }

  /** encode_and_compress_variants of the node's values, into a scratch of its own (the writer holds the packet). */
  #encodeValues(node: ReplicatedNode, props: readonly string[]): Uint8Array {
    const scratch = this.#scratch;
    scratch.pos = 0;
    for (const p of props) writeCompressedVariant(scratch, node.properties.get(propertyKey(p)) as Variant);
    return scratch.buf.subarray(0, scratch.pos);
  }

  readonly #scratch = new PacketWriter(256);

  // ---- tree bookkeeping ----

  /** The declared synchronizers that belong to the node spawned at `path`, in declaration (tree) order. */
  #syncsUnder(path: string): [string, SynchronizerConfig][] {
    const out: [string, SynchronizerConfig][] = [];
    const segs = path.split("/");
    for (const [key, settings] of this.#exactSyncs) {
      if (key === path || key.startsWith(`${path}/`)) out.push([key, settings]);
    }
    for (const pat of this.#syncPatterns) {
      const s = pat.segments;
      if (s.length < segs.length) continue;
      let ok = true;
      for (let i = 0; i < segs.length; i++) {
        if (s[i] !== "*" && s[i] !== segs[i]) {
          ok = false;
          break;
        }
      }
      if (!ok || s.slice(segs.length).includes("*")) continue;
      out.push([[...segs, ...s.slice(segs.length)].join("/"), pat.settings]);
    }
    return out;
  }

  #syncSettings(path: string): SynchronizerConfig | undefined {
    const exact = this.#exactSyncs.get(path);
    if (exact) return exact;
    const segs = path.split("/");
    for (const pat of this.#syncPatterns) {
      const s = pat.segments;
      if (s.length === segs.length && s.every((x, i) => x === "*" || x === segs[i])) return pat.settings;
    }
    return undefined;
  }

  /** A synchronizer met by path; its authority is the resolver's answer (1 for a node nobody spawned) unless given. */
  #staticSync(path: string, settings: SynchronizerConfig, authority: number | null): Synchronizer {
    const known = this.#static.get(path);
    if (known) return known;
    const root = resolveRelative(path, settings.root_path) ?? path;
    const node = this.#nodeFor(root);
    const sync = new Synchronizer(
      path,
      node,
      settings,
      authority ?? this.synchronizerAuthority(path, node, 1),
    );
    sync.stats = this.#statsOf.get(settings) ?? sync.stats;
    node.synchronizers.push(sync);
    this.#static.set(path, sync);
    return sync;
  }

  #nodeFor(path: string): ReplicatedNode {
    let n = this.#nodes.get(path);
    if (!n) {
      n = new ReplicatedNode(path, null, null, null, undefined, 0, 0);
      this.#nodes.set(path, n);
    }
    return n;
  }

  /** The node left the tree: it, its descendants and their synchronizers are gone. */
  #removeNode(node: ReplicatedNode): void {
    const prefix = `${node.path}/`;
    for (const [path, n] of this.#nodes) {
      if (path !== node.path && !path.startsWith(prefix)) continue;
      this.#nodes.delete(path);
      this.#spawned.delete(n);
      for (const info of this.#peers.values()) info.spawnNodes.delete(n);
      for (const s of n.synchronizers) {
        this.#owned.delete(s);
        if (s.stateAt >= 0 && s.replication === this) this.#freeSlot(s);
        if (this.#spawnedSyncs.get(s.path) === s) this.#spawnedSyncs.delete(s.path);
        // tree_exited: the path cache forgets the synchronizer (a peer may have named it by path).
        this.#forget(s.path);
        for (const info of this.#peers.values()) {
          if (s.netId && info.recvSyncIds.get(s.netId) === s) {
            info.recvSyncIds.delete(s.netId);
            info.recvEpoch++;
          }
          info.lastWatchUsecs.delete(s);
        }
      }
      if (n.spawner) this.#spawners.get(n.spawner)?.tracked.delete(n);
    }
    this.emit("despawned", node);
  }
}
