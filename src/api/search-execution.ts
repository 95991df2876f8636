import type { Encoder } from '../encode/index.js';
import type { LateIndex } from '../index/index.js';
import {
  compileDocumentFilter,
  resolveSearchMode,
  type LateInteractionSearcher,
  type RetrievalQuery,
  type RetrievedHit,
  type Retriever,
  type RetrieveOptions,
} from '../search/index.js';
import { multiVector, normalizeRows, type MultiVector } from '../shared/index.js';
import { HttpError } from './problem.js';
import type { SearchMode, SearchRequest, SearchRequestBody, SearchResponse } from './schemas.js';

export type QueryResult = SearchResponse['results'][number];
type Hit = QueryResult['hits'][number];

/**
 * What answering a search request needs: the same on the main thread and in a search worker. Query texts are
 * encoded beforehand (`encodeRequestQueries`, on the main thread), so a worker holds no encoder.
 */
export interface SearchContext {
  readonly name: string;
  readonly index: LateIndex;
  readonly retriever: Retriever;
  /** Token-level explanations (`include: ["token_scores"]`), weighted like the retriever's searches. */
  readonly explainer: LateInteractionSearcher;
  readonly modes: readonly SearchMode[];
}

/** The modes an opened index answers: sparse and hybrid need its postings. */
export function searchModesOf(index: LateIndex): SearchMode[] {
  return index.sparse ? ['late', 'sparse', 'hybrid'] : ['late'];
}

/** The request with the mode it runs in: the one it gives, else the index's default for what it gives (`resolveSearchMode`). */
export function withSearchMode(ctx: SearchContext, body: SearchRequestBody): SearchRequest {
  const mode = resolveSearchMode(ctx.index, body.mode, {
    text: body.query ?? body.queries?.[0],
    vectors: body.embeddings,
    sparse: body.sparse_query,
  });
  return { ...body, mode };
}

/** The request's query texts, in answer order. */
function queryTexts(body: SearchRequest): readonly string[] {
  return body.queries ?? (body.query !== undefined ? [body.query] : []);
}

/**
 * The first step of every search request, on the main thread: checks the mode against the index, then returns the
 * query vectors, one per result: its `embeddings` (normalised, checked against the index's dim), or its query
 * texts encoded, aligned with `body.queries` (or `[body.query]`); undefined when nothing needs them (sparse mode
 * without token scores, sparse weights only).
 */
export async function encodeRequestQueries(ctx: SearchContext, encoder: Encoder, body: SearchRequest): Promise<MultiVector[] | undefined> {
  if (!ctx.modes.includes(body.mode)) {
    throw new HttpError('unsupported_mode', `index "${ctx.name}" supports mode ${ctx.modes.map((m) => `"${m}"`).join(', ')}, not "${body.mode}"`, {
      issues: [{ path: 'mode', message: `supported: ${ctx.modes.join(', ')}`, code: 'unsupported_mode' }],
    });
  }
  if (body.embeddings !== undefined) return [queryFromEmbeddings(body.embeddings, ctx.index.dim)];
  const texts = queryTexts(body);
  const needed = body.mode !== 'sparse' || body.include.includes('token_scores');
  return texts.length > 0 && needed ? encoder.encodeQueries(texts) : undefined;
}

/**
 * The HNSW candidates of each query of the request (aligned with `encoded`), gathered on the thread that owns the
 * graph so that search workers need none; undefined when the request needs no candidates (sparse mode,
 * exhaustive, a filter nothing matches).
 */
export function gatherCandidates(ctx: SearchContext, body: SearchRequest, encoded: readonly MultiVector[] | undefined): number[][] | undefined {
  if (body.mode === 'sparse' || body.exhaustive || !encoded) return undefined;
  const options = searchOptions(ctx, body);
  if (!options) return undefined;
  return encoded.map((query) => ctx.explainer.candidateIds(query, options));
}

/**
 * Answers one validated search request: one result per query text (or one for embeddings / sparse weights).
 * `encoded` is `encodeRequestQueries`' result for the same body (which also checked the mode); `candidates`, when given, is
 * `gatherCandidates`' (then the index's graph is not searched). Client mistakes throw `HttpError` or the
 * library's typed errors.
 */
