import { checkDecodeArgs, type VectorCodec } from './vector-codec.js';

/**
 * One sign bit per dimension (`ceil(dim / 8)` bytes per vector; bit j of a vector is bit `j % 8` of its byte
 * `j >> 3`, set when x_j >= 0). Decoding yields `+-1/sqrt(dim)` per dimension, a unit vector, so stored documents
 * are scored by the ordinary decode-then-MaxSim path against float queries (asymmetric: the query keeps its
 * precision, the score is the query's signed sum over the document bits divided by sqrt(dim)). Hamming-distance
 * scoring of binarised queries is not implemented: it would only be faster, and less accurate.
 */
export class BinaryCodec implements VectorCodec {
  readonly name = 'binary';

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
    const plus = Math.fround(1 / Math.sqrt(dim));
    const minus = -plus;
    for (let v = 0, off = 0, base = 0; v < count; v++, off += dim, base += stride) {
      for (let j = 0; j < dim; j++) out[off + j] = (bytes[base + (j >>> 3)]! >>> (j & 7)) & 1 ? plus : minus;
    }
    return out;
  }
}
