/**
 * Score fusion for hybrid retrieval. Both functions take, per document of the candidate union, its late
 * (MaxSim) score and its sparse (BM25 or learned) score, both exact over the whole union, and return the fused
 * score; higher is better.
 */
export type FusionMethod = 'convex' | 'rrf';

export interface FusionOptions {
  readonly method: FusionMethod;
  /** Convex combination weight of the normalised late score; the sparse score gets 1 - lateWeight. */
  readonly lateWeight: number;
  /** RRF constant (Cormack, Clarke and Buettcher 2009 use 60). */
  readonly rrfK: number;
}

/**
 * Defaults: lateWeight 0.4 was the best of 0.2-0.6 on SciFact's *train* split with the embedded encoder
 * (`bench/tune-fusion.ts`; never tuned on a test split).
 */
export const DEFAULT_FUSION: FusionOptions = { method: 'convex', lateWeight: 0.4, rrfK: 60 };

/**
 * Min-max normalises each score list over the union, then mixes: lateWeight x late + (1 - lateWeight) x sparse.
 * A list whose scores are all equal contributes 0 (it cannot order the union).
 */
export function convexFusion(late: Float64Array, sparse: Float64Array, lateWeight: number): Float64Array {
  const out = new Float64Array(late.length);
  const [lMin, lSpan] = range(late);
  const [sMin, sSpan] = range(sparse);
  for (let i = 0; i < late.length; i++) {
    const l = lSpan > 0 ? (late[i]! - lMin) / lSpan : 0;
    const s = sSpan > 0 ? (sparse[i]! - sMin) / sSpan : 0;
    out[i] = lateWeight * l + (1 - lateWeight) * s;
  }
  return out;
}

/**
 * Reciprocal rank fusion: sum over the two rankings of 1 / (rrfK + rank), rank 1-based by score descending
 * (ties by position in the union). A document with sparse score 0 has no sparse rank (it matched no term).
 */
export function reciprocalRankFusion(late: Float64Array, sparse: Float64Array, rrfK: number): Float64Array {
  const out = new Float64Array(late.length);
  addRanks(late, rrfK, out, false);
  addRanks(sparse, rrfK, out, true);
  return out;
}

export function fuse(late: Float64Array, sparse: Float64Array, options: FusionOptions): Float64Array {
  return options.method === 'rrf'
    ? reciprocalRankFusion(late, sparse, options.rrfK)
    : convexFusion(late, sparse, options.lateWeight);
}

function range(values: Float64Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return values.length === 0 ? [0, 0] : [min, max - min];
}

function addRanks(scores: Float64Array, rrfK: number, out: Float64Array, skipZero: boolean): void {
  const order = Array.from(scores.keys()).sort((a, b) => scores[b]! - scores[a]! || a - b);
  let rank = 0;
  for (const i of order) {
    if (skipZero && scores[i]! <= 0) continue;
    rank++;
    out[i]! += 1 / (rrfK + rank);
  }
}
