import { afterEach, describe, expect, it } from 'vitest';
import { IndexFormatError, InputError } from '../../src/shared/index.js';
import { QUERY_WEIGHT_SCALE } from '../../src/index/sparse/index.js';
import { blockMaxPruning, exhaustiveTermAtATime, newSparseTrace } from '../../src/search/sparse/index.js';
import { bruteTopK, openTempStore, rng, type TempStore } from './helpers.js';

let temp: TempStore | undefined;
afterEach(() => {
  temp?.close();
  temp = undefined;
});

/** Random learned-sparse documents over a 300-term vocabulary with skewed term popularity. */
function learnedCorpus(count: number, seed: number): Array<{ internalId: number; weights: Record<string, number> }> {
  const random = rng(seed);
  const docs = [];
  for (let id = 0; id < count; id++) {
    const weights: Record<string, number> = {};
    const n = 5 + Math.floor(random() * 40);
    for (let j = 0; j < n; j++) weights[`t${Math.floor(300 * random() ** 2)}`] = Math.round(random() * 4 * 1000) / 1000;
    docs.push({ internalId: id, weights });
  }
  return docs;
}

describe('learned-sparse path', () => {
  it('stores min(255, round(weight x 64)) and scores sum of round(qw x 2^20) x impact exactly like brute force', () => {
    temp = openTempStore({ mode: 'learned', blockSize: 16 });
    const docs = learnedCorpus(1500, 11);
    temp.store.runInTransaction(() => temp!.store.putDocuments(docs));
    const random = rng(5);
    for (let qi = 0; qi < 60; qi++) {
      const query: Record<string, number> = {};
      for (let j = 0; j < 1 + Math.floor(random() * 12); j++) query[`t${Math.floor(300 * random())}`] = 0.05 + random() * 2;
      const scores = new Map<number, number>();
      for (const doc of docs) {
        let s = 0;
        for (const [term, qw] of Object.entries(query)) {
          const w = doc.weights[term];
          if (w !== undefined) s += Math.round(qw * QUERY_WEIGHT_SCALE) * Math.min(255, Math.round(w * 64));
        }
        scores.set(doc.internalId, s / (QUERY_WEIGHT_SCALE * 64));
      }
      for (const k of [1, 10, 100]) {
        const expected = bruteTopK(scores, k);
        expect(exhaustiveTermAtATime(temp.store, query, { k })).toEqual(expected);
        expect(blockMaxPruning(temp.store, query, { k })).toEqual(expected);
      }
    }
  });

  it('alpha < 1 and beta < 1 score fewer blocks/terms and only return true scores', () => {
    temp = openTempStore({ mode: 'learned', blockSize: 16 });
    const docs = learnedCorpus(3000, 12);
    temp.store.runInTransaction(() => temp!.store.putDocuments(docs));
    const query = { t1: 1.5, t2: 1.2, t3: 0.9, t40: 0.5, t90: 0.3, t200: 0.1 };
    const safe = newSparseTrace();
    const fast = newSparseTrace();
    const exact = blockMaxPruning(temp.store, query, { k: 10, trace: safe });
    const approx = blockMaxPruning(temp.store, query, { k: 10, alpha: 0.5, beta: 0.5, trace: fast });
    expect(fast.termsKept).toBe(3);
    expect(safe.termsKept).toBe(6);
    expect(fast.blocksScored).toBeLessThan(safe.blocksScored);
    expect(safe.blocksScored).toBeLessThan(safe.candidateBlocks);
    const full = new Map(exhaustiveTermAtATime(temp.store, query, { k: 3000 }).map((h) => [h.internalId, h.score]));
    // beta keeps t1..t3: approximate scores are partial sums, never above the full score.
    for (const hit of approx) expect(hit.score).toBeLessThanOrEqual(full.get(hit.internalId)!);
    expect(exact).toEqual(exhaustiveTermAtATime(temp.store, query, { k: 10 }));
  });

  it('rejects negative or non-numeric weights naming the field, and terms in a learned store', () => {
    temp = openTempStore({ mode: 'learned' });
    const store = temp.store;
    expect(() => store.putDocuments([{ internalId: 0, weights: { good: 1, bad: -2 } }])).toThrow(InputError);
    expect(() => store.putDocuments([{ internalId: 0, weights: { bad: -2 } }])).toThrow(/weights\.bad/);
    expect(() => store.putDocuments([{ internalId: 0, terms: ['x'] }])).toThrow(/needs "weights"/);
    expect(() => blockMaxPruning(store, 'some text', { k: 1 })).toThrow(/query term weights/);
  });
});

