import { mulberry32 } from '../../shared/random.js';
import { dot } from './dense-dot.js';
import { CentroidKernels, multiVector } from '../../shared/index.js';

/** Lloyd iterations of the coarse and of each cell's k-means (ColBERTv2 runs 4 over the whole sample). */
export const COARSE_ITERATIONS = 8;
export const FINE_ITERATIONS = 6;
/** Rows per block of the assignment step: bounds the score matrix to `ASSIGN_BLOCK x centroids` floats. */
const ASSIGN_BLOCK = 64;

/**
 * A codebook grouped in cells: fine centroid ids `cellStart[c] .. cellStart[c + 1]` belong to coarse cell c, whose
 * unit centre is row c of `coarse`. Assignment probes the best cells only, so its cost grows with sqrt(k), not k.
 */
export interface CellCodebook {
  readonly dim: number;
  /** `size` unit rows. */
  readonly centroids: Float32Array;
  readonly size: number;
  /** `cellCount` unit rows. */
  readonly coarse: Float32Array;
  readonly cellCount: number;
  /** `cellCount + 1` ascending offsets into the fine centroids. */
  readonly cellStart: Uint32Array;
}

export interface TwoLevelOptions {
  readonly seed: number;
  readonly coarseIterations?: number;
  readonly fineIterations?: number;
}

/**
 * Trains about `k` unit centroids on `n` unit rows by two-level spherical k-means: `cellsFor(k)` coarse centres
 * over the whole sample, then in each coarse cell a k-means with a share of `k` proportional to the cell's rows.
 * The cost is n x (cells + k / cells) x dim per iteration instead of n x k x dim, and the cells double as the
 * assignment index. Deterministic for a given sample, `k` and seed. Returns at most min(k, n) centroids.
 */
export function trainTwoLevel(sample: Float32Array, n: number, dim: number, k: number, options: TwoLevelOptions): CellCodebook {
  if (!(n >= 1) || sample.length < n * dim) throw new RangeError(`codebook training needs at least one row of dim ${dim}`);
  const target = Math.max(1, Math.min(Math.floor(k), n));
  const cells = Math.min(cellsFor(target), n);
  const coarse = sphericalKMeans(sample, n, dim, cells, options.coarseIterations ?? COARSE_ITERATIONS, mulberry32(options.seed));
  const cellOf = new Int32Array(n);
  assignExact(coarse.centroids, coarse.count, sample, n, dim, cellOf);
  const members = rowsByCell(cellOf, coarse.count);
  const shares = proportionalShares(members.sizes, target);

  const centroids = new Float32Array(target * dim);
  const cellStart = new Uint32Array(coarse.count + 1);
  let size = 0;
  const cellRows = new Float32Array(Math.max(...members.sizes, 1) * dim);
  for (let c = 0; c < coarse.count; c++) {
    cellStart[c] = size;
    const rowsInCell = members.sizes[c]!;
    const share = shares[c]!;
    if (share === 0) continue;
    const ids = members.rows.subarray(members.start[c]!, members.start[c]! + rowsInCell);
    for (let r = 0; r < ids.length; r++) cellRows.set(sample.subarray(ids[r]! * dim, ids[r]! * dim + dim), r * dim);
    const random = mulberry32((options.seed ^ Math.imul(c + 1, 0x9e3779b1)) >>> 0);
    const fine = sphericalKMeans(cellRows, rowsInCell, dim, share, options.fineIterations ?? FINE_ITERATIONS, random);
    centroids.set(fine.centroids.subarray(0, fine.count * dim), size * dim);
    size += fine.count;
  }
  cellStart[coarse.count] = size;
  return {
    dim,
    centroids: size === target ? centroids : centroids.slice(0, size * dim),
    size,
    coarse: coarse.centroids,
    cellCount: coarse.count,
    cellStart,
  };
}

/** Coarse cells for a codebook of k centroids: the power of two nearest sqrt(k), so cells hold about sqrt(k) each. */
export function cellsFor(k: number): number {
  return k <= 1 ? 1 : 2 ** Math.round(Math.log2(Math.sqrt(k)));
}

/**
 * Splits `total` centroids over cells: one for every cell that has rows (when the total allows), the rest in
 * proportion to each cell's remaining rows by largest remainder, never more than a cell's rows, so the shares sum
 * to min(total, rows).
 */
export function proportionalShares(sizes: ArrayLike<number>, total: number): Int32Array {
  const shares = new Int32Array(sizes.length);
  let rows = 0;
  let occupied = 0;
  for (let c = 0; c < sizes.length; c++) {
    rows += sizes[c]!;
    if (sizes[c]! > 0) occupied++;
  }
  const want = Math.min(Math.floor(total), rows);
  if (want === 0) return shares;
  const base = want >= occupied ? 1 : 0;
  const spare = want - base * occupied;
  const spareRows = rows - base * occupied;
  const remainders: { cell: number; rest: number }[] = [];
  let given = 0;
  for (let c = 0; c < sizes.length; c++) {
    if (sizes[c] === 0) continue;
    const exact = spareRows > 0 ? ((sizes[c]! - base) * spare) / spareRows : 0;
    shares[c] = base + Math.floor(exact);
    given += shares[c]!;
    remainders.push({ cell: c, rest: exact - Math.floor(exact) });
  }
  remainders.sort((a, b) => b.rest - a.rest || a.cell - b.cell);
  for (let i = 0; given < want && i < remainders.length * 2; i++) {
    const { cell } = remainders[i % remainders.length]!;
    if (shares[cell]! < sizes[cell]!) {
      shares[cell]!++;
      given++;
    }
  }
  return shares;
}

