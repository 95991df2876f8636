import { InputError } from '../shared/errors.js';
import { WasmGram } from './wasm-gram.js';

/** Index of pair (i, j), i != j, in a condensed (upper-triangle, row-major) n x n distance matrix, as SciPy. */
export function condensedIndex(n: number, i: number, j: number): number {
  if (i > j) {
    const t = i;
    i = j;
    j = t;
  }
  return n * i - ((i * (i + 1)) >> 1) + j - i - 1;
}

/**
 * Writes 1 / ||row|| for rows [first, first + n) of `data` into `inverseNorms[0..n)`.
 * Zero rows get 0, which makes their cosine similarity 0 (distance 1) to everything; a non-finite value
 * is an InputError (it would silently corrupt the clustering).
 */
export function inverseRowNorms(
  data: Float32Array,
  dim: number,
  first: number,
  n: number,
  inverseNorms: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const off = (first + i) * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const v = data[off + d]!;
      s += v * v;
    }
    if (!Number.isFinite(s)) {
      throw new InputError(`token vector row ${first + i} has a non-finite value (NaN or Infinity)`, undefined, 'embeddings');
    }
    inverseNorms[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
}

let wasmGram: WasmGram | null | undefined;

/**
 * Fills `out[0 .. n(n-1)/2)` with condensed cosine distances 1 - cos(x_i, x_j) of rows
 * [first, first + n), computed in float64 like `scipy.spatial.distance.pdist(X, "cosine")`.
 * Dot products run in WebAssembly SIMD when available (synchronous, so one shared instance is safe).
 */
export function condensedCosineDistances(
  data: Float32Array,
  dim: number,
  first: number,
  n: number,
  inverseNorms: Float64Array,
  out: Float64Array,
): void {
  if (wasmGram === undefined) wasmGram = WasmGram.create();
  if (wasmGram === null || n < 8) {
    condensedCosineDistancesScalar(data, dim, first, n, inverseNorms, out);
    return;
  }
  inverseRowNorms(data, dim, first, n, inverseNorms);
  wasmGram.dots(data, dim, first, n, out);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const invI = inverseNorms[i]!;
    for (let j = i + 1; j < n; j++, k++) out[k] = cosineDistance(out[k]! * invI * inverseNorms[j]!);
  }
}

/**
 * Scalar reference of `condensedCosineDistances` (and its fallback without WebAssembly SIMD).
 * Each row i is dotted against four rows at once (one load of x_i feeds four accumulators).
 */
export function condensedCosineDistancesScalar(
  data: Float32Array,
  dim: number,
  first: number,
  n: number,
  inverseNorms: Float64Array,
  out: Float64Array,
): void {
  inverseRowNorms(data, dim, first, n, inverseNorms);
  for (let i = 0; i < n; i++) {
    const offI = (first + i) * dim;
    const invI = inverseNorms[i]!;
    // out index of pair (i, j) is rowBase + j.
    const rowBase = n * i - ((i * (i + 1)) >> 1) - i - 1;
    let j = i + 1;
    for (; j + 3 < n; j += 4) {
      const o0 = (first + j) * dim;
      const o1 = o0 + dim;
      const o2 = o1 + dim;
      const o3 = o2 + dim;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let d = 0; d < dim; d++) {
        const x = data[offI + d]!;
        s0 += x * data[o0 + d]!;
        s1 += x * data[o1 + d]!;
        s2 += x * data[o2 + d]!;
        s3 += x * data[o3 + d]!;
      }
      out[rowBase + j] = cosineDistance(s0 * invI * inverseNorms[j]!);
      out[rowBase + j + 1] = cosineDistance(s1 * invI * inverseNorms[j + 1]!);
      out[rowBase + j + 2] = cosineDistance(s2 * invI * inverseNorms[j + 2]!);
      out[rowBase + j + 3] = cosineDistance(s3 * invI * inverseNorms[j + 3]!);
    }
    for (; j < n; j++) {
      const offJ = (first + j) * dim;
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += data[offI + d]! * data[offJ + d]!;
      out[rowBase + j] = cosineDistance(dot * invI * inverseNorms[j]!);
    }
  }
}

function cosineDistance(cos: number): number {
  return 1 - (cos > 1 ? 1 : cos < -1 ? -1 : cos);
}

/** Copies rows [first, first + n) of `data` into `out` scaled to unit length (zero rows stay zero). */
export function unitRows(data: Float32Array, dim: number, first: number, n: number, out: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const so = (first + i) * dim;
    const oo = i * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += data[so + d]! * data[so + d]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) out[oo + d] = data[so + d]! * inv;
  }
}

/** Dot product of rows `i` and `j` of a row-major float64 matrix with `dim` columns. */
export function rowDot(rows: Float64Array, dim: number, i: number, j: number): number {
  const oi = i * dim;
  const oj = j * dim;
  let s = 0;
  for (let d = 0; d < dim; d++) s += rows[oi + d]! * rows[oj + d]!;
  return s;
}
