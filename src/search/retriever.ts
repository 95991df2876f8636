import type { Encoder } from '../encode/encoder.js';
import type { SparseStore } from '../index/sparse/index.js';
import { UsageError, type MultiVector } from '../shared/index.js';
import { fuse, type FusionOptions } from './fusion.js';
import { LateInteractionSearcher } from './late-interaction-searcher.js';
import { resolveSearchMode, searchDefaults, type SearchDefaults, type SearchDefaultsSource } from './search-defaults.js';
import type { SearchableIndex } from './searchable-index.js';
import type { SearchHit, SearchOptions } from './search-types.js';
import { rankWithTieBreak, sparseTieBreaker } from './tie-break.js';
import { blockMaxPruning, exhaustiveTermAtATime, prepareSparseQuery, type PreparedSparseQuery } from './sparse/index.js';

export type SearchMode = 'late' | 'sparse' | 'hybrid';
export const SEARCH_MODES: readonly SearchMode[] = ['late', 'sparse', 'hybrid'];

/** What the retriever needs of an encoder: query encoding and how query rows are weighted. */
export type QueryEncoder = Pick<Encoder, 'queryWeighting' | 'encodeQueries'>;

/**
 * An index the retriever can query: late interaction always, the sparse path when the index keeps postings. Its
 * manifest decides the search defaults (`searchDefaults`).
 */
export interface RetrievableIndex extends SearchableIndex, SearchDefaultsSource {
  readonly sparse?: SparseStore | undefined;
}

export interface RetrieveOptions extends SearchOptions {
  /**
   * `late` (HNSW candidates + MaxSim), `sparse` (Block-Max Pruning only) or `hybrid` (both, fused); default: the
   * index's (`resolveSearchMode`: hybrid for the embedded encoder with BM25 postings, else late).
   */
  readonly mode?: SearchMode;
  /** Hybrid fusion; unset fields take the index's defaults (`searchDefaults`). */
  readonly fusion?: Partial<FusionOptions>;
  /** Sparse hits that join the late candidates in hybrid mode (default max(k, the index's default, 500)). */
  readonly sparseDepth?: number;
  /** Block-Max Pruning: stop when the k-th score beats alpha x the next block bound (1 = safe). */
  readonly alpha?: number;
  /** Block-Max Pruning: keep the top beta share of query terms by weight (1 = all). */
  readonly beta?: number;
}

/** A query given as text, as precomputed vectors, and/or as sparse term weights (learned-sparse queries). */
export interface RetrievalQuery {
  readonly text?: string;
  readonly vectors?: MultiVector;
  readonly sparse?: Readonly<Record<string, number>>;
}

export interface RetrievedHit extends SearchHit {
  /** Hybrid mode: the exact late (MaxSim) and sparse scores that were fused. */
  readonly components?: { readonly late: number; readonly sparse: number };
}

/**
 * Query in, ranked documents out: the one query path that the CLI, eval, sweeps and the REST server share.
 * Not re-entrant (the searcher reuses a decode buffer): use one Retriever per concurrent query stream.
 */
export class Retriever {
  private readonly searcher: LateInteractionSearcher;
  /** The index's default mode and fusion settings (its manifest never changes them). */
  readonly defaults: SearchDefaults;

  constructor(
    readonly index: RetrievableIndex,
    readonly encoder: QueryEncoder,
  ) {
    this.searcher = new LateInteractionSearcher(index, { queryWeighting: encoder.queryWeighting });
    this.defaults = searchDefaults(index);
  }

  /** The mode `retrieve` runs `query` in with `requested` (undefined: the index's default, see `resolveSearchMode`). */
  modeFor(query: RetrievalQuery, requested?: SearchMode): SearchMode {
    return resolveSearchMode(this.index, requested, query);
  }

  async search(text: string, options: RetrieveOptions): Promise<RetrievedHit[]> {
    return this.retrieve({ text }, options);
  }

