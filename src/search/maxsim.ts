import type { MultiVector } from '../shared/index.js';

/**
 * Raw MaxSim kernel: sum over query rows i of weights[i] * max_j dot(q_i, d_j).
 * `query` holds `queryCount` rows and `doc` holds `docCount` rows, both row-major with `dim` floats.
 * `weights` absent means every row weighs 1. A document with no rows scores 0. `floors`, when given, is a lower
 * bound per query row on its best similarity (-Infinity: none); exact-match recovery uses it.
 * Allocation-free; accumulates exact float32 products in float64. Register-blocked over 2 query rows x 4 document
 * rows so each loaded element feeds several multiply-adds (about 1.5-2x a plain triple loop in V8). This is the
 * reference value and the fallback without WebAssembly SIMD; searches score through `createMaxSimScorer`
 * (maxsim-scorer.ts), whose SIMD backend returns the same value about 10x faster (bench/maxsim.ts).
 */
export function maxSimKernel(
  query: Float32Array,
  queryCount: number,
  doc: Float32Array,
  docCount: number,
  dim: number,
  weights?: Float32Array,
  floors?: Float64Array,
): number {
  if (docCount === 0) return 0;
  let total = 0;
  for (let i = 0; i < queryCount; i += 2) {
    const a = i * dim;
    const paired = i + 1 < queryCount;
    // With an odd row count the last pass computes row i twice and ignores the copy.
    const b = paired ? a + dim : a;
    let bestA = -Infinity;
    let bestB = -Infinity;
    let j = 0;
    for (; j + 4 <= docCount; j += 4) {
      const c0 = j * dim;
      const c1 = c0 + dim;
      const c2 = c1 + dim;
      const c3 = c2 + dim;
      let a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
      for (let t = 0; t < dim; t++) {
        const x = query[a + t]!;
        const y = query[b + t]!;
        const u0 = doc[c0 + t]!;
        const u1 = doc[c1 + t]!;
        const u2 = doc[c2 + t]!;
        const u3 = doc[c3 + t]!;
        a0 += x * u0;
        a1 += x * u1;
        a2 += x * u2;
        a3 += x * u3;
        b0 += y * u0;
        b1 += y * u1;
        b2 += y * u2;
        b3 += y * u3;
      }
      if (a0 > bestA) bestA = a0;
      if (a1 > bestA) bestA = a1;
      if (a2 > bestA) bestA = a2;
      if (a3 > bestA) bestA = a3;
      if (b0 > bestB) bestB = b0;
      if (b1 > bestB) bestB = b1;
      if (b2 > bestB) bestB = b2;
      if (b3 > bestB) bestB = b3;
    }
    for (; j < docCount; j++) {
      const c = j * dim;
      let sa = 0;
      let sb = 0;
      for (let t = 0; t < dim; t++) {
        const u = doc[c + t]!;
        sa += query[a + t]! * u;
        sb += query[b + t]! * u;
      }
      if (sa > bestA) bestA = sa;
      if (sb > bestB) bestB = sb;
    }
    total = addRowPair(total, i, bestA, bestB, paired, weights, floors);
  }
  return total;
}

/**
 * `total` plus query row i (best similarity `bestA`) and, when `paired`, row i + 1 (`bestB`): each raised to its
 * floor, then weighted. Every MaxSim backend sums its row maxima through this in pairs of rows, in row order, so
 * their totals are bit-identical to `maxSimKernel`'s.
 */
export function addRowPair(
  total: number,
  i: number,
  bestA: number,
  bestB: number,
  paired: boolean,
  weights: Float32Array | undefined,
  floors: Float64Array | undefined,
): number {
  if (floors !== undefined) {
    if (floors[i]! > bestA) bestA = floors[i]!;
    if (paired && floors[i + 1]! > bestB) bestB = floors[i + 1]!;
  }
  if (weights === undefined) return total + (paired ? bestA + bestB : bestA);
  total += weights[i]! * bestA;
  if (paired) total += weights[i + 1]! * bestB;
  return total;
}

