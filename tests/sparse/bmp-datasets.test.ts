import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyze, type SparseDocument, type SparseTermsDocument } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime, prepareSparseQuery, type SparseHit } from '../../src/search/sparse/index.js';
import { DATASETS, openTempStore, readCorpusTexts, readQueryTexts, rng, type TempStore } from './helpers.js';

function putAll(temp: TempStore, docs: readonly SparseDocument[], batch = 1000): void {
  for (let i = 0; i < docs.length; i += batch) temp.store.runInTransaction(() => temp.store.putDocuments(docs.slice(i, i + batch)));
}

/** First position where two ranked lists differ, for a readable failure. */
function firstDifference(a: readonly SparseHit[], b: readonly SparseHit[]): string | undefined {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x?.internalId !== y?.internalId || x?.score !== y?.score) return `rank ${i}: ${JSON.stringify(x)} vs ${JSON.stringify(y)}`;
  }
  return undefined;
}

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
    const random = rng(dataset.length * 7919);
    const stats = temp.store.stats();
    const deleted = new Set<number>();
    for (const doc of docs) if (random() < 0.2) deleted.add(doc.internalId);
    const removed = temp.store.runInTransaction(() => temp.store.removeDocuments([...deleted]));
    expect(removed).toBe(deleted.size);
    // Re-add half of the deleted documents under new internal ids (ids are never reused).
    const readded: SparseDocument[] = [];
    let nextId = stats.idLimit;
    for (const id of deleted) if (random() < 0.5) readded.push({ internalId: nextId++, terms: (docs[id] as SparseTermsDocument).terms });
    putAll(temp, readded, 500);
    // Replace some live documents in place (same internal id, other text).
    const replaced: SparseDocument[] = [];
    for (let id = 0; id < docs.length && replaced.length < 50; id += 7) {
      if (!deleted.has(id)) replaced.push({ internalId: id, terms: (docs[(id * 31) % docs.length] as SparseTermsDocument).terms });
    }
    putAll(temp, replaced);
    expect(temp.store.stats().documents).toBe(docs.length - deleted.size + readded.length);

    // Independent reference: a fresh store holding only the live documents, same avgdl and internal ids.
    const live = new Map<number, SparseDocument>();
    for (const doc of docs) if (!deleted.has(doc.internalId)) live.set(doc.internalId, doc);
    for (const doc of [...readded, ...replaced]) live.set(doc.internalId, doc);
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
