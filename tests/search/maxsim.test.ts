import { describe, expect, it } from 'vitest';
import { maxSim, maxSimExplained, maxSimKernel } from '../../src/search/index.js';
import { multiVector } from '../../src/shared/index.js';
import { randomMultiVector, referenceMaxSim, rng } from './fixtures.js';

describe('maxSim', () => {
  it('matches a hand-worked example, with and without weights', () => {
    // q0 = (1,0), q1 = (0,1); d0 = (0.5,0.5), d1 = (1,0)
    // q0: max(0.5, 1) = 1 (row 1); q1: max(0.5, 0) = 0.5 (row 0) => 1.5
    const q = multiVector(new Float32Array([1, 0, 0, 1]), 2);
    const d = multiVector(new Float32Array([0.5, 0.5, 1, 0]), 2);
    expect(maxSim(q, d)).toBe(1.5);
    // weights (2, 3): 2*1 + 3*0.5 = 3.5
    expect(maxSim({ ...q, weights: new Float32Array([2, 3]) }, d)).toBe(3.5);
    const explained = maxSimExplained(q, d);
    expect(Array.from(explained.bestRow)).toEqual([1, 0]);
    expect(Array.from(explained.bestSimilarity)).toEqual([1, 0.5]);
  });

  it('takes the maximum even when every similarity is negative', () => {
    // q = (1); d = (-3), (-1) => max = -1
    const q = multiVector(new Float32Array([1]), 1);
    const d = multiVector(new Float32Array([-3, -1]), 1);
    expect(maxSim(q, d)).toBe(-1);
  });

  it('equals the brute-force reference on random shapes', () => {
    const random = rng(42);
    for (const dim of [1, 3, 4, 16, 17, 128]) {
      for (const [qRows, dRows] of [[1, 1], [5, 1], [32, 100], [7, 13], [1, 40]] as const) {
        for (const weighted of [false, true]) {
          const weights = weighted ? Float32Array.from({ length: qRows }, () => random() * 3) : undefined;
          const q = randomMultiVector(random, qRows, dim, weights ? { weights } : {});
          const d = randomMultiVector(random, dRows, dim);
          const ref = referenceMaxSim(q, d);
          expect(maxSim(q, d)).toBeCloseTo(ref.score, 9);
          const explained = maxSimExplained(q, d);
          expect(explained.score).toBeCloseTo(ref.score, 9);
          expect(Array.from(explained.bestRow)).toEqual(ref.bestRow);
          explained.bestSimilarity.forEach((s, i) => expect(s).toBeCloseTo(ref.bestSimilarity[i]!, 5));
        }
      }
    }
  });

  it('reads only the given rows of oversized buffers and scores an empty document 0', () => {
    const random = rng(7);
    const q = randomMultiVector(random, 4, 8);
    const d = randomMultiVector(random, 3, 8);
    const padded = new Float32Array(10 * 8).fill(Number.NaN);
    padded.set(d.data);
    expect(maxSimKernel(q.data, 4, padded, 3, 8)).toBeCloseTo(referenceMaxSim(q, d).score, 9);
    expect(maxSimKernel(q.data, 4, padded, 0, 8)).toBe(0);
    const explained = maxSimExplained(q, multiVector(new Float32Array(0), 8));
    expect(explained.score).toBe(0);
    expect(Array.from(explained.bestRow)).toEqual([-1, -1, -1, -1]);
  });

  it('rejects mismatched dimensions', () => {
    const q = multiVector(new Float32Array(4), 2);
    const d = multiVector(new Float32Array(6), 3);
    expect(() => maxSim(q, d)).toThrow(/dim 2.*dim 3/);
  });
});
