import { describe, expect, it } from 'vitest';
import { idf, idfWeights, weightQuery } from '../../src/search/index.js';
import { LateIndexError, multiVector } from '../../src/shared/index.js';
import { FakeIndex } from './fixtures.js';

const v = (x: number) => multiVector(new Float32Array([x]), 1);

describe('idf weights', () => {
  it('computes ln(1 + (N - df + 0.5) / (df + 0.5))', () => {
    // N = 10: df 0 -> ln(1 + 10.5/0.5) = ln 22; df 4 -> ln(1 + 6.5/4.5) = ln(11/4.5); df 10 -> ln(1 + 0.5/10.5) = ln(11/10.5)
    expect(idf(0, 10)).toBeCloseTo(Math.log(22), 12);
    expect(idf(4, 10)).toBeCloseTo(Math.log(11 / 4.5), 12);
    expect(idf(10, 10)).toBeCloseTo(Math.log(11 / 10.5), 12);
    // df beyond N is clamped to N, so the weight stays positive
    expect(idf(12, 10)).toBeCloseTo(Math.log(11 / 10.5), 12);
  });

  it('weights query rows from the index document frequencies; unknown tokens get the maximum', () => {
    // 4 documents: "cat" in 3, "dog" in 1, "emu" in none.
    const index = new FakeIndex(1, [
      { id: 'a', vectors: v(1), terms: ['cat', 'dog'] },
      { id: 'b', vectors: v(1), terms: ['cat'] },
      { id: 'c', vectors: v(1), terms: ['cat'] },
      { id: 'd', vectors: v(1), terms: [] },
    ]);
    const query = multiVector(new Float32Array([1, 2, 3, 4]), 1, { tokens: ['cat', 'dog', 'emu', 'cat'] });
    const weighted = idfWeights(query, index);
    // cat: ln(1 + 1.5/3.5); dog: ln(1 + 3.5/1.5); emu: ln(1 + 4.5/0.5) = ln 10
    const cat = Math.log(1 + 1.5 / 3.5);
    const expected = [cat, Math.log(1 + 3.5 / 1.5), Math.log(10), cat];
    Array.from(weighted.weights!).forEach((w, i) => expect(w).toBeCloseTo(expected[i]!, 6));
    expect(Math.max(...weighted.weights!)).toBeCloseTo(idf(0, 4), 6);
    expect(weighted.data).toBe(query.data);
    expect(query.weights).toBeUndefined();
  });

  it('leaves weights absent for uniform weighting and needs tokens for idf', () => {
    const index = new FakeIndex(1, [{ id: 'a', vectors: v(1), terms: ['x'] }]);
    const query = multiVector(new Float32Array([1, 2]), 1);
    expect(weightQuery(query, 'uniform', index).weights).toBeUndefined();
    expect(() => weightQuery(query, 'idf', index)).toThrow(LateIndexError);
    expect(() => idfWeights(query, index)).toThrow(expect.objectContaining({ code: 'query_tokens_missing' }));
  });
});
