import { describe, expect, it } from 'vitest';
import { evaluate, percentileNearestRank, summarizeLatency, type RankedList } from '../../src/eval/index.js';

describe('percentileNearestRank', () => {
  it('returns sorted[ceil(p/100 * n) - 1]', () => {
    const values = [15, 20, 35, 40, 50];
    // n = 5: p50 -> ceil(2.5) = 3rd = 35; p95 -> ceil(4.75) = 5th = 50; p20 -> ceil(1) = 1st = 15; p0 -> 1st
    expect(percentileNearestRank(values, 50)).toBe(35);
    expect(percentileNearestRank(values, 95)).toBe(50);
    expect(percentileNearestRank(values, 20)).toBe(15);
    expect(percentileNearestRank(values, 0)).toBe(15);
    // n = 20 values 1..20 (shuffled): p95 -> ceil(19) = 19th = 19; p50 -> 10th = 10
    const twenty = Array.from({ length: 20 }, (_, i) => ((i * 7) % 20) + 1);
    expect(percentileNearestRank(twenty, 95)).toBe(19);
    expect(percentileNearestRank(twenty, 50)).toBe(10);
    expect(percentileNearestRank([], 50)).toBeNaN();
    expect(summarizeLatency([1, 2, 3, 4], 8)).toEqual({ p50Ms: 2, p95Ms: 4, qps: 500 });
  });
});

describe('evaluate', () => {
  const queries = new Map([
    ['q0', 'unjudged query'],
    ['q1', 'alpha'],
    ['q2', 'beta'],
    ['q3', 'only non-relevant judgments'],
  ]);
  const qrels = new Map([
    ['q2', new Map([['d2', 1], ['d9', 1]])],
    ['q1', new Map([['d1', 2]])],
    ['q3', new Map([['d3', 0]])],
  ]);
  const results: Record<string, RankedList> = {
    alpha: [{ id: 'dx', score: 3 }, { id: 'd1', score: 2 }],
    beta: Array.from({ length: 150 }, (_, i) => ({ id: i === 120 ? 'd2' : `n${i}`, score: 150 - i })),
  };

  it('runs the judged queries in queries-file order and reports metrics, latency and the run', async () => {
    const calls: string[] = [];
    const progress: Array<[number, number]> = [];
    const result = await evaluate({
      queries,
      qrels,
      searchFn: async (text, qid) => {
        calls.push(`${qid}:${text}`);
        return results[text] ?? [];
      },
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(calls).toEqual(['q1:alpha', 'q2:beta']);
    expect(progress).toEqual([[1, 2], [2, 2]]);
    expect(result.queries).toBe(2);
    // q1: d1 (grade 2) at rank 2 -> nDCG@10 = (2/log2 3) / (2/log2 2) = 1/log2 3 = 0.630930; R@100 = 1; RR@10 = 1/2
    // q2: d2 at rank 121 -> beyond every cut-off: all 0
    expect(result.metrics['nDCG@10']).toBeCloseTo(1 / Math.log2(3) / 2, 12);
    expect(result.metrics['R@100']).toBe(0.5);
    expect(result.metrics['RR@10']).toBe(0.25);
    expect(result.perQuery.map((q) => [q.id, q.retrieved])).toEqual([['q1', 2], ['q2', 150]]);
    expect(result.perQuery[0]!.metrics).toEqual({ 'nDCG@10': expect.closeTo(0.63093, 5), 'R@100': 1, 'RR@10': 0.5 });
    // the run is cut at the deepest measure (100)
    expect(result.run.get('q2')).toHaveLength(100);
    expect([...result.run.keys()]).toEqual(['q1', 'q2']);
    expect(result.latency.p50Ms).toBeGreaterThanOrEqual(0);
    expect(result.latency.p95Ms).toBeGreaterThanOrEqual(result.latency.p50Ms);
    expect(result.latency.qps).toBeGreaterThan(0);
  });

  it('scores deeper runs when asked and rejects judged queries missing from the queries', async () => {
    const deep = await evaluate({ queries, qrels, measures: ['R@200'], depth: 200, searchFn: async (t) => results[t] ?? [] });
    // q1: 1/1; q2: d2 found at rank 121, d9 never -> 1/2
    expect(deep.metrics).toEqual({ 'R@200': 0.75 });
    expect(deep.run.get('q2')).toHaveLength(150);
    const partial = new Map([['q1', 'alpha']]);
    await expect(evaluate({ queries: partial, qrels, searchFn: async () => [] })).rejects.toThrow(
      expect.objectContaining({ code: 'query_missing', message: '1 judged query is missing from the queries: "q2"' }),
    );
  });
});
