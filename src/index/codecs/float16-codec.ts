import { float16BitsOfFloat32Bits, float16DecodeTable } from '../../shared/index.js';
import { checkDecodeArgs, type FixedWidthCodec } from './vector-codec.js';

/** IEEE half precision (round to nearest even): 2 bytes per value, max abs error 2^-12 for values in [-1, 1]. */
export class Float16Codec implements FixedWidthCodec {
  readonly name = 'float16';

  payloadBytes(count: number, dim: number): number {
    return count * this.bytesPerVector(dim);
  }

  bytesPerVector(dim: number): number {
    return dim * 2;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length % dim !== 0) throw new RangeError(`float16 codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    const halves = new Uint16Array(rows.length);
    const bits = new Uint32Array(rows.buffer, rows.byteOffset, rows.length);
    for (let i = 0; i < bits.length; i++) halves[i] = float16BitsOfFloat32Bits(bits[i]!);
    return new Uint8Array(halves.buffer);
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    checkDecodeArgs(this, bytes, count, dim, out);
    const table = float16DecodeTable();
    const n = count * dim;
    if (bytes.byteOffset % 2 === 0) {
      const halves = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      for (let i = 0; i < n; i++) out[i] = table[halves[i]!]!;
    } else {
      for (let i = 0, b = 0; i < n; i++, b += 2) out[i] = table[bytes[b]! | (bytes[b + 1]! << 8)]!;
    }
    return out;
  }
}
