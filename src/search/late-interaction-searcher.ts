import type { Encoder } from '../encode/encoder.js';
import { LateIndexError, UsageError, type MultiVector } from '../shared/index.js';
import { weightQuery } from './idf-weights.js';
import { maxSimExplained, type MaxSimExplanation } from './maxsim.js';
import { createMaxSimScorer, type MaxSimScorer } from './maxsim-scorer.js';
import type { ExactTokenMatcher, SearchableIndex } from './searchable-index.js';
import { CentroidCandidateGenerator, DEFAULT_CENTROID_SEARCH, type CentroidIndexReader } from './contextual/centroid-candidates.js';
import { DEFAULT_CANDIDATES_PER_TOKEN, type SearchHit, type SearchOptions, type SearchStats } from './search-types.js';
import { rankWithTieBreak, type ScoredEntry } from './tie-break.js';
import { TopK } from './top-k.js';

export interface SearcherOptions {
  /** How query rows are weighted when the query carries no weights of its own (default `uniform`). */
  readonly queryWeighting?: Encoder['queryWeighting'];
}

/**
 * Late-interaction (MaxSim) search over a `SearchableIndex`.
 * Results are sorted by score descending; exact ties by `SearchOptions.tieBreak`'s secondary score when given
 * (`rankWithTieBreak`), then by external id ascending (code-unit order).
 * Candidate mode scores the union of documents owning the top-k' HNSW neighbours of each query row (optionally
 * cut to `rerankDepth`), so it can miss documents exhaustive mode finds and, with a `filter`, return fewer than k.
 * When the index keeps exact-match lists (`SearchableIndex.exactTokens`), a query row whose token the document
 * holds scores at least its self-similarity (exact-match recovery for pooled indexes of context-free encoders).
 * `search` is synchronous and reuses one MaxSim scorer (WebAssembly SIMD when available, scores identical to the
 * scalar kernel) and its decode buffer, so one instance can serve interleaved async requests.
 */
export class LateInteractionSearcher {
  private readonly scorer: MaxSimScorer = createMaxSimScorer();
  private readonly queryWeighting: Encoder['queryWeighting'];
  private lastStats: SearchStats = { scoredDocuments: 0, mode: 'exhaustive' };
  private readonly scoreStoredFloat16: MaxSimScorer['scoreFloat16'];
  /** PLAID candidate generation, made on first use for the index's (trained) centroid layout. */
  private plaid: { reader: CentroidIndexReader; generator: CentroidCandidateGenerator } | undefined;

  constructor(
    private readonly index: SearchableIndex,
    options: SearcherOptions = {},
  ) {
    this.queryWeighting = options.queryWeighting ?? 'uniform';
    this.scoreStoredFloat16 =
      index.quantization === 'float16' && index.readVectorBytes !== undefined ? this.scorer.scoreFloat16 : undefined;
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
    const weighted = this.weighted(query);
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
    // Bounded by the live document count so a huge k does not allocate a huge heap.
    const top = new TopK(Math.min(k, this.index.counts().documents), compareTies);

    // Candidate mode applies the filter while gathering, so that filtered documents use no rerank budget.
    const given = options.candidateIds;
    const filter = options.exhaustive || given !== undefined ? options.filter : undefined;
    const candidates = options.exhaustive
      ? this.index.liveInternalIds()
      : given !== undefined
        ? new Set([...given, ...(options.extraCandidates ?? [])])
        : this.candidateIds(weighted, options);
    let scored = 0;
    this.scorer.setQuery(weighted);
    const exact = this.exactMatchQuery(weighted);
    // With a tie-breaker every score is kept: ties at the k-th score may hold documents the heap would drop by id.
    const entries: ScoredEntry[] | undefined = options.tieBreak === undefined ? undefined : [];
    for (const internalId of candidates) {
      if (filter !== undefined && !filter(internalId)) continue;
      const score = this.score(internalId, exact);
      if (score === undefined) continue;
      scored++;
      if (entries === undefined) top.push(score, internalId);
      else entries.push({ internalId, score });
    }
    this.lastStats = { scoredDocuments: scored, mode: options.exhaustive ? 'exhaustive' : 'candidates' };

    const ranked = entries === undefined ? top.drain() : rankWithTieBreak(entries, top.capacity, options.tieBreak!, compareTies);
    const hits: SearchHit[] = [];
    for (const { internalId, score } of ranked) {
      const id = externalId(internalId);
      if (id === null) continue;
      hits.push({ id, internalId, score, rank: hits.length + 1 });
    }
    return hits;
  }

