import type { CellCodebook } from '../../index/contextual/two-level-kmeans.js';
import type { MultiVector } from '../../shared/index.js';
import { TopK } from '../top-k.js';
import { CentroidProber, type CentroidProbe } from './centroid-probe.js';

/** What the PLAID stages read of a contextual index: its codebook, inverted lists and per-document centroid ids. */
export interface CentroidIndexReader {
  readonly codebook: CellCodebook;
  /** Calls `visit` with the live documents of centroid `c`'s inverted list, ascending, in one or more runs. */
  forEachPosting(centroid: number, visit: (ids: Uint32Array, count: number) => void): void;
  /** Writes a live document's rows' centroid ids into `out` (grown by the caller to `vectorCount`); -1 when gone. */
  centroidIds(internalId: number, out: Int32Array): number;
  vectorCount(internalId: number): number | undefined;
  /** One past the largest internal id (sizes per-document scratch arrays). */
  documentLimit(): number;
}

/** The PLAID knobs; defaults in `DEFAULT_CENTROID_SEARCH`. */
export interface CentroidSearchOptions {
  /** Coarse cells explored per query row (query-side centroid scoring). */
  readonly cells: number;
  /** Inverted lists opened per query row: its best explored centroids. */
  readonly nprobe: number;
  /** Documents ranked by centroid interaction (read their centroid ids), the best of stage 1. */
  readonly candidates: number;
  /** Documents decompressed for exact MaxSim, the best of stage 2. */
  readonly rerank: number;
}

export const DEFAULT_CENTROID_SEARCH: CentroidSearchOptions = { cells: 16, nprobe: 4, candidates: 1024, rerank: 128 };

export interface CentroidCandidates {
  /** Documents to score exactly, best approximate score first. */
  readonly ids: number[];
  readonly stats: {
    readonly centroidsScored: number;
    readonly listsOpened: number;
    readonly postingsRead: number;
    readonly stage1Documents: number;
    readonly stage2Documents: number;
  };
}

/**
 * PLAID's candidate generation (Santhanam et al. 2022), over a codebook of cells:
 * 1. each weighted query row is scored against the centroids of its best cells (`CentroidProber`);
 * 2. stage 1: the inverted lists of each row's `nprobe` best centroids; a document in row i's lists scores
 *    w_i x its best listed similarity, else w_i x the row's lowest probed similarity (XTR-style imputation);
 * 3. stage 2: the best `candidates` are rescored by centroid interaction: sum_i w_i max_j S[i, c_j] over their
 *    rows' centroids c_j (S imputed outside the explored cells);
 * 4. the best `rerank` go on to exact MaxSim over their decompressed vectors (the caller's step).
 * One instance per thread: it reuses per-document accumulators sized to the index.
 */
export class CentroidCandidateGenerator {
  private readonly prober: CentroidProber;
  private lift: Float32Array = new Float32Array(0);
  private queryStamp: Int32Array = new Int32Array(0);
  private rowStamp: Int32Array = new Int32Array(0);
  private generation = 0;
  private centroids: Int32Array = new Int32Array(256);
  private best: Float32Array = new Float32Array(0);

  constructor(private readonly reader: CentroidIndexReader) {
    this.prober = new CentroidProber(reader.codebook);
  }

  candidates(query: MultiVector, options: CentroidSearchOptions, filter?: (internalId: number) => boolean): CentroidCandidates {
    const rows = query.count;
    const weights = query.weights;
    const probe = this.prober.probe(query.data, rows, { cells: options.cells, nprobe: options.nprobe });
    const { touched, floorSum, listsOpened, postingsRead } = this.stage1(probe, weights, filter);
    const stage1 = new TopK(Math.min(options.candidates, touched.length), (a, b) => a - b);
    for (const id of touched) stage1.push(floorSum + this.lift[id]!, id);
    const firstPass = stage1.drain();

    const stage2 = new TopK(Math.min(options.rerank, firstPass.length), (a, b) => a - b);
    for (const { internalId } of firstPass) {
      const score = this.centroidInteraction(probe, weights, internalId);
      if (score !== undefined) stage2.push(score, internalId);
    }
    const ids = stage2.drain().map((entry) => entry.internalId);
    return {
      ids,
      stats: {
        centroidsScored: probe.scored,
        listsOpened,
        postingsRead,
        stage1Documents: touched.length,
        stage2Documents: firstPass.length,
      },
    };
  }

