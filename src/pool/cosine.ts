import { align16, ensureMemory, InputError, kernelMemory, WasmKernel } from '../shared/index.js';

/**
 * 1 / sqrt(squaredNorm) of row `row`, 0 for a zero row (its cosine similarity is then 0, distance 1, to
 * everything). A non-finite squared norm (NaN or Infinity in the row) is an InputError: it would silently
 * corrupt the clustering.
 */
function inverseNorm(squaredNorm: number, row: number): number {
  if (!Number.isFinite(squaredNorm)) {
    throw new InputError(`token vector row ${row} has a non-finite value (NaN or Infinity)`, undefined, 'embeddings');
  }
  return squaredNorm > 0 ? 1 / Math.sqrt(squaredNorm) : 0;
}

/** Writes 1 / ||row|| for rows [first, first + n) of `data` into `inverseNorms[0..n)` (see `inverseNorm`). */
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
    inverseNorms[i] = inverseNorm(s, first + i);
  }
}

/** cosine.wat's exports (byte addresses and counts; see the source for each contract). */
type CosineExports = {
  prepare(n: number, dim: number, stride: number, src: number, rows: number, squaredNorms: number): void;
  distances(n: number, stride: number, rows: number, inverseNorms: number, out: number, condensed: number): void;
};

const KERNEL = WasmKernel.load<CosineExports>(new URL('./cosine.wasm', import.meta.url), ['prepare', 'distances']);

/** Byte offsets, in a kernel memory, of a block of rows: their float32 copy, float64 rows and inverse norms. */
export interface RowRegions {
  readonly staging: number;
  readonly rows: number;
  readonly inverseNorms: number;
}

/**
 * Cosine distances in WebAssembly SIMD (cosine.wat), on a kernel memory it may share with other kernels
 * (`WasmLinkage` clusters the matrix where it lies). Float64 throughout, so distances stay within ~1e-16 of the
 * scalar path and clustering still matches SciPy. Not re-entrant.
 */
export class WasmCosine {
  private constructor(
    readonly memory: WebAssembly.Memory,
    private readonly kernel: CosineExports,
  ) {}

  /** An instance on `memory`, or null when this runtime lacks WebAssembly SIMD. */
  static create(memory: WebAssembly.Memory = kernelMemory()): WasmCosine | null {
    return KERNEL === null ? null : new WasmCosine(memory, KERNEL.instantiate(memory));
  }

  /** Float64 values per row in memory for `dim`: even (the kernel reads two at a time), zero-padded. */
  static stride(dim: number): number {
    return Math.max(2, (dim + 1) & ~1);
  }

  /**
   * Puts rows [first, first + n) of `data` at `at.rows` as float64 rows of `stride(dim)` (through a float32
   * copy at `at.staging`) and their inverse norms at `at.inverseNorms`; the memory must hold the regions.
   * A non-finite value is an InputError.
   */
  loadRows(data: Float32Array, dim: number, first: number, n: number, at: RowRegions): void {
    const buffer = this.memory.buffer;
    new Float32Array(buffer, at.staging, n * dim).set(data.subarray(first * dim, (first + n) * dim));
    this.kernel.prepare(n, dim, WasmCosine.stride(dim), at.staging, at.rows, at.inverseNorms);
    const norms = new Float64Array(buffer, at.inverseNorms, n);
    for (let i = 0; i < n; i++) norms[i] = inverseNorm(norms[i]!, first + i);
  }

  /**
   * Distances of the n rows loaded at `at` into memory at `out`: the full symmetric n x n float64 matrix
   * (diagonal untouched), or the condensed upper triangle in SciPy's order.
   */
  distances(n: number, dim: number, at: RowRegions, out: number, layout: 'full' | 'condensed'): void {
    this.kernel.distances(n, WasmCosine.stride(dim), at.rows, at.inverseNorms, out, layout === 'condensed' ? 1 : 0);
  }

  /** `condensedCosineDistances` through this instance's memory (laid out here: rows, norms, distances, staging). */
  condensed(data: Float32Array, dim: number, first: number, n: number, inverseNorms: Float64Array, out: Float64Array): void {
    const pairs = (n * (n - 1)) / 2;
    const rows = 0;
    const norms = align16(rows + n * WasmCosine.stride(dim) * 8);
    const distances = align16(norms + n * 8);
    const staging = align16(distances + pairs * 8);
    ensureMemory(this.memory, staging + n * dim * 4);
    const at = { staging, rows, inverseNorms: norms };
    this.loadRows(data, dim, first, n, at);
    this.distances(n, dim, at, distances, 'condensed');
    const buffer = this.memory.buffer;
    inverseNorms.set(new Float64Array(buffer, norms, n));
    out.set(new Float64Array(buffer, distances, pairs));
  }
}

let sharedKernel: WasmCosine | null | undefined;

/**
 * Fills `out[0 .. n(n-1)/2)` with condensed cosine distances 1 - cos(x_i, x_j) of rows
 * [first, first + n), computed in float64 like `scipy.spatial.distance.pdist(X, "cosine")`, and
 * `inverseNorms[0..n)` with the rows' inverse norms. Runs in WebAssembly SIMD when available (synchronous, so
 * one shared instance is safe).
 */
export function condensedCosineDistances(
  data: Float32Array,
  dim: number,
  first: number,
  n: number,
  inverseNorms: Float64Array,
  out: Float64Array,
): void {
  if (sharedKernel === undefined) sharedKernel = WasmCosine.create();
  if (sharedKernel === null || n < 8) condensedCosineDistancesScalar(data, dim, first, n, inverseNorms, out);
  else sharedKernel.condensed(data, dim, first, n, inverseNorms, out);
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
