import type { Encoder } from '../../encode/index.js';
import { DEFAULT_REDUCTION_SEED, type ReductionPipeline } from '../../pool/index.js';
import { idf, lastPerId, type DocumentRecord, type MultiVector } from '../../shared/index.js';
import { leadingRows } from '../codecs/residual-training.js';
import type { CodecTrainingReport } from '../codecs/vector-codec.js';
import type { LateIndex } from '../late-index.js';
import type { PreparedDocument } from '../types.js';
import { encodeRecords } from './encode-records.js';
import { prepareDocuments, type PreparationSettings } from './prepare-documents.js';

export interface BuildOptions {
  /** Leading rows poolers keep unmerged; defaults to the encoder's own choice. */
  readonly protectedLeadingTokens?: number;
  /** Seed for every randomised reduction step. */
  readonly seed?: number;
  /**
   * Reduced vectors to collect before training an untrained codec (residual codes), e.g. RESIDUAL_SAMPLE_VECTORS:
   * documents are held back (not written) until then, and `finish()` writes the rest. Default 0: no hold-back, the
   * index trains on the first batch it is given (what a long-lived writer such as the REST server needs, since
   * it acknowledges each batch once committed).
   */
  readonly codecSampleVectors?: number;
}

export interface BatchResult {
  readonly documents: number;
  readonly inserted: number;
  readonly updated: number;
  readonly vectors: number;
  /**
   * Ids of the batch's records that encoded to no vector at all (empty text, or only stopwords and punctuation):
   * they are stored, but no query can ever find them.
   */
  readonly vectorless: readonly string[];
  /** The batch's documents the encoder cut at its token limit (`Encoder.documentTokenLimit`), in batch order. */
  readonly truncated: readonly TruncatedDocument[];
}

/** A document longer than its encoder reads: its vectors stand for its first `documentTokenLimit` tokens. */
export interface TruncatedDocument {
  readonly id: string;
  /** The tokens its text had. */
  readonly tokens: number;
}

/**
 * The ingest pipeline for batches of records into one index, used by `index`, `add`, sweeps and the REST
 * upsert route: encode (or take precomputed vectors), prepare (reduce, analyse), and upsert each batch in one
 * transaction; while the index's codec still needs training, documents are held back for the sample. Callers
 * stream batches, so memory stays bounded by the batch size.
 */
export class IndexBuilder {
  private readonly settings: PreparationSettings;
  private readonly codecSampleVectors: number;
  /** Prepared documents held back until the codec is trained (only while the index's codec needs training). */
  private pending: PreparedDocument[] = [];
  private pendingVectors = 0;
  private trainingReport: CodecTrainingReport | undefined;

  constructor(
    private readonly index: LateIndex,
    private readonly encoder: Encoder,
    private readonly pipeline: ReductionPipeline,
    options: BuildOptions = {},
  ) {
    this.codecSampleVectors = options.codecSampleVectors ?? 0;
    this.settings = {
      sparseMode: index.manifest.sparse?.mode ?? 'none',
      exactTokens: index.manifest.exactMatchRecovery === true,
      protectedLeadingTokens: options.protectedLeadingTokens ?? encoder.protectedLeadingTokens,
      seed: options.seed ?? DEFAULT_REDUCTION_SEED,
      idf: (term) => idf(index.documentFrequency(term), index.counts().documents),
    };
  }

  /** What training the codec measured, when this builder trained it. */
  get codecTraining(): CodecTrainingReport | undefined {
    return this.trainingReport;
  }

  /**
   * Writes documents still held back for codec training (training on whatever was collected). Call once after the
   * last batch; a no-op when nothing is pending. Returns what it wrote.
   */
  async finish(): Promise<BatchResult> {
    return this.writePending();
  }

  /** Encodes, prepares and stores a batch of records; within the batch the last record of an id wins. */
  async addBatch(records: readonly DocumentRecord[]): Promise<BatchResult> {
    const unique = lastPerId(records, (record) => record.id);
    return this.write(unique, await encodeRecords(unique, this.encoder, this.index.dim));
  }

  /**
   * Prepares and stores records whose vectors are already encoded (`vectors[i]` belongs to `records[i]`), so a
   * sweep can encode a corpus once and build many indexes from it. The last record of an id wins.
   */
  async addEncodedBatch(records: readonly DocumentRecord[], vectors: readonly MultiVector[]): Promise<BatchResult> {
    const unique = lastPerId(records.map((record, i) => ({ record, vectors: vectors[i]! })), (pair) => pair.record.id);
    return this.write(unique.map((pair) => pair.record), unique.map((pair) => pair.vectors));
  }

  private async write(records: readonly DocumentRecord[], encoded: readonly MultiVector[]): Promise<BatchResult> {
    const docs = prepareDocuments(records, encoded, this.pipeline, this.settings);
    let stored = 0;
    for (const doc of docs) stored += doc.vectors.count;
    const vectorless = records.filter((_, i) => encoded[i]!.count === 0).map((record) => record.id);
    const truncated: TruncatedDocument[] = [];
    encoded.forEach((mv, i) => {
      if (mv.truncatedFrom !== undefined) truncated.push({ id: records[i]!.id, tokens: mv.truncatedFrom });
    });
    if (this.pending.length > 0 || (this.codecSampleVectors > 0 && this.index.codec.needsTraining)) {
      // Training needs a sample before the first write: hold documents back until it is large enough.
      this.pending.push(...docs);
      this.pendingVectors += stored;
      if (this.pendingVectors < this.codecSampleVectors) return { documents: docs.length, inserted: 0, updated: 0, vectors: stored, vectorless, truncated };
      const written = await this.writePending();
      return { documents: docs.length, inserted: written.inserted, updated: written.updated, vectors: stored, vectorless, truncated };
    }
    const { inserted, updated } = await this.index.upsert(docs);
    return { documents: docs.length, inserted, updated, vectors: stored, vectorless, truncated };
  }

  /** Trains the codec on the held-back documents' vectors (when still untrained), then upserts them. */
  private async writePending(): Promise<BatchResult> {
    const docs = this.pending;
    if (docs.length === 0) return { documents: 0, inserted: 0, updated: 0, vectors: 0, vectorless: [], truncated: [] };
    this.pending = [];
    const vectors = this.pendingVectors;
    this.pendingVectors = 0;
    if (this.index.codec.needsTraining && vectors > 0) {
      const sample = leadingRows(docs.map((doc) => doc.vectors), this.codecSampleVectors, this.index.dim);
      this.trainingReport = this.index.codec.train(sample);
    }
    // A document may appear in several held-back batches: the index's upsert keeps the last one.
    const { inserted, updated } = await this.index.upsert(docs);
    // Vectorless and truncated records were reported by the batch that brought them.
    return { documents: docs.length, inserted, updated, vectors, vectorless: [], truncated: [] };
  }
}
