import { CentroidKernels, multiVector } from '../../shared/index.js';
import type { CellCodebook } from './two-level-kmeans.js';

/** Rows assigned per pass: bounds the coarse score matrix to BLOCK x cells floats. */
const BLOCK = 1024;

/**
 * Nearest-centroid assignment through the codebook's cells: each row is compared with every coarse centre, then
 * with the fine centroids of its `probe` best cells only; `probe >= cellCount` is exact assignment. The rows of a
 * pass that probe the same cell are scored against it together, so the SIMD kernel works on row blocks.
 * Ties go to the lower centroid id.
 */
export class CellAssigner {
  readonly probe: number;
  private readonly coarse: CentroidKernels;
  private readonly fine: CentroidKernels;
  private coarseScores: Float32Array = new Float32Array(0);
  private fineScores: Float32Array = new Float32Array(0);
  private gathered: Float32Array = new Float32Array(0);
  private cellOfPair: Int32Array = new Int32Array(0);
  private pairsByCell: Int32Array = new Int32Array(0);
  private readonly cellFill: Int32Array;
  private readonly topCells: Int32Array;
  private readonly topScores: Float32Array;

  constructor(
    private readonly book: CellCodebook,
    probe: number,
  ) {
    if (!Number.isInteger(probe) || probe < 1) throw new RangeError(`cell probe must be a positive integer, got ${probe}`);
    this.probe = Math.min(probe, book.cellCount);
    this.coarse = new CentroidKernels(multiVector(book.coarse.subarray(0, book.cellCount * book.dim), book.dim));
    this.fine = new CentroidKernels(multiVector(book.centroids.subarray(0, book.size * book.dim), book.dim));
    this.cellFill = new Int32Array(book.cellCount + 1);
    this.topCells = new Int32Array(this.probe);
    this.topScores = new Float32Array(this.probe);
  }

  assign(rows: Float32Array, n: number, ids: Uint32Array | Int32Array, similarity?: Float32Array): void {
    for (let first = 0; first < n; first += BLOCK) {
      const block = Math.min(BLOCK, n - first);
      this.assignBlock(rows.subarray(first * this.book.dim, (first + block) * this.book.dim), block, ids, similarity, first);
    }
  }

  private assignBlock(rows: Float32Array, n: number, ids: Uint32Array | Int32Array, similarity: Float32Array | undefined, at: number): void {
    const { dim, cellCount, cellStart } = this.book;
    const probe = this.probe;
    this.coarseScores = ensure(this.coarseScores, n * cellCount);
    this.coarse.scores(multiVector(rows.subarray(0, n * dim), dim), this.coarseScores);

    // (row, cell) pairs grouped by cell with a counting sort.
    this.cellOfPair = ensureInt(this.cellOfPair, n * probe);
    const fill = this.cellFill.fill(0);
    let pairs = 0;
    for (let r = 0; r < n; r++) {
      const chosen = this.selectCells(this.coarseScores.subarray(r * cellCount, (r + 1) * cellCount));
      for (let p = 0; p < chosen; p++) {
        this.cellOfPair[r * probe + p] = this.topCells[p]!;
        fill[this.topCells[p]! + 1]!++;
      }
      for (let p = chosen; p < probe; p++) this.cellOfPair[r * probe + p] = -1;
      pairs += chosen;
    }
    for (let c = 0; c < cellCount; c++) fill[c + 1]! += fill[c]!;
    this.pairsByCell = ensureInt(this.pairsByCell, pairs);
    const cursor = fill.slice(0, cellCount);
    for (let r = 0; r < n; r++) {
      for (let p = 0; p < probe; p++) {
        const cell = this.cellOfPair[r * probe + p]!;
        if (cell >= 0) this.pairsByCell[cursor[cell]!++] = r;
      }
    }

    const best = new Float32Array(n).fill(-Infinity);
    const bestId = new Int32Array(n).fill(-1);
    for (let cell = 0; cell < cellCount; cell++) {
      const from = fill[cell]!;
      const count = fill[cell + 1]! - from;
      if (count === 0) continue;
      const first = cellStart[cell]!;
      const size = cellStart[cell + 1]! - first;
      this.gathered = ensure(this.gathered, count * dim);
      for (let q = 0; q < count; q++) {
        const r = this.pairsByCell[from + q]!;
        this.gathered.set(rows.subarray(r * dim, (r + 1) * dim), q * dim);
      }
      this.fineScores = ensure(this.fineScores, count * size);
      this.fine.scoreRange(multiVector(this.gathered.subarray(0, count * dim), dim), first, size, this.fineScores);
      for (let q = 0; q < count; q++) {
        const r = this.pairsByCell[from + q]!;
        const base = q * size;
        for (let c = 0; c < size; c++) {
          const s = this.fineScores[base + c]!;
          const id = first + c;
          if (s > best[r]! || (s === best[r]! && id < bestId[r]!)) {
            best[r] = s;
            bestId[r] = id;
          }
        }
      }
    }
    for (let r = 0; r < n; r++) {
      ids[at + r] = bestId[r]!;
      if (similarity) similarity[at + r] = best[r]!;
    }
  }

  /** The (at most `probe`) best-scoring cells that hold centroids, into topCells; returns how many. */
  private selectCells(scores: Float32Array): number {
    const { cellStart } = this.book;
    const cells = this.probe;
    const ids = this.topCells;
    const top = this.topScores;
    let filled = 0;
    for (let c = 0; c < scores.length; c++) {
      if (cellStart[c + 1] === cellStart[c]) continue;
      const s = scores[c]!;
      if (filled === cells && s <= top[cells - 1]!) continue;
      let at = filled < cells ? filled++ : cells - 1;
      while (at > 0 && top[at - 1]! < s) {
        top[at] = top[at - 1]!;
        ids[at] = ids[at - 1]!;
        at--;
      }
      top[at] = s;
      ids[at] = c;
    }
    return filled;
  }
}

function ensure(buffer: Float32Array, length: number): Float32Array {
  return buffer.length >= length ? buffer : new Float32Array(Math.max(length, buffer.length * 2));
}

function ensureInt(buffer: Int32Array, length: number): Int32Array {
  return buffer.length >= length ? buffer : new Int32Array(Math.max(length, buffer.length * 2));
}
