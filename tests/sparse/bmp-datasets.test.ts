import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type SparseDocument } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime, prepareSparseQuery } from '../../src/search/sparse/index.js';
import { DATASETS, churnStore, firstDifference, openTempStore, putAll, readCorpusTexts, readQueryTexts, rng, type TempStore } from './helpers.js';

describe.each(DATASETS)('safe BMP equals exhaustive TAAT on %s', (dataset) => {
  let temp: TempStore;
  let queries: string[];
  let docs: SparseDocument[];
  beforeAll(() => {
    docs = readCorpusTexts(dataset).map((text, internalId) => ({ internalId, terms: analyze(text) }));
    queries = readQueryTexts(dataset);
    temp = openTempStore();
    putAll(temp, docs);
  });
  afterAll(() => temp.close());

  it.each([10, 100])('every query, k = %i', (k) => {
    let nonEmpty = 0;
    for (let qi = 0; qi < queries.length; qi++) {
      const prepared = prepareSparseQuery(temp.store, queries[qi]!);
      const reference = exhaustiveTermAtATime(temp.store, prepared, { k });
      const bmp = blockMaxPruning(temp.store, prepared, { k, alpha: 1, beta: 1 });
      const diff = firstDifference(bmp, reference);
      if (diff !== undefined) expect.fail(`${dataset} query #${qi} "${queries[qi]}" k=${k}: ${diff}`);
      if (reference.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(queries.length * 0.9);
  });

  it('still equal after deletes and re-adds, deleted documents never returned', () => {
    const stats = temp.store.stats();
    const { removed, deleted, readded, live } = churnStore(temp, docs, rng(dataset.length * 7919), { first: 0, step: 7, mix: 31 });
    expect(removed).toBe(deleted.size);
    expect(temp.store.stats().documents).toBe(docs.length - deleted.size + readded.length);

    // Independent reference: a fresh store holding only the live documents, same avgdl and internal ids.
    const fresh = openTempStore({ avgdl: stats.avgdl });
    try {
      putAll(fresh, [...live.values()].sort((a, b) => a.internalId - b.internalId));
      for (let qi = 0; qi < queries.length; qi++) {
        for (const k of [10, 100]) {
          const reference = exhaustiveTermAtATime(temp.store, queries[qi]!, { k });
          const bmp = blockMaxPruning(temp.store, queries[qi]!, { k });
          const rebuilt = exhaustiveTermAtATime(fresh.store, queries[qi]!, { k });
          const diff = firstDifference(bmp, reference) ?? firstDifference(reference, rebuilt);
          if (diff !== undefined) expect.fail(`${dataset} query #${qi} k=${k} after deletes: ${diff}`);
          for (const hit of bmp) if (deleted.has(hit.internalId)) expect.fail(`deleted document ${hit.internalId} returned`);
        }
      }
    } finally {
      fresh.close();
    }
  });
});
