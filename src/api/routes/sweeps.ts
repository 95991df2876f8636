import { Router } from 'express';
import { HttpError } from '../problem.js';
import type { SweepListJson } from '../schemas.js';

/** The eval module (and its chart renderer) loads on the first sweep request, not at server start. */
const loadCatalog = () => import('../../eval/index.js');

/**
 * `GET /v1/sweeps` (the sweep reports found under `--sweeps <dir>`, searched again on every call so new sweeps
 * appear) and `GET /v1/sweeps/{id}` (one report.json, as `lateindex sweep` wrote it). Read-only.
 */
export function sweepRoutes(sweepsDir: string | undefined): Router {
  const router = Router();
  router.get('/v1/sweeps', async (_req, res) => {
    if (sweepsDir === undefined) {
      res.json({ served: false, sweeps: [], skipped: [] } satisfies SweepListJson);
      return;
    }
    const { sweeps, skipped } = await (await loadCatalog()).findSweepReports(sweepsDir);
    const body: SweepListJson = {
      served: true,
      sweeps: sweeps.map((s) => ({
        id: s.id, dataset: s.dataset, split: s.split, encoder: s.encoder, created_at: s.createdAt, configurations: s.configurations, bm25_ndcg10: s.bm25,
      })),
      skipped,
    };
    res.json(body);
  });
  router.get('/v1/sweeps/:id', async (req, res) => {
    const report = sweepsDir === undefined ? undefined : await (await loadCatalog()).readSweepReport(sweepsDir, req.params.id);
    if (report === undefined) {
      throw new HttpError(404, 'sweep_not_found', `no sweep report with id ${JSON.stringify(req.params.id)} is served here (see GET /v1/sweeps)`);
    }
    res.json(report);
  });
  return router;
}