describe('sparse store', () => {
  it('keeps block maxima equal to a brute-force recomputation after writes, deletes and compact', () => {
    temp = openTempStore({ mode: 'learned', blockSize: 8 });
    const store = temp.store;
    const docs = learnedCorpus(400, 21);
    store.runInTransaction(() => store.putDocuments(docs.slice(0, 200)));
    store.runInTransaction(() => store.putDocuments(docs.slice(200).reverse())); // out-of-order ids in one batch
    const random = rng(3);
    const deleted = docs.filter(() => random() < 0.3).map((d) => d.internalId);
    store.runInTransaction(() => store.removeDocuments(deleted));
    const live = docs.filter((d) => !deleted.includes(d.internalId));
    const check = (): void => {
      for (let t = 0; t < 300; t++) {
        const expected = new Map<number, number>();
        let df = 0;
        for (const doc of live) {
          const w = doc.weights[`t${t}`];
          if (w === undefined || Math.round(w * 64) === 0) continue;
          df++;
          const block = Math.floor(doc.internalId / 8);
          expected.set(block, Math.max(expected.get(block) ?? 0, Math.min(255, Math.round(w * 64))));
        }
        const tb = store.termBlocks(`t${t}`);
        if (df === 0) {
          expect(tb).toBeUndefined();
          continue;
        }
        expect(tb!.df).toBe(df);
        expect([...tb!.blocks]).toEqual([...expected.keys()].sort((a, b) => a - b));
        expect([...tb!.maxima]).toEqual([...tb!.blocks].map((b) => expected.get(b)));
      }
    };
    check();
    const report = store.runInTransaction(() => store.compact());
    expect(report.loweredMaxima).toBe(0);
    check();
    expect(store.stats().documents).toBe(live.length);
  });

  it('refuses to reopen with another configuration', () => {
    temp = openTempStore({ blockSize: 32 });
    temp.store.runInTransaction(() => temp!.store.putDocuments([{ internalId: 0, terms: ['x'] }]));
    expect(() => temp!.reopen({ blockSize: 64 })).toThrow(IndexFormatError);
    expect(() => temp!.reopen({ mode: 'learned' })).toThrow(/mode=bm25/);
    expect(temp.reopen().stats().blockSize).toBe(32);
  });

  it('validates internal ids and batch duplicates', () => {
    temp = openTempStore();
    expect(() => temp!.store.putDocuments([{ internalId: -1, terms: ['x'] }])).toThrow(/internalId/);
    expect(() =>
      temp!.store.putDocuments([
        { internalId: 1, terms: ['x'] },
        { internalId: 1, terms: ['y'] },
      ]),
    ).toThrow(/appears twice/);
  });

  it('an aborted transaction leaves no trace and does not poison later writes', () => {
    temp = openTempStore();
    const store = temp.store;
    store.runInTransaction(() => store.putDocuments([{ internalId: 0, terms: ['alpha', 'beta'] }]));
    expect(() =>
      store.runInTransaction(() => {
        store.putDocuments([{ internalId: 1, terms: ['gamma', 'delta'] }]);
        throw new Error('caller failed later in its transaction');
      }),
    ).toThrow(/caller failed/);
    expect(store.termId('gamma')).toBeUndefined();
    expect(store.stats().documents).toBe(1);
    store.runInTransaction(() => store.putDocuments([{ internalId: 2, terms: ['epsilon', 'gamma'] }]));
    // New term ids continue from the committed counter and are distinct.
    const ids = ['alpha', 'beta', 'epsilon', 'gamma'].map((t) => store.termId(t));
    expect(new Set(ids).size).toBe(4);
    expect(exhaustiveTermAtATime(store, { gamma: 1 }, { k: 5 }).map((h) => h.internalId)).toEqual([2]);
    expect(exhaustiveTermAtATime(store, { epsilon: 1 }, { k: 5 }).map((h) => h.internalId)).toEqual([2]);
  });

  it('filter excludes documents in both algorithms identically', () => {
    temp = openTempStore({ mode: 'learned', blockSize: 16 });
    temp.store.runInTransaction(() => temp!.store.putDocuments(learnedCorpus(800, 9)));
    const filter = (id: number): boolean => id % 3 !== 0;
    const query = { t1: 1, t5: 0.7, t9: 0.4 };
    const expected = exhaustiveTermAtATime(temp.store, query, { k: 20, filter });
    expect(expected.length).toBe(20);
    expect(expected.every((h) => h.internalId % 3 !== 0)).toBe(true);
    expect(blockMaxPruning(temp.store, query, { k: 20, filter })).toEqual(expected);
    const unfiltered = exhaustiveTermAtATime(temp.store, query, { k: 800 }).filter((h) => filter(h.internalId)).slice(0, 20);
    expect(expected).toEqual(unfiltered);
  });
});
