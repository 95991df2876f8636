/**
 * Counter-based seeding and fast sampling for the contextual generator: every stream is keyed by
 * (seed, kind, index), so document i's draws never depend on any other document and ranges can be generated in
 * any order, in any worker.
 */
import { fmix32 } from '../../src/shared/murmur.js';

/** Murmur3's 32-bit finaliser (a bijective avalanche mix), unsigned. */
function mix32(value: number): number {
  return fmix32(value) >>> 0;
}

/**
 * SFC32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG, 128-bit state, period >= 2^32): passes PractRand to
 * many terabytes and needs only 32-bit adds, shifts and xors, which V8 keeps in registers.
 */
export class RandomStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** The stream for (seed, kind, index); distinct keys give unrelated streams. */
  constructor(seed: number, kind: number, index: number) {
    const k = mix32(mix32(seed ^ 0x9e3779b9) ^ Math.imul(kind + 1, 0x632be5ab));
    const lo = index >>> 0;
    const hi = Math.floor(index / 4294967296) >>> 0;
    this.a = mix32(k ^ lo);
    this.b = mix32(this.a ^ hi ^ 0x7f4a7c15);
    this.c = mix32(this.b ^ 0x94d049bb);
    this.d = 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Fills `out` with the next out.length draws (state kept in locals: several times faster than nextUint32). */
  fill(out: Uint32Array): void {
    let { a, b, c, d } = this;
    for (let i = 0; i < out.length; i++) {
      const t = (((a + b) | 0) + d) | 0;
      d = (d + 1) | 0;
      a = b ^ (b >>> 9);
      b = (c + (c << 3)) | 0;
      c = (c << 21) | (c >>> 11);
      c = (c + t) | 0;
      out[i] = t;
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
  }

  /** Uniform in [0, 1) with 32 random bits. */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n) (n <= 2^32; bias below 2^-32 * n, irrelevant here). */
  below(n: number): number {
    return Math.floor(this.next() * n);
  }
}

/** Inverse of the standard normal CDF (Acklam's rational approximation, relative error < 1.2e-9). */
export function inverseNormalCdf(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`inverse normal CDF needs p in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  }
  if (p > 1 - low) return -inverseNormalCdf(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/** Entries of a Gaussian quantile table: 16 bits index it, so one 32-bit draw yields two normal deviates. */
export const GAUSSIAN_TABLE_SIZE = 65536;

/**
 * `scale` times the standard normal quantiles at the midpoints (k + 0.5) / 65536: indexing it with 16 uniform
 * bits samples a normal deviate quantised to 1/65536 of probability mass (tails cut at about ±4.3 sigma), at the
 * cost of a table load instead of Box-Muller's log, sqrt and cos.
 */
export function gaussianTable(scale: number): Float32Array {
  const table = new Float32Array(GAUSSIAN_TABLE_SIZE);
  for (let k = 0; k < GAUSSIAN_TABLE_SIZE / 2; k++) {
    const value = scale * inverseNormalCdf((k + 0.5) / GAUSSIAN_TABLE_SIZE);
    table[k] = value;
    table[GAUSSIAN_TABLE_SIZE - 1 - k] = -value;
  }
  return table;
}

/** Sampler of ranks 0..n-1 with p(r) proportional to 1 / (r + 1)^exponent, by binary search over the CDF. */
export class ZipfSampler {
  private readonly cdf: Float64Array;

  constructor(readonly size: number, readonly exponent: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Zipf sampler needs a positive size, got ${size}`);
    this.cdf = new Float64Array(size);
    let total = 0;
    for (let r = 0; r < size; r++) this.cdf[r] = total += 1 / (r + 1) ** exponent;
    for (let r = 0; r < size; r++) this.cdf[r]! /= total;
  }

  /** The probability of rank r. */
  probability(r: number): number {
    return this.cdf[r]! - (r === 0 ? 0 : this.cdf[r - 1]!);
  }

  sample(random: RandomStream): number {
    const u = random.next();
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.cdf[mid]! <= u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
