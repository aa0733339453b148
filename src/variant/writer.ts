/**
 * The encoder's output buffer. Like msgpackr, encodings are carved one after another out of a
 * shared chunk and handed out as views: no copy per call. A chunk is never written twice, so a
 * returned view stays valid; a full chunk is simply dropped for a new one (its views keep it alive).
 */

const MIN_CHUNK = 16 * 1024;
const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

export class Writer {
  buf: Uint8Array = new Uint8Array(MIN_CHUNK);
  view: DataView = new DataView(this.buf.buffer);
  /** Start of the encoding in progress. */
  start = 0;
  pos = 0;

  begin(): void {
    // Less than a small message left: start a fresh chunk rather than grow mid-encode.
    if (this.buf.length - this.pos < 256) this.replace(MIN_CHUNK, 0);
    this.start = this.pos;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    const used = this.pos - this.start;
    let size = MIN_CHUNK;
    while (size < (used + n) * 2) size *= 2;
    this.replace(size, used);
  }

  private replace(size: number, keep: number): void {
    const next = new Uint8Array(size);
    if (keep > 0) next.set(this.buf.subarray(this.start, this.start + keep));
    this.buf = next;
    this.view = new DataView(next.buffer);
    this.start = 0;
    this.pos = keep;
  }

  finish(): Uint8Array {
    const out = this.buf.subarray(this.start, this.pos);
    this.start = this.pos;
    return out;
  }

  /** Drops a failed encoding so the next one starts clean. */
  abort(): void {
    this.pos = this.start;
  }

  u32(v: number): void {
    this.ensure(4);
    this.view.setUint32(this.pos, v, true);
    this.pos += 4;
  }

  i32(v: number): void {
    this.ensure(4);
    this.view.setInt32(this.pos, v, true);
    this.pos += 4;
  }

  f32(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  u64(v: bigint): void {
    this.ensure(8);
    this.view.setBigUint64(this.pos, BigInt.asUintN(64, v), true);
    this.pos += 8;
  }

  /** Zero bytes up to the next multiple of 4 from the start of the encoding. */
  pad(): void {
    const rem = (this.pos - this.start) & 3;
    if (rem === 0) return;
    this.ensure(4);
    for (let i = rem; i < 4; i++) this.buf[this.pos++] = 0;
  }

  /** Raw bytes of a typed array, little-endian. */
  raw(a: ArrayBufferView): void {
    const n = a.byteLength;
    this.ensure(n);
    if (LITTLE_ENDIAN_HOST || a instanceof Uint8Array) {
      this.buf.set(new Uint8Array(a.buffer, a.byteOffset, n), this.pos);
      this.pos += n;
      return;
    }
    this.rawBigEndianHost(a);
  }

  private rawBigEndianHost(a: ArrayBufferView): void {
    if (a instanceof Int32Array) for (const v of a) this.i32(v);
    else if (a instanceof Float32Array) for (const v of a) this.f32(v);
    else if (a instanceof Float64Array) for (const v of a) this.f64(v);
    else if (a instanceof BigInt64Array) for (const v of a) this.u64(v);
  }
}

export { LITTLE_ENDIAN_HOST };
