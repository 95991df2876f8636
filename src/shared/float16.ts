/**
 * IEEE 754 binary16 (half precision) conversions: round-to-nearest-even on encode, exact on decode. The one
 * implementation behind the static encoder's cached table and the `float16` vector codec (the WebAssembly MaxSim
 * module decodes the same bits in SIMD, checked against these).
 */

const f32 = new Float32Array(1);
const f32Bits = new Uint32Array(f32.buffer);

/** The binary16 bit pattern nearest to the float32 with bit pattern `bits` (ties to even); NaN stays NaN. */
export function float16BitsOfFloat32Bits(bits: number): number {
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the implicit-1 mantissa right, rounding to nearest even.
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let out = mant >>> shift;
    if (rest > half || (rest === half && (out & 1) === 1)) out++;
    return sign | out;
  }
  let out = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // A carry out of the mantissa correctly bumps the exponent (and overflows to infinity).
  if (rest > 0x1000 || (rest === 0x1000 && (out & 1) === 1)) out++;
  return sign | out;
}

/** The binary16 bit pattern nearest to `value` rounded to float32 first (ties to even). */
export function float16Bits(value: number): number {
  f32[0] = value;
  return float16BitsOfFloat32Bits(f32Bits[0]!);
}

/** Decodes one binary16 bit pattern. */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

let decodeTable: Float32Array | undefined;

/** All 65536 binary16 values as float32 (256 KiB), indexed by bit pattern: decoding is one lookup per value. */
export function float16DecodeTable(): Float32Array {
  if (!decodeTable) {
    decodeTable = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) decodeTable[bits] = float16Value(bits);
  }
  return decodeTable;
}
