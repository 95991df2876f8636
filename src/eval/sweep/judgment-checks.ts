import type { Qrels, Queries } from '../types.js';

export interface CheckedJudgments {
  /** The qrels to evaluate with: judgments of queries absent from the queries file are dropped. */
  readonly qrels: Qrels;
  /** Queries with at least one relevant judgment that are present in the queries file (the ones evaluated). */
  readonly evaluated: number;
  /** One line per problem found, for the console and report notes. */
  readonly notes: string[];
}

/** Judgments naming documents a collection (a corpus, an index) does not hold. */
export interface JudgmentsOutside {
  readonly judgments: number;
  readonly outside: number;
  /** The same two counts over relevant (grade > 0) judgments only. */
  readonly relevant: number;
  readonly relevantOutside: number;
  /** A few of the documents outside, quoted. */
  readonly examples: readonly string[];
}

export function judgmentsOutside(qrels: Qrels, collection: { has(id: string): boolean }): JudgmentsOutside {
  let judgments = 0;
  let outside = 0;
  let relevant = 0;
  let relevantOutside = 0;
  const examples: string[] = [];
  for (const docs of qrels.values()) {
    for (const [docid, grade] of docs) {
      const missing = !collection.has(docid);
      judgments++;
      if (grade > 0) relevant++;
      if (!missing) continue;
      outside++;
      if (grade > 0) relevantOutside++;
      if (examples.length < 3) examples.push(`"${docid}"`);
    }
  }
  return { judgments, outside, relevant, relevantOutside, examples };
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
export function checkJudgments(queries: Queries, qrels: Qrels, corpusIds: { has(id: string): boolean }, qrelsFile: string): CheckedJudgments {
  const notes: string[] = [];
  const kept = new Map<string, ReadonlyMap<string, number>>();
  const missingQueries: string[] = [];
  let evaluated = 0;
  for (const [qid, judgments] of qrels) {
    if (!queries.has(qid)) {
      missingQueries.push(qid);
      continue;
    }
    kept.set(qid, judgments);
    let relevant = false;
    for (const grade of judgments.values()) if (grade > 0) relevant = true;
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
  const unknown = judgmentsOutside(kept, corpusIds);
  if (unknown.outside > 0) {
    notes.push(
      `${plural(unknown.outside, 'judgment names a document', 'judgments name documents')} not in the corpus (e.g. ${unknown.examples.join(', ')}); ` +
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
