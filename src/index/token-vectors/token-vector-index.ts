import type { StoreState } from '../store/store-records.js';
import type { HnswHit } from '../types.js';
import type { CentroidVectorInspection } from './centroids/centroid-vector-index.js';
import type { DistinctVectorInspection } from './distinct/distinct-vector-index.js';

/** A document's rows as the batch stores them: the codec's payload, and the rows decoded from it on demand. */
export interface StoredRows {
  readonly count: number;
  readonly payload: Uint8Array;
  /** `count` rows of the index's dim, exactly what is stored and searched (decoded once, when first asked). */
  decoded(): Float32Array;
}

/** What `LateIndex.inspect()` shows of the token-vector index, by layout. */
export type TokenVectorInspection = DistinctVectorInspection | CentroidVectorInspection;

/**
 * How an index lays out its documents' token vectors for candidate search, and how it finds candidate documents
 * for a query vector: the one component behind which candidate engines differ. The write batch drives it per
 * document inside the write transaction (rows stored for an internal id, an internal id removed); the index
 * syncs it at open, after its own commits and after other processes' commits, saves it on flush, verifies it and
 * inspects it; the searcher asks it for candidates. It owns its databases in the index's LMDB environment and
 * whatever it derives from them (files beside the store, memory).
 *
 * Two implementations: `DistinctVectorIndex` (one HNSW element per distinct stored vector, owner lists per
 * vector), right for static encoders whose words repeat one vector in every document; and `CentroidVectorIndex`
 * (PLAID: the codec's codebook, an inverted file centroid -> documents), for contextual encoders whose every
 * row is distinct. The document table, write batch and sparse store do not differ between them.
 */
export interface TokenVectorIndex {
  /** The layout's name, for inspection and messages. */
  readonly kind: TokenVectorInspection['kind'];

  /** Inside a write transaction: starts gathering one batch's changes on top of the bookkeeping `next`. */
  beginChange(next: StoreState): TokenVectorChange;

  /**
   * Candidate documents for one query vector: each document once, with the similarity of its best-matching
   * stored vector, best first, until `maxDocuments` documents are collected (approximate). `effort` trades
   * recall for time (HNSW: the beam width ef).
   */
  candidateDocuments(query: Float32Array, maxDocuments: number, effort?: number): HnswHit[];

  /**
   * At open: loads or rebuilds what is derived (e.g. a graph file) so that it reflects `state`. True when it had to
   * rebuild (nothing usable was saved): saving it then spares the next open the rebuild.
   */
  attach(state: StoreState): Promise<boolean>;
  /** After other processes committed between `from` and `target`: follows their changes. */
  catchUp(from: StoreState, target: StoreState): void;
  /** Rebuilds what is derived from the stored vectors alone (reclaims space); returns the tombstones dropped. */
  rebuild(state: StoreState): number;
  /** Writes what is derived (beside the store) when it changed since the last save; true when it wrote. */
  save(state: StoreState): Promise<boolean>;
  /**
   * Inside a transaction, once a save reflects `sequence`: drops catch-up log entries up to it (the bookkeeping's
   * `retiredLogFrom` then records where the log starts).
   */
  pruneLog(sequence: number): void;

  /** A verifier that is shown every stored document once, then checks what spans documents. */
  verifier(state: StoreState): TokenVectorVerifier;

  /** Read-only views for diagnostics, `stats` and tests. */
  inspect(): TokenVectorInspection;
}

/** One write batch's changes to a token-vector index, applied inside the batch's transaction. */
export interface TokenVectorChange {
  /** Rows stored for `internalId`. */
  addDocument(internalId: number, stored: StoredRows): void;
  /**
   * `internalId`'s rows are gone (deleted, or replaced by a following `addDocument`); called before the batch
   * overwrites its stored payload, so the old one can still be read.
   */
  removeDocument(internalId: number): void;
  /**
   * Writes what the batch gathered and its log entry for `next.sequence` (already incremented), updating the
   * bookkeeping in `next`; returns what to apply in memory once the transaction has committed.
   */
  commit(next: StoreState): () => void;
}

export interface TokenVectorVerifier {
  /**
   * One stored document with `count` rows; `rows()` decodes them (only when a check needs them). Called only for
   * documents whose stored payload has the size its count implies.
   */
  document(internalId: number, name: string, count: number, rows: () => Float32Array, note: (problem: string) => void): void;
  /**
   * After every document: checks across documents and of what is derived. `isDocument` says whether an id is
   * stored; `warn` hears what is not wrong but costs every open (e.g. a derived file that must be rebuilt).
   */
  finish(note: (problem: string) => void, isDocument: (internalId: number) => boolean, warn: (warning: string) => void): void;
}
