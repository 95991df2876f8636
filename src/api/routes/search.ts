import { Router } from 'express';
import { weightQuery, type RetrievedHit, type RetrieveOptions } from '../../search/index.js';
import { multiVector, normalizeRows, type MultiVector } from '../../shared/index.js';
import type { IndexRegistry, ServedIndex } from '../index-registry.js';
import { HttpError } from '../problem.js';
import { SearchRequestSchema, type SearchFilter, type SearchRequest, type SearchResponse } from '../schemas.js';
import { parseBody } from '../validate.js';

type QueryResult = SearchResponse['results'][number];
type Hit = QueryResult['hits'][number];

/** `POST /v1/indexes/{name}/search`: one text, a batch of texts, or precomputed query vectors. */
export function searchRoutes(registry: IndexRegistry): Router {
  const router = Router();
  router.post('/v1/indexes/:name/search', async (req, res) => {
    const started = performance.now();
    const served = registry.get(req.params.name);
    const body = parseBody(SearchRequestSchema, req.body, 'search request');
    if (!served.modes.includes(body.mode)) {
      throw new HttpError(400, 'unsupported_mode', `index "${served.name}" supports mode ${served.modes.map((m) => `"${m}"`).join(', ')}, not "${body.mode}"`, {
        issues: [{ path: 'mode', message: `supported: ${served.modes.join(', ')}`, code: 'unsupported_mode' }],
      });
    }
    const options = searchOptions(served, body);
    const results: QueryResult[] = [];
    if (body.embeddings !== undefined) {
      const query = queryFromEmbeddings(body.embeddings, served.index.dim);
      const t0 = performance.now();
      const hits = options ? await served.retriever.searchVectors(query, options) : [];
      results.push({ hits: present(served, body, hits, query), took_ms: ms(t0) });
    } else {
      for (const text of body.queries ?? [body.query!]) {
        const t0 = performance.now();
        const hits = options ? await served.retriever.search(text, options) : [];
        const explained = body.include.includes('token_scores') && hits.length > body.offset ? (await served.encoder.encodeQueries([text]))[0] : undefined;
        results.push({ query: text, hits: present(served, body, hits, explained), took_ms: ms(t0) });
      }
    }
    const response: SearchResponse = { index: served.name, mode: body.mode, results, took_ms: ms(started) };
    res.json(response);
  });
  return router;
}

/** The retriever options for a request; undefined when the filter admits no document at all. */
function searchOptions(served: ServedIndex, body: SearchRequest): RetrieveOptions | undefined {
  const filter = documentFilter(served, body.filter);
  if (filter === null) return undefined;
  return {
    k: body.offset + body.top_k,
    exhaustive: body.exhaustive,
    ...(body.candidates_per_token !== undefined && { candidatesPerToken: body.candidates_per_token }),
    ...(filter && { filter: filter.accept }),
    // Listed ids are scored even when HNSW does not propose them, so an id filter returns exact results.
    ...(filter?.ids && { extraCandidates: filter.ids }),
    mode: body.mode,
  };
}

/**
 * The request filter as a predicate over internal ids (null: nothing can match; undefined: no filter).
 * Metadata conditions compare stored values with `===` (they are JSON scalars).
 */
function documentFilter(
  served: ServedIndex,
  filter: SearchFilter | undefined,
): { accept: (internalId: number) => boolean; ids?: number[] } | null | undefined {
  if (!filter || (filter.ids === undefined && filter.metadata === undefined)) return undefined;
  let idSet: Set<number> | undefined;
  if (filter.ids !== undefined) {
    idSet = new Set();
    for (const id of filter.ids) {
      const internalId = served.index.getInternalId(id);
      if (internalId !== undefined) idSet.add(internalId);
    }
    if (idSet.size === 0) return null;
  }
  const conditions = filter.metadata === undefined ? [] : Object.entries(filter.metadata);
  const accept = (internalId: number): boolean => {
    if (idSet !== undefined && !idSet.has(internalId)) return false;
    if (conditions.length === 0) return true;
    const metadata = served.index.getDocument(internalId)?.metadata;
    if (metadata === undefined) return false;
    for (const [key, value] of conditions) if (metadata[key] !== value) return false;
    return true;
  };
  return idSet ? { accept, ids: [...idSet] } : { accept };
}

function queryFromEmbeddings(rows: readonly (readonly number[])[], dim: number): MultiVector {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((row, i) => {
    if (row.length !== dim) {
      throw new HttpError(400, 'dimension_mismatch', `embeddings[${i}] has ${row.length} values, the index stores dim ${dim}`, {
        issues: [{ path: `embeddings[${i}]`, message: `expected ${dim} values, got ${row.length}`, code: 'dimension_mismatch' }],
      });
    }
    data.set(row, i * dim);
  });
  // Precomputed rows carry no tokens to weigh by IDF: every row weighs 1, as in ColBERT.
  return multiVector(normalizeRows(data, dim), dim, { weights: new Float32Array(rows.length).fill(1) });
}

/** Applies paging and `include` to the retriever's hits (ranks stay those of the full list). */
function present(served: ServedIndex, body: SearchRequest, hits: readonly RetrievedHit[], query: MultiVector | undefined): Hit[] {
  const include = new Set(body.include);
  const needDocument = include.has('title') || include.has('text') || include.has('metadata');
  const weighted =
    include.has('token_scores') && query
      ? query.weights === undefined
        ? weightQuery(query, served.encoder.queryWeighting, served.index)
        : query
      : undefined;
  return hits.slice(body.offset).map((hit) => {
    const out: { -readonly [K in keyof Hit]: Hit[K] } = { id: hit.id, score: hit.score, rank: hit.rank };
    if (hit.components) out.components = { ...hit.components };
    if (needDocument) {
      const doc = served.index.getDocument(hit.internalId);
      if (include.has('title') && doc?.title !== undefined) out.title = doc.title;
      if (include.has('text') && doc?.text !== undefined) out.text = doc.text;
      if (include.has('metadata')) out.metadata = doc?.metadata ?? {};
    }
    if (weighted) {
      const explanation = served.explainer.explain(weighted, hit.internalId);
      if (explanation) {
        out.token_scores = Array.from(explanation.bestRow, (row, i) => ({
          query_token: weighted.tokens?.[i] ?? null,
          weight: weighted.weights?.[i] ?? 1,
          document_vector: row,
          similarity: explanation.bestSimilarity[i]!,
        }));
      }
    }
    return out;
  });
}

function ms(since: number): number {
  return Math.round((performance.now() - since) * 1000) / 1000;
}
