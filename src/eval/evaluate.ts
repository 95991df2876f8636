import { performance } from 'node:perf_hooks';
import { InputError, UsageError } from '../shared/index.js';
import { summarizeLatency, type LatencySummary } from './latency.js';
import { DEFAULT_MEASURES, evaluateRun, judgedQueryIds, parseMeasure } from './metrics.js';
import { trecEvalOrder } from './trec-eval-order.js';
import type { Qrels, Queries, RankedList } from './types.js';

export interface EvaluateOptions {
  readonly queries: Queries;
  readonly qrels: Qrels;
  /** Runs one query; results best first. Called sequentially, so latencies are not inflated by contention. */
  readonly searchFn: (text: string, queryId: string) => Promise<RankedList>;
  /** Measures as ir_measures names (default nDCG@10, R@100, RR@10). */
  readonly measures?: readonly string[];
  /** Results kept per query in `run` and scored; default (and minimum) the largest k of the measures. */
  readonly depth?: number;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface PerQueryResult {
  readonly id: string;
  readonly metrics: Record<string, number>;
  readonly latencyMs: number;
  /** Results the search returned (before truncation to `depth`). */
  readonly retrieved: number;
}

export interface EvaluationResult {
  /** Queries run and averaged over: those with at least one relevant judgment. */
  readonly queries: number;
  readonly metrics: Record<string, number>;
  readonly latency: LatencySummary;
  readonly perQuery: readonly PerQueryResult[];
  /** Query id -> results truncated to `depth`, in trec_eval's order, queries in query order (for a TREC run file). */
  readonly run: Map<string, RankedList>;
}

/**
 * Runs every query that has at least one relevant judgment (in queries-file order), timing each `searchFn`
 * call, and scores the run. A judged query id absent from `queries` is an InputError: the split does not
 * belong to these queries. Latency percentiles are nearest-rank; qps is queries / total wall time.
 */
export async function evaluate(options: EvaluateOptions): Promise<EvaluationResult> {
  const measureNames = options.measures ?? DEFAULT_MEASURES;
  if (measureNames.length === 0) throw new UsageError('at least one measure is needed', 'invalid_measure');
  const maxK = Math.max(...measureNames.map((name) => parseMeasure(name).k));
  const depth = Math.max(options.depth ?? maxK, maxK);

  const judged = new Set(judgedQueryIds(options.qrels));
  const missing = [...judged].filter((qid) => !options.queries.has(qid));
  if (missing.length > 0) {
    const shown = missing.slice(0, 5).map((q) => `"${q}"`).join(', ');
    throw new InputError(
      `${missing.length} judged quer${missing.length === 1 ? 'y is' : 'ies are'} missing from the queries: ${shown}${missing.length > 5 ? ', ...' : ''}`,
      undefined, undefined, 'query_missing',
    );
  }
  const order = [...options.queries.keys()].filter((qid) => judged.has(qid));

  const run = new Map<string, RankedList>();
  const latencies: number[] = [];
  const retrieved: number[] = [];
  const started = performance.now();
  for (const qid of order) {
    const before = performance.now();
    const results = await options.searchFn(options.queries.get(qid)!, qid);
    latencies.push(performance.now() - before);
    retrieved.push(results.length);
    // The run holds what a run file would: the top `depth`, in the order trec_eval (and evaluateRun) scores it.
    run.set(qid, trecEvalOrder(results.length > depth ? results.slice(0, depth) : results));
    options.onProgress?.(run.size, order.length);
  }
  const wallMs = performance.now() - started;

  const scored = evaluateRun(run, options.qrels, measureNames);
  const perQuery = order.map((id, i) => ({
    id,
    metrics: scored.perQuery.get(id)!,
    latencyMs: latencies[i]!,
    retrieved: retrieved[i]!,
  }));
  return { queries: order.length, metrics: scored.mean, latency: summarizeLatency(latencies, wallMs), perQuery, run };
}
