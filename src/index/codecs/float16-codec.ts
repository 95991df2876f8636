import { Float16Array } from '@petamoriken/float16';
import { checkDecodeArgs, type VectorCodec } from './vector-codec.js';

let halfToFloatTable: Float32Array | undefined;

/** All 65536 half-precision bit patterns decoded once (256 KiB), so decoding is one lookup per value. */
function halfTable(): Float32Array {
  if (!halfToFloatTable) {
    const bits = new Uint16Array(65536);
    for (let i = 0; i < 65536; i++) bits[i] = i;
    halfToFloatTable = Float32Array.from(new Float16Array(bits.buffer));
  }
  return halfToFloatTable;
}

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** float32 bits -> IEEE half bits, round to nearest even (overflow -> infinity, NaN stays NaN). */
export function halfBitsOf(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 112; // rebias 127 -> 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  // A mantissa carry rounds up into the exponent (and to infinity at the top), as IEEE requires.
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++;
  return sign | half;
}

/** Half bits of a JS number rounded to float32 first. */
export function toHalfBits(value: number): number {
  f32[0] = value;
  return halfBitsOf(f32Bits[0]!);
}

/** IEEE half precision (round to nearest even): 2 bytes per value, max abs error 2^-12 for values in [-1, 1]. */
export class Float16Codec implements VectorCodec {
  readonly name = 'float16';

  bytesPerVector(dim: number): number {
    return dim * 2;
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    if (rows.length % dim !== 0) throw new RangeError(`float16 codec: ${rows.length} floats is not a multiple of dim ${dim}`);
    const halves = new Uint16Array(rows.length);
    const bits = new Uint32Array(rows.buffer, rows.byteOffset, rows.length);
    for (let i = 0; i < bits.length; i++) halves[i] = halfBitsOf(bits[i]!);
    return new Uint8Array(halves.buffer);
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    checkDecodeArgs(this, bytes, count, dim, out);
    const table = halfTable();
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
