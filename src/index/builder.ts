import type { Encoder } from '../encode/index.js';
import { DEFAULT_REDUCTION_SEED, type ReductionPipeline } from '../pool/index.js';
import {
  InputError,
  UsageError,
  documentText,
  idf,
  multiVector,
  normalizeRows,
  representedTokens,
  type DocumentRecord,
  type MultiVector,
} from '../shared/index.js';
import { leadingRows } from './codecs/residual-training.js';
import type { CodecTrainingReport } from './codecs/vector-codec.js';
import type { LateIndex } from './late-index.js';
import { MAX_KEY_BYTES } from './lmdb-keys.js';
import { analyze } from './sparse/analyzer.js';
import type { SparseInput } from './sparse/sparse-input.js';
import type { PreparedDocument, SparseIndexMode } from './types.js';

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
}

/**
 * Whether a new index keeps exact-match recovery data. `requested` undefined: when its encoder is context-free
 * (the only case where the floor restores a similarity) and a reduction step merges rows (after pruning alone,
 * every kept row is a token's own vector, so there is nothing to restore). true for a contextual encoder is a
 * usage error: there is no exact similarity to restore.
 */
export function exactMatchRecoveryFor(
  encoder: Pick<Encoder, 'contextFree' | 'identity'>,
  pipeline: ReductionPipeline,
  requested?: boolean,
): boolean {
  if (requested === true && !encoder.contextFree) {
    throw new UsageError(
      `exact-match recovery needs a context-free encoder (the embedded static one); ${encoder.identity.name} gives a token a different vector in every context`,
      'exact_match_unsupported',
    );
  }
  return requested ?? (encoder.contextFree && pipeline.merges);
}

/**
 * The indexing pipeline for one batch of records: encode (or take precomputed vectors), reduce, and upsert the
 * batch into the index in one transaction. Callers stream batches, so memory stays bounded by the batch size.
 */
export class IndexBuilder {
  private readonly protectedLeadingTokens: number;
  private readonly seed: number;
  private readonly codecSampleVectors: number;
  private readonly keepsExactTokens: boolean;
  private readonly sparseMode: SparseIndexMode;
  /** Reduced documents held back until the codec is trained (only while `index.codecNeedsTraining`). */
  private pending: PreparedDocument[] = [];
  private pendingVectors = 0;
  private trainingReport: CodecTrainingReport | undefined;

