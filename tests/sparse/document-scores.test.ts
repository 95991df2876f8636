import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SparseTermsDocument } from '../../src/index/sparse/index.js';
import { exhaustiveTermAtATime, scoreDocuments } from '../../src/search/sparse/index.js';
import { churnStore, openTempStore, putAll, rng, type TempStore } from './helpers.js';

// 600 documents over 40 terms in blocks of 8, reordered, then churned (deletes, re-adds under new ids, replacements):
// slots differ from internal ids and some ids are gone, which is what scoreDocuments must map through.
const TERMS = Array.from({ length: 40 }, (_, i) => `t${i}`);
let temp: TempStore;
let docs: SparseTermsDocument[];
let deleted: Set<number>;
let live: number[];

beforeAll(async () => {
  const random = rng(31);
  docs = Array.from({ length: 600 }, (_, internalId) => ({
    internalId,
    terms: Array.from({ length: 3 + Math.floor(random() * 12) }, () => TERMS[Math.floor(random() ** 2 * TERMS.length)]!),
  }));
  temp = openTempStore({ blockSize: 8 });
  await putAll(temp, docs, 200);
  temp.store.runInTransaction(() => temp.store.reorder());
  const churn = await churnStore(temp, docs, random, { first: 5, step: 13, mix: 7 });
  deleted = churn.deleted;
  live = [...churn.live.keys()];
});

afterAll(() => temp.close());

describe('scoreDocuments', () => {
  it("gives each listed document exactly the score exhaustive TAAT gives it, and nothing for the others", () => {
    expect(temp.store.stats().permuted).toBe(true);
    const random = rng(7);
    const queries = ['t0', 't1 t7', 't3 t3 t12 t39', { t2: 1.5, t20: 0.5 }, 't39 t38 t37 t36 t35', 'absent'];
    for (const query of queries) {
      const reference = new Map(exhaustiveTermAtATime(temp.store, query, { k: 10_000 }).map((h) => [h.internalId, h.score]));
      const asked = [...live.filter(() => random() < 0.1), ...[...deleted].slice(0, 5), 99_999];
      const expected = new Map(asked.filter((id) => reference.has(id)).map((id) => [id, reference.get(id)!]));
      expect(scoreDocuments(temp.store, query, asked)).toEqual(expected);
    }
    expect(scoreDocuments(temp.store, 't0', [])).toEqual(new Map());
  });

  it('scores every live document as TAAT does when asked for all of them', () => {
    const reference = new Map(exhaustiveTermAtATime(temp.store, 't4 t9 t9 t30', { k: 10_000 }).map((h) => [h.internalId, h.score]));
    expect(reference.size).toBeGreaterThan(100);
    expect(scoreDocuments(temp.store, 't4 t9 t9 t30', live)).toEqual(reference);
  });
});
