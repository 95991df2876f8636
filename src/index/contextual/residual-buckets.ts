/**
 * Per-dimension scalar quantisation of residuals (vector minus its centroid), as ColBERTv2: `2^nbits` buckets per
 * dimension cut at the training residuals' quantiles, each decoded as its bucket's mean training residual.
 * A token's code is `dim x nbits` bits, dimension j at bit `j * nbits` (least significant first).
 */
export interface ResidualBuckets {
  readonly dim: number;
  readonly nbits: number;
  /** Per dimension j, `2^nbits - 1` ascending cut-offs at `[j * (B - 1) ...]`: bucket = number of cut-offs <= r. */
  readonly cutoffs: Float32Array;
  /** Per dimension j, the value of each of the `B = 2^nbits` buckets at `[j * B ...]`. */
  readonly values: Float32Array;
}

export const RESIDUAL_NBITS: readonly number[] = [1, 2, 4];

/** Bytes of one token's residual code. */
export function residualCodeBytes(dim: number, nbits: number): number {
  return Math.ceil((dim * nbits) / 8);
}

/** Lloyd-Max refinements after the quantile start (each lowers the squared error; a few suffice). */
const LLOYD_ITERATIONS = 8;

/**
 * Fits buckets to `n` residual rows given dimension-major (`residuals[j * n + i]` is dimension j of row i; sorted
 * in place): per dimension, cut-offs start at the quantiles `b / 2^nbits` and values at their buckets' means, then
 * Lloyd-Max iterations move each cut-off to the midpoint of its neighbouring values and each value to its bucket's
 * mean, which minimises the squared reconstruction error of a scalar quantiser. Empty buckets keep their value.
 */
export function fitResidualBuckets(residuals: Float32Array, n: number, dim: number, nbits: number): ResidualBuckets {
  if (!RESIDUAL_NBITS.includes(nbits)) throw new RangeError(`residual nbits must be one of ${RESIDUAL_NBITS.join(', ')}, got ${nbits}`);
  const buckets = 1 << nbits;
  const cutoffs = new Float32Array(dim * (buckets - 1));
  const values = new Float32Array(dim * buckets);
  const prefix = new Float64Array(n + 1);
  const bounds = new Int32Array(buckets + 1);
  for (let j = 0; j < dim; j++) {
    const sorted = residuals.subarray(j * n, (j + 1) * n).sort();
    for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + sorted[i]!;
    const cuts = cutoffs.subarray(j * (buckets - 1), (j + 1) * (buckets - 1));
    const levels = values.subarray(j * buckets, (j + 1) * buckets);
    for (let b = 1; b < buckets; b++) cuts[b - 1] = sorted[Math.min(n - 1, Math.floor((b * n) / buckets))]!;
    for (let iteration = 0; iteration <= LLOYD_ITERATIONS; iteration++) {
      // Bucket b holds sorted[bounds[b] .. bounds[b + 1]): the residuals r with cuts[b - 1] <= r < cuts[b].
      bounds[0] = 0;
      bounds[buckets] = n;
      for (let b = 1; b < buckets; b++) bounds[b] = lowerBound(sorted, cuts[b - 1]!, bounds[b - 1]!);
      for (let b = 0; b < buckets; b++) {
        const from = bounds[b]!;
        const to = bounds[b + 1]!;
        if (to > from) levels[b] = (prefix[to]! - prefix[from]!) / (to - from);
        else if (iteration === 0) levels[b] = b === 0 ? cuts[0]! : cuts[b - 1]!;
      }
      if (iteration === LLOYD_ITERATIONS) break;
      for (let b = 1; b < buckets; b++) cuts[b - 1] = (levels[b - 1]! + levels[b]!) / 2;
    }
  }
  return { dim, nbits, cutoffs, values };
}

/** First index in `sorted[from ..]` whose value is >= `x`. */
function lowerBound(sorted: Float32Array, x: number, from: number): number {
  let lo = from;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Writes the residual code of `row - centroid` into `out[at ..]`. A dimension's bucket is the number of its
 * cut-offs at or below the residual (cut-offs ascend); codes are packed a byte at a time.
 */
export function encodeResidual(
  buckets: ResidualBuckets,
  row: Float32Array,
  rowOffset: number,
  centroids: Float32Array,
  centroidOffset: number,
  out: Uint8Array,
  at: number,
): void {
  const { dim, nbits, cutoffs } = buckets;
  const cuts = (1 << nbits) - 1;
  let byte = 0;
  let filled = 0;
  let written = at;
  for (let j = 0; j < dim; j++) {
    const r = row[rowOffset + j]! - centroids[centroidOffset + j]!;
    const first = j * cuts;
    // Counted without branches: residuals fall on either side of a cut-off at random, so branches mispredict.
    let bucket = 0;
    for (let c = 0; c < cuts; c++) bucket += r >= cutoffs[first + c]! ? 1 : 0;
    byte |= bucket << filled;
    filled += nbits;
    if (filled === 8) {
      out[written++] = byte;
      byte = 0;
      filled = 0;
    }
  }
  if (filled > 0) out[written] = byte;
}

/**
 * Decoding by code byte: `table[(p * 256 + byte) * perByte + s]` is the residual of dimension `p * perByte + s`
 * for that byte value, so a token decodes with one lookup per code byte instead of one shift per dimension.
 */
export class ResidualDecoder {
  private readonly table: Float32Array;
  private readonly perByte: number;
  private readonly codeBytes: number;

  constructor(readonly buckets: ResidualBuckets) {
    const { dim, nbits, values } = buckets;
    this.perByte = 8 / nbits;
    this.codeBytes = residualCodeBytes(dim, nbits);
    const B = 1 << nbits;
    const mask = B - 1;
    this.table = new Float32Array(this.codeBytes * 256 * this.perByte);
    for (let p = 0; p < this.codeBytes; p++) {
      for (let byte = 0; byte < 256; byte++) {
        for (let s = 0; s < this.perByte; s++) {
          const j = p * this.perByte + s;
          if (j >= dim) break;
          this.table[(p * 256 + byte) * this.perByte + s] = values[j * B + ((byte >>> (s * nbits)) & mask)]!;
        }
      }
    }
  }

  /**
   * `out[outOffset ..]` = unit(centroid + decoded residual of the code at `codes[at ..]`).
   */
  decode(codes: Uint8Array, at: number, centroids: Float32Array, centroidOffset: number, out: Float32Array, outOffset: number): void {
    const { dim } = this.buckets;
    const perByte = this.perByte;
    const table = this.table;
    for (let p = 0, j = 0; p < this.codeBytes; p++) {
      const base = (p * 256 + codes[at + p]!) * perByte;
      for (let s = 0; s < perByte && j < dim; s++, j++) out[outOffset + j] = centroids[centroidOffset + j]! + table[base + s]!;
    }
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += out[outOffset + j]! * out[outOffset + j]!;
    if (norm > 0) {
      const scale = 1 / Math.sqrt(norm);
      for (let j = 0; j < dim; j++) out[outOffset + j]! *= scale;
    }
  }
}
