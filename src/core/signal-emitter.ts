/**
 * Signals, as Godot's Object has them: named, connected to callables, emitted with arguments.
 * The method names are Node's EventEmitter's (on, once, off, emit …), so `events.once(bot, …)`,
 * `events.on(…)` and habits carry over.
 *
 * Why not EventEmitter itself: its listener table is a prototype-less object, which V8 keeps in
 * dictionary mode: 160–450 bytes per emitter even with no listener, four emitters per bot. Here
 * an emitter holds nothing until a first connect, then one array of (signal, callable, once)
 * triples, scanned in order: emitters here have a handful of connections, not hundreds. The
 * array is never changed, only replaced (copy on write): it is always of its exact size, and an
 * emission walks the one it started with whatever its listeners connect or disconnect.
 *
 * Differences from EventEmitter: no "error" special case (no signal here is named so), no
 * "newListener"/"removeListener" events, no max-listeners warning (Godot has no such limit:
setMaxListeners is accepted and changes nothing).
 */

/** Any listener: never[] parameters, so that every listener type fits. */
type Callable = (...args: never[]) => unknown;

/** The signals of an emitter: name → argument tuple. */
export type SignalMap<E> = { [K in keyof E]: unknown[] };

/** A listener of signal K. */
export type SignalListener<E extends SignalMap<E>, K extends keyof E> = (...args: E[K]) => unknown;

const ONCE = true;
const ALWAYS = false;

/**
 * An emitter's only connection: a record of three fields (48 B), not an array of three (72 B).
 * Exported for the idle-memory test (not from the index).
 */
export class Slot {
  constructor(
    readonly signal: unknown,
    readonly listener: Callable,
    readonly once: boolean,
  ) {}
}

/** The connections of `flat` (signal, callable, once …) as an emitter keeps them. */
function slotsOf(flat: unknown[]): unknown[] | Slot | null {
  if (flat.length === 0) return null;
  if (flat.length === 3) return new Slot(flat[0], flat[1] as Callable, flat[2] as boolean);
  return flat;
}

// Its methods are TypeScript-private, not #private: # methods cost each instance a slot (V8's
// brand), and every bot holds three emitters.
export class SignalEmitter<E extends SignalMap<E>> {
  /**
   * signal, callable, once, signal, callable, once … in connection order (never mutated), or the
   * only connection as a Slot; null when none.
   */
  #slots: unknown[] | Slot | null = null;

  /** The connections as a flat array (a copy of a Slot's): for what is not an emission. */
  private flatSlots(): unknown[] | null {
    const slots = this.#slots;
    return slots instanceof Slot ? [slots.signal, slots.listener, slots.once] : slots;
  }

