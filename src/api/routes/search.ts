import { Router } from 'express';
import type { IndexRegistry } from '../index-registry.js';
import { SearchRequestSchema, type SearchResponse } from '../schemas.js';
import { encodeRequestQueries, executeSearch, gatherCandidates, ms, withSearchMode, type QueryResult } from '../search-execution.js';
import type { SearchWorkerPool } from '../search-workers.js';
import { addMatchedTokens } from '../token-matches.js';
import { parseBody } from '../validate.js';

/**
 * `POST /v1/indexes/{name}/search`: one text, a batch of texts, precomputed query vectors or sparse weights.
 * With a worker pool the search runs on a worker thread; without, on the event loop.
 */
export function searchRoutes(registry: IndexRegistry, workers: () => SearchWorkerPool | undefined, load: { inFlight: number }): Router {
  const router = Router();
  router.post('/v1/indexes/:name/search', async (req, res) => {
    const started = performance.now();
    const served = registry.get(req.params.name);
    const body = withSearchMode(served, parseBody(SearchRequestSchema, req.body, 'search request'));
    const pool = workers();
    load.inFlight++;
    let results: QueryResult[];
    try {
      // Queries are encoded here, so search workers need no encoder (memory, and ONNX threads stay in one place).
      const encoded = await encodeRequestQueries(served, served.encoder, body);
      results = pool
        ? await pool.search(served.name, body, encoded, gatherCandidates(served, body, encoded))
        : await executeSearch(served, body, encoded);
      await addMatchedTokens(served.index, served.rowTokens, results);
    } finally {
      load.inFlight--;
    }
    const response: SearchResponse = { index: served.name, mode: body.mode, results, took_ms: ms(started) };
    res.json(response);
  });
  return router;
}
