/** How document impacts are obtained: BM25 over analyzed terms, or learned-sparse weights given per document. */
export type SparseMode = 'bm25' | 'learned';

/** BM25 parameters; Anserini's defaults are k1 = 0.9, b = 0.4. */
export interface Bm25Params {
  readonly k1: number;
  readonly b: number;
}

/** A document for the BM25 path: analyzed terms with repeats (see `analyze`). */
export interface SparseTermsDocument {
  readonly internalId: number;
  readonly terms: readonly string[];
}

/** A document for the learned-sparse path: non-negative term weights, terms used exactly as given. */
export interface SparseWeightsDocument {
  readonly internalId: number;
  readonly weights: Readonly<Record<string, number>>;
}

export type SparseDocument = SparseTermsDocument | SparseWeightsDocument;

/** Store configuration fixed when the store is first written; persisted in the store's `stats`. */
export interface SparseConfig {
  readonly mode: SparseMode;
  /** Documents per block (internal id / blockSize); 1..256 so a block offset fits one byte. */
  readonly blockSize: number;
  readonly bm25: Bm25Params;
  /**
   * Average document length used in every BM25 impact. Fixed for the life of the store (set explicitly or
   * from the first written batch) so stored impacts never go stale when the corpus changes.
   */
  readonly avgdl?: number;
  /** Learned path: stored impact = min(255, round(weight x learnedScale)). */
  readonly learnedScale: number;
}

/** Persisted bookkeeping of a sparse store. */
export interface SparseStats {
  readonly formatVersion: number;
  readonly mode: SparseMode;
  readonly blockSize: number;
  readonly k1: number;
  readonly b: number;
  /** Frozen average document length; 0 until the first BM25 batch is written. */
  readonly avgdl: number;
  readonly learnedScale: number;
  /** Live documents (N of the IDF). */
  readonly documents: number;
  /** Sum of live documents' lengths (analyzed terms). */
  readonly totalLength: number;
  /** Next term id to assign; term ids are never reused. */
  readonly nextTermId: number;
  /** 1 + the largest internal id ever written (0 when empty). */
  readonly idLimit: number;
  /**
   * Set by `SparseStore.reorder`: postings are keyed by slot (a document's position after reordering), not by
   * internal id, through the store's slot maps. Absent/false: slot = internal id.
   */
  readonly permuted?: boolean;
  /** With `permuted`: 1 + the largest slot ever assigned; later documents take the next slots. */
  readonly slotLimit?: number;
}

/** A term's dictionary entry with its per-block impact maxima (blocks ascending). */
export interface TermBlocks {
  readonly termId: number;
  /** Live documents containing the term. */
  readonly df: number;
  readonly blocks: Uint32Array;
  /** maxima[i] is an upper bound of the impacts in blocks[i] (exact after writes and `compact`). */
  readonly maxima: Uint8Array;
}