  /**
   * Token-level account of one document's score: per query row, the matched stored row and its similarity,
   * with the same query weighting as `search`. Undefined when the document is not live.
   */
  explain(query: MultiVector, internalId: number): MaxSimExplanation | undefined {
    const weighted = this.weighted(query);
    const floors = this.exactMatchFloors(internalId, this.exactMatchQuery(weighted));
    const doc = this.index.readVectors(internalId);
    return doc === undefined ? undefined : maxSimExplained(weighted, doc, floors);
  }

  /** The query as `search` scores it: its own row weights when it has them, else this searcher's query weighting. */
  weighted(query: MultiVector): MultiVector {
    return query.weights === undefined ? weightQuery(query, this.queryWeighting, this.index) : query;
  }

  /**
   * Candidate documents of a query, weighted as `search` weighs it: the union of the documents owning
   * each query row's nearest stored token vectors, plus `extraCandidates`, filtered. With `rerankDepth`,
   * only that many survive, ranked by an approximate score built from the HNSW similarities alone (XTR-style
   * imputation): sum_i w_i * s_i(d), where s_i(d) is d's best similarity among row i's hits, or when d is not
   * among them, the lowest similarity row i returned (an estimate of an upper bound of what d would score).
   */
  candidateIds(query: MultiVector, options: SearchOptions): number[] {
    const perToken = options.candidatesPerToken ?? DEFAULT_CANDIDATES_PER_TOKEN;
    if (!Number.isInteger(perToken) || perToken < 1) {
      throw new UsageError(`candidatesPerToken must be a positive integer, got ${perToken}`, 'invalid_candidates');
    }
    const depth = options.rerankDepth;
    if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) {
      throw new UsageError(`rerankDepth must be a positive integer, got ${depth}`, 'invalid_rerank_depth');
    }
    const filter = options.filter;
    const centroids = this.index.centroids;
    if (centroids !== undefined) return this.plaidCandidates(centroids, query, options, depth);
    // internal id -> sum over rows that found it of w_i * (s_i(d) - floor_i); the floors are added at the end.
    const found = new Map<number, number>();
    let floorSum = 0;
    const rowBest = new Map<number, number>();
    const weighted = this.weighted(query);
    const { dim, data, weights } = weighted;
    for (let i = 0; i < weighted.count; i++) {
      const w = weights === undefined ? 1 : weights[i]!;
      if (w === 0) continue;
      const hits = this.index.searchHnswDocuments(data.subarray(i * dim, (i + 1) * dim), perToken, options.ef);
      if (hits.length === 0) continue;
      rowBest.clear();
      let floor = Infinity;
      for (const hit of hits) {
        if (hit.similarity < floor) floor = hit.similarity;
        if (filter !== undefined && !filter(hit.internalId)) continue;
        const best = rowBest.get(hit.internalId);
        if (best === undefined || hit.similarity > best) rowBest.set(hit.internalId, hit.similarity);
      }
      floorSum += w * floor;
      for (const [internalId, similarity] of rowBest) {
        found.set(internalId, (found.get(internalId) ?? 0) + w * (similarity - floor));
      }
    }
    // Candidates from elsewhere (e.g. the sparse path) join with every row imputed at its floor.
    for (const internalId of options.extraCandidates ?? []) {
      if (!found.has(internalId) && (filter === undefined || filter(internalId))) found.set(internalId, 0);
    }
    if (depth === undefined || found.size <= depth) return [...found.keys()];
    const approximate = new TopK(depth, (a, b) => a - b);
    for (const [internalId, lift] of found) approximate.push(floorSum + lift, internalId);
    return approximate.drain().map((entry) => entry.internalId);
  }

  /**
   * PLAID's stages over the inverted file (`CentroidCandidateGenerator`): the best `rerankDepth` documents by
   * centroid interaction, plus `extraCandidates` (filtered), for exact MaxSim.
   */
  private plaidCandidates(reader: CentroidIndexReader, query: MultiVector, options: SearchOptions, depth: number | undefined): number[] {
    if (this.plaid?.reader !== reader) this.plaid = { reader, generator: new CentroidCandidateGenerator(reader) };
    const knobs = { ...DEFAULT_CENTROID_SEARCH, ...definedOnly(options.plaid ?? {}), rerank: depth ?? DEFAULT_CENTROID_SEARCH.rerank };
    for (const [name, value] of Object.entries(knobs)) {
      if (!Number.isInteger(value) || value < 1) throw new UsageError(`PLAID ${name} must be a positive integer, got ${value}`, 'invalid_candidates');
    }
    const ids = this.plaid.generator.candidates(this.weighted(query), knobs, options.filter).ids;
    const extra = [...(options.extraCandidates ?? [])].filter((id) => options.filter === undefined || options.filter(id));
    return extra.length === 0 ? ids : [...new Set([...ids, ...extra])];
  }

  /**
   * Exact MaxSim of one stored document, decoded straight into the scorer's buffer; undefined if it is gone.
   * float16 rows go to the scorer as stored bytes when it can decode them itself (in SIMD, bit-exact).
   */
  private score(internalId: number, exact: ExactMatchQuery | undefined): number | undefined {
    const floors = this.exactMatchFloors(internalId, exact);
    if (this.scoreStoredFloat16 !== undefined) {
      const stored = this.index.readVectorBytes!(internalId);
      return stored === undefined ? undefined : this.scoreStoredFloat16(stored.bytes, stored.count, floors);
    }
    const doc = this.index.readVectors(internalId, this.scorer.documentBuffer());
    return doc === undefined ? undefined : this.scorer.score(doc.data, doc.count, floors);
  }

  /**
   * Exact-match recovery for a query (undefined when the index keeps no token lists or the query has no tokens):
   * each row's token id and self-similarity, the floor its similarity gets in a document holding that token.
   */
  private exactMatchQuery(query: MultiVector): ExactMatchQuery | undefined {
    const matcher = this.index.exactTokens;
    const tokens = query.tokens;
    if (matcher === undefined || tokens === undefined) return undefined;
    const { count, dim, data } = query;
    const tokenIds = Int32Array.from({ length: count }, (_, i) => matcher.tokenId(tokens[i] ?? '') ?? -1);
    if (tokenIds.every((id) => id < 0)) return undefined;
    const selfSimilarity = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += data[i * dim + t]! * data[i * dim + t]!;
      selfSimilarity[i] = s;
    }
    return { matcher, tokenIds, selfSimilarity, present: new Uint8Array(count), floors: new Float64Array(count) };
  }

  /** The floors for one document (a view reused across calls), undefined when it holds none of the query's tokens. */
  private exactMatchFloors(internalId: number, exact: ExactMatchQuery | undefined): Float64Array | undefined {
    if (exact === undefined || !exact.matcher.match(internalId, exact.tokenIds, exact.present)) return undefined;
    let any = false;
    for (let i = 0; i < exact.present.length; i++) {
      const held = exact.present[i] === 1;
      exact.floors[i] = held ? exact.selfSimilarity[i]! : -Infinity;
      any ||= held;
    }
    return any ? exact.floors : undefined;
  }
}

interface ExactMatchQuery {
  readonly matcher: ExactTokenMatcher;
  readonly tokenIds: Int32Array;
  readonly selfSimilarity: Float64Array;
  readonly present: Uint8Array;
  readonly floors: Float64Array;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
