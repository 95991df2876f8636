import type { TieBreaker } from './tie-break.js';

export interface SearchOptions {
  /** Number of hits to return. */
  readonly k: number;
  /** Exact MaxSim over every live document (the reference); otherwise HNSW candidates are re-ranked. */
  readonly exhaustive?: boolean;
  /** Candidate documents gathered per query row (k') from the nearest stored vectors; together they form the candidate set. */
  readonly candidatesPerToken?: number;
  /**
   * Candidate mode: exact MaxSim only for this many candidates, those with the best approximate scores from
   * the HNSW similarities (default: every candidate).
   */
  readonly rerankDepth?: number;
  /** Candidate mode: more documents to score besides the HNSW ones, e.g. the sparse top-k (DESIGN.md). */
  readonly extraCandidates?: Iterable<number>;
  /**
   * Candidate mode: the HNSW candidates gathered beforehand (`LateInteractionSearcher.candidateIds`, e.g. on the
   * thread that owns the graph), used instead of searching the graph; `extraCandidates` still join them.
   */
  readonly candidateIds?: readonly number[];
  /** HNSW search beam width; the index raises it to at least `candidatesPerToken`. */
  readonly ef?: number;
  /**
   * PLAID knobs for an index with the centroid layout (defaults `DEFAULT_CENTROID_SEARCH`): cells explored and
   * lists opened per query row (`nprobe`), documents ranked by centroid interaction (`candidates`); the documents
   * decompressed for exact MaxSim are `rerankDepth` (default `DEFAULT_CENTROID_SEARCH.rerank`).
   */
  readonly plaid?: PlaidKnobs;
  /** Keeps only documents for which it returns true (applied before scoring). */
  readonly filter?: (internalId: number) => boolean;
  /** Secondary scores for documents tied at the same MaxSim (see tie-break.ts); without it ties go by external id. */
  readonly tieBreak?: TieBreaker;
}

export interface SearchHit {
  readonly id: string;
  readonly internalId: number;
  readonly score: number;
  /** 1-based position in the result list. */
  readonly rank: number;
}

/** What a search did, for logs, benches and eval reports. */
export interface SearchStats {
  /** Documents whose MaxSim was computed. */
  readonly scoredDocuments: number;
  readonly mode: 'exhaustive' | 'candidates';
}

export const DEFAULT_CANDIDATES_PER_TOKEN = 64;

export interface PlaidKnobs {
  readonly cells?: number;
  readonly nprobe?: number;
  readonly candidates?: number;
}
