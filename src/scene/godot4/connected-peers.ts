/**
 * A Godot 4 client's connected_peers, made so that the bots of one process share one copy. With
 * server_relay on a Godot 4 server announces every peer to every client (ADD_PEER), so a swarm of
 * N bots holds N² ids. Unlike Godot 3's PeerIdSet (src/multiplayer/peer-id-set.ts, sorted) the
 * order is kept: Godot's HashSet iterates in insertion order, and a client's rpc() sends one relay
 * per peer in that order.
 *
 * Every client of one game sees the same sequence: the server (1), then the others in the
 * server's admission order (a newcomer is greeted with the earlier ones in that order, later ones
 * are appended). A set is a handle on an immutable snapshot of that sequence with its own id in
 * it, hidden (a server that announces a client to itself makes Godot list it: then it is shown,
 * last); the first bot to see a change makes the next snapshot and leaves it on the old one as a
 * transition, the others follow it. A newcomer does not know where its own id sits until it finds
 * a live snapshot that is its content with its id in it (what the others made when told of it),
 * or another newcomer whose content shows where its id is: until then its id "floats", out of the
 * content. A burst of changes in one tick (a greeting) goes to a private table, interned by
 * content at the end of the tick. Sharing is only ever a saving: each set's answers are its own.
 */
import { searchSortedIds } from "../../multiplayer/index.js";

/** An immutable sequence of ids, shared by every set holding exactly it. */
class Snapshot {
  /** Snapshots one change away that some set made: +id appended, -id removed. Weak: only sets keep snapshots alive. */
  #next: Map<number, WeakRef<Snapshot>> | null = null;
  /** The ids ascending, for has(): made on first use, once for all holders. */
  #sorted: readonly number[] | null = null;

  constructor(
    /** Insertion order; a plain array of small integers, in the GC's heap. */
    readonly order: readonly number[],
    /** Sum of mix(id) as an int32: order-free, so a table built in any order finds its candidates. */
    readonly hash: number,
  ) {}

  next(change: number): Snapshot | undefined {
    return this.#next?.get(change)?.deref();
  }