/**
 * Spherical k-means (inner-product assignment, unit mean centroids) on `n` rows, seeded with distinct random rows.
 * An emptied cluster takes the row its centroid explains worst. Returns `count <= k` centroids (fewer only when
 * the rows hold fewer distinct values).
 */
export function sphericalKMeans(
  rows: Float32Array,
  n: number,
  dim: number,
  k: number,
  iterations: number,
  random: () => number,
): { centroids: Float32Array; count: number } {
  const { centroids, count } = seedCentroids(rows, n, dim, Math.min(k, n), random);
  const assignment = new Int32Array(n);
  const similarity = new Float32Array(n);
  const sums = new Float64Array(count * dim);
  const members = new Int32Array(count);
  for (let iter = 0; iter < iterations; iter++) {
    assignExact(centroids, count, rows, n, dim, assignment, similarity);
    sums.fill(0);
    members.fill(0);
    for (let i = 0, off = 0; i < n; i++, off += dim) {
      const co = assignment[i]! * dim;
      members[assignment[i]!]!++;
      for (let t = 0; t < dim; t++) sums[co + t]! += rows[off + t]!;
    }
    for (let c = 0; c < count; c++) {
      const co = c * dim;
      if (members[c] === 0) {
        let worst = 0;
        for (let i = 1; i < n; i++) if (similarity[i]! < similarity[worst]!) worst = i;
        similarity[worst] = Infinity;
        centroids.set(rows.subarray(worst * dim, worst * dim + dim), co);
        continue;
      }
      let norm = 0;
      for (let t = 0; t < dim; t++) norm += sums[co + t]! * sums[co + t]!;
      norm = Math.sqrt(norm);
      if (norm > 0) for (let t = 0; t < dim; t++) centroids[co + t] = sums[co + t]! / norm;
    }
  }
  return { centroids, count };
}

/**
 * `out[i]` = the centroid with the largest inner product with row i of `rows` (first on ties), `similarity[i]` its
 * score.
 */
export function assignExact(
  centroids: Float32Array,
  count: number,
  rows: Float32Array,
  n: number,
  dim: number,
  out: Int32Array,
  similarity?: Float32Array,
): void {
  const kernels = new CentroidKernels(multiVector(centroids.subarray(0, count * dim), dim));
  const scores = new Float32Array(Math.min(ASSIGN_BLOCK, n) * count);
  for (let first = 0; first < n; first += ASSIGN_BLOCK) {
    const block = Math.min(ASSIGN_BLOCK, n - first);
    kernels.scores(multiVector(rows.subarray(first * dim, (first + block) * dim), dim), scores);
    for (let r = 0; r < block; r++) {
      const base = r * count;
      let best = 0;
      let bestScore = scores[base]!;
      for (let c = 1; c < count; c++) {
        const s = scores[base + c]!;
        if (s > bestScore) {
          bestScore = s;
          best = c;
        }
      }
      out[first + r] = best;
      if (similarity) similarity[first + r] = bestScore;
    }
  }
}

/** Distinct rows in seeded random order, as unit vectors. */
function seedCentroids(rows: Float32Array, n: number, dim: number, k: number, random: () => number): { centroids: Float32Array; count: number } {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const centroids = new Float32Array(Math.max(k, 1) * dim);
  let count = 0;
  for (let i = 0; i < n && count < k; i++) {
    const j = i + Math.floor(random() * (n - i));
    const pick = order[j]!;
    order[j] = order[i]!;
    order[i] = pick;
    const po = pick * dim;
    const norm = Math.sqrt(dot(rows, po, rows, po, dim));
    if (norm === 0 || duplicates(centroids, count, rows, po, dim)) continue;
    for (let t = 0; t < dim; t++) centroids[count * dim + t] = rows[po + t]! / norm;
    count++;
  }
  if (count === 0) return { centroids: centroids.fill(0).fill(1, 0, 1), count: 1 };
  return { centroids: count === k ? centroids : centroids.slice(0, count * dim), count };
}

/** Whether row `po` equals (up to scale) one of the first `count` centroids; checked against the last few only. */
function duplicates(centroids: Float32Array, count: number, rows: Float32Array, po: number, dim: number): boolean {
  // Contextual rows are almost never equal; a full scan would make seeding quadratic, so only recent picks are
  // compared (an undetected duplicate costs one centroid, which the empty-cluster rule reseeds).
  const norm = Math.sqrt(dot(rows, po, rows, po, dim));
  for (let c = Math.max(0, count - 8); c < count; c++) {
    if (dot(centroids, c * dim, rows, po, dim) >= norm * (1 - 1e-7)) return true;
  }
  return false;
}

function rowsByCell(cellOf: Int32Array, cells: number): { sizes: Int32Array; start: Int32Array; rows: Int32Array } {
  const sizes = new Int32Array(cells);
  for (let i = 0; i < cellOf.length; i++) sizes[cellOf[i]!]!++;
  const start = new Int32Array(cells + 1);
  for (let c = 0; c < cells; c++) start[c + 1] = start[c]! + sizes[c]!;
  const fill = start.slice(0, cells);
  const rows = new Int32Array(cellOf.length);
  for (let i = 0; i < cellOf.length; i++) rows[fill[cellOf[i]!]!++] = i;
  return { sizes, start, rows };
}
