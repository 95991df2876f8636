import type { MultiVector } from './multivector.js';
import {
  SIMILARITY_KERNEL,
  SIMILARITY_ROW_SLACK_BYTES,
  similaritiesScalar,
  type SimilarityExports,
} from './similarity.js';
import { align16, ensureMemory, kernelMemory } from './wasm-kernel.js';

/** Rows scored per kernel call, and centroids per tile (a 128-d tile of 256 centroids is 128 KiB: stays in L2). */
const ROW_BATCH = 32;
const TILE_CENTROIDS = 256;

/**
 * Codebook kernels for a compressed (PLAID-style) index: the score of rows against every centroid, and each
 * row's nearest centroids. The centroids stay in WebAssembly memory across calls. Scores are float32 dot
 * products with `similaritiesScalar`'s exact rounding on both backends (`wasm-simd` and its `scalar` fallback),
 * so assignments never depend on the runtime. Not re-entrant.
 */
export class CentroidKernels {
  readonly backend: 'wasm-simd' | 'scalar';
  readonly count: number;
  readonly dim: number;
  private readonly memory = kernelMemory();
  private readonly kernel: SimilarityExports | null;
  private readonly centroids: Float32Array;
  /** Byte offsets: padded row batch, one tile of scores per row, row maxima, running best index and value. */
  private readonly layout: { rows: number; rowStride: number; sims: number; simsStride: number; best: number; bestIndex: number; bestValue: number };

  /** Kernels for `centroids` (copied); `backend` 'scalar' forces the fallback (tests, benchmarks). */
  constructor(centroids: MultiVector, backend: 'wasm-simd' | 'scalar' = SIMILARITY_KERNEL === null ? 'scalar' : 'wasm-simd') {
    if (centroids.count < 1) throw new RangeError('centroid kernels: the codebook has no centroids');
    if (backend === 'wasm-simd' && SIMILARITY_KERNEL === null) {
      throw new RangeError('centroid kernels: WebAssembly SIMD is not available on this runtime');
    }
    this.backend = backend;
    this.count = centroids.count;
    this.dim = centroids.dim;
    this.centroids = centroids.data.slice(0, centroids.count * centroids.dim);
    const rowStride = align16(this.dim * 4);
    const simsStride = align16(TILE_CENTROIDS * 4);
    const rows = align16(this.count * this.dim * 4 + SIMILARITY_ROW_SLACK_BYTES);
    const sims = align16(rows + ROW_BATCH * rowStride);
    const best = sims + ROW_BATCH * simsStride;
    const bestIndex = best + ROW_BATCH * 4;
    const bestValue = bestIndex + ROW_BATCH * 4;
    this.layout = { rows, rowStride, sims, simsStride, best, bestIndex, bestValue };
    if (backend === 'scalar') {
      this.kernel = null;
      return;
    }
    this.kernel = SIMILARITY_KERNEL!.instantiate(this.memory);
    ensureMemory(this.memory, bestValue + ROW_BATCH * 4);
    new Float32Array(this.memory.buffer, 0, this.centroids.length).set(this.centroids);
  }

  /** `out[i * count + c]` = the score of row i against centroid c (float32, see the class comment). */
  scores(rows: MultiVector, out: Float32Array = new Float32Array(rows.count * this.count)): Float32Array {
    this.checkDim(rows);
    const k = this.count;
    if (out.length < rows.count * k) throw new RangeError('centroid kernels: the output is shorter than rows x centroids');
    if (this.kernel === null) return similaritiesScalar(rows.data, rows.count, this.centroids, k, this.dim, out);
    for (let first = 0; first < rows.count; first += ROW_BATCH) {
      const n = this.placeRows(rows, first);
      this.forEachTile(n, (tile, tileCount, sims) => {
        const stride = this.layout.simsStride / 4;
        for (let r = 0; r < n; r++) {
          out.set(sims.subarray(r * stride, r * stride + tileCount), (first + r) * k + tile);
        }
      });
    }
    return out;
  }

  /**
   * `out[i * count + j]` = the score of row i against centroid `first + j`, for the `count` centroids from `first`:
   * a contiguous slice of the codebook (a compressed index's cell) scored without copying it.
   */
  scoreRange(rows: MultiVector, first: number, count: number, out: Float32Array = new Float32Array(rows.count * count)): Float32Array {
    this.checkDim(rows);
    if (!Number.isInteger(first) || !Number.isInteger(count) || first < 0 || count < 0 || first + count > this.count) {
      throw new RangeError(`centroid kernels: centroids ${first}..${first + count} are outside 0..${this.count}`);
    }
    if (out.length < rows.count * count) throw new RangeError('centroid kernels: the output is shorter than rows x centroids');
    if (count === 0) return out;
    if (this.kernel === null) {
      const slice = this.centroids.subarray(first * this.dim, (first + count) * this.dim);
      return similaritiesScalar(rows.data, rows.count, slice, count, this.dim, out);
    }
    const stride = this.layout.simsStride / 4;
    for (let firstRow = 0; firstRow < rows.count; firstRow += ROW_BATCH) {
      const n = this.placeRows(rows, firstRow);
      this.forEachTile(n, (tile, tileCount, sims) => {
        for (let r = 0; r < n; r++) {
          out.set(sims.subarray(r * stride, r * stride + tileCount), (firstRow + r) * count + tile - first);
        }
      }, first, first + count);
    }
    return out;
  }

