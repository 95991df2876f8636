import { checkDecodeArgs, type FixedWidthCodec } from './vector-codec.js';

/** Lossless: raw little-endian float32 rows. */
export class Float32Codec implements FixedWidthCodec {
  readonly name = 'float32';

  payloadBytes(count: number, dim: number): number {
    return count * this.bytesPerVector(dim);
  }

  bytesPerVector(dim: number): number {
    return dim * 4;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length % dim !== 0) throw new RangeError(`float32 codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    return new Uint8Array(rows.slice().buffer);
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    checkDecodeArgs(this, bytes, count, dim, out);
    const n = count * dim;
    if (bytes.byteOffset % 4 === 0) {
      out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
    } else {
      // Unaligned view: copy the bytes under the output's own buffer, which is aligned.
      new Uint8Array(out.buffer, out.byteOffset, n * 4).set(bytes.subarray(0, n * 4));
    }
    return out;
  }
}