export async function executeSearch(
  ctx: SearchContext,
  body: SearchRequest,
  encoded: readonly MultiVector[] | undefined,
  candidates?: readonly (readonly number[])[],
): Promise<QueryResult[]> {
  const options = searchOptions(ctx, body);
  const sparse = body.sparse_query;
  const results: QueryResult[] = [];
  if (body.embeddings !== undefined || (sparse !== undefined && body.query === undefined)) {
    const vectors = body.embeddings === undefined ? undefined : encoded?.[0];
    const t0 = performance.now();
    const query: RetrievalQuery = { ...(vectors && { vectors }), ...(sparse && { sparse }) };
    const hits = options ? await ctx.retriever.retrieve(query, withCandidates(options, candidates?.[0])) : [];
    results.push({ hits: present(ctx, body, hits, vectors), took_ms: ms(t0) });
    return results;
  }
  const texts = queryTexts(body);
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    const vectors = encoded?.[i];
    const t0 = performance.now();
    const query = { text, ...(vectors && { vectors }), ...(sparse && { sparse }) };
    const hits = options ? await ctx.retriever.retrieve(query, withCandidates(options, candidates?.[i])) : [];
    results.push({ query: text, hits: present(ctx, body, hits, vectors), took_ms: ms(t0) });
  }
  return results;
}

function withCandidates(options: RetrieveOptions, candidateIds: readonly number[] | undefined): RetrieveOptions {
  return candidateIds === undefined ? options : { ...options, candidateIds };
}

/** The retriever options for a request; undefined when the filter admits no document at all. */
function searchOptions(ctx: SearchContext, body: SearchRequest): RetrieveOptions | undefined {
  const filter = compileDocumentFilter(ctx.index, body.filter);
  if (filter?.matchesNothing) return undefined;
  return {
    k: body.offset + body.top_k,
    exhaustive: body.exhaustive,
    ...(body.candidates_per_token !== undefined && { candidatesPerToken: body.candidates_per_token }),
    ...(body.plaid !== undefined && plaidOptions(body.plaid)),
    ...(filter && { filter: filter.accepts }),
    // Listed ids are scored even when HNSW does not propose them, so an id filter returns exact results.
    ...(filter?.ids && { extraCandidates: filter.ids }),
    mode: body.mode,
  };
}

function plaidOptions(knobs: NonNullable<SearchRequest['plaid']>): Pick<RetrieveOptions, 'plaid' | 'rerankDepth'> {
  const { rerank, ...plaid } = knobs;
  return { plaid, ...(rerank !== undefined && { rerankDepth: rerank }) };
}

function queryFromEmbeddings(rows: readonly (readonly number[])[], dim: number): MultiVector {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    if (row.length !== dim) {
      throw new HttpError('dimension_mismatch', `embeddings[${i}] has ${row.length} values, the index stores dim ${dim}`, {
        issues: [{ path: `embeddings[${i}]`, message: `expected ${dim} values, got ${row.length}`, code: 'dimension_mismatch' }],
      });
    }
    data.set(row, i * dim);
  });
  // Precomputed rows carry no tokens to weigh by IDF: every row weighs 1, as in ColBERT.
  return multiVector(normalizeRows(data, dim), dim, { weights: new Float32Array(rows.length).fill(1) });
}

/** Applies paging and `include` to the retriever's hits (ranks stay those of the full list). */
function present(ctx: SearchContext, body: SearchRequest, hits: readonly RetrievedHit[], query: MultiVector | undefined): Hit[] {
  const include = new Set(body.include);
  const needDocument = include.has('title') || include.has('text') || include.has('metadata');
  const weighted = include.has('token_scores') && query ? ctx.explainer.weighted(query) : undefined;
  return hits.slice(body.offset).map((hit) => {
    const out: { -readonly [K in keyof Hit]: Hit[K] } = { id: hit.id, score: hit.score, rank: hit.rank };
    if (hit.components) out.components = { ...hit.components };
    if (needDocument) {
      const doc = ctx.index.getDocument(hit.internalId);
      if (include.has('title') && doc?.title !== undefined) out.title = doc.title;
      if (include.has('text') && doc?.text !== undefined) out.text = doc.text;
      if (include.has('metadata')) out.metadata = doc?.metadata ?? {};
    }
    if (weighted) {
      const explanation = ctx.explainer.explain(weighted, hit.internalId);
      if (explanation) {
        out.token_scores = Array.from(explanation.bestRow, (row, i) => ({
          query_token: weighted.tokens?.[i] ?? null,
          weight: weighted.weights?.[i] ?? 1,
          document_vector: row,
          similarity: explanation.bestSimilarity[i]!,
          exact_match: explanation.floored[i] === 1,
        }));
      }
    }
    return out;
  });
}

export function ms(since: number): number {
  return Math.round((performance.now() - since) * 1000) / 1000;
}
