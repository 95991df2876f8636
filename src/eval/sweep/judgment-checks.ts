import type { Qrels, Queries } from '../types.js';

export interface CheckedJudgments {
  /** The qrels to evaluate with: judgments of queries absent from the queries file are dropped. */
  readonly qrels: Qrels;
  /** Queries with at least one relevant judgment that are present in the queries file (the ones evaluated). */
  readonly evaluated: number;
  /** One line per problem found, for the console and report notes. */
  readonly notes: string[];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Reconciles a split's qrels with its queries and corpus, as trec_eval would: queries without a relevant
 * judgment are not evaluated; judged queries missing from the queries file are dropped (they have no run);
 * judgments naming documents outside the corpus are kept, so those documents count as relevant-but-never-
 * retrieved in recall and ideal DCG (a document that cannot be retrieved is never a hit).
 */
export function checkJudgments(queries: Queries, qrels: Qrels, corpusIds: ReadonlySet<string>, qrelsFile: string): CheckedJudgments {
  const notes: string[] = [];
  const kept = new Map<string, ReadonlyMap<string, number>>();
  const missingQueries: string[] = [];
  let unknownDocs = 0;
  const unknownExamples: string[] = [];
  let evaluated = 0;
  for (const [qid, judgments] of qrels) {
    if (!queries.has(qid)) {
      missingQueries.push(qid);
      continue;
    }
    kept.set(qid, judgments);
    let relevant = false;
    for (const [docid, grade] of judgments) {
      if (grade > 0) relevant = true;
      if (!corpusIds.has(docid)) {
        unknownDocs++;
        if (unknownExamples.length < 3) unknownExamples.push(`"${docid}"`);
      }
    }
    if (relevant) evaluated++;
  }
  const unjudged = [...queries.keys()].filter((qid) => !hasRelevant(kept.get(qid))).length;
  if (unjudged > 0) {
    notes.push(`${plural(unjudged, 'query has', 'queries have')} no relevant judgment in ${qrelsFile}; skipped (not averaged in)`);
  }
  if (missingQueries.length > 0) {
    const shown = missingQueries.slice(0, 3).map((q) => `"${q}"`).join(', ');
    notes.push(
      `${plural(missingQueries.length, 'judged query is', 'judged queries are')} missing from the queries file (${shown}${missingQueries.length > 3 ? ', ...' : ''}); their judgments are ignored`,
    );
  }
  if (unknownDocs > 0) {
    notes.push(
      `${plural(unknownDocs, 'judgment names a document', 'judgments name documents')} not in the corpus (e.g. ${unknownExamples.join(', ')}); ` +
        'they can never be retrieved and count as misses, as in trec_eval',
    );
  }
  return { qrels: kept, evaluated, notes };
}

function hasRelevant(judgments: ReadonlyMap<string, number> | undefined): boolean {
  if (!judgments) return false;
  for (const grade of judgments.values()) if (grade > 0) return true;
  return false;
}
