import { mulberry32 } from '../../shared/random.js';

/** Vectors collected (after reduction) before a residual codec is trained; the first ones in corpus order. */
export const RESIDUAL_SAMPLE_VECTORS = 16_384;
/**
 * Upper bound on centroids (ids are one byte). ColBERTv2 uses up to 2^18; here assignment is a pure-JS scan costing
 * k x dim multiply-adds per vector at encode time, so the codebook stays small and the residual codes carry more.
 */
export const MAX_RESIDUAL_CENTROIDS = 256;
/** Lloyd iterations of spherical k-means (ColBERTv2's default is 4). */
export const KMEANS_ITERATIONS = 6;
/** Seed of the centroid initialisation and the held-out split: training is deterministic for a given sample. */
export const RESIDUAL_SEED = 0x5eed;
/** Share of the sample held out of fitting to measure reconstruction error honestly. */
export const HELD_OUT_FRACTION = 0.1;

/** A trained residual quantiser: unit centroids plus per-dimension bucket cut-offs and reconstruction values. */
/** The first `maxVectors` rows of the documents' vectors, in order, as one array (the codec training sample). */
export function leadingRows(vectors: Iterable<{ readonly data: Float32Array }>, maxVectors: number, dim: number): Float32Array {
  const limit = maxVectors * dim;
  const parts: Float32Array[] = [];
  let total = 0;
  for (const { data } of vectors) {
    if (total >= limit) break;
    const part = data.subarray(0, Math.min(data.length, limit - total));
    parts.push(part);
    total += part.length;
  }
  const out = new Float32Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

export interface ResidualModel {
  readonly dim: number;
  readonly nbits: number;
  readonly centroidCount: number;
  /** `centroidCount` unit rows of `dim` floats. */
  readonly centroids: Float32Array;
  /** Per dimension d, `2^nbits - 1` ascending cut-offs at `[d * (B - 1) ...]`; bucket = cut-offs <= residual. */
  readonly cutoffs: Float32Array;
  /** Per dimension d, the mean training residual of each of the `B = 2^nbits` buckets at `[d * B ...]`. */
  readonly values: Float32Array;
}

/**
 * Centroids for `n` training vectors: ColBERTv2's `2^floor(log2(16 sqrt(n)))`, with at least 8 vectors per
 * centroid and at most MAX_RESIDUAL_CENTROIDS, rounded down to a power of two.
 */
export function residualCentroidCount(n: number): number {
  const target = Math.min(16 * Math.sqrt(n), n / 8, MAX_RESIDUAL_CENTROIDS);
  return target < 1 ? 1 : 2 ** Math.floor(Math.log2(target));
}

/**
 * `out[i]` = the centroid with the largest inner product with row i of `rows` (`n` rows); four rows per pass over
 * the centroids so each centroid value is loaded once per four multiply-adds.
 */
export function assignNearest(centroids: Float32Array, count: number, dim: number, rows: Float32Array, n: number, out: Uint8Array | Int32Array): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o0 = i * dim;
    const o1 = o0 + dim;
    const o2 = o1 + dim;
    const o3 = o2 + dim;
    let b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    let d0 = -Infinity, d1 = -Infinity, d2 = -Infinity, d3 = -Infinity;
    for (let c = 0, co = 0; c < count; c++, co += dim) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < dim; j++) {
        const w = centroids[co + j]!;
        s0 += w * rows[o0 + j]!;
        s1 += w * rows[o1 + j]!;
        s2 += w * rows[o2 + j]!;
        s3 += w * rows[o3 + j]!;
      }
      if (s0 > d0) { d0 = s0; b0 = c; }
      if (s1 > d1) { d1 = s1; b1 = c; }
      if (s2 > d2) { d2 = s2; b2 = c; }
      if (s3 > d3) { d3 = s3; b3 = c; }
    }
    out[i] = b0;
    out[i + 1] = b1;
    out[i + 2] = b2;
    out[i + 3] = b3;
  }
  for (; i < n; i++) out[i] = nearestCentroid(centroids, count, dim, rows, i * dim);
}

/** The centroid with the largest inner product with row `off` of `rows` (centroids are unit rows). */
export function nearestCentroid(centroids: Float32Array, count: number, dim: number, rows: Float32Array, off: number): number {
  let best = 0;
  let bestDot = -Infinity;
  for (let c = 0, co = 0; c < count; c++, co += dim) {
    let dot = 0;
    for (let j = 0; j < dim; j++) dot += centroids[co + j]! * rows[off + j]!;
    if (dot > bestDot) {
      bestDot = dot;
      best = c;
    }
  }
  return best;
}

/**
 * Fits a residual model to `rows` (`n` rows of `dim`): spherical k-means (inner-product assignment, unit-mean
 * centroids, as ColBERTv2 normalises its centroids) seeded with distinct random rows, then per dimension the
 * residual quantiles `i / 2^nbits` as bucket cut-offs and each bucket's mean residual as its value.
 */
