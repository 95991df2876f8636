/**
 * Score fusion for hybrid retrieval. Every method takes, per document of the candidate union, its late (MaxSim)
 * score and its sparse (BM25 or learned) score, both exact over the whole union, and returns the fused score;
 * higher is better.
 * - `convex`: min-max normalisation over the union, then lateWeight x late + (1 - lateWeight) x sparse;
 * - `convex-depth`: the same, but min = the normDepth-th best score of the list (a fixed depth, so the
 *   normalisation does not depend on how many candidates the other side contributed), clipped at 0;
 * - `zscore`: each list standardised over the union ((s - mean) / sd), then the convex mix;
 * - `dbsf`: distribution-based score fusion: min-max over [mean - 3 sd, mean + 3 sd], then the convex mix;
 * - `rrf`: reciprocal rank fusion.
 */
export type FusionMethod = 'convex' | 'convex-depth' | 'zscore' | 'dbsf' | 'rrf';
export const FUSION_METHODS: readonly FusionMethod[] = ['convex', 'convex-depth', 'zscore', 'dbsf', 'rrf'];

export interface FusionOptions {
  readonly method: FusionMethod;
  /** Weight of the normalised late score (all methods but rrf); the sparse score gets 1 - lateWeight. */
  readonly lateWeight: number;
  /** RRF constant (Cormack, Clarke and Buettcher 2009 use 60). */
  readonly rrfK: number;
  /** `convex-depth`: the rank whose score maps to 0 (default 100). */
  readonly normDepth?: number;
}

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

/**
 * Standardises each list over the union (z-scores), then mixes them like `convexFusion`. A list with zero spread
 * contributes 0.
 */
export function zScoreFusion(late: Float64Array, sparse: Float64Array, lateWeight: number): Float64Array {
  return mix(standardise(late, 'z'), standardise(sparse, 'z'), lateWeight);
}

/** Distribution-based score fusion: each list min-max normalised over mean +- 3 sd of the union, then mixed. */
export function distributionFusion(late: Float64Array, sparse: Float64Array, lateWeight: number): Float64Array {
  return mix(standardise(late, 'dbsf'), standardise(sparse, 'dbsf'), lateWeight);
}

/**
 * Min-max with a fixed-depth floor: per list, max = its best score, min = its `depth`-th best (or its worst when
 * shorter); scores below the floor clip to 0. Then mixed like `convexFusion`.
 */
export function depthNormalisedFusion(late: Float64Array, sparse: Float64Array, lateWeight: number, depth: number): Float64Array {
  return mix(floorAtDepth(late, depth), floorAtDepth(sparse, depth), lateWeight);
}

export function fuse(late: Float64Array, sparse: Float64Array, options: FusionOptions): Float64Array {
  switch (options.method) {
    case 'rrf':
      return reciprocalRankFusion(late, sparse, options.rrfK);
    case 'zscore':
      return zScoreFusion(late, sparse, options.lateWeight);
    case 'dbsf':
      return distributionFusion(late, sparse, options.lateWeight);
    case 'convex-depth':
      return depthNormalisedFusion(late, sparse, options.lateWeight, options.normDepth ?? 100);
    default:
      return convexFusion(late, sparse, options.lateWeight);
  }
}

function mix(late: Float64Array, sparse: Float64Array, lateWeight: number): Float64Array {
  const out = new Float64Array(late.length);
  for (let i = 0; i < late.length; i++) out[i] = lateWeight * late[i]! + (1 - lateWeight) * sparse[i]!;
  return out;
}

function standardise(values: Float64Array, kind: 'z' | 'dbsf'): Float64Array {
  const n = values.length;
  const out = new Float64Array(n);
  if (n === 0) return out;
  let mean = 0;
  for (const v of values) mean += v;
  mean /= n;
  let variance = 0;
  for (const v of values) variance += (v - mean) * (v - mean);
  const sd = Math.sqrt(variance / n);
  if (!(sd > 0)) return out;
  for (let i = 0; i < n; i++) out[i] = kind === 'z' ? (values[i]! - mean) / sd : (values[i]! - (mean - 3 * sd)) / (6 * sd);
  return out;
}

function floorAtDepth(values: Float64Array, depth: number): Float64Array {
  const out = new Float64Array(values.length);
  if (values.length === 0) return out;
  const sorted = Float64Array.from(values).sort();
  const max = sorted[sorted.length - 1]!;
  const min = sorted[Math.max(0, sorted.length - Math.max(1, depth))]!;
  const span = max - min;
  if (!(span > 0)) return out;
  for (let i = 0; i < values.length; i++) out[i] = Math.max(0, (values[i]! - min) / span);
  return out;
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
