import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparseDocument } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime, prepareSparseQuery } from '../../src/search/sparse/index.js';
import { DATASETS, analyzeCorpus, churnStore, firstDifference, openTempStore, putAll, readQueryTexts, rng, yieldToEventLoop, type TempStore } from './helpers.js';

// Every collection is analysed and stored once, and serves every check in order: safe Block-Max Pruning against
// exhaustive TAAT in natural order, the same after graph-bisection reordering (against the natural-order store),
// then after deletes and re-adds. Loops yield to the event loop now and then (see yieldToEventLoop).
const yieldEvery = async (i: number): Promise<void> => {
  if (i % 100 === 99) await yieldToEventLoop();
};

/** The update round trip after reordering runs on the smaller collections; SciFact and Vaswani get the rest. */
const UPDATE_DATASETS: readonly string[] = ['cranfield', 'med', 'cacm', 'lisa'];

describe.each(DATASETS)('sparse retrieval on %s', (dataset) => {
  let natural: TempStore;
  let queries: string[];
  let docs: SparseDocument[];
  beforeAll(async () => {
    docs = await analyzeCorpus(dataset);
    queries = readQueryTexts(dataset);
    natural = openTempStore();
    await putAll(natural, docs);
  });
  afterAll(() => natural.close());

  it.each([10, 100])('safe BMP equals exhaustive TAAT, every query, k = %i', async (k) => {
    let nonEmpty = 0;
    for (let qi = 0; qi < queries.length; qi++) {
      await yieldEvery(qi);
      const prepared = prepareSparseQuery(natural.store, queries[qi]!);
      const reference = exhaustiveTermAtATime(natural.store, prepared, { k });
      const bmp = blockMaxPruning(natural.store, prepared, { k, alpha: 1, beta: 1 });
      const diff = firstDifference(bmp, reference);
      if (diff !== undefined) expect.fail(`${dataset} query #${qi} "${queries[qi]}" k=${k}: ${diff}`);
      if (reference.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(queries.length * 0.9);
  });

  describe('reordered store', () => {
    let reordered: TempStore;
    beforeAll(async () => {
      reordered = openTempStore();
      await putAll(reordered, docs);
      reordered.store.runInTransaction(() => reordered.store.reorder());
    });
    afterAll(() => reordered.close());

    it('safe BMP and TAAT on the reordered store equal TAAT on the natural-order store, every query, k = 10', async () => {
      expect(reordered.store.stats().permuted).toBe(true);
      let moved = 0;
      for (let id = 0; id < docs.length; id++) if (reordered.store.slotOf(id) !== id) moved++;
      expect(moved).toBeGreaterThan(docs.length / 2);
      for (let qi = 0; qi < queries.length; qi++) {
        await yieldEvery(qi);
        const reference = exhaustiveTermAtATime(natural.store, queries[qi]!, { k: 10 });
        const prepared = prepareSparseQuery(reordered.store, queries[qi]!);
        const taat = exhaustiveTermAtATime(reordered.store, prepared, { k: 10 });
        const bmp = blockMaxPruning(reordered.store, prepared, { k: 10 });
        const diff = firstDifference(taat, reference) ?? firstDifference(bmp, reference);
        if (diff !== undefined) expect.fail(`${dataset} query #${qi} "${queries[qi]}": ${diff}`);
      }
    });

    if (UPDATE_DATASETS.includes(dataset)) it('stays exact under deletes, re-adds and replacements after reordering, and after reordering again', async () => {
      const stats = reordered.store.stats();
      const { live } = await churnStore(reordered, docs, rng(dataset.length * 104729), { first: 3, step: 11, mix: 17 });
      const fresh = openTempStore({ avgdl: stats.avgdl });
      try {
        await putAll(fresh, [...live.values()].sort((a, b) => a.internalId - b.internalId));
        const check = async (phase: string): Promise<void> => {
          for (let qi = 0; qi < queries.length; qi += 2) {
            await yieldEvery(qi);
            const reference = exhaustiveTermAtATime(fresh.store, queries[qi]!, { k: 10 });
            const taat = exhaustiveTermAtATime(reordered.store, queries[qi]!, { k: 10 });
            const bmp = blockMaxPruning(reordered.store, queries[qi]!, { k: 10 });
            const diff = firstDifference(taat, reference) ?? firstDifference(bmp, reference);
            if (diff !== undefined) expect.fail(`${dataset} ${phase} query #${qi}: ${diff}`);
          }
        };
        await check('after updates');
        const again = reordered.store.runInTransaction(() => reordered.store.reorder());
        expect(again.documents).toBe(live.size);
        expect(reordered.store.stats().slotLimit).toBe(live.size);
        await check('after a second reorder');
      } finally {
        fresh.close();
      }
    });
  });

  // Last: it changes the natural-order store the checks above use as their reference.
  describe('after deletes and re-adds', () => {
    let deleted: ReadonlySet<number>;
    let fresh: TempStore;
    beforeAll(async () => {
      const stats = natural.store.stats();
      const churned = await churnStore(natural, docs, rng(dataset.length * 7919), { first: 0, step: 7, mix: 31 });
      expect(churned.removed).toBe(churned.deleted.size);
      expect(natural.store.stats().documents).toBe(docs.length - churned.deleted.size + churned.readded.length);
      deleted = churned.deleted;
      // Independent reference: a fresh store holding only the live documents, same avgdl and internal ids.
      fresh = openTempStore({ avgdl: stats.avgdl });
      await putAll(fresh, [...churned.live.values()].sort((a, b) => a.internalId - b.internalId));
    });
    afterAll(() => fresh.close());

    it.each([10, 100])('safe BMP still equals exhaustive TAAT and the rebuilt store, deleted documents never returned, k = %i', async (k) => {
      for (let qi = 0; qi < queries.length; qi++) {
        await yieldEvery(qi);
        const reference = exhaustiveTermAtATime(natural.store, queries[qi]!, { k });
        const bmp = blockMaxPruning(natural.store, queries[qi]!, { k });
        const rebuilt = exhaustiveTermAtATime(fresh.store, queries[qi]!, { k });
        const diff = firstDifference(bmp, reference) ?? firstDifference(reference, rebuilt);
        if (diff !== undefined) expect.fail(`${dataset} query #${qi} k=${k} after deletes: ${diff}`);
        for (const hit of bmp) if (deleted.has(hit.internalId)) expect.fail(`deleted document ${hit.internalId} returned`);
      }
    });
  });
});
