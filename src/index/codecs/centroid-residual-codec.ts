import { LateIndexError } from '../../shared/index.js';
import { decodeCodebook, encodeCodebook } from '../contextual/codebook-record.js';
import { codebookSizeFor, trainContextualCodebook, type CodebookTrainingReport } from '../contextual/codebook-training.js';
import { RESIDUAL_NBITS } from '../contextual/residual-buckets.js';
import { TokenCodec } from '../contextual/token-codec.js';
import type { CodecTrainingReport, TrainableCodec, TrainingPlan } from './vector-codec.js';

/** Seed of codebook training: a given sample always trains the same codebook. */
export const CODEBOOK_SEED = 0x5eed;

/**
 * ColBERTv2 residual compression at any scale: a codebook of up to 2^18 centroids grouped in cells (two-level
 * k-means), each row stored as its centroid id (ceil(log2 k) bits) and an `nbits` code of its residual per
 * dimension (see `TokenCodeLayout`). Trained once on a sample; `centroidIds` reads a record's ids without its
 * residuals, which is what the inverted file and the PLAID stages need.
 */
export class CentroidResidualCodec implements TrainableCodec {
  readonly name: string;
  private codec: TokenCodec | undefined;
  private report: CodebookTrainingReport | undefined;

  constructor(readonly nbits: number) {
    if (!RESIDUAL_NBITS.includes(nbits)) throw new RangeError(`plaid codec: nbits must be one of ${RESIDUAL_NBITS.join(', ')}, got ${nbits}`);
    this.name = `plaid:${nbits}`;
  }

  get trained(): boolean {
    return this.codec !== undefined;
  }

  /** The trained token codec (codebook, cells, buckets); throws before training. */
  get tokens(): TokenCodec {
    if (!this.codec) throw new LateIndexError('codec_untrained', `${this.name} codec has not been trained: it needs a sample of vectors first`);
    return this.codec;
  }

  /** Ids are bit-packed, so a record is not a whole number of bytes per vector. */
  payloadBytes(count: number, _dim?: number): number {
    return this.tokens.layout.bytes(count);
  }

  train(sample: Float32Array, dim: number, plan: TrainingPlan = {}): CodecTrainingReport {
    const n = sample.length / dim;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`${this.name} codec: training needs whole vectors of dim ${dim}, got ${sample.length} floats`);
    const centroids = codebookSizeFor(Math.max(plan.expectedVectors ?? n, n));
    const { codec, report } = trainContextualCodebook(sample, n, dim, { centroids, nbits: this.nbits, seed: CODEBOOK_SEED });
    this.codec = codec;
    this.report = report;
    return this.training()!;
  }

  training(): (CodecTrainingReport & CodebookTrainingReport) | undefined {
    return this.report && { ...this.report };
  }

  encode(rows: Float32Array, dim: number): Uint8Array {
    const count = rows.length / dim;
    if (count === 0) return new Uint8Array(0);
    return this.tokens.encodeMany([{ data: rows, count }]).records[0]!;
  }

  decode(bytes: Uint8Array, count: number, dim: number, out: Float32Array): Float32Array {
    if (count === 0) return out;
    const tokens = this.tokens;
    if (tokens.book.dim !== dim) throw new RangeError(`${this.name} codec was trained on dim ${tokens.book.dim}, asked for dim ${dim}`);
    if (bytes.length < tokens.layout.bytes(count) || out.length < count * dim) {
      throw new RangeError(`${this.name} codec: ${bytes.length} bytes cannot hold ${count} vectors of dim ${dim} (${tokens.layout.bytes(count)} bytes)`);
    }
    return tokens.decode(bytes, count, out);
  }

  state(): Uint8Array {
    const tokens = this.tokens;
    return encodeCodebook({ book: tokens.book, buckets: tokens.buckets, report: this.report! });
  }

  restore(state: Uint8Array): void {
    const { book, buckets, report } = decodeCodebook(state, `${this.name} codec state`);
    if (buckets.nbits !== this.nbits) throw new LateIndexError('corrupt_codec_state', `${this.name} codec state: trained for ${buckets.nbits} bits`);
    this.codec = new TokenCodec(book, buckets, report.probe);
    this.report = report;
  }
}
