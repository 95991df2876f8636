import { describe, expect, it } from 'vitest';
import { recursiveGraphBisection, type DocumentTermGraph, type SparseDocument } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime } from '../../src/search/sparse/index.js';
import { openTempStore, rng } from './helpers.js';

function graphOf(docs: readonly (readonly number[])[], termCount: number): DocumentTermGraph {
  const offsets = new Uint32Array(docs.length + 1);
  docs.forEach((d, i) => (offsets[i + 1] = offsets[i]! + d.length));
  return { offsets, terms: Uint32Array.from(docs.flat()), termCount };
}

/** Brute-force log-gap cost of an order cut into parts of `size`: sum over parts and terms of d x log2(size / (d + 1)). */
function partCost(docs: readonly (readonly number[])[], order: ArrayLike<number>, size: number): number {
  let cost = 0;
  for (let lo = 0; lo < order.length; lo += size) {
    const degree = new Map<number, number>();
    const n = Math.min(size, order.length - lo);
    for (let p = lo; p < lo + n; p++) for (const t of docs[order[p]!]!) degree.set(t, (degree.get(t) ?? 0) + 1);
    for (const d of degree.values()) cost += d * Math.log2(n / (d + 1));
  }
  return cost;
}

describe('recursiveGraphBisection', () => {
  it('swaps the one misplaced pair of a hand-worked example', () => {
    // A = terms {0, 1, 2}, B = {3, 4, 5}; order A A A B | B B B A, halves of 4. Per term, cost(d) = d log2(4 / (d + 1)).
    // Moving doc 3 (B) right: each B term goes (1, 3) -> (0, 4): cost 1 + 0 -> 4 log2(4/5) = -1.29, gain 2.29;
    // moving an A left of the cut right: (3, 1) -> (2, 2): cost 0 + 1 -> 2 x 2 log2(4/3) = 1.66, gain -0.66.
    // Symmetrically doc 7 gains 3 x 2.29 and the B docs on the right -3 x 0.66: one pair sums > 0, the next < 0.
    const A = [0, 1, 2];
    const B = [3, 4, 5];
    const docs = [A, A, A, B, B, B, B, A];
    const report = recursiveGraphBisection(graphOf(docs, 6), { leafSize: 4 });
    expect([...report.order]).toEqual([0, 1, 2, 7, 4, 5, 6, 3]);
    expect(report.swaps).toBe(1);
  });

  it('lowers the log-gap cost of random clustered graphs, is a permutation, and is deterministic', () => {
    const random = rng(99);
    const topics = Array.from({ length: 12 }, () => Array.from({ length: 8 }, () => Math.floor(random() * 200)));
    const docs = Array.from({ length: 500 }, () => {
      const topic = topics[Math.floor(random() * topics.length)]!;
      const terms = new Set<number>();
      for (let i = 0; i < 10; i++) terms.add(random() < 0.6 ? topic[Math.floor(random() * topic.length)]! : Math.floor(random() * 200));
      return [...terms];
    });
    const graph = graphOf(docs, 200);
    const first = recursiveGraphBisection(graph, { leafSize: 16 });
    const again = recursiveGraphBisection(graph, { leafSize: 16 });
    expect(new Set(first.order).size).toBe(500);
    expect(Math.max(...first.order)).toBe(499);
    expect([...again.order]).toEqual([...first.order]);
    const identity = Array.from({ length: 500 }, (_, i) => i);
    expect(partCost(docs, first.order, 16)).toBeLessThan(0.85 * partCost(docs, identity, 16));
  });
});

describe('SparseStore.reorder on a small store', () => {
  it('puts documents sharing terms into one block, maps slots both ways, appends later documents', () => {
    const temp = openTempStore({ blockSize: 3 });
    try {
      // Blocks of 3 in id order: {0, 1, 2} and {3, 4, 5}; fruit documents are 0, 1, 5, stone documents 2, 3, 4.
      const fruit = ['apple', 'pear', 'plum'];
      const stone = ['stone', 'rock', 'sand'];
      const docs: SparseDocument[] = [fruit, fruit, stone, stone, stone, fruit].map((terms, internalId) => ({ internalId, terms }));
      temp.store.runInTransaction(() => temp.store.putDocuments(docs));
      expect(temp.store.termBlocks('apple')!.blocks).toEqual(Uint32Array.of(0, 1));
      // maxDfShare 1: every term is in half the documents, which the default (0.1) would leave out of the graph.
      const report = temp.store.runInTransaction(() => temp.store.reorder({ maxDfShare: 1 }));
      expect(report).toMatchObject({ documents: 6, graphTerms: 6, graphEdges: 18, swaps: 1 });
      // The one helpful swap (see the bisection example): document 2 <-> document 5.
      expect([0, 1, 2, 3, 4, 5].map((id) => temp.store.slotOf(id))).toEqual([0, 1, 5, 3, 4, 2]);
      for (const [id, slot] of [[2, 5], [5, 2], [0, 0]] as const) expect(temp.store.internalIdOfSlot(slot)).toBe(id);
      expect(temp.store.termBlocks('apple')).toMatchObject({ df: 3, blocks: Uint32Array.of(0) });
      expect(temp.store.termBlocks('rock')).toMatchObject({ df: 3, blocks: Uint32Array.of(1) });

      temp.store.runInTransaction(() => temp.store.putDocuments([{ internalId: 9, terms: ['apple'] }]));
      expect(temp.store.slotOf(9)).toBe(6);
      expect(temp.store.numBlocks()).toBe(3);
      const hits = exhaustiveTermAtATime(temp.store, { apple: 1 }, { k: 10 });
      expect(hits.map((h) => h.internalId).sort((a, b) => a - b)).toEqual([0, 1, 5, 9]);
      expect(blockMaxPruning(temp.store, { apple: 1 }, { k: 10 })).toEqual(hits);

      temp.store.runInTransaction(() => temp.store.removeDocuments([5]));
      expect(temp.store.slotOf(5)).toBeUndefined();
      expect(temp.store.internalIdOfSlot(2)).toBe(-1);
      expect(blockMaxPruning(temp.store, { apple: 1 }, { k: 10 }).map((h) => h.internalId).sort((a, b) => a - b)).toEqual([0, 1, 9]);
    } finally {
      temp.close();
    }
  });
});
