import type { SparseStore } from '../../index/sparse/index.js';
import { accumulateBlockRecord } from './block-scoring.js';
import { prepareSparseQuery, termsInRecordOrder, type PreparedSparseQuery, type SparseQueryInput } from './prepared-query.js';
import { workspaceFor } from './workspace.js';

/**
 * Exact sparse scores of the given documents for `query`, read from the block records of the blocks that hold them
 * (one read per block), not from the query terms' whole postings: the cheap way to score a few documents (the
 * tie-breaker's). The scores equal `exhaustiveTermAtATime`'s bit for bit (integer sums, the same final scaling).
 * Documents that share no term with the query, or are not stored, are absent.
 */
export function scoreDocuments(
  store: SparseStore,
  query: SparseQueryInput | PreparedSparseQuery,
  internalIds: Iterable<number>,
): Map<number, number> {
  const prepared = prepareSparseQuery(store, query);
  const scores = new Map<number, number>();
  if (prepared.terms.length === 0) return scores;
  const blockSize = store.stats().blockSize;
  // Block -> [internal id, offset in the block] of the documents it holds.
  const byBlock = new Map<number, [number, number][]>();
  for (const id of internalIds) {
    const slot = store.slotOf(id);
    if (slot === undefined) continue;
    const block = Math.floor(slot / blockSize);
    const held = byBlock.get(block);
    if (held === undefined) byBlock.set(block, [[id, slot % blockSize]]);
    else held.push([id, slot % blockSize]);
  }
  const { termIds, weights } = termsInRecordOrder(prepared, prepared.terms.length);
  const local = workspaceFor(store, 0, 0, blockSize).blockScores;
  for (const [block, held] of byBlock) {
    const record = store.blockRecord(block);
    if (record === undefined) continue;
    accumulateBlockRecord(record, termIds, weights, local);
    for (const [id, offset] of held) {
      const score = local[offset]!;
      if (score > 0) scores.set(id, score * prepared.scoreScale);
    }
    local.fill(0, 0, blockSize);
  }
  return scores;
}
