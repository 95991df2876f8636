import { UsageError } from '../shared/index.js';
import { trecEvalOrder } from './trec-eval-order.js';
import type { Qrels, Run } from './types.js';

/**
 * Retrieval measures with trec_eval / ir_measures semantics:
 * - `nDCG@k`: sum over ranks r <= k of gain / log2(r + 1), gain = the relevance grade (grades <= 0 and
 *   unjudged documents gain 0), divided by the same sum over all the query's judged grades > 0 sorted desc.
 * - `R@k`: relevant (grade > 0) documents in the top k / all relevant documents of the query.
 * - `RR@k`: 1 / rank of the first relevant document within the top k, else 0.
 * - `P@k`: relevant documents in the top k / k.
 * The ranking functions (`ndcgAt`, ...) score ids in the order given; `evaluateRun` first puts each query's
 * results in trec_eval's order (score desc, then docid desc: `trecEvalOrder`), so that its figures are exactly
 * trec_eval's on the same run, whatever order the searcher broke ties in (the retriever's BM25 tie-break included). A document id repeated in a
 * list gains nothing after its first occurrence but still occupies its rank.
 */
export type MeasureKind = 'nDCG' | 'R' | 'RR' | 'P';

export interface Measure {
  readonly name: string;
  readonly kind: MeasureKind;
  readonly k: number;
}

export const DEFAULT_MEASURES = ['nDCG@10', 'R@100', 'RR@10'] as const;
/** Results kept per query for the default measures: R@100 needs the top 100. */
export const EVAL_DEPTH = 100;

const MEASURE_PATTERN = /^(nDCG|R|RR|P)@([1-9][0-9]*)$/;

/** Parses an ir_measures-style name such as `nDCG@10`. */
export function parseMeasure(name: string): Measure {
  const match = MEASURE_PATTERN.exec(name);
  if (!match) {
    throw new UsageError(`unknown measure "${name}"; expected nDCG@k, R@k, RR@k or P@k with k >= 1`, 'invalid_measure');
  }
  return { name, kind: match[1] as MeasureKind, k: Number(match[2]) };
}

/** Gain of each ranked position within the top k: its grade if > 0 and not seen earlier in the list, else 0. */
function gainsAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number[] {
  const seen = new Set<string>();
  const gains: number[] = [];
  for (let i = 0; i < Math.min(k, ranking.length); i++) {
    const id = ranking[i]!;
    const grade = seen.has(id) ? 0 : (judgments.get(id) ?? 0);
    seen.add(id);
    gains.push(grade > 0 ? grade : 0);
  }
  return gains;
}

function relevantCount(judgments: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const grade of judgments.values()) if (grade > 0) n++;
  return n;
}

export function ndcgAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  const ideal = [...judgments.values()].filter((g) => g > 0).sort((a, b) => b - a);
  let idcg = 0;
  for (let i = 0; i < Math.min(k, ideal.length); i++) idcg += ideal[i]! / Math.log2(i + 2);
  if (idcg === 0) return 0;
  let dcg = 0;
  gainsAt(ranking, judgments, k).forEach((gain, i) => (dcg += gain / Math.log2(i + 2)));
  return dcg / idcg;
}

export function recallAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  const relevant = relevantCount(judgments);
  if (relevant === 0) return 0;
  return gainsAt(ranking, judgments, k).filter((g) => g > 0).length / relevant;
}

export function precisionAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  return gainsAt(ranking, judgments, k).filter((g) => g > 0).length / k;
}

export function reciprocalRankAt(ranking: readonly string[], judgments: ReadonlyMap<string, number>, k: number): number {
  const first = gainsAt(ranking, judgments, k).findIndex((g) => g > 0);
  return first < 0 ? 0 : 1 / (first + 1);
}

export function scoreMeasure(measure: Measure, ranking: readonly string[], judgments: ReadonlyMap<string, number>): number {
  switch (measure.kind) {
    case 'nDCG':
      return ndcgAt(ranking, judgments, measure.k);
    case 'R':
      return recallAt(ranking, judgments, measure.k);
    case 'RR':
      return reciprocalRankAt(ranking, judgments, measure.k);
    case 'P':
      return precisionAt(ranking, judgments, measure.k);
  }
}

/** Query ids of `qrels` with at least one relevant (grade > 0) judgment, in qrels order. */
export function judgedQueryIds(qrels: Qrels): string[] {
  return [...qrels].filter(([, judgments]) => relevantCount(judgments) > 0).map(([qid]) => qid);
}

export interface RunEvaluation {
  /** Queries averaged over: those with at least one relevant judgment. */
  readonly queries: number;
  /** Mean of each measure over those queries; a judged query missing from the run scores 0. */
  readonly mean: Record<string, number>;
  readonly perQuery: ReadonlyMap<string, Record<string, number>>;
}

/** Scores a run against qrels as trec_eval does; run queries without relevant judgments are ignored. */
export function evaluateRun(run: Run, qrels: Qrels, measureNames: readonly string[] = DEFAULT_MEASURES): RunEvaluation {
  const measures = measureNames.map(parseMeasure);
  const perQuery = new Map<string, Record<string, number>>();
  const sums = new Map<string, number>(measures.map((m) => [m.name, 0]));
  const qids = judgedQueryIds(qrels);
  for (const qid of qids) {
    const judgments = qrels.get(qid)!;
    const ranking = trecEvalOrder(run.get(qid) ?? []).map((doc) => doc.id);
    const scores: Record<string, number> = {};
    for (const measure of measures) {
      const value = scoreMeasure(measure, ranking, judgments);
      scores[measure.name] = value;
      sums.set(measure.name, sums.get(measure.name)! + value);
    }
    perQuery.set(qid, scores);
  }
  const mean: Record<string, number> = {};
  for (const measure of measures) mean[measure.name] = qids.length === 0 ? 0 : sums.get(measure.name)! / qids.length;
  return { queries: qids.length, mean, perQuery };
}
