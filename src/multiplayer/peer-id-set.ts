/**
 * A set of peer ids (31-bit, never 0) in one Int32Array with open addressing: 8 bytes a peer at
 * most, nothing for the garbage collector to trace. A Godot 3 server announces every peer to
 * every client, so a swarm of N bots holds N² ids: a JS Set there costs tens of bytes an entry.
 */
export class PeerIdSet {
  #slots = new Int32Array(16);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(id: number): boolean {
    if (id <= 0) return false;
    const mask = this.#slots.length - 1;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const v = this.#slots[i] as number;
      if (v === id) return true;
      if (v === 0) return false;
    }
  }

  add(id: number): void {
    if (id <= 0 || id > 0x7fffffff) throw new RangeError(`peer id ${id} is not 1..2^31-1`);
    if ((this.#size + 1) * 2 > this.#slots.length) this.#grow();
    const mask = this.#slots.length - 1;
    for (let i = hash(id) & mask; ; i = (i + 1) & mask) {
      const v = this.#slots[i] as number;
      if (v === id) return;
      if (v === 0) {
        this.#slots[i] = id;
        this.#size++;
        return;
      }
    }
  }

  delete(id: number): boolean {
    const slots = this.#slots;
    const mask = slots.length - 1;
    let i = hash(id) & mask;
    for (; ; i = (i + 1) & mask) {
      const v = slots[i] as number;
      if (v === 0) return false;
      if (v === id) break;
    }
    // Backward-shift deletion keeps every probe chain whole without tombstones.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const v = slots[j] as number;
      if (v === 0) break;
      const home = hash(v) & mask;
      // Move v into the hole at i if its home is not cyclically in (i, j].
      if (i <= j ? home <= i || home > j : home <= i && home > j) {
        slots[i] = v;
        i = j;
      }
    }
    slots[i] = 0;
    this.#size--;
    return true;
  }

  clear(): void {
    this.#slots = new Int32Array(16);
    this.#size = 0;
  }

  /** The ids in ascending order (Godot's Set<int> order). */
  sorted(): number[] {
    const out: number[] = [];
    for (const v of this.#slots) if (v !== 0) out.push(v);
    return out.sort((a, b) => a - b);
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Int32Array(old.length * 2);
    this.#size = 0;
    for (const v of old) if (v !== 0) this.add(v);
  }
}

/** Ids are random already (Godot hashes time and addresses); a multiplicative mix spreads sequential ones. */
function hash(id: number): number {
  return Math.imul(id, 0x9e3779b1) >>> 0;
}
