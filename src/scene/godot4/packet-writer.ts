/**
 * A growable scratch buffer the Godot 4 packets are written into; each packet sent is one copy
 * of a range of it (`take`), so building a packet allocates nothing but the packet itself.
 * Little-endian, as every integer of Godot's wire.
 */
export class PacketWriter {
  buf: Uint8Array;
  pos = 0;

  constructor(size = 512) {
    this.buf = new Uint8Array(size);
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.pos++] = v;
  }

  u16(v: number): void {
    this.ensure(2);
    const b = this.buf;
    b[this.pos++] = v & 0xff;
    b[this.pos++] = (v >>> 8) & 0xff;
  }

  u32(v: number): void {
    this.ensure(4);
    putU32(this.buf, this.pos, v);
    this.pos += 4;
  }

  bytes(data: Uint8Array): void {
    this.ensure(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** A copy of buf[from, to): the packet handed to the peer, which may keep it. */
  take(from: number, to: number): Uint8Array {
    return this.buf.slice(from, to);
  }
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function getU32(p: Uint8Array, at: number): number {
  return (
    ((p[at] as number) |
      ((p[at + 1] as number) << 8) |
      ((p[at + 2] as number) << 16) |
      ((p[at + 3] as number) << 24)) >>>
    0
  );
}

export function getI32(p: Uint8Array, at: number): number {
  return getU32(p, at) | 0;
}

export function getU16(p: Uint8Array, at: number): number {
  return (p[at] as number) | ((p[at + 1] as number) << 8);
}

/**
 * A copy of p[from, to) that is a plain Uint8Array of its own: a peer may hand us a Buffer,
 * whose slice() is a view into memory the peer may reuse.
 */
export function copyBytes(p: Uint8Array, from: number, to: number = p.length): Uint8Array {
  return new Uint8Array(p.subarray(from, to));
}
