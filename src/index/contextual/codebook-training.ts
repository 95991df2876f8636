import { mulberry32 } from '../../shared/random.js';
import { CellAssigner } from './cell-assignment.js';
import { dot } from './dense-dot.js';
import { fitResidualBuckets } from './residual-buckets.js';
import { TokenCodec } from './token-codec.js';
import { trainTwoLevel } from './two-level-kmeans.js';

/**
 * Cells probed per row when assigning centroids (8 of ~sqrt(k)): at 10k ColBERT-like documents and 4 bits, 8
 * instead of 2 raised top-10 agreement with exhaustive float32 MaxSim from 0.922 to 0.941 (BENCHMARKS.md).
 */
export const DEFAULT_ASSIGN_PROBE = 8;
/** Largest codebook: 2^18, ColBERTv2's ceiling for the biggest corpora. */
export const MAX_CODEBOOK_SIZE = 2 ** 18;
/** Training rows per centroid aimed for, between the sample bounds below. */
const ROWS_PER_CENTROID = 16;
const MIN_SAMPLE = 2 ** 16;
/** 2^20 rows of dim 128 are 512 MB of float32: the training sample's memory bound. */
const MAX_SAMPLE = 2 ** 20;
/** Rows used to fit the residual buckets (quantiles settle long before this). */
const BUCKET_ROWS = 2 ** 17;
/** Held-out rows checked against exact assignment (k dot products each). */
const AGREEMENT_ROWS = 2000;
const HELD_OUT_FRACTION = 0.05;

/** ColBERTv2's codebook size for `tokenVectors` vectors: 2^floor(log2(16 sqrt(n))), at most MAX_CODEBOOK_SIZE. */
export function codebookSizeFor(tokenVectors: number): number {
  if (!(tokenVectors >= 1)) return 1;
  return Math.min(MAX_CODEBOOK_SIZE, 2 ** Math.floor(Math.log2(16 * Math.sqrt(tokenVectors))));
}

/** Training rows to sample for a codebook of `k` centroids (bounded in memory whatever the corpus). */
export function trainingSampleSize(k: number): number {
  return Math.min(MAX_SAMPLE, Math.max(MIN_SAMPLE, k * ROWS_PER_CENTROID));
}

export interface CodebookTrainingOptions {
  /** Target centroids (at most the fit rows). */
  readonly centroids: number;
  readonly nbits: number;
  readonly seed: number;
  readonly probe?: number;
}

export interface CodebookTrainingReport {
  readonly centroids: number;
  readonly cells: number;
  readonly sampleVectors: number;
  readonly trainVectors: number;
  readonly heldOutVectors: number;
  /** Held-out rows: mean cosine between a row and its decoded code, and mean squared error. */
  readonly meanCosine: number;
  readonly meanSquaredError: number;
  /** Held-out rows whose probed centroid is their exact nearest one. */
  readonly assignmentAgreement: number;
  readonly probe: number;
  readonly seconds: number;
}

/**
 * Trains a contextual codebook on a sample of unit rows: two-level k-means on all but a seeded held-out share,
 * residual buckets fitted to the training rows' residuals under the same probed assignment that encoding uses, then
 * the held-out rows encoded and decoded to measure what compression costs. Deterministic for a sample and seed.
 */
export function trainContextualCodebook(
  sample: Float32Array,
  n: number,
  dim: number,
  options: CodebookTrainingOptions,
): { codec: TokenCodec; report: CodebookTrainingReport } {
  const started = performance.now();
  const random = mulberry32(options.seed ^ 0x51ed270b);
  const order = shuffled(n, random);
  const heldOutCount = n >= 40 ? Math.max(1, Math.floor(n * HELD_OUT_FRACTION)) : 0;
  const fit = gather(sample, dim, order.subarray(heldOutCount));
  const fitRows = n - heldOutCount;
  const book = trainTwoLevel(fit, fitRows, dim, options.centroids, { seed: options.seed });
  const probe = options.probe ?? DEFAULT_ASSIGN_PROBE;

  const bucketRows = Math.min(fitRows, BUCKET_ROWS);
  const ids = new Int32Array(bucketRows);
  const assigner = new CellAssigner(book, probe);
  assigner.assign(fit, bucketRows, ids);
  const residuals = new Float32Array(bucketRows * dim);
  for (let i = 0; i < bucketRows; i++) {
    for (let t = 0; t < dim; t++) residuals[t * bucketRows + i] = fit[i * dim + t]! - book.centroids[ids[i]! * dim + t]!;
  }
  const buckets = fitResidualBuckets(residuals, bucketRows, dim, options.nbits);
  const codec = new TokenCodec(book, buckets, probe);

  const heldOut = heldOutCount > 0 ? gather(sample, dim, order.subarray(0, heldOutCount)) : fit.subarray(0, Math.min(fitRows, 1000) * dim);
  const checked = heldOut.length / dim;
  const [record] = codec.encodeMany([{ data: heldOut, count: checked }]).records;
  const decoded = codec.decode(record!, checked, new Float32Array(checked * dim));
  let cosine = 0;
  let squared = 0;
  for (let i = 0; i < checked; i++) {
    cosine += dot(heldOut, i * dim, decoded, i * dim, dim);
    for (let t = 0; t < dim; t++) squared += (heldOut[i * dim + t]! - decoded[i * dim + t]!) ** 2;
  }
  return {
    codec,
    report: {
      centroids: book.size,
      cells: book.cellCount,
      sampleVectors: n,
      trainVectors: fitRows,
      heldOutVectors: checked,
      meanCosine: cosine / checked,
      meanSquaredError: squared / checked,
      assignmentAgreement: assignmentAgreement(book, heldOut, Math.min(checked, AGREEMENT_ROWS), probe),
      probe,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** Share of `rows` whose probed centroid is the exactly nearest one (ties count as agreement). */
function assignmentAgreement(book: ReturnType<typeof trainTwoLevel>, rows: Float32Array, n: number, probe: number): number {
  if (n === 0) return 1;
  const probed = new Float32Array(n);
  new CellAssigner(book, probe).assign(rows, n, new Int32Array(n), probed);
  const exact = new Float32Array(n);
  new CellAssigner(book, book.cellCount).assign(rows, n, new Int32Array(n), exact);
  let agree = 0;
  for (let i = 0; i < n; i++) if (probed[i]! >= exact[i]!) agree++;
  return agree / n;
}

function shuffled(n: number, random: () => number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function gather(rows: Float32Array, dim: number, picks: Int32Array): Float32Array {
  const out = new Float32Array(picks.length * dim);
  for (let i = 0; i < picks.length; i++) out.set(rows.subarray(picks[i]! * dim, (picks[i]! + 1) * dim), i * dim);
  return out;
}