  /** Connects `listener` to `signal` (Godot's connect). The same listener may be connected twice. */
  on<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.connectSlot(signal, listener, ALWAYS, false);
  }

  /** Same as on(). */
  addListener<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.connectSlot(signal, listener, ALWAYS, false);
  }

  /** Connects `listener` for one emission only (Godot's CONNECT_ONESHOT). */
  once<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.connectSlot(signal, listener, ONCE, false);
  }

  /** Connects `listener` before every other listener of the emitter. */
  prependListener<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.connectSlot(signal, listener, ALWAYS, true);
  }

  prependOnceListener<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.connectSlot(signal, listener, ONCE, true);
  }

  /** Disconnects the most recent connection of `listener` to `signal`, if any (Godot's disconnect). */
  off<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    const only = this.#slots;
    if (only instanceof Slot) {
      if (only.signal === signal && only.listener === listener) this.#slots = null;
      return this;
    }
    const slots = only;
    if (slots === null) return this;
    for (let i = slots.length - 3; i >= 0; i -= 3) {
      if (slots[i] === signal && slots[i + 1] === listener) {
        this.removeSlot(slots, i);
        break;
      }
    }
    return this;
  }

  /** Same as off(). */
  removeListener<K extends keyof E>(signal: K, listener: SignalListener<E, K>): this {
    return this.off(signal, listener);
  }

  /** Disconnects every listener of `signal`, or of every signal. */
  removeAllListeners(signal?: keyof E): this {
    const slots = this.#slots;
    if (slots === null) return this;
    if (signal === undefined) {
      this.#slots = null;
      return this;
    }
    const flat = this.flatSlots() as unknown[];
    const kept: unknown[] = [];
    for (let i = 0; i < flat.length; i += 3) {
      if (flat[i] !== signal) kept.push(flat[i], flat[i + 1], flat[i + 2]);
    }
    this.#slots = slotsOf(kept.length === flat.length ? flat : kept.slice()); // slice: exact size
    return this;
  }

  /** How many listeners `signal` has (of `listener` only, if given). */
  listenerCount(signal: keyof E, listener?: Callable): number {
    const slots = this.#slots;
    if (slots === null) return 0;
    if (slots instanceof Slot) {
      return slots.signal === signal && (listener === undefined || slots.listener === listener) ? 1 : 0;
    }
    let n = 0;
    for (let i = 0; i < slots.length; i += 3) {
      if (slots[i] === signal && (listener === undefined || slots[i + 1] === listener)) n++;
    }
    return n;
  }

  /** The listeners of `signal`, in the order they will be called. */
  listeners<K extends keyof E>(signal: K): SignalListener<E, K>[] {
    const slots = this.flatSlots();
    const out: SignalListener<E, K>[] = [];
    if (slots === null) return out;
    for (let i = 0; i < slots.length; i += 3) {
      if (slots[i] === signal) out.push(slots[i + 1] as SignalListener<E, K>);
    }
    return out;
  }

  /** Same as listeners() (no once-wrappers here: a once listener is a flag on its connection). */
  rawListeners<K extends keyof E>(signal: K): SignalListener<E, K>[] {
    return this.listeners(signal);
  }

  /** For EventEmitter compatibility: there is no listener limit here, so this changes nothing. */
  setMaxListeners(_n: number): this {
    return this;
  }

  /** 0: no limit (EventEmitter's meaning of 0). */
  getMaxListeners(): number {
    return 0;
  }

  /** The signals that have listeners. */
  eventNames(): (keyof E)[] {
    const slots = this.flatSlots();
    const out: (keyof E)[] = [];
    if (slots === null) return out;
    for (let i = 0; i < slots.length; i += 3) {
      const name = slots[i] as keyof E;
      if (!out.includes(name)) out.push(name);
    }
    return out;
  }

  /**
   * Calls the listeners of `signal` in order, with `this` the emitter; true if there were any.
   * Those connected when the emission starts are called, even one disconnected meanwhile (as in
   * Node); a listener that throws stops the emission and the error propagates.
   */
  emit<K extends keyof E>(signal: K, ...args: E[K]): boolean {
    return this.fireSlots(signal, args, null);
  }

  /**
   * Emits to every listener even when some throw: each error goes to `caught` and the next
   * listener still runs. For signals whose emitter must carry on (a client's connection events).
   */
  protected emitCatching<K extends keyof E>(
    signal: K,
    args: E[K],
    caught: (error: unknown) => void,
  ): boolean {
    return this.fireSlots(signal, args, caught);
  }

  private connectSlot(signal: keyof E, listener: Callable, once: boolean, first: boolean): this {
    if (typeof listener !== "function") {
      throw new TypeError(`the listener of "${String(signal)}" must be a function, not ${typeof listener}`);
    }
    const slots = this.flatSlots();
    // concat, not a spread: a spread's result keeps growth room (15 elements took 336 B, not 176).
    if (slots === null) this.#slots = new Slot(signal, listener, once);
    else if (first) this.#slots = ([signal, listener, once] as unknown[]).concat(slots);
    else this.#slots = slots.concat([signal, listener, once]);
    return this;
  }

  /** Disconnects the triple at `at` of `slots` (the current array, or one an emission walks). */
  private removeSlot(slots: unknown[], at: number): void {
    const only = this.#slots;
    if (only instanceof Slot) {
      if (only.signal === slots[at] && only.listener === slots[at + 1] && only.once === slots[at + 2]) {
        this.#slots = null;
      }
      return;
    }
    const now = only;
    if (now === null) return;
    // The array may have been replaced since `slots` was read: find the same triple in it.
    let i = at;
    if (now !== slots) {
      i = -1;
      for (let j = 0; j < now.length; j += 3) {
        if (now[j] === slots[at] && now[j + 1] === slots[at + 1] && now[j + 2] === slots[at + 2]) {
          i = j;
          break;
        }
      }
      if (i < 0) return;
    }
    this.#slots = slotsOf(now.slice(0, i).concat(now.slice(i + 3)));
  }

  private fireSlots(signal: keyof E, args: unknown[], caught: ((error: unknown) => void) | null): boolean {
    const slots = this.#slots;
    if (slots === null) return false;
    if (slots instanceof Slot) {
      if (slots.signal !== signal) return false;
      // A once listener is disconnected before it is called (as in Node).
      if (slots.once) this.#slots = null;
      this.callSlot(slots.listener, args, caught);
      return true;
    }
    let any = false;
    for (let i = 0; i < slots.length; i += 3) {
      if (slots[i] !== signal) continue;
      any = true;
      // A once listener is disconnected before it is called (as in Node).
      if (slots[i + 2] === ONCE) this.removeSlot(slots, i);
      this.callSlot(slots[i + 1] as Callable, args, caught);
    }
    return any;
  }

  private callSlot(listener: Callable, args: unknown[], caught: ((error: unknown) => void) | null): void {
    if (caught === null) {
      Reflect.apply(listener, this, args);
      return;
    }
    try {
      Reflect.apply(listener, this, args);
    } catch (err) {
      caught(err);
    }
  }
}