export function trainResidualModel(rows: Float32Array, dim: number, nbits: number, seed = RESIDUAL_SEED): ResidualModel {
  const n = rows.length / dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`residual training needs at least one vector of dim ${dim}`);
  const random = mulberry32(seed);
  const k = Math.min(residualCentroidCount(n), n);
  const { centroids, count } = initialCentroids(rows, n, dim, k, random);
  const assignment = new Int32Array(n);
  const similarity = new Float32Array(n);
  const sums = new Float64Array(count * dim);
  const members = new Int32Array(count);
  for (let iter = 0; iter < KMEANS_ITERATIONS; iter++) {
    assignNearest(centroids, count, dim, rows, n, assignment);
    for (let i = 0, off = 0; i < n; i++, off += dim) {
      const c = assignment[i]!;
      let dot = 0;
      for (let j = 0; j < dim; j++) dot += centroids[c * dim + j]! * rows[off + j]!;
      similarity[i] = dot;
    }
    sums.fill(0);
    members.fill(0);
    for (let i = 0, off = 0; i < n; i++, off += dim) {
      const co = assignment[i]! * dim;
      members[assignment[i]!]!++;
      for (let j = 0; j < dim; j++) sums[co + j]! += rows[off + j]!;
    }
    for (let c = 0; c < count; c++) {
      const co = c * dim;
      if (members[c] === 0) {
        // An empty cluster takes the row its centroid explains worst (deterministic; that row is then claimed).
        let worst = 0;
        for (let i = 1; i < n; i++) if (similarity[i]! < similarity[worst]!) worst = i;
        similarity[worst] = Infinity;
        for (let j = 0; j < dim; j++) centroids[co + j] = rows[worst * dim + j]!;
        continue;
      }
      let norm = 0;
      for (let j = 0; j < dim; j++) norm += sums[co + j]! * sums[co + j]!;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let j = 0; j < dim; j++) centroids[co + j] = sums[co + j]! / norm;
    }
  }
  const { cutoffs, values } = fitBuckets(rows, n, dim, nbits, centroids, count);
  return { dim, nbits, centroidCount: count, centroids, cutoffs, values };
}

/** Distinct rows in seeded random order (rows repeat when a static encoder stores one vector per word). */
function initialCentroids(rows: Float32Array, n: number, dim: number, k: number, random: () => number): { centroids: Float32Array; count: number } {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const centroids = new Float32Array(k * dim);
  const seen = new Set<string>();
  const bytes = new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength);
  let count = 0;
  for (let i = 0; i < n && count < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const pick = order[j]!;
    order[j] = order[i]!;
    order[i] = pick;
    const key = Buffer.from(bytes.buffer, bytes.byteOffset + pick * dim * 4, dim * 4).toString('latin1');
    if (seen.has(key)) continue;
    seen.add(key);
    let norm = 0;
    for (let d = 0; d < dim; d++) norm += rows[pick * dim + d]! ** 2;
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dim; d++) centroids[count * dim + d] = rows[pick * dim + d]! * scale;
    count++;
  }
  return { centroids: count === k ? centroids : centroids.slice(0, Math.max(count, 1) * dim), count: Math.max(count, 1) };
}

function fitBuckets(
  rows: Float32Array,
  n: number,
  dim: number,
  nbits: number,
  centroids: Float32Array,
  count: number,
): { cutoffs: Float32Array; values: Float32Array } {
  const buckets = 1 << nbits;
  const residuals = new Float32Array(n * dim);
  const assignment = new Int32Array(n);
  assignNearest(centroids, count, dim, rows, n, assignment);
  for (let i = 0, off = 0; i < n; i++, off += dim) {
    const co = assignment[i]! * dim;
    // Stored dimension-major so each dimension's residuals sort in place.
    for (let j = 0; j < dim; j++) residuals[j * n + i] = rows[off + j]! - centroids[co + j]!;
  }
  const cutoffs = new Float32Array(dim * (buckets - 1));
  const values = new Float32Array(dim * buckets);
  for (let j = 0; j < dim; j++) {
    const sorted = residuals.subarray(j * n, (j + 1) * n).sort();
    for (let b = 1; b < buckets; b++) cutoffs[j * (buckets - 1) + b - 1] = sorted[Math.min(n - 1, Math.floor((b * n) / buckets))]!;
    // Bucket b holds the residuals r with cutoff[b-1] <= r < cutoff[b]: contiguous runs of the sorted array.
    let start = 0;
    for (let b = 0; b < buckets; b++) {
      const upper = b < buckets - 1 ? cutoffs[j * (buckets - 1) + b]! : Infinity;
      let end = start;
      let sum = 0;
      while (end < n && sorted[end]! < upper) sum += sorted[end++]!;
      values[j * buckets + b] =
        end > start ? sum / (end - start) : b === 0 ? cutoffs[j * (buckets - 1)]! : cutoffs[j * (buckets - 1) + b - 1]!;
      start = end;
    }
  }
  return { cutoffs, values };
}