  setNext(change: number, to: Snapshot): void {
    if (!this.#next || this.#next.size >= 8) this.#next = new Map();
    this.#next.set(change, new WeakRef(to));
  }

  has(id: number): boolean {
    const order = this.order;
    // The server (first) and the newest peer (last) are what a client asks about most.
    if (order[0] === id || order[order.length - 1] === id) return true;
    if (order.length < 16) return order.includes(id);
    return searchSortedIds(this.sorted(), id) >= 0;
  }

  sorted(): readonly number[] {
    this.#sorted ??= this.order.toSorted((a, b) => a - b);
    return this.#sorted;
  }

  /** The ascending ids of this snapshot with `id` added (or removed), from ours if made: no sort per join. */
  sortedWith(id: number, add: boolean): readonly number[] | null {
    const s = this.#sorted;
    if (!s) return null;
    const at = searchSortedIds(s, id);
    if (add) return at >= 0 ? s : s.toSpliced(-at - 1, 0, id);
    return at >= 0 ? s.toSpliced(at, 1) : s;
  }

  /** Takes an ascending index made from the snapshot it came from. */
  adoptSorted(sorted: readonly number[] | null): void {
    if (sorted && this.#sorted === null && sorted.length === this.order.length) this.#sorted = sorted;
  }
}

const EMPTY = new Snapshot([], 0);

/**
 * The snapshot made last: what a newcomer's greeting most likely spells out, id by id (the others'
 * sequence). Followed with a cursor, the greeting costs no table of its own.
 */
let latest: Snapshot = EMPTY;
/** The one made before it (a newcomer's own first snapshot is often the latest), and the longest made. */
let prior: Snapshot = EMPTY;
let longest: Snapshot = EMPTY;

/** Live snapshots by length and hash, so that equal sequences are held once. */
const interned = new Map<string, WeakRef<Snapshot>>();
const forget = new FinalizationRegistry<string>((key) => {
  if (interned.get(key)?.deref() === undefined) interned.delete(key);
});

/** The interned snapshot of `order` followed by `extra` (0: none), if one is alive. */
function find(order: readonly number[], hash: number, extra: number): Snapshot | undefined {
  const n = order.length + (extra ? 1 : 0);
  const known = interned.get(`${n}:${extra ? (hash + mix(extra)) | 0 : hash}`)?.deref();
  if (!known || known.order.length !== n) return undefined;
  const o = known.order;
  for (let i = 0; i < order.length; i++) if (o[i] !== order[i]) return undefined;
  if (extra && o[n - 1] !== extra) return undefined;
  return known;
}

/** The interned snapshot that is `order` with `self` inserted somewhere, if one is alive. */
function findWith(order: readonly number[], hash: number, self: number): Snapshot | undefined {
  const n = order.length + 1;
  const known = interned.get(`${n}:${(hash + mix(self)) | 0}`)?.deref();
  if (!known || known.order.length !== n) return undefined;
  const o = known.order;
  let skipped = false;
  for (let i = 0, j = 0; i < n; i++) {
    if (!skipped && o[i] === self) {
      skipped = true;
      continue;
    }
    if (o[i] !== order[j++]) return undefined;
  }
  return skipped ? known : undefined;
}

/**
 * The whole sequence from two sets that each lack only their own id (`a` lacks `selfA`, `b` lacks
 * `selfB`) and agree on the others' order; null if they do not, or if the two ids sit side by side
 * (then either order fits both).
 */
function merge(a: readonly number[], selfA: number, b: readonly number[], selfB: number): number[] | null {
  if (a.length !== b.length) return null;
  const out: number[] = [];
  let i = 0;
  let k = 0;
  while (i < a.length || k < b.length) {
    const x = a[i];
    const y = b[k];
    if (x !== undefined && x === y) {
      out.push(x);
      i++;
      k++;
    } else if (x === selfB && y === selfA) {
      return null; // side by side: neither content tells which comes first
    } else if (x === selfB) {
      out.push(x);
      i++;
    } else if (y === selfA) {
      out.push(y);
      k++;
    } else return null;
  }
  return out;
}

/** Is `s` the snapshot interned for its content (not one that lost to another order of the same ids)? */
function isInterned(s: Snapshot): boolean {
  return interned.get(`${s.order.length}:${s.hash}`)?.deref() === s;
}

function intern(order: readonly number[], hash: number): Snapshot {
  const known = find(order, hash, 0);
  if (known) return known;
  const made = new Snapshot(order, hash);
  prior = latest;
  latest = made;
  if (order.length >= longest.order.length) longest = made;
  const key = `${order.length}:${hash}`;
  // A collision with different content leaves the older one interned: only sharing is lost.
  if (!interned.get(key)?.deref()) {
    interned.set(key, new WeakRef(made));
    forget.register(made, key);
  }
  return made;
}

/** Murmur3's finalizer: spreads sequential ids over 32 bits. */
function mix(id: number): number {
  let h = id;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

/** A set's private table while it changes fast (a burst): its sequence, members and hash. */
interface OwnTable {
  order: number[];
  set: Set<number> | null;
  hash: number;
}

// ConnectedPeers's flags. Its members beyond the public API are TypeScript-private, not #private
// methods and fields each: # methods cost each instance a slot (V8's brand), fields a slot each.
const PLACED = 1;
const ANNOUNCED = 2;
const TRIES_SHIFT = 2;

export class ConnectedPeers {
  /** Sets with a private table to intern at the end of the tick. */
  static readonly #dirty: ConnectedPeers[] = [];
  static #flushPending = false;
  static #tick = 0;
  /** Sets whose id still floats: placed at the end of the tick if the others have placed it by then. */
  static #floating: ConnectedPeers[] = [];
  /** Sets whose hidden id sits elsewhere than in the interned snapshot of the same ids: moved there at the end of the tick. */
  static #astray: ConnectedPeers[] = [];

  #shared: Snapshot = EMPTY;
  /** While changing fast: the sequence privately (then #shared is stale), its members and hash. */
  #table: OwnTable | null = null;
  /** While a burst spells out a live snapshot: our content is its first `at` ids (#shared and #table unused). */
  #following: { to: Snapshot; at: number } | null = null;
  /** Our own id: hidden from has/size/iteration unless announced to us. */
  #self = 0;
  /** PLACED (our id is in the content: where the others have it, or announced), ANNOUNCED. */
  #flags = 0;
  #madeAt = -1;

  /** The private table's order (null: none, #shared holds our content). */
  private get own(): number[] | null {
    return this.#table?.order ?? null;
  }
  private set own(order: number[] | null) {
    if (order === null) this.#table = null;
    else if (this.#table === null) this.#table = { order, set: null, hash: 0 };
    else this.#table.order = order;
  }
  private get ownSet(): Set<number> | null {
    return this.#table?.set ?? null;
  }
  private set ownSet(set: Set<number> | null) {
    if (this.#table !== null) this.#table.set = set;
  }
  private get ownHash(): number {
    return this.#table?.hash ?? 0;
  }
  private set ownHash(hash: number) {
    if (this.#table !== null) this.#table.hash = hash;
  }
  private get follow(): Snapshot | null {
    return this.#following?.to ?? null;
  }
  private set follow(to: Snapshot | null) {
    if (to === null) this.#following = null;
    else if (this.#following === null) this.#following = { to, at: 0 };
    else this.#following.to = to;
  }
  private get at(): number {
    return this.#following?.at ?? 0;
  }
  private set at(at: number) {
    if (this.#following !== null) this.#following.at = at;
  }
  /** End-of-tick placements still to try for this set (0: not queued), in the flags from TRIES_SHIFT. */
  private get placeTries(): number {
    return this.#flags >>> TRIES_SHIFT;
  }
  private set placeTries(n: number) {
    this.#flags = (this.#flags & ((1 << TRIES_SHIFT) - 1)) | (n << TRIES_SHIFT);
  }
  private get placed(): boolean {
    return (this.#flags & PLACED) !== 0;
  }
  private set placed(on: boolean) {
    this.#flags = on ? this.#flags | PLACED : this.#flags & ~PLACED;
  }
  private get selfAnnounced(): boolean {
    return (this.#flags & ANNOUNCED) !== 0;
  }
  private set selfAnnounced(on: boolean) {
    this.#flags = on ? this.#flags | ANNOUNCED : this.#flags & ~ANNOUNCED;
  }

  get size(): number {
    const n = this.follow ? this.at : this.own ? this.own.length : this.#shared.order.length;
    return this.placed && !this.selfAnnounced ? n - 1 : n;
  }

  /** Our id, once the server gave it: floats until a snapshot of the others shows where it sits. */
  setSelf(id: number): void {
    if (id === this.#self || id <= 0) return;
    this.unfollow();
    if (this.placed && !this.selfAnnounced) this.remove(this.#self);
    this.#self = id;
    this.selfAnnounced = this.contains(id);
    this.placed = this.selfAnnounced;
    this.place();
  }

  has(id: number): boolean {
    if (id === this.#self) return this.selfAnnounced;
    return this.contains(id);
  }

  add(id: number): this {
    if (this.follow) {
      // The next id of the snapshot we follow is not ours yet (no duplicates in a snapshot).
      if (id !== this.#self && this.followNext(id)) {
        this.queuePlace();
        return this;
      }
      this.unfollow();
    }
    if (id === this.#self) {
      if (this.selfAnnounced) return this;
      // Announced (a server naming us to ourselves, as Godot lists it): it goes last, as any
      // newcomer, not where it sat hidden.
      if (this.placed) this.remove(id);
      this.append(id);
      this.placed = true;
      this.selfAnnounced = true;
      return this;
    }
    if (this.contains(id)) return this;
    this.place();
    this.append(id);
    return this;
  }

  delete(id: number): boolean {
    this.unfollow();
    if (id === this.#self) {
      const was = this.selfAnnounced;
      this.selfAnnounced = false;
      return was;
    }
    if (!this.contains(id)) return false;
    this.remove(id);
    return true;
  }

  clear(): void {
    this.#shared = EMPTY;
    this.own = null;
    this.ownSet = null;
    this.follow = null;
    this.#self = 0;
    this.placed = false;
    this.selfAnnounced = false;
    this.placeTries = 0;
  }

  /** The ids in insertion order (a copy: the set may change meanwhile). */
  [Symbol.iterator](): Iterator<number> {
    const hide = this.placed && !this.selfAnnounced ? this.#self : 0;
    const all = this.follow ? this.follow.order : (this.own ?? this.#shared.order);
    const n = this.follow ? this.at : all.length;
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const v = all[i] as number;
      if (v !== hide) out.push(v);
    }
    return out[Symbol.iterator]();
  }

  /** Do `a` and `b` hold one shared copy of their ids? (For tests and diagnostics.) */
  static shareStorage(a: ConnectedPeers, b: ConnectedPeers): boolean {
    return a.own === null && b.own === null && !a.follow && !b.follow && a.#shared === b.#shared;
  }

  private contains(id: number): boolean {
    const f = this.follow;
    if (f) {
      if (this.at === f.order.length) return f.has(id);
      const o = f.order;
      for (let i = 0; i < this.at; i++) if (o[i] === id) return true;
      return false;
    }
    return this.own ? (this.ownSet as Set<number>).has(id) : this.#shared.has(id);
  }

  /**
   * A floating id joins the shared sequence where the others put it. Only sharing depends on
   * getting the place right: our id is hidden wherever it sits.
   */
  private place(): void {
    // Never before the server (1): it comes first on every client.
    if (this.placed || this.#self === 0 || this.own || this.follow || this.#shared.order.length === 0) return;
    const from = this.#shared;
    const self = this.#self;
    const to = from.next(self) ?? findWith(from.order, from.hash, self);
    if (!to) return;
    this.#shared = to;
    this.placed = true;
  }

  /**
   * A placed set whose hidden id a guess put elsewhere than the others have it holds a copy of
   * its own: it moves to the shared one, which differs only in where our hidden id sits.
   */
  private checkAstray(): void {
    if (this.placed && !this.selfAnnounced && !this.own && !isInterned(this.#shared)) {
      ConnectedPeers.#astray.push(this);
    }
  }

  private rehome(): void {
    if (!this.placed || this.selfAnnounced || this.own) return;
    const s = this.#shared;
    const self = this.#self;
    if (isInterned(s)) return;
    const to = findWith(
      s.order.filter((v) => v !== self),
      (s.hash - mix(self)) | 0,
      self,
    );
    if (to) this.#shared = to;
  }

  /** The interning key of our content with our id in it. */
  private wholeKey(): string {
    const from = this.#shared;
    return `${from.order.length + 1}:${(from.hash + mix(this.#self)) | 0}`;
  }

  /**
   * Two floating sets of one game (a batch of newcomers greeted together, none placed yet to tell
   * the others where they landed): each one's content shows where the other's id sits, so
   * together they make the whole sequence, and both place on it.
   */
  private pairWith(other: ConnectedPeers): boolean {
    if (other.#self === this.#self) return false; // two games: one id cannot be missing twice
    const whole = merge(this.#shared.order, this.#self, other.#shared.order, other.#self);
    if (!whole || whole.length !== this.#shared.order.length + 1) return false;
    const to = intern(whole, (this.#shared.hash + mix(this.#self)) | 0);
    this.#shared = to;
    other.#shared = to;
    this.placed = true;
    other.placed = true;
    return true;
  }

  /** Our id floats and the content changed: look again at the end of the tick (a few times: the others may be told later). */
  private queuePlace(): void {
    if (this.placed || this.#self === 0 || this.placeTries > 0) return;
    this.placeTries = 64;
    ConnectedPeers.#floating.push(this);
    ConnectedPeers.#scheduleFlush();
  }

  private append(id: number): void {
    this.queuePlace();
    const own = this.own;
    if (own) {
      own.push(id);
      this.ownSet?.add(id);
      this.ownHash = (this.ownHash + mix(id)) | 0;
      return;
    }
    const from = this.#shared;
    const known = from.next(id);
    if (known) {
      this.#shared = known;
      return;
    }
    if (this.#madeAt === ConnectedPeers.#tick) {
      if (this.startFollow(id)) return;
      this.goPrivate();
      this.append(id);
      return;
    }
    const to = intern([...from.order, id], (from.hash + mix(id)) | 0);
    to.adoptSorted(from.sortedWith(id, true));
    from.setNext(id, to);
    this.#shared = to;
    this.#madeAt = ConnectedPeers.#tick;
    this.checkAstray();
    ConnectedPeers.#scheduleFlush();
  }

  private remove(id: number): void {
    this.queuePlace();
    const own = this.own;
    if (own) {
      own.splice(own.indexOf(id), 1);
      this.ownSet?.delete(id);
      this.ownHash = (this.ownHash - mix(id)) | 0;
      return;
    }
    const from = this.#shared;
    const known = from.next(-id);
    if (known) {
      this.#shared = known;
      return;
    }
    if (this.#madeAt === ConnectedPeers.#tick) {
      this.goPrivate();
      this.remove(id);
      return;
    }
    const to = intern(
      from.order.filter((v) => v !== id),
      (from.hash - mix(id)) | 0,
    );
    to.adoptSorted(from.sortedWith(id, false));
    from.setNext(-id, to);
    this.#shared = to;
    this.#madeAt = ConnectedPeers.#tick;
    this.checkAstray();
    ConnectedPeers.#scheduleFlush();
  }

  /**
   * The second new snapshot in one tick: a burst (a newcomer's greeting). If our content and then
   * `id` begin the snapshot made last, follow it with a cursor instead of copying: the greeting
   * spells out the others' sequence. Our hidden id is skipped where they have it (that places it).
   */
  private startFollow(id: number): boolean {
    if (this.selfAnnounced) return false;
    return this.follows(latest, id) || this.follows(prior, id) || this.follows(longest, id);
  }

  private follows(to: Snapshot, id: number): boolean {
    if (to === this.#shared || to.order.length <= this.#shared.order.length) return false;
    const o = to.order;
    const self = this.#self;
    let j = 0;
    let placed = false;
    for (const v of this.#shared.order) {
      if (v === self) continue;
      if (self !== 0 && o[j] === self) {
        j++;
        placed = true;
      }
      if (o[j] !== v) return false;
      j++;
    }
    if (self !== 0 && o[j] === self) {
      j++;
      placed = true;
    }
    if (o[j] !== id) return false;
    this.follow = to;
    this.at = j + 1;
    this.placed = placed;
    ConnectedPeers.#dirty.push(this);
    ConnectedPeers.#scheduleFlush();
    return true;
  }

  /** Following: is `id` the next of the snapshot (after our hidden id, if it sits there)? */
  private followNext(id: number): boolean {
    const o = (this.follow as Snapshot).order;
    let at = this.at;
    if (this.#self !== 0 && o[at] === this.#self) {
      at++;
      this.placed = true;
      this.at = at;
    }
    if (o[at] !== id) {
      if (at < o.length) return false;
      // The end of it: a later snapshot that begins with it (the others were told of more since).
      const on = this.longer(id);
      if (!on) return false;
      this.follow = on;
    }
    this.at = at + 1;
    return true;
  }

  /** A live snapshot that is the one we follow, then `id`, and maybe more. */
  private longer(id: number): Snapshot | undefined {
    const f = this.follow as Snapshot;
    const n = f.order.length;
    const known = f.next(id);
    if (known) return known;
    for (const c of [latest, longest]) {
      const o = c.order;
      if (o.length <= n || o[n] !== id) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (o[i] !== f.order[i]) {
          same = false;
          break;
        }
      }
      if (same) return c;
    }
    return undefined;
  }

  /** Following no more: our content so far becomes a private table (interned at the end of the tick). */
  private unfollow(): void {
    const f = this.follow;
    if (!f) return;
    const own = f.order.slice(0, this.at);
    this.follow = null;
    let hash = 0;
    for (const v of own) hash = (hash + mix(v)) | 0;
    this.own = own;
    this.ownSet = new Set(own);
    this.ownHash = hash;
    // Already in #dirty since #startFollow.
  }

  /** The end of the tick for a set still following: the snapshot if we spelt all of it out, else its beginning. */
  private settleFollow(): void {
    const f = this.follow as Snapshot;
    let at = this.at;
    this.follow = null;
    if (this.#self !== 0 && f.order[at] === this.#self) {
      at++;
      this.placed = true;
    }
    if (at === f.order.length) {
      this.#shared = f;
      return;
    }
    const part = f.order.slice(0, at);
    let hash = 0;
    for (const v of part) hash = (hash + mix(v)) | 0;
    this.#shared = intern(part, hash);
  }

  /** The second new snapshot in one tick: a burst. Collect it privately, intern it after. */
  private goPrivate(): void {
    this.own = this.#shared.order.slice();
    this.ownSet = new Set(this.own);
    this.ownHash = this.#shared.hash;
    ConnectedPeers.#dirty.push(this);
    ConnectedPeers.#scheduleFlush();
  }

  static #scheduleFlush(): void {
    if (ConnectedPeers.#flushPending) return;
    ConnectedPeers.#flushPending = true;
    // Unref'd: a pending intern never keeps a process alive (private tables are correct too).
    setImmediate(() => ConnectedPeers.#flush()).unref();
  }

  static #flush(): void {
    ConnectedPeers.#flushPending = false;
    ConnectedPeers.#tick++;
    for (const set of ConnectedPeers.#dirty.splice(0)) {
      if (set.follow) {
        set.settleFollow();
        set.place();
        set.checkAstray();
        continue;
      }
      const own = set.own;
      if (!own) continue;
      const hash = set.ownHash;
      set.own = null;
      set.#shared = intern(own, hash);
      set.place();
      set.checkAstray();
    }
    for (const set of ConnectedPeers.#astray.splice(0)) set.rehome();
    const floating = ConnectedPeers.#floating;
    ConnectedPeers.#floating = [];
    /** Floating sets by the key their whole sequence would have: two of one game place each other. */
    let waiting: Map<string, ConnectedPeers> | null = null;
    for (const set of floating) {
      set.place();
      if (!set.placed && set.#self !== 0 && !set.own && set.#shared.order.length > 0) {
        const key = set.wholeKey();
        waiting ??= new Map();
        const other = waiting.get(key);
        // One that cannot pair (its id next to ours: either order fits) leaves the older waiting.
        if (!other || other.placed || other.wholeKey() !== key) waiting.set(key, set);
        else if (set.pairWith(other)) waiting.delete(key);
      }
      if (set.placed || set.#self === 0 || --set.placeTries === 0) {
        set.placeTries = 0;
        continue;
      }
      ConnectedPeers.#floating.push(set);
    }
    if (ConnectedPeers.#floating.length > 0) ConnectedPeers.#scheduleFlush();
  }
}
