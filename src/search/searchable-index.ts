import type { HnswHit, IndexCounts, StoredDocument } from '../index/types.js';
import type { MultiVector } from '../shared/index.js';
import type { CentroidIndexReader } from './contextual/centroid-candidates.js';

/**
 * The part of an index that late-interaction search reads. `LateIndex` satisfies it structurally;
 * tests use in-memory fakes.
 */
export interface SearchableIndex {
  readonly dim: number;
  counts(): IndexCounts;
  /** Live documents containing `term` (for query IDF weights). */
  documentFrequency(term: string): number;
  getDocument(internalId: number): StoredDocument | undefined;
  /** Decoded float32 vectors of a live document; fills and returns a view of `out` when it is large enough. */
  readVectors(internalId: number, out?: Float32Array): MultiVector | undefined;
  liveInternalIds(): Iterable<number>;
  /** Storage codec name (e.g. `float16`); with `readVectorBytes`, lets MaxSim decode stored rows itself. */
  readonly quantization?: string;
  /** A live document's rows as stored by its codec (a transient view: consume before the next read). */
  readVectorBytes?(internalId: number): { readonly bytes: Uint8Array; readonly count: number } | undefined;
  /**
   * Candidate documents for one query token vector: owners of its nearest stored vectors, each document once with
   * its best similarity, best first, until `maxDocuments` documents are collected (approximate, HNSW).
   */
  searchHnswDocuments(query: Float32Array, maxDocuments: number, ef?: number): HnswHit[];
  /** Present for the PLAID layout (trained): candidates come from the inverted file, query by query. */
  readonly centroids?: CentroidIndexReader;
  /** Present when the index keeps exact-match recovery data: the searcher floors exact token matches. */
  readonly exactTokens?: ExactTokenMatcher;
}

/** Which tokens a document's stored rows stand for (see `ExactTokenStore` in the index module). */
export interface ExactTokenMatcher {
  /** The id of `token`, undefined when no document was stored with it. */
  tokenId(token: string): number | undefined;
  /** Sets `present[i]` to 1 when the document holds token `tokenIds[i]` (-1 never matches); false if it has no list. */
  match(internalId: number, tokenIds: Int32Array, present: Uint8Array): boolean;
}