  /**
   * The `topN` best-scoring centroids of every row, best first (ties: the lower centroid index; NaN and -Infinity
   * scores are never chosen, -1 fills the rest of such a row): `out[i * topN + rank]`.
   */
  nearest(rows: MultiVector, topN = 1): Int32Array {
    if (!Number.isInteger(topN) || topN < 1 || topN > this.count) {
      throw new RangeError(`centroid kernels: topN must be 1..${this.count}, got ${topN}`);
    }
    this.checkDim(rows);
    const out = new Int32Array(rows.count * topN).fill(-1);
    const values = new Float32Array(rows.count * topN).fill(-Infinity);
    if (this.kernel === null) {
      const scores = new Float32Array(this.count);
      for (let i = 0; i < rows.count; i++) {
        const row = rows.data.subarray(i * this.dim, (i + 1) * this.dim);
        similaritiesScalar(row, 1, this.centroids, this.count, this.dim, scores);
        mergeTopN(scores, 0, out, values, i * topN, topN);
      }
      return out;
    }
    const { bestIndex, bestValue, simsStride } = this.layout;
    for (let first = 0; first < rows.count; first += ROW_BATCH) {
      const n = this.placeRows(rows, first);
      if (topN === 1) {
        new Float32Array(this.memory.buffer, bestValue, n).fill(-Infinity);
        new Int32Array(this.memory.buffer, bestIndex, n).fill(-1);
        this.forEachTile(n, (tile, tileCount) => {
          this.kernel!.argmaxRows(this.layout.sims, n, tileCount, simsStride, tile, bestIndex, bestValue);
        });
        out.set(new Int32Array(this.memory.buffer, bestIndex, n), first);
      } else {
        const stride = simsStride / 4;
        this.forEachTile(n, (tile, tileCount, sims) => {
          for (let r = 0; r < n; r++) {
            mergeTopN(sims.subarray(r * stride, r * stride + tileCount), tile, out, values, (first + r) * topN, topN);
          }
        });
      }
    }
    return out;
  }

  private checkDim(rows: MultiVector): void {
    if (rows.dim !== this.dim) throw new RangeError(`centroid kernels: rows have dim ${rows.dim}, the centroids ${this.dim}`);
  }

  /** Copies rows [first, first + ROW_BATCH) into the padded row region; returns how many. */
  private placeRows(rows: MultiVector, first: number): number {
    const n = Math.min(ROW_BATCH, rows.count - first);
    const { rows: at, rowStride } = this.layout;
    const floats = new Float32Array(this.memory.buffer);
    for (let r = 0; r < n; r++) {
      const start = (at + r * rowStride) / 4;
      floats.set(rows.data.subarray((first + r) * this.dim, (first + r + 1) * this.dim), start);
      floats.fill(0, start + this.dim, start + rowStride / 4);
    }
    return n;
  }

  /** Scores the n placed rows against each tile of centroids [from, to) in turn; `visit` sees the tile's score rows. */
  private forEachTile(
    n: number,
    visit: (tile: number, tileCount: number, sims: Float32Array) => void,
    from = 0,
    to = this.count,
  ): void {
    const { rows, rowStride, sims, simsStride, best } = this.layout;
    const view = new Float32Array(this.memory.buffer, sims, (ROW_BATCH * simsStride) / 4);
    for (let tile = from; tile < to; tile += TILE_CENTROIDS) {
      const tileCount = Math.min(TILE_CENTROIDS, to - tile);
      this.kernel!.similarities(rows, n, rowStride, tile * this.dim * 4, tileCount, this.dim, sims, simsStride, best);
      visit(tile, tileCount, view);
    }
  }
}

/**
 * Merges `scores` (centroids `base`, `base + 1`, ... in ascending order) into the best-first list at
 * `ids[at .. at + topN)` / `values[...]` (initially -1 / -Infinity): a score enters only when strictly greater
 * than the list's last, so among equal scores the earliest centroid stays ahead; NaN and -Infinity never enter.
 */
function mergeTopN(
  scores: Float32Array,
  base: number,
  ids: Int32Array,
  values: Float32Array,
  at: number,
  topN: number,
): void {
  const last = at + topN - 1;
  for (let c = 0; c < scores.length; c++) {
    const v = scores[c]!;
    if (!(v > values[last]!)) continue;
    let p = last;
    while (p > at && v > values[p - 1]!) {
      values[p] = values[p - 1]!;
      ids[p] = ids[p - 1]!;
      p--;
    }
    values[p] = v;
    ids[p] = base + c;
  }
}

const cached = new WeakMap<MultiVector, CentroidKernels>();

function kernelsFor(centroids: MultiVector): CentroidKernels {
  let kernels = cached.get(centroids);
  if (kernels === undefined) {
    kernels = new CentroidKernels(centroids);
    cached.set(centroids, kernels);
  }
  return kernels;
}

/**
 * Scores of `queryRows` against every centroid, row-major (`[i * centroids.count + c]`); the centroids are
 * copied into WebAssembly memory once per `centroids` object. See `CentroidKernels`.
 */
export function centroidScores(queryRows: MultiVector, centroids: MultiVector): Float32Array {
  return kernelsFor(centroids).scores(queryRows);
}

/** The `topN` nearest centroids (by score) of every row, best first: `[i * topN + rank]`. See `CentroidKernels`. */
export function nearestCentroids(rows: MultiVector, centroids: MultiVector, topN = 1): Int32Array {
  return kernelsFor(centroids).nearest(rows, topN);
}