  constructor(
    private readonly index: LateIndex,
    private readonly encoder: Encoder,
    private readonly pipeline: ReductionPipeline,
    options: BuildOptions = {},
  ) {
    this.protectedLeadingTokens = options.protectedLeadingTokens ?? encoder.protectedLeadingTokens;
    this.seed = options.seed ?? DEFAULT_REDUCTION_SEED;
    this.codecSampleVectors = options.codecSampleVectors ?? 0;
    this.keepsExactTokens = index.manifest.exactMatchRecovery === true;
    this.sparseMode = index.manifest.sparse?.mode ?? 'none';
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

  async addBatch(records: readonly DocumentRecord[]): Promise<BatchResult> {
    const unique = lastRecordPerId(records);
    return this.addEncodedBatch(unique, await this.encodeRecords(unique));
  }

  /**
   * Reduces and stores records whose vectors are already encoded (`vectors[i]` belongs to `records[i]`), so a
   * sweep can encode a corpus once and build many indexes from it. Ids must be unique within the batch.
   */
  async addEncodedBatch(records: readonly DocumentRecord[], vectors: readonly MultiVector[]): Promise<BatchResult> {
    const docs: PreparedDocument[] = [];
    let stored = 0;
    for (let i = 0; i < records.length; i++) {
      const record = records[i]!;
      const mv = vectors[i]!;
      const { vectors: reduced, stepCounts } = this.pipeline.apply(mv, {
        protectedLeadingTokens: this.protectedLeadingTokens,
        seed: this.seed,
        idf: (term: string) => this.idf(term),
        ...(mv.grid && { grid: mv.grid }),
      });
      stored += reduced.count;
      docs.push({
        id: record.id,
        ...(record.title !== undefined && { title: record.title }),
        ...(record.text !== undefined && { text: record.text }),
        ...(record.metadata && { metadata: record.metadata }),
        ...sparseOf(record, this.sparseMode),
        vectors: reduced,
        ...(mv.tokens && { terms: [...new Set(mv.tokens)] }),
        ...(this.keepsExactTokens && { exactTokens: representedTokens(reduced) }),
        stepCounts,
      });
    }
    if (this.pending.length > 0 || (this.codecSampleVectors > 0 && this.index.codec.needsTraining)) {
      // Training needs a sample before the first write: hold documents back until it is large enough.
      this.pending.push(...docs);
      for (const doc of docs) this.pendingVectors += doc.vectors.count;
      if (this.pendingVectors < this.codecSampleVectors) return { documents: docs.length, inserted: 0, updated: 0, vectors: stored };
      const written = await this.writePending();
      return { documents: docs.length, inserted: written.inserted, updated: written.updated, vectors: stored };
    }
    const { inserted, updated } = await this.index.upsert(docs);
    return { documents: docs.length, inserted, updated, vectors: stored };
  }

  /** Trains the codec on the held-back documents' vectors (when still untrained), then upserts them. */
  private async writePending(): Promise<BatchResult> {
    const docs = this.pending;
    if (docs.length === 0) return { documents: 0, inserted: 0, updated: 0, vectors: 0 };
    this.pending = [];
    const vectors = this.pendingVectors;
    this.pendingVectors = 0;
    if (this.index.codec.needsTraining && vectors > 0) {
      const sample = leadingRows(docs.map((doc) => doc.vectors), this.codecSampleVectors, this.index.dim);
      this.trainingReport = this.index.codec.train(sample);
    }
    // A document may appear in several held-back batches: the index's upsert keeps the last one.
    const { inserted, updated } = await this.index.upsert(docs);
    return { documents: docs.length, inserted, updated, vectors };
  }

  private idf(term: string): number {
    return idf(this.index.documentFrequency(term), this.index.counts().documents);
  }

  /** Encodes text records with the encoder and takes precomputed ones as given (normalised rows). */
  async encodeRecords(records: readonly DocumentRecord[]): Promise<MultiVector[]> {
    const dim = this.index.dim;
    const out = new Array<MultiVector>(records.length);
    const textSlots: number[] = [];
    const texts: string[] = [];
    records.forEach((record, i) => {
      if (record.embeddings) {
        out[i] = precomputedVectors(record, dim);
      } else {
        textSlots.push(i);
        texts.push(documentText(record));
      }
    });
    if (texts.length > 0) {
      const vectors = await this.encoder.encodeDocuments(texts);
      textSlots.forEach((slot, j) => {
        out[slot] = vectors[j]!;
      });
    }
    return out;
  }
}

function precomputedVectors(record: DocumentRecord, dim: number): MultiVector {
  const data = record.embeddings!;
  const count = record.embeddingCount ?? data.length / dim;
  if (data.length !== count * dim) {
    throw new InputError(
      `document "${record.id}": embeddings have ${data.length / count} dimensions, the index has ${dim}`,
      record.source,
      'embeddings',
    );
  }
  return multiVector(normalizeRows(Float32Array.from(data), dim), dim, record.grid ? { grid: record.grid } : {});
}

/** Within one batch the last record for an id wins, as if the records were upserted one after another. */
function lastRecordPerId(records: readonly DocumentRecord[]): DocumentRecord[] {
  const byId = new Map<string, DocumentRecord>();
  for (const record of records) {
    byId.delete(record.id);
    byId.set(record.id, record);
  }
  return [...byId.values()];
}

/** What a record gives the sparse postings: BM25 terms of its text, or its learned weights, per the index's mode. */
export function sparseOf(record: Pick<DocumentRecord, 'title' | 'text' | 'sparse'>, mode: SparseIndexMode): { sparse?: SparseInput } {
  if (mode === 'bm25') {
    if (!record.title && !record.text) return {};
    // A pathological "word" longer than an LMDB key cannot be a term; such words are not searchable anyway.
    const terms = analyze(documentText(record)).filter((t) => t.length <= MAX_KEY_BYTES / 4 || Buffer.byteLength(t) <= MAX_KEY_BYTES);
    return { sparse: { terms } };
  }
  return mode === 'learned' && record.sparse ? { sparse: { weights: record.sparse } } : {};
}