  async retrieve(query: RetrievalQuery, options: RetrieveOptions): Promise<RetrievedHit[]> {
    const mode = this.modeFor(query, options.mode);
    if (!SEARCH_MODES.includes(mode)) {
      throw new UsageError(`unknown search mode "${String(mode)}" (valid: ${SEARCH_MODES.join(', ')})`, 'invalid_mode');
    }
    if (mode === 'late') {
      const tieBreak = this.index.sparse && sparseTieBreaker(this.index.sparse, query.sparse ?? query.text);
      return this.searcher.search(await this.denseQuery(query), { ...options, ...(tieBreak && { tieBreak }) });
    }
    const sparseQuery = this.sparseQuery(query);
    if (mode === 'sparse') return this.sparseSearch(sparseQuery, options);
    return this.hybridSearch(await this.denseQuery(query), sparseQuery, options);
  }

  private async denseQuery(query: RetrievalQuery): Promise<MultiVector> {
    if (query.vectors) return query.vectors;
    if (query.text === undefined) throw new UsageError('late-interaction search needs query text or query vectors', 'missing_query');
    const [encoded] = await this.encoder.encodeQueries([query.text]);
    return encoded!;
  }

  private sparseStore(): SparseStore {
    const store = this.index.sparse;
    if (!store) throw new UsageError('this index keeps no sparse postings (built with --sparse none)', 'sparse_unavailable');
    return store;
  }

  private sparseQuery(query: RetrievalQuery): PreparedSparseQuery {
    const input = query.sparse ?? query.text;
    if (input === undefined) throw new UsageError('sparse search needs query text or sparse term weights', 'missing_query');
    return prepareSparseQuery(this.sparseStore(), input);
  }

  private sparseSearch(query: PreparedSparseQuery, options: RetrieveOptions): RetrievedHit[] {
    const hits = blockMaxPruning(this.sparseStore(), query, {
      k: options.k,
      alpha: options.alpha ?? 1,
      beta: options.beta ?? 1,
      ...(options.filter && { filter: options.filter }),
    });
    const out: RetrievedHit[] = [];
    for (const hit of hits) {
      const doc = this.index.getDocument(hit.internalId);
      if (doc) out.push({ id: doc.id, internalId: hit.internalId, score: hit.score, rank: out.length + 1 });
    }
    return out;
  }

  /**
   * Sparse top-`sparseDepth` joins the HNSW candidates; every document of the union gets its exact MaxSim and its
   * exact sparse score (zero when it shares no term with the query), and the two are fused.
   */
  private hybridSearch(dense: MultiVector, sparse: PreparedSparseQuery, options: RetrieveOptions): RetrievedHit[] {
    const store = this.sparseStore();
    const depth = options.sparseDepth ?? Math.max(options.k, this.defaults.sparseDepth);
    const sparseTop = blockMaxPruning(store, sparse, {
      k: depth,
      alpha: options.alpha ?? 1,
      beta: options.beta ?? 1,
      ...(options.filter && { filter: options.filter }),
    });
    const lateHits = this.searcher.search(dense, {
      ...options,
      k: Number.MAX_SAFE_INTEGER,
      extraCandidates: sparseTop.map((h) => h.internalId),
    });
    if (lateHits.length === 0) return [];

    const position = new Map<number, number>();
    lateHits.forEach((hit, i) => position.set(hit.internalId, i));
    const lateScores = Float64Array.from(lateHits, (h) => h.score);
    const sparseScores = new Float64Array(lateHits.length);
    const exact = exhaustiveTermAtATime(store, sparse, { k: lateHits.length, filter: (id) => position.has(id) });
    for (const hit of exact) sparseScores[position.get(hit.internalId)!] = hit.score;

    const fused = fuse(lateScores, sparseScores, { ...this.defaults.fusion, ...options.fusion });
    // Fused ties go by the sparse component, as late-mode ties go by the sparse score (tie-break.ts).
    const ranked = rankWithTieBreak(
      lateHits.map((hit, i) => ({ internalId: hit.internalId, score: fused[i]! })),
      options.k,
      (ids) => new Map(ids.map((id) => [id, sparseScores[position.get(id)!]!])),
      (a, b) => {
        const ia = lateHits[position.get(a)!]!.id;
        const ib = lateHits[position.get(b)!]!.id;
        return ia < ib ? -1 : ia > ib ? 1 : a - b;
      },
    );
    return ranked.map(({ internalId, score }, rank) => {
      const i = position.get(internalId)!;
      return { id: lateHits[i]!.id, internalId, score, rank: rank + 1, components: { late: lateScores[i]!, sparse: sparseScores[i]! } };
    });
  }
}
