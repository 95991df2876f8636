import { slotLimitOf, type SparseStore } from '../../index/sparse/index.js';
import { prepareSparseQuery, type PreparedSparseQuery, type SparseQueryInput } from './prepared-query.js';
import type { ExhaustiveOptions, SparseHit } from './sparse-types.js';
import { TopScores } from './top-scores.js';
import { workspaceFor } from './workspace.js';

/**
 * Reference retrieval: term-at-a-time over every posting of every query term (one cursor pass per term) into
 * per-document integer accumulators, then the exact top-k (score desc, internal id asc). Only documents with a
 * positive score are returned.
 */
export function exhaustiveTermAtATime(store: SparseStore, query: SparseQueryInput | PreparedSparseQuery, options: ExhaustiveOptions): SparseHit[] {
  const prepared = prepareSparseQuery(store, query);
  const stats = store.stats();
  const blockSize = stats.blockSize;
  const permuted = stats.permuted === true;
  const ws = workspaceFor(store, 0, slotLimitOf(stats), blockSize);
  const scores = ws.documentScores;
  const touched = ws.touched;
  let touchedCount = 0;
  let postings = 0;
  for (let t = 0; t < prepared.terms.length; t++) {
    const weight = prepared.weights[t]!;
    store.forEachPostingBlock(prepared.terms[t]!.termId, (block, bytes) => {
      const n = bytes.length >>> 1;
      const base = block * blockSize;
      for (let j = 0; j < n; j++) {
        const slot = base + bytes[j]!;
        if (scores[slot] === 0) touched[touchedCount++] = slot;
        scores[slot] = scores[slot]! + weight * bytes[n + j]!;
      }
      postings += n;
    });
  }
  const top = new TopScores(options.k);
  const filter = options.filter;
  for (let i = 0; i < touchedCount; i++) {
    const slot = touched[i]!;
    const score = scores[slot]!;
    scores[slot] = 0;
    if (top.full && score < top.worstScore) continue;
    const id = permuted ? store.internalIdOfSlot(slot) : slot;
    if (filter !== undefined && !filter(id)) continue;
    top.push(score, id);
  }
  if (options.trace) {
    options.trace.termsKept = prepared.terms.length;
    options.trace.postingsScored = postings;
  }
  return top.sorted(prepared.scoreScale);
}
