/**
 * The set of peer ids a MultiplayerAPI keeps (Godot's connected_peers), made so that the bots of
 * one process share their copies. A Godot 3 server announces every peer to every client, so a
 * swarm of N bots holds N² ids: 400 MB at 10,000 bots, even at 4 bytes an id.
 *
 * A set is a handle on an immutable sorted snapshot. The bots of one game see the same changes in
 * the same order (the server sends them to all), so the first bot to see a change makes the next
 * snapshot and leaves it on the old one as a transition; the others find it there and only move
 * a pointer. Each bot's own id is kept in its snapshot but hidden from it (a Godot server never
 * announces a peer to itself), so that every bot of a game holds the same content. A burst of
 * changes to one set (a newcomer's greeting: one SYS_ADD per peer already there) goes to a
 * private table instead, and is interned by content at the end of the tick.
 */

/** An immutable set of ids, sorted ascending, shared by every set that holds exactly these. */
class Snapshot {
  /** Snapshots one change away that some set made: +id added, -id removed. Weak: only sets keep snapshots alive. */
  #next: Map<number, WeakRef<Snapshot>> | null = null;

  constructor(
    /**
     * A plain array of small integers, in the GC's heap. Not an Int32Array: its store is malloc'd,
     * and one made per join, each a little larger, fragmented malloc for good (measured: 1–2 KB
     * more RSS per idle bot at 2,000 bots).
     */
    readonly ids: readonly number[],
    /** Sum of mix(id) over the ids as an int32 (a small integer to V8, not a boxed number); order-free, so a table built in any order finds it. */
    readonly hash: number,
  ) {}

  next(change: number): Snapshot | undefined {
    return this.#next?.get(change)?.deref();
  }

  setNext(change: number, to: Snapshot): void {
    // The sets on one snapshot go through the same few changes; a few transitions suffice.
    if (!this.#next || this.#next.size >= 8) this.#next = new Map();
    this.#next.set(change, new WeakRef(to));
  }

  indexOf(id: number): number {
    return Math.max(searchSortedIds(this.ids, id), -1);
  }
}

/** Binary search of ascending ids: the index of `id`, or −(where it would go) − 1. */
export function searchSortedIds(ids: ArrayLike<number>, id: number): number {
  let lo = 0;
  let hi = ids.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const v = ids[mid] as number;
    if (v === id) return mid;
    if (v < id) lo = mid + 1;
    else hi = mid - 1;
  }
  return -(lo + 1);
}

const EMPTY = new Snapshot([], 0);

/** Live snapshots by content key, so that equal contents are held once. */
const interned = new Map<string, WeakRef<Snapshot>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (interned.get(key)?.deref() === undefined) interned.delete(key);
});

/** The snapshot of `ids`: a known one with the same content, or one made of `ids`, which no one else may hold. */
function intern(ids: readonly number[], hash: number): Snapshot {
  const key = `${ids.length}:${hash}`;
  const known = interned.get(key)?.deref();
  if (known && sameIds(known.ids, ids)) return known;
  const made = new Snapshot(ids, hash);
  // A hash collision with different content leaves the older one interned: only sharing is lost.
  if (!known) {
    interned.set(key, new WeakRef(made));
    forget.register(made, key);
  }
  return made;
}

