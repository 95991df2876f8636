import { Router } from 'express';
import { HttpError } from '../problem.js';
import type { SweepListJson } from '../schemas.js';

/** The eval module (and its chart renderer) loads on the first sweep request, not at server start. */
const loadCatalog = () => import('../../eval/index.js');

/** The charts `lateindex sweep` draws, by the name of their files (without extension). */
export const SWEEP_CHARTS = ['ndcg-vs-storage', 'latency-vs-storage'] as const;

/**
 * `GET /v1/sweeps` (the sweep reports found under `--sweeps <dir>`, searched again on every call so new sweeps
 * appear), `GET /v1/sweeps/{id}` (one report.json, as `lateindex sweep` wrote it) and
 * `GET /v1/sweeps/{id}/charts/{chart}` (a chart's Vega-Lite spec, the one `sweep` renders to SVG/PNG, with tooltips
 * for interactive use, and the Vega spec it compiles to, which a browser draws with vega alone). Read-only.
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
  const reportOf = async (id: string) => {
    const catalog = await loadCatalog();
    const report = sweepsDir === undefined ? undefined : await catalog.readSweepReport(sweepsDir, id);
    if (report === undefined) {
      throw new HttpError('sweep_not_found', `no sweep report with id ${JSON.stringify(id)} is served here (see GET /v1/sweeps)`);
    }
    return { report, catalog };
  };
  router.get('/v1/sweeps/:id', async (req, res) => {
    res.json((await reportOf(req.params.id)).report);
  });
  router.get('/v1/sweeps/:id/charts/:chart', async (req, res) => {
    const chart = req.params.chart;
    if (!(SWEEP_CHARTS as readonly string[]).includes(chart)) {
      throw new HttpError('chart_not_found', `no chart named ${JSON.stringify(chart)}; charts: ${SWEEP_CHARTS.join(', ')}`);
    }
    const { report, catalog } = await reportOf(req.params.id);
    const spec = chart === 'ndcg-vs-storage' ? catalog.ndcgVsStorageSpec(report) : catalog.latencyVsStorageSpec(report);
    res.json({ vega_lite: spec, vega: await catalog.compileChart(spec) });
  });
  return router;
}
