/** A sparse retrieval hit. Lists are sorted by score descending, equal scores by internal id ascending. */
export interface SparseHit {
  readonly internalId: number;
  readonly score: number;
}

/** Work counters a caller may pass in to see what a query cost. */
export interface SparseTrace {
  /** Blocks with a positive upper bound. */
  candidateBlocks: number;
  /** Blocks whose postings were scored. */
  blocksScored: number;
  /** Postings added into accumulators. */
  postingsScored: number;
  /** Query terms evaluated after query term pruning. */
  termsKept: number;
}

export interface ExhaustiveOptions {
  readonly k: number;
  /** Documents for which this returns false are never returned. */
  readonly filter?: (internalId: number) => boolean;
  readonly trace?: SparseTrace;
}

export interface BlockMaxPruningOptions extends ExhaustiveOptions {
  /** Stop when the k-th score exceeds alpha x the next block's bound; 1 (default) is safe. */
  readonly alpha?: number;
  /** Keep the top beta share of query terms by weight; 1 (default) keeps all. */
  readonly beta?: number;
}

export function newSparseTrace(): SparseTrace {
  return { candidateBlocks: 0, blocksScored: 0, postingsScored: 0, termsKept: 0 };
}
