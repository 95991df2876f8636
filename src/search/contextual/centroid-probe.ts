import type { CellCodebook } from '../../index/contextual/two-level-kmeans.js';
import { CentroidKernels, multiVector } from '../../shared/index.js';

/**
 * A query's similarities to the codebook, as the PLAID stages read them. Only the fine centroids of each query
 * row's `cells` best coarse cells are scored; every other centroid takes the row's `imputed` value (the lowest
 * similarity it was scored exactly at), so a document with no token near row i gets no credit above what the
 * explored neighbourhood already bounds. With every cell explored the table is exact.
 */
export interface CentroidProbe {
  readonly rows: number;
  /** `table[c * rows + i]`: similarity of query row i to centroid c (exact or imputed). */
  readonly table: Float32Array;
  /** Per row, its `probeCount[i]` best explored centroids at `[i * nprobe ..]`, best first, with their scores. */
  readonly probes: Int32Array;
  readonly probeScores: Float32Array;
  readonly probeCount: Int32Array;
  readonly nprobe: number;
  readonly imputed: Float32Array;
  /** Centroids scored exactly (summed over rows). */
  readonly scored: number;
}

/**
 * Scores query rows against a codebook by cells, in the SIMD codebook kernels (`CentroidKernels`); owns the codebook's copy in
 * kernel memory and the probe buffers (one instance per thread, results valid until the next `probe`).
 */
export class CentroidProber {
  private readonly coarse: CentroidKernels;
  private readonly fine: CentroidKernels;
  private table: Float32Array = new Float32Array(0);
  private coarseScores: Float32Array = new Float32Array(0);
  private gathered: Float32Array = new Float32Array(0);

  constructor(readonly book: CellCodebook) {
    this.coarse = new CentroidKernels(multiVector(book.coarse.subarray(0, book.cellCount * book.dim), book.dim));
    this.fine = new CentroidKernels(multiVector(book.centroids.subarray(0, book.size * book.dim), book.dim));
  }

  probe(query: Float32Array, rows: number, options: { readonly cells: number; readonly nprobe: number }): CentroidProbe {
    const { dim, size, cellCount, cellStart } = this.book;
    const cells = Math.max(1, Math.min(options.cells, cellCount));
    const nprobe = Math.max(1, Math.min(options.nprobe, size));
    if (this.table.length < size * rows) this.table = new Float32Array(size * rows);
    const table = this.table;
    if (this.coarseScores.length < rows * cellCount) this.coarseScores = new Float32Array(rows * cellCount);
    this.coarse.scores(multiVector(query.subarray(0, rows * dim), dim), this.coarseScores);

    // Rows that explore each cell, so that one kernel call scores them against it together.
    const explorers: number[][] = Array.from({ length: cellCount }, () => []);
    const order = new Int32Array(cellCount);
    for (let i = 0; i < rows; i++) {
      const scores = this.coarseScores.subarray(i * cellCount, (i + 1) * cellCount);
      for (let c = 0; c < cellCount; c++) order[c] = c;
      const ranked = Array.from(order).sort((a, b) => scores[b]! - scores[a]! || a - b);
      for (let p = 0; p < cells; p++) explorers[ranked[p]!]!.push(i);
    }
    const imputed = new Float32Array(rows).fill(Infinity);
    const probes = new Int32Array(rows * nprobe).fill(-1);
    const probeScores = new Float32Array(rows * nprobe).fill(-Infinity);
    const probeCount = new Int32Array(rows);
    const results: { cell: number; who: number[]; scores: Float32Array }[] = [];
    let scored = 0;
    for (let cell = 0; cell < cellCount; cell++) {
      const who = explorers[cell]!;
      const first = cellStart[cell]!;
      const count = cellStart[cell + 1]! - first;
      if (who.length === 0 || count === 0) continue;
      if (this.gathered.length < who.length * dim) this.gathered = new Float32Array(who.length * dim);
      who.forEach((i, q) => this.gathered.set(query.subarray(i * dim, (i + 1) * dim), q * dim));
      const scores = new Float32Array(who.length * count);
      this.fine.scoreRange(multiVector(this.gathered.subarray(0, who.length * dim), dim), first, count, scores);
      scored += who.length * count;
      who.forEach((i, q) => {
        for (let c = 0; c < count; c++) {
          const score = scores[q * count + c]!;
          if (score < imputed[i]!) imputed[i] = score;
          offerProbe(probes, probeScores, probeCount, i, nprobe, first + c, score);
        }
      });
      results.push({ cell, who, scores });
    }
    // Rows that explored nothing impute 0; then every entry takes its row's imputed value unless scored exactly.
    for (let i = 0; i < rows; i++) if (imputed[i] === Infinity) imputed[i] = 0;
    for (let c = 0; c < size; c++) table.set(imputed, c * rows);
    for (const { cell, who, scores } of results) {
      const first = cellStart[cell]!;
      const count = cellStart[cell + 1]! - first;
      who.forEach((i, q) => {
        for (let c = 0; c < count; c++) table[(first + c) * rows + i] = scores[q * count + c]!;
      });
    }
    return { rows, table, probes, probeScores, probeCount, nprobe, imputed, scored };
  }
}

/** The cell holding fine centroid `c` (binary search over cellStart). */
export function cellOf(book: CellCodebook, c: number): number {
  let lo = 0;
  let hi = book.cellCount - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (book.cellStart[mid]! <= c) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** Keeps row i's `nprobe` best (centroid, score) pairs sorted best first (ties: lower centroid id first). */
function offerProbe(probes: Int32Array, scores: Float32Array, counts: Int32Array, i: number, nprobe: number, c: number, s: number): void {
  const base = i * nprobe;
  let n = counts[i]!;
  if (n === nprobe && !(s > scores[base + n - 1]!)) return;
  let at = n < nprobe ? n++ : n - 1;
  while (at > 0 && (scores[base + at - 1]! < s || (scores[base + at - 1] === s && probes[base + at - 1]! > c))) {
    scores[base + at] = scores[base + at - 1]!;
    probes[base + at] = probes[base + at - 1]!;
    at--;
  }
  scores[base + at] = s;
  probes[base + at] = c;
  counts[i] = n;
}
