import type { Run } from '../types.js';

export interface Retention {
  /** 100 x nDCG@10 / baseline nDCG@10 (null when the baseline scores 0). */
  readonly ndcg10Pct: number | null;
  /** 100 x vector bytes / baseline vector bytes (null when the baseline stores nothing). */
  readonly storagePct: number | null;
}

export const RETENTION_MEASURE = 'nDCG@10';

function percentOf(value: number, reference: number): number | null {
  return reference > 0 && Number.isFinite(value) ? (100 * value) / reference : null;
}

export function retention(
  row: { readonly metrics: Readonly<Record<string, number>>; readonly storage: { readonly bytes: number } },
  baseline: { readonly metrics: Readonly<Record<string, number>>; readonly storage: { readonly bytes: number } },
): Retention {
  return {
    ndcg10Pct: percentOf(row.metrics[RETENTION_MEASURE] ?? Number.NaN, baseline.metrics[RETENTION_MEASURE] ?? 0),
    storagePct: percentOf(row.storage.bytes, baseline.storage.bytes),
  };
}

/**
 * Index recall@k: per query, the share of the reference top-k (exhaustive exact MaxSim over the unreduced
 * index) that `run`'s top-k contains, averaged over the reference's queries with a non-empty list. A query
 * missing from `run` recovers nothing. NaN when the reference has no such query.
 */
export function indexRecallAt(run: Run, reference: Run, k: number): number {
  let sum = 0;
  let queries = 0;
  for (const [qid, refList] of reference) {
    const expected = refList.slice(0, k);
    if (expected.length === 0) continue;
    queries++;
    const got = new Set((run.get(qid) ?? []).slice(0, k).map((d) => d.id));
    let found = 0;
    for (const doc of expected) if (got.has(doc.id)) found++;
    sum += found / expected.length;
  }
  return queries > 0 ? sum / queries : Number.NaN;
}
