import type { Encoder } from '../encode/encoder.js';
import { LateIndexError, UsageError, type MultiVector } from '../shared/index.js';
import { weightQuery } from './idf-weights.js';
import { maxSimKernel } from './maxsim.js';
import type { SearchableIndex } from './searchable-index.js';
import { DEFAULT_CANDIDATES_PER_TOKEN, type SearchHit, type SearchOptions, type SearchStats } from './search-types.js';
import { TopK } from './top-k.js';

export interface SearcherOptions {
  /** How query rows are weighted when the query carries no weights of its own (default `uniform`). */
  readonly queryWeighting?: Encoder['queryWeighting'];
}

/**
 * Late-interaction (MaxSim) search over a `SearchableIndex`.
 * Results are sorted by score descending, ties broken by external id ascending (code-unit order).
 * Candidate mode scores the union of documents owning the top-k' HNSW neighbours of each query row, so it
 * can miss documents exhaustive mode finds; with a `filter`, it may return fewer than k hits.
 * Not re-entrant: one instance reuses a single decode buffer, so run concurrent searches on separate instances.
 */
export class LateInteractionSearcher {
  private decodeBuffer = new Float32Array(0);
  private readonly queryWeighting: Encoder['queryWeighting'];
  private lastStats: SearchStats = { scoredDocuments: 0, mode: 'exhaustive' };

  constructor(
    private readonly index: SearchableIndex,
    options: SearcherOptions = {},
  ) {
    this.queryWeighting = options.queryWeighting ?? 'uniform';
  }

  /** Statistics of the most recent `search` call. */
  get stats(): SearchStats {
    return this.lastStats;
  }

  search(query: MultiVector, options: SearchOptions): SearchHit[] {
    const k = options.k;
    if (!Number.isInteger(k) || k < 0) throw new UsageError(`k must be a non-negative integer, got ${k}`, 'invalid_k');
    if (query.dim !== this.index.dim) {
      throw new LateIndexError(
        'dimension_mismatch',
        `query vectors have dim ${query.dim} but the index stores dim ${this.index.dim}`,
      );
    }
    const weighted = query.weights === undefined ? weightQuery(query, this.queryWeighting, this.index) : query;
    if (k === 0 || weighted.count === 0) {
      this.lastStats = { scoredDocuments: 0, mode: options.exhaustive ? 'exhaustive' : 'candidates' };
      return [];
    }

    // External ids are fetched only for score ties and final hits; null marks a document deleted meanwhile.
    const externalIds = new Map<number, string | null>();
    const externalId = (internalId: number): string | null => {
      let id = externalIds.get(internalId);
      if (id === undefined) {
        id = this.index.getDocument(internalId)?.id ?? null;
        externalIds.set(internalId, id);
      }
      return id;
    };
    const compareTies = (a: number, b: number): number => {
      const ia = externalId(a) ?? '';
      const ib = externalId(b) ?? '';
      return ia < ib ? -1 : ia > ib ? 1 : a - b;
    };
    const top = new TopK(k, compareTies);

    const candidates = options.exhaustive ? this.index.liveInternalIds() : this.candidates(weighted, options);
    const filter = options.filter;
    let scored = 0;
    for (const internalId of candidates) {
      if (filter !== undefined && !filter(internalId)) continue;
      const score = this.score(weighted, internalId);
      if (score === undefined) continue;
      scored++;
      top.push(score, internalId);
    }
    this.lastStats = { scoredDocuments: scored, mode: options.exhaustive ? 'exhaustive' : 'candidates' };

    const hits: SearchHit[] = [];
    for (const { internalId, score } of top.drain()) {
      const id = externalId(internalId);
      if (id === null) continue;
      hits.push({ id, internalId, score, rank: hits.length + 1 });
    }
    return hits;
  }

  /** Union of the documents owning each query row's nearest stored token vectors. */
  private candidates(query: MultiVector, options: SearchOptions): Set<number> {
    const perToken = options.candidatesPerToken ?? DEFAULT_CANDIDATES_PER_TOKEN;
    if (!Number.isInteger(perToken) || perToken < 1) {
      throw new UsageError(`candidatesPerToken must be a positive integer, got ${perToken}`, 'invalid_candidates');
    }
    const found = new Set<number>();
    const { dim, data, weights } = query;
    for (let i = 0; i < query.count; i++) {
      if (weights !== undefined && weights[i] === 0) continue;
      const row = data.subarray(i * dim, (i + 1) * dim);
      for (const hit of this.index.searchHnsw(row, perToken, options.ef)) found.add(hit.internalId);
    }
    return found;
  }

  /** Exact MaxSim of one stored document, decoded into the shared buffer; undefined if it is gone. */
  private score(query: MultiVector, internalId: number): number | undefined {
    const doc = this.index.readVectors(internalId, this.decodeBuffer);
    if (doc === undefined) return undefined;
    if (doc.data.buffer !== this.decodeBuffer.buffer && doc.data.length > this.decodeBuffer.length) {
      // The document did not fit: grow so the next ones of this size decode in place.
      this.decodeBuffer = new Float32Array(Math.max(doc.data.length, this.decodeBuffer.length * 2));
    }
    return maxSimKernel(query.data, query.count, doc.data, doc.count, query.dim, query.weights);
  }
}
