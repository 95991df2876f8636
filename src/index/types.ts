import type { EncoderIdentity } from '../encode/encoder.js';
import type { MultiVector } from '../shared/index.js';

import type { CodecName } from './codecs/registry.js';
import type { SparseInput } from './sparse/sparse-input.js';

/** The codec an index stores its vectors with (see codecs/registry.ts). */
export type QuantizationName = CodecName;

/** Which sparse postings an index keeps beside its vectors: BM25 over the text, learned weights, or none. */
export type SparseIndexMode = 'bm25' | 'learned' | 'none';

/** The sparse store's fixed configuration as recorded in the manifest (`mode: 'none'` carries nothing else). */
export interface SparseSettings {
  readonly mode: SparseIndexMode;
  /** Documents per posting block (1..256). */
  readonly blockSize?: number;
  readonly k1?: number;
  readonly b?: number;
  /** Learned mode: stored impact = min(255, round(weight x learnedScale)). */
  readonly learnedScale?: number;
}

export interface HnswParams {
  /** Graph degree (hnswlib M). */
  readonly m: number;
  readonly efConstruction: number;
  /** Search-time beam width; raised to at least k per query. */
  readonly efSearch: number;
  readonly seed: number;
}

/** Written to `manifest.json`; LMDB stays the source of truth for counts. */
export interface Manifest {
  readonly format: 'lateindex';
  readonly formatVersion: number;
  readonly encoder: EncoderIdentity;
  /** Where the encoder's model was loaded from at build time: a hint for reopening; `encoder` is what is checked. */
  readonly encoderSource?: string;
  /** Reduction pipeline spec, `none` when vectors are stored as encoded. */
  readonly reduction: string;
  readonly quantization: QuantizationName;
  readonly hnsw: HnswParams;
  /** Absent in manifests written before sparse postings existed: read as `{ mode: 'none' }`. */
  readonly sparse?: SparseSettings;
  /** Each document keeps the tokens its rows stand for, and MaxSim floors exact token matches (absent: off). */
  readonly exactMatchRecovery?: boolean;
  readonly counts: IndexCounts;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface IndexCounts {
  readonly documents: number;
  /** Stored token vectors (after reduction). */
  readonly vectors: number;
  /** Bytes of stored vector payloads. */
  readonly vectorBytes: number;
  /** Bytes of exact-match recovery token lists (present when the index keeps them). */
  readonly exactTokenBytes?: number;
}

/**
 * A document as the ingest pipeline (ingest/) prepares it and the index stores it: the record's fields, its
 * reduced vectors and its word-level data. The index checks it and stores it; it analyses nothing itself.
 */
export interface PreparedDocument {
  readonly id: string;
  readonly title?: string;
  readonly text?: string;
  readonly metadata?: Record<string, unknown>;
  readonly vectors: MultiVector;
  /** Distinct encoder tokens of the unreduced document; the index keeps their document frequencies (IDF). */
  readonly terms?: readonly string[];
  /** Distinct tokens the reduced rows stand for; stored when the index keeps exact-match recovery data. */
  readonly exactTokens?: readonly string[];
  /**
   * Vector count after each reduction step, starting with the encoder's output count
   * (`[encoded, afterStep1, ...]`); the index sums them for `stats`.
   */
  readonly stepCounts?: readonly number[];
  /**
   * What the sparse postings index: the BM25 terms of the document text (a `bm25` index: present exactly when the
   * document has a title or text) or its learned-sparse weights (a `learned` index; optional).
   */
  readonly sparse?: SparseInput;
}

export interface StoredDocument {
  readonly internalId: number;
  readonly id: string;
  readonly title?: string;
  readonly text?: string;
  readonly metadata?: Record<string, unknown>;
}

export interface HnswHit {
  readonly internalId: number;
  readonly similarity: number;
}