/**
 * Per-query-row variant of the kernel: writes each query row's best document row into `bestRow` and its
 * (unweighted) similarity into `bestSimilarity` (both length >= queryCount; -1 / -Infinity for an empty
 * document) and returns the weighted total, equal to `maxSimKernel` on the same input. A row whose floor beats
 * its best similarity reports the floor as its similarity (and still the best row) and is marked in `floored`.
 */
export function maxSimRowsKernel(
  query: Float32Array,
  queryCount: number,
  doc: Float32Array,
  docCount: number,
  dim: number,
  weights: Float32Array | undefined,
  bestRow: Int32Array,
  bestSimilarity: Float32Array | Float64Array,
  floors?: Float64Array,
  floored?: Uint8Array,
): number {
  let total = 0;
  const dim4 = dim - (dim % 4);
  for (let i = 0; i < queryCount; i++) {
    const qOff = i * dim;
    let best = -Infinity;
    let arg = -1;
    for (let j = 0; j < docCount; j++) {
      const dOff = j * dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let t = 0;
      for (; t < dim4; t += 4) {
        s0 += query[qOff + t]! * doc[dOff + t]!;
        s1 += query[qOff + t + 1]! * doc[dOff + t + 1]!;
        s2 += query[qOff + t + 2]! * doc[dOff + t + 2]!;
        s3 += query[qOff + t + 3]! * doc[dOff + t + 3]!;
      }
      for (; t < dim; t++) s0 += query[qOff + t]! * doc[dOff + t]!;
      const s = s0 + s1 + s2 + s3;
      if (s > best) {
        best = s;
        arg = j;
      }
    }
    if (arg >= 0 && floors !== undefined && floors[i]! > best) {
      best = floors[i]!;
      if (floored !== undefined) floored[i] = 1;
    }
    bestRow[i] = arg;
    bestSimilarity[i] = best;
    if (arg >= 0) total += (weights === undefined ? 1 : weights[i]!) * best;
  }
  return total;
}

function checkShapes(query: MultiVector, doc: MultiVector, floors: Float64Array | undefined): void {
  if (floors !== undefined && floors.length < query.count) {
    throw new RangeError(`MaxSim: ${floors.length} floors for ${query.count} query rows`);
  }
  if (query.dim !== doc.dim) {
    throw new RangeError(`MaxSim: query dim ${query.dim} differs from document dim ${doc.dim}`);
  }
  if (query.weights !== undefined && query.weights.length < query.count) {
    throw new RangeError(`MaxSim: ${query.weights.length} weights for ${query.count} query rows`);
  }
}

/** Late-interaction score of `doc` for `query`: sum_i weight_i * max(floor_i, max_j dot(q_i, d_j)). */
export function maxSim(query: MultiVector, doc: MultiVector, floors?: Float64Array): number {
  checkShapes(query, doc, floors);
  return maxSimKernel(query.data, query.count, doc.data, doc.count, query.dim, query.weights, floors);
}

/** Which document row each query row matched, and how strongly (for token-level explanations). */
export interface MaxSimExplanation {
  readonly score: number;
  /** Per query row: index of the best document row, -1 when the document has no rows. */
  readonly bestRow: Int32Array;
  /** Per query row: unweighted dot product with that row (or the row's floor when that is higher). */
  readonly bestSimilarity: Float32Array;
  /** Per query row: 1 when its floor (an exact token match) decided the similarity. */
  readonly floored: Uint8Array;
}

/** `maxSim` plus, per query row, the best document row and its similarity. */
export function maxSimExplained(query: MultiVector, doc: MultiVector, floors?: Float64Array): MaxSimExplanation {
  checkShapes(query, doc, floors);
  const bestRow = new Int32Array(query.count);
  const bestSimilarity = new Float32Array(query.count);
  const floored = new Uint8Array(query.count);
  const score = maxSimRowsKernel(
    query.data, query.count, doc.data, doc.count, query.dim, query.weights, bestRow, bestSimilarity, floors, floored,
  );
  return { score, bestRow, bestSimilarity, floored };
}