  /** Documents of the probed lists with their lift over the imputed floor, sum_i w_i (s_i(d) - floor_i). */
  private stage1(probe: CentroidProbe, weights: Float32Array | undefined, filter?: (internalId: number) => boolean) {
    const limit = this.reader.documentLimit();
    if (this.lift.length < limit) {
      this.lift = new Float32Array(limit);
      this.queryStamp = new Int32Array(limit);
      this.rowStamp = new Int32Array(limit);
      this.generation = 0;
    }
    if (this.generation > 0x3ffffff0 - probe.rows) {
      this.queryStamp.fill(0);
      this.rowStamp.fill(0);
      this.generation = 0;
    }
    // queryStamp: +mark for a candidate of this query, -mark for a document the filter refused.
    const mark = ++this.generation;
    const touched: number[] = [];
    let floorSum = 0;
    let listsOpened = 0;
    let postingsRead = 0;
    const { rows, nprobe, probes, probeScores, probeCount } = probe;
    for (let i = 0; i < rows; i++) {
      const w = weights === undefined ? 1 : weights[i]!;
      const n = probeCount[i]!;
      if (w === 0 || n === 0) continue;
      const floor = probeScores[i * nprobe + n - 1]!;
      floorSum += w * floor;
      const rowMark = ++this.generation;
      // Lists best first, so a document's first appearance for this row carries its best similarity.
      for (let p = 0; p < n; p++) {
        const gain = w * (probeScores[i * nprobe + p]! - floor);
        listsOpened++;
        this.reader.forEachPosting(probes[i * nprobe + p]!, (ids, count) => {
          postingsRead += count;
          for (let j = 0; j < count; j++) {
            const id = ids[j]!;
            if (this.rowStamp[id] === rowMark) continue;
            this.rowStamp[id] = rowMark;
            const seen = this.queryStamp[id]!;
            if (seen === -mark) continue;
            if (seen !== mark) {
              if (filter !== undefined && !filter(id)) {
                this.queryStamp[id] = -mark;
                continue;
              }
              this.queryStamp[id] = mark;
              this.lift[id] = 0;
              touched.push(id);
            }
            this.lift[id]! += gain;
          }
        });
      }
    }
    return { touched, floorSum, listsOpened, postingsRead };
  }

  /** sum_i w_i max_j S[i, c_j] over the document's rows; undefined when it is gone. */
  private centroidInteraction(probe: CentroidProbe, weights: Float32Array | undefined, internalId: number): number | undefined {
    const count = this.reader.vectorCount(internalId);
    if (count === undefined) return undefined;
    if (this.centroids.length < count) this.centroids = new Int32Array(Math.max(count, this.centroids.length * 2));
    if (this.reader.centroidIds(internalId, this.centroids) < 0) return undefined;
    const { rows, table } = probe;
    if (this.best.length < rows) this.best = new Float32Array(rows);
    const best = this.best.fill(-Infinity, 0, rows);
    for (let j = 0; j < count; j++) {
      const base = this.centroids[j]! * rows;
      for (let i = 0; i < rows; i++) {
        const s = table[base + i]!;
        if (s > best[i]!) best[i] = s;
      }
    }
    if (count === 0) return 0;
    let total = 0;
    for (let i = 0; i < rows; i++) total += (weights === undefined ? 1 : weights[i]!) * best[i]!;
    return total;
  }
}
