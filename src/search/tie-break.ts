/**
 * How lateindex orders documents whose returned scores are exactly equal (the same rule in every mode that ranks
 * by MaxSim, fused or not): the higher secondary score first (the document's BM25 score for the query when the
 * index keeps BM25 postings, see `Retriever`), then external id ascending (code-unit order), then internal id.
 * The static encoder makes such ties common: every exact token match has similarity 1, so documents that hold all
 * of a short query's words score the same MaxSim.
 */
import type { SparseStore } from '../index/sparse/index.js';
import { prepareSparseQuery, scoreDocuments, type PreparedSparseQuery, type SparseQueryInput } from './sparse/index.js';
import { TopK } from './top-k.js';

/** Secondary scores of tied documents, by internal id (a missing id scores 0). Called once per search, with ties only. */
export type TieBreaker = (internalIds: readonly number[]) => ReadonlyMap<number, number>;

export interface ScoredEntry {
  readonly internalId: number;
  readonly score: number;
}

/**
 * The best `k` of `entries` ordered by score descending, exact ties by `secondary` descending, then by
 * `compareIds` (the fallback: external, then internal id). `secondary` is asked only for the documents whose score
 * ties another's among those that can reach the top `k` (score >= the k-th score), and only when there are such ties.
 */
export function rankWithTieBreak(
  entries: readonly ScoredEntry[],
  k: number,
  secondary: TieBreaker,
  compareIds: (a: number, b: number) => number,
): ScoredEntry[] {
  const top = new TopK(Math.min(k, entries.length), compareIds);
  for (const entry of entries) top.push(entry.score, entry.internalId);
  const best = top.drain();
  if (best.length === 0) return [];
  const kthScore = best[best.length - 1]!.score;
  const contenders = entries.filter((entry) => entry.score >= kthScore);
  contenders.sort((a, b) => b.score - a.score || compareIds(a.internalId, b.internalId));
  const tied: number[] = [];
  for (let i = 0; i < contenders.length; i++) {
    const score = contenders[i]!.score;
    if (contenders[i - 1]?.score === score || contenders[i + 1]?.score === score) tied.push(contenders[i]!.internalId);
  }
  if (tied.length === 0) return contenders.slice(0, k);
  const scores = secondary(tied);
  const secondaryOf = (id: number): number => scores.get(id) ?? 0;
  contenders.sort(
    (a, b) =>
      b.score - a.score || secondaryOf(b.internalId) - secondaryOf(a.internalId) || compareIds(a.internalId, b.internalId),
  );
  return contenders.slice(0, k);
}

/**
 * The secondary signal for late-interaction ties: each tied document's exact sparse score for the query (BM25 when
 * the store keeps BM25 postings; 0 for a document sharing no term with it). Undefined when the store cannot score
 * the query (no text or weights, or text against a learned-sparse store). The query is analysed only when a search
 * has ties, and only the blocks holding the tied documents are read (`scoreDocuments`).
 */
export function sparseTieBreaker(store: SparseStore, input: SparseQueryInput | undefined): TieBreaker | undefined {
  if (input === undefined || (typeof input === 'string' && store.stats().mode !== 'bm25')) return undefined;
  let prepared: PreparedSparseQuery | undefined;
  return (internalIds) => scoreDocuments(store, (prepared ??= prepareSparseQuery(store, input)), internalIds);
}
