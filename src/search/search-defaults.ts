import type { EncoderIdentity } from '../encode/encoder.js';
import type { SparseIndexMode } from '../index/types.js';
import type { FusionOptions } from './fusion.js';
import type { SearchMode } from './retriever.js';

/** What an index's search defaults depend on: its encoder's kind and the sparse postings it keeps (its manifest). */
export interface SearchDefaultsSource {
  readonly manifest: {
    readonly encoder: Pick<EncoderIdentity, 'kind'>;
    /** Absent in manifests written before sparse postings existed: none. */
    readonly sparse?: { readonly mode: SparseIndexMode };
  };
}

/** How an index is searched when a request does not say. */
export interface SearchDefaults {
  readonly mode: SearchMode;
  /** Hybrid fusion for this encoder kind (whether or not hybrid is the default mode). */
  readonly fusion: FusionOptions;
  /** Hybrid: sparse hits that join the late candidates (at least k). */
  readonly sparseDepth: number;
  /** How the fusion settings were chosen. */
  readonly fusionChosen: string;
}

/**
 * Context-free encoders (the embedded static one): z-score fusion, late weight 0.25, sparse depth 500 had the best
 * nDCG@10 of the fusion x weight x depth grid on SciFact's *train* split (bench/tune-fusion.ts; 0.7007 against BM25's
 * 0.6962), and hybrid is the default: its MaxSim alone is below BM25 on every test collection, the fusion is not.
 */
const CONTEXT_FREE: Omit<SearchDefaults, 'mode'> = {
  fusion: { method: 'zscore', lateWeight: 0.25, rrfK: 60 },
  sparseDepth: 500,
  fusionChosen: 'best nDCG@10 on SciFact train (bench/tune-fusion.ts)',
};

/**
 * Contextual encoders (ONNX ColBERT models) and precomputed vectors: late interaction is the default (such models
 * score above BM25 where published: ColBERTv2 0.693, answerai-colbert-small 0.748 against 0.679 on SciFact). No
 * contextual model runs offline here, so their hybrid weights are not tuned: equal weights of the standardised scores.
 */
const CONTEXTUAL: Omit<SearchDefaults, 'mode'> = {
  fusion: { method: 'zscore', lateWeight: 0.5, rrfK: 60 },
  sparseDepth: 500,
  fusionChosen: 'not tuned (no contextual model available offline): equal weights',
};

/**
 * The one place that decides an index's search defaults: hybrid when the encoder is context-free (kind `static`)
 * and the index keeps BM25 postings, late interaction otherwise (contextual or precomputed encoders, or no BM25
 * postings to fuse with).
 */
export function searchDefaults(index: SearchDefaultsSource): SearchDefaults {
  const { encoder, sparse } = index.manifest;
  const contextFree = encoder.kind === 'static';
  const settings = contextFree ? CONTEXT_FREE : CONTEXTUAL;
  return { mode: contextFree && sparse?.mode === 'bm25' ? 'hybrid' : 'late', ...settings };
}

export function defaultSearchMode(index: SearchDefaultsSource): SearchMode {
  return searchDefaults(index).mode;
}

/** The sides a query gives: text (both sides can use it), precomputed vectors, sparse term weights. */
export interface QuerySides {
  readonly text?: string | undefined;
  readonly vectors?: unknown;
  readonly sparse?: unknown;
}

/**
 * The mode a search runs in: the one requested, else the index's default restricted to what the query can feed. A
 * query with no text and no vectors runs sparse; one with sparse term weights and a dense side runs hybrid (the
 * caller gave both); one that cannot feed the sparse side (vectors only, or text against an index without BM25
 * postings) runs late.
 */
export function resolveSearchMode(index: SearchDefaultsSource, requested: SearchMode | undefined, query: QuerySides): SearchMode {
  if (requested !== undefined) return requested;
  const dense = query.text !== undefined || query.vectors !== undefined;
  if (!dense) return 'sparse';
  if (query.sparse !== undefined) return 'hybrid';
  const textSparse = query.text !== undefined && index.manifest.sparse?.mode === 'bm25';
  return textSparse ? defaultSearchMode(index) : 'late';
}
