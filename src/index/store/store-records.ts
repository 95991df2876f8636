/** Bookkeeping record (LMDB `meta` database, key `state`); changes only inside write transactions. */
export interface StoreState {
  nextInternalId: number;
  /** Next label for a new distinct vector; labels are never reused (hnswlib labels are uint32). */
  nextLabel: number;
  sequence: number;
  documents: number;
  vectors: number;
  vectorBytes: number;
  /** Live distinct vectors (labels with at least one owner) = live HNSW elements. */
  labels: number;
  stepCounts: number[];
  updatedAt: string;
  /**
   * The token-vector index's catch-up log (for distinct vectors: `retired`, the labels each transaction retired)
   * holds every change after this sequence; older entries are pruned once a saved graph reflects them.
   */
  retiredLogFrom: number;
  /** The `changedDocs` log holds every document changed after this sequence; absent before an index kept it. */
  changeLogFrom?: number;
  /** Bytes of exact-match recovery token lists (absent: none stored). */
  exactTokenBytes?: number;
}

/** The `docs` database value. Terms and step counts are kept so updates and deletes can undo their bookkeeping. */
export interface DocRecord {
  id: string;
  title?: string;
  text?: string;
  metadata?: Record<string, unknown>;
  terms?: string[];
  stepCounts?: number[];
  vectorCount: number;
}
