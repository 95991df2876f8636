/** Growable scratch buffers, reused across documents so per-document hot loops do not allocate. */
export class Float64Scratch {
  private buffer = new Float64Array(0);
  /** A view of at least `length` elements; contents are unspecified. */
  take(length: number): Float64Array {
    if (this.buffer.length < length) this.buffer = new Float64Array(Math.max(length, this.buffer.length * 2));
    return this.buffer;
  }
}

export class Int32Scratch {
  private buffer = new Int32Array(0);
  take(length: number): Int32Array {
    if (this.buffer.length < length) this.buffer = new Int32Array(Math.max(length, this.buffer.length * 2));
    return this.buffer;
  }
}
