import { UsageError } from '../../shared/index.js';
import { slotLimitOf, type SparseStore } from '../../index/sparse/index.js';
import { accumulateBlockRecord } from './block-scoring.js';
import { keptTermCount, prepareSparseQuery, termsInRecordOrder, type PreparedSparseQuery, type SparseQueryInput } from './prepared-query.js';
import type { BlockMaxPruningOptions, SparseHit } from './sparse-types.js';
import { TopScores } from './top-scores.js';
import { workspaceFor } from './workspace.js';

/**
 * Block-Max Pruning (Mallia, Suel, Tonellotto, SIGIR 2024). Block upper bounds are sums of query weight x
 * block max over the kept query terms; blocks are visited in decreasing bound order and scored whole, until
 * the k-th kept score is strictly greater than alpha x the next bound. Strictness makes alpha = beta = 1
 * return exactly the exhaustive top-k even under the tie rule (equal scores: lower internal id first), since a
 * block whose bound equals the k-th score may still hold an equal score with a lower id.
 * All scores are integers until the final scaling, so BMP and the reference agree bit for bit.
 * Blocks hold slots (document positions, reordered by `SparseStore.reorder`); hits carry internal ids. A block is
 * scored from its block record (the store's per-block forward index), one read however many query terms it has.
 */
export function blockMaxPruning(store: SparseStore, query: SparseQueryInput | PreparedSparseQuery, options: BlockMaxPruningOptions): SparseHit[] {
  const alpha = options.alpha ?? 1;
  if (!(alpha > 0 && alpha <= 1)) throw new UsageError(`alpha must be in (0, 1], got ${alpha}`, 'sparse_query');
  if (!Number.isInteger(options.k) || options.k < 0) throw new UsageError(`k must be a non-negative integer, got ${options.k}`, 'sparse_query');
  const prepared = prepareSparseQuery(store, query);
  const termCount = keptTermCount(prepared.terms.length, options.beta ?? 1);
  const stats = store.stats();
  const blockSize = stats.blockSize;
  const numBlocks = Math.ceil(slotLimitOf(stats) / blockSize);
  const permuted = stats.permuted === true;
  const ws = workspaceFor(store, numBlocks, 0, blockSize);
  const bounds = ws.blockBounds;
  const heap = ws.blockHeap;
  const local = ws.blockScores;
  const weights = prepared.weights;
  const terms = prepared.terms;

  // The kept terms by term id: the order of a block record, scored with one read per block.
  const { termIds: keptIds, weights: keptWeights } = termsInRecordOrder(prepared, termCount);

  let candidates = 0;
  for (let t = 0; t < termCount; t++) {
    const term = terms[t]!;
    const weight = weights[t]!;
    const blocks = term.blocks;
    const maxima = term.maxima;
    for (let i = 0; i < blocks.length; i++) {
      const block = blocks[i]!;
      if (bounds[block] === 0) heap[candidates++] = block;
      bounds[block] = bounds[block]! + weight * maxima[i]!;
    }
  }
  // Max-heap of candidate blocks by bound (ties: lower block first), built in O(n).
  for (let i = (candidates >> 1) - 1; i >= 0; i--) siftDown(heap, bounds, i, candidates);

  const top = new TopScores(options.k);
  const filter = options.filter;
  let remaining = candidates;
  let blocksScored = 0;
  let postings = 0;
  while (remaining > 0 && options.k > 0) {
    const block = heap[0]!;
    const bound = bounds[block]!;
    if (top.full && top.worstScore > alpha * bound) break;
    // Swap the popped block behind the heap so heap[0..candidates) keeps every candidate for the reset.
    remaining--;
    heap[0] = heap[remaining]!;
    heap[remaining] = block;
    siftDown(heap, bounds, 0, remaining);
    blocksScored++;
    const record = store.blockRecord(block);
    if (record !== undefined) postings += accumulateBlockRecord(record, keptIds, keptWeights, local);
    const base = block * blockSize;
    for (let offset = 0; offset < blockSize; offset++) {
      const score = local[offset]!;
      if (score === 0) continue;
      local[offset] = 0;
      // Below the k-th score nothing can enter whatever its id: skip the slot -> id lookup.
      if (top.full && score < top.worstScore) continue;
      const id = permuted ? store.internalIdOfSlot(base + offset) : base + offset;
      if (filter !== undefined && !filter(id)) continue;
      top.push(score, id);
    }
  }
  for (let i = 0; i < candidates; i++) bounds[heap[i]!] = 0;
  if (options.trace) {
    options.trace.candidateBlocks = candidates;
    options.trace.blocksScored = blocksScored;
    options.trace.postingsScored = postings;
    options.trace.termsKept = termCount;
  }
  return top.sorted(prepared.scoreScale);
}

function siftDown(heap: Uint32Array, bounds: Float64Array, start: number, size: number): void {
  const item = heap[start]!;
  const itemBound = bounds[item]!;
  let i = start;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= size) break;
    if (child + 1 < size && above(heap[child + 1]!, heap[child]!, bounds)) child++;
    const c = heap[child]!;
    if (!(bounds[c]! > itemBound || (bounds[c]! === itemBound && c < item))) break;
    heap[i] = c;
    i = child;
  }
  heap[i] = item;
}

function above(a: number, b: number, bounds: Float64Array): boolean {
  return bounds[a]! > bounds[b]! || (bounds[a]! === bounds[b]! && a < b);
}
