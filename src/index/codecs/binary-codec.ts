import { checkDecodeArgs, type FixedWidthCodec } from './vector-codec.js';

/**
 * One sign bit per dimension (`ceil(dim / 8)` bytes per vector; bit j of a vector is bit `j % 8` of its byte
 * `j >> 3`, set when x_j >= 0). Decoding yields `+-1/sqrt(dim)` per dimension, a unit vector, so stored documents
 * are scored by the ordinary decode-then-MaxSim path against float queries (asymmetric: the query keeps its
 * precision, the score is the query's signed sum over the document bits divided by sqrt(dim)). Hamming-distance
 * scoring of binarised queries is not implemented: it would only be faster, and less accurate.
 */
export class BinaryCodec implements FixedWidthCodec {
  readonly name = 'binary';
  /** Decoded values of every byte (see byteTable) for `tableDim`. */
  private table = new Float32Array(0);
  private tableDim = 0;

  payloadBytes(count: number, dim: number): number {
    return count * this.bytesPerVector(dim);
  }

  bytesPerVector(dim: number): number {
    return (dim + 7) >>> 3;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length % dim !== 0) throw new RangeError(`binary codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    const count = rows.length / dim;
    const stride = this.bytesPerVector(dim);
    const out = new Uint8Array(count * stride);
    for (let v = 0, off = 0, base = 0; v < count; v++, off += dim, base += stride) {
      for (let j = 0; j < dim; j++) {
        if (rows[off + j]! >= 0) out[base + (j >>> 3)]! |= 1 << (j & 7);
      }
    }
    return out;
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    checkDecodeArgs(this, bytes, count, dim, out);
    const stride = this.bytesPerVector(dim);
    const table = this.byteTable(dim);
    const whole = dim >>> 3;
    for (let v = 0, off = 0, base = 0; v < count; v++, off += dim, base += stride) {
      for (let b = 0; b < whole; b++) {
        const t = bytes[base + b]! << 3;
        const o = off + (b << 3);
        for (let k = 0; k < 8; k++) out[o + k] = table[t + k]!;
      }
      for (let j = whole << 3; j < dim; j++) out[off + j] = table[(bytes[base + (j >>> 3)]! << 3) + (j & 7)]!;
    }
    return out;
  }

  /** The 8 decoded values of each byte value (256 x 8 floats), built once per dimension. */
  private byteTable(dim: number): Float32Array {
    if (this.tableDim !== dim) {
      const plus = Math.fround(1 / Math.sqrt(dim));
      this.table = new Float32Array(256 * 8);
      for (let byte = 0; byte < 256; byte++) for (let k = 0; k < 8; k++) this.table[byte * 8 + k] = (byte >>> k) & 1 ? plus : -plus;
      this.tableDim = dim;
    }
    return this.table;
  }
}
