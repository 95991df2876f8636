import type { EncoderIdentity } from '../encode/encoder.js';
import type { MultiVector } from '../shared/index.js';

export type QuantizationName = 'float32' | 'float16' | 'int8';

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
}

/** A document ready to store: its record fields plus the (already reduced) vectors. */
export interface IndexedDocument {
  readonly id: string;
  readonly title?: string;
  readonly text?: string;
  readonly metadata?: Record<string, unknown>;
  readonly vectors: MultiVector;
  /** Distinct encoder tokens of the unreduced document; the index keeps their document frequencies (IDF). */
  readonly terms?: readonly string[];
  /**
   * Vector count after each reduction step, starting with the encoder's output count
   * (`[encoded, afterStep1, ...]`); the index sums them for `stats`.
   */
  readonly stepCounts?: readonly number[];
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
