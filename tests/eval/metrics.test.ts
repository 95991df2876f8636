import { describe, expect, it } from 'vitest';
import { evaluateRun, ndcgAt, parseMeasure, precisionAt, recallAt, reciprocalRankAt } from '../../src/eval/index.js';
import type { RankedList } from '../../src/eval/index.js';

const judgments = (entries: Record<string, number>) => new Map(Object.entries(entries));
const list = (...ids: string[]): RankedList => ids.map((id, i) => ({ id, score: 100 - i }));

// q1: graded judgments; d4 judged non-relevant (0); d9 relevant but never retrieved.
const q1 = judgments({ d1: 3, d2: 2, d3: 1, d4: 0, d9: 2 });
// Ranking: d4 (judged 0), d1 (3), dX (unjudged), d3 (1), d1 again (duplicate), d2 (2)
const q1Ranking = ['d4', 'd1', 'dX', 'd3', 'd1', 'd2'];

describe('nDCG@k', () => {
  it('uses grades as gains, log2(rank + 1) discounts and an ideal DCG over all judged relevant documents', () => {
    // DCG@5 = 3/log2(3) + 1/log2(5)  (ranks 2 and 4; rank 5 is a repeat of d1 and gains nothing)
    //       = 1.892789 + 0.430677 = 2.323466
    // IDCG@5 = grades 3,2,2,1 sorted: 3/log2(2) + 2/log2(3) + 2/log2(4) + 1/log2(5)
    //        = 3 + 1.261860 + 1 + 0.430677 = 5.692536
    expect(ndcgAt(q1Ranking, q1, 5)).toBeCloseTo(2.323466 / 5.692536, 6);
    expect(ndcgAt(q1Ranking, q1, 5)).toBeCloseTo(0.40816, 5);
    // @10 adds d2 at rank 6: 2/log2(7) = 0.712414 -> 3.035880 / 5.692536 = 0.533309
    expect(ndcgAt(q1Ranking, q1, 10)).toBeCloseTo(0.533309, 5);
    // @1: d4 is judged non-relevant -> 0
    expect(ndcgAt(q1Ranking, q1, 1)).toBe(0);
  });

  it('is 1 for the ideal ranking and truncates the ideal list at k', () => {
    expect(ndcgAt(['d1', 'd2', 'd9', 'd3'], q1, 10)).toBeCloseTo(1, 12);
    // @2 with ranking d1, d3: (3 + 1/log2(3)) / (3 + 2/log2(3)) = 3.630930 / 4.261860 = 0.851959
    expect(ndcgAt(['d1', 'd3'], q1, 2)).toBeCloseTo(0.851959, 5);
  });

  it('treats negative grades as non-relevant and is 0 without relevant judgments', () => {
    expect(ndcgAt(['a', 'b'], judgments({ a: -1, b: 1 }), 2)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgAt(['a'], judgments({ a: 0 }), 10)).toBe(0);
  });
});

describe('R@k, RR@k, P@k', () => {
  it('counts relevant (grade > 0) documents once each', () => {
    // relevant: d1, d2, d3, d9 (4). Top 5 holds d1, d3 -> 2/4; top 10 adds d2 -> 3/4.
    expect(recallAt(q1Ranking, q1, 5)).toBe(0.5);
    expect(recallAt(q1Ranking, q1, 10)).toBe(0.75);
    // A duplicated relevant document is not counted twice: [d1, d1] -> 1/4
    expect(recallAt(['d1', 'd1'], q1, 2)).toBe(0.25);
    // P@5 = 2 relevant / 5
    expect(precisionAt(q1Ranking, q1, 5)).toBe(0.4);
  });

  it('takes 1/rank of the first relevant document within k', () => {
    // d4 (rank 1) is judged 0, d1 at rank 2 -> 1/2
    expect(reciprocalRankAt(q1Ranking, q1, 10)).toBe(0.5);
    expect(reciprocalRankAt(q1Ranking, q1, 1)).toBe(0);
    expect(reciprocalRankAt(['x', 'y', 'd3'], q1, 3)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRankAt([], q1, 10)).toBe(0);
  });
});

describe('evaluateRun', () => {
  it('averages over queries with a relevant judgment; judged queries without results score 0', () => {
    const qrels = new Map([
      ['q1', q1],
      ['q2', judgments({ d5: 1 })], // judged, absent from the run -> 0 everywhere
      ['q3', judgments({ d6: 0 })], // no relevant judgment -> not averaged
    ]);
    const run = new Map([
      ['q1', list(...q1Ranking)],
      ['q3', list('d6')],
      ['q4', list('d1')], // not in the qrels -> ignored
    ]);
    const result = evaluateRun(run, qrels, ['nDCG@10', 'R@5', 'RR@10']);
    expect(result.queries).toBe(2);
    // nDCG@10: (0.533309 + 0) / 2; R@5: (0.5 + 0) / 2; RR@10: (0.5 + 0) / 2
    expect(result.mean['nDCG@10']).toBeCloseTo(0.533309 / 2, 5);
    expect(result.mean['R@5']).toBe(0.25);
    expect(result.mean['RR@10']).toBe(0.25);
    expect(result.perQuery.get('q2')).toEqual({ 'nDCG@10': 0, 'R@5': 0, 'RR@10': 0 });
    expect([...result.perQuery.keys()]).toEqual(['q1', 'q2']);
  });

  it('parses ir_measures names and rejects unknown ones', () => {
    expect(parseMeasure('nDCG@10')).toEqual({ name: 'nDCG@10', kind: 'nDCG', k: 10 });
    expect(parseMeasure('RR@1')).toEqual({ name: 'RR@1', kind: 'RR', k: 1 });
    expect(() => parseMeasure('MAP')).toThrow(expect.objectContaining({ code: 'invalid_measure' }));
    expect(() => parseMeasure('R@0')).toThrow(/unknown measure "R@0"/);
  });
});