function sameIds(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Murmur3's finalizer: spreads sequential ids over 32 bits. */
function mix(id: number): number {
  let h = id;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

export class PeerIdSet {
  /** Sets with a private table to intern at the end of the tick. */
  static readonly #dirty: PeerIdSet[] = [];
  static #flushPending = false;
  /** Ticks counted by the flush: a set that already made a snapshot this tick goes private. */
  static #tick = 0;

  #shared: Snapshot = EMPTY;
  /** While changing fast: the content privately (then #shared is stale). */
  #own: SortedIds | null = null;
  #ownHash = 0;
  /** Our own id: in the content, hidden from has/size/sorted unless it was announced to us. */
  #self = 0;
  #selfAnnounced = false;
  #madeAt = -1;

  get size(): number {
    const n = this.#own ? this.#own.size : this.#shared.ids.length;
    return this.#self !== 0 && !this.#selfAnnounced ? n - 1 : n;
  }

  /** Our own id, once the server assigned it: shared snapshots hold it, queries never show it. */
  setSelf(id: number): void {
    if (id === this.#self || id <= 0 || id > 0x7fffffff) return;
    // A new id (a reconnect without clear()): the old one leaves the content unless announced.
    if (this.#self !== 0 && !this.#selfAnnounced) this.#change(this.#self, false);
    this.#selfAnnounced = this.#contains(id);
    this.#self = id;
    if (!this.#selfAnnounced) this.#change(id, true);
  }

  has(id: number): boolean {
    if (id <= 0) return false;
    if (id === this.#self) return this.#selfAnnounced;
    return this.#contains(id);
  }

  add(id: number): void {
    if (id <= 0 || id > 0x7fffffff) throw new RangeError(`peer id ${id} is not 1..2^31-1`);
    if (id === this.#self) {
      this.#selfAnnounced = true;
      return;
    }
    if (!this.#contains(id)) this.#change(id, true);
  }

  delete(id: number): boolean {
    if (id <= 0) return false;
    if (id === this.#self) {
      const was = this.#selfAnnounced;
      this.#selfAnnounced = false;
      return was;
    }
    if (!this.#contains(id)) return false;
    this.#change(id, false);
    return true;
  }

  clear(): void {
    this.#shared = EMPTY;
    this.#own = null;
    this.#self = 0;
    this.#selfAnnounced = false;
  }

  /** The ids in ascending order (Godot's Set<int> order). */
  sorted(): number[] {
    const hide = this.#selfAnnounced ? 0 : this.#self;
    const all = this.#own ? this.#own.ids : this.#shared.ids;
    const out: number[] = [];
    for (const v of all) if (v !== hide) out.push(v);
    return out;
  }

  #contains(id: number): boolean {
    return this.#own ? this.#own.has(id) : this.#shared.indexOf(id) >= 0;
  }

  /** Adds (or removes) an id known to be absent (present). */
  #change(id: number, add: boolean): void {
    const own = this.#own;
    if (own) {
      if (add) own.add(id);
      else own.delete(id);
      this.#ownHash = (this.#ownHash + (add ? mix(id) : -mix(id))) | 0;
      return;
    }
    const from = this.#shared;
    const key = add ? id : -id;
    const known = from.next(key);
    if (known) {
      this.#shared = known;
      return;
    }
    const hash = (from.hash + (add ? mix(id) : -mix(id))) | 0;
    if (this.#madeAt === PeerIdSet.#tick) {
      // The second new snapshot in one tick: a burst. Collect it privately, intern it after.
      this.#own = SortedIds.of(from.ids);
      if (add) this.#own.add(id);
      else this.#own.delete(id);
      this.#ownHash = hash;
      PeerIdSet.#dirty.push(this);
      PeerIdSet.#scheduleFlush();
      return;
    }
    const to = intern(add ? withId(from.ids, id) : withoutId(from.ids, from.indexOf(id)), hash);
    from.setNext(key, to);
    this.#shared = to;
    this.#madeAt = PeerIdSet.#tick;
    PeerIdSet.#scheduleFlush();
  }

  /** Do `a` and `b` hold one shared copy of their ids? (For tests and diagnostics.) */
  static shareStorage(a: PeerIdSet, b: PeerIdSet): boolean {
    return a.#own === null && b.#own === null && a.#shared === b.#shared;
  }

  static #scheduleFlush(): void {
    if (PeerIdSet.#flushPending) return;
    PeerIdSet.#flushPending = true;
    // Unref'd: a pending intern never keeps a process alive (private tables are correct too).
    setImmediate(() => PeerIdSet.#flush()).unref();
  }

  /** End of the tick: private tables become shared snapshots. */
  static #flush(): void {
    PeerIdSet.#flushPending = false;
    PeerIdSet.#tick++;
    const dirty = PeerIdSet.#dirty.splice(0);
    for (const set of dirty) {
      const own = set.#own;
      if (!own) continue;
      set.#own = null;
      set.#shared = intern(own.ids, set.#ownHash);
    }
  }
}

function withId(ids: readonly number[], id: number): number[] {
  return ids.toSpliced(-searchSortedIds(ids, id) - 1, 0, id);
}

function withoutId(ids: readonly number[], at: number): number[] {
  return ids.toSpliced(at, 1);
}

/**
 * A private mutable set of ids, sorted, in a plain array (the GC's heap, which gives pages back
 * after a burst; typed arrays would churn malloc). A Godot server greets a newcomer in ascending
 * id order, so a greeting only ever appends.
 */
class SortedIds {
  constructor(readonly ids: number[]) {}

  static of(ids: readonly number[]): SortedIds {
    return new SortedIds(ids.slice());
  }

  get size(): number {
    return this.ids.length;
  }

  has(id: number): boolean {
    const ids = this.ids;
    const last = ids.length - 1;
    if (last < 0 || id > (ids[last] as number)) return false;
    return searchSortedIds(this.ids, id) >= 0;
  }

  add(id: number): void {
    const ids = this.ids;
    if (ids.length === 0 || id > (ids[ids.length - 1] as number)) {
      ids.push(id);
      return;
    }
    const at = searchSortedIds(this.ids, id);
    if (at < 0) ids.splice(-at - 1, 0, id);
  }

  delete(id: number): void {
    const at = searchSortedIds(this.ids, id);
    if (at >= 0) this.ids.splice(at, 1);
  }
}
