import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluate, evaluateRun, readTrecRun, trecEvalOrder, writeTrecRun, type RankedList } from '../../src/eval/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lateindex-ties-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const judgments = (entries: Record<string, number>) => new Map(Object.entries(entries));
const qrels = new Map([
  ['q1', judgments({ d2: 1, d10: 2, d7: 0 })],
  ['q2', judgments({ b: 1 })],
]);
// As a searcher that breaks ties by id ascending would return them.
const searcherOrder: Record<string, RankedList> = {
  q1: [
    { id: 'x', score: 3 },
    { id: 'd1', score: 2 },
    { id: 'd10', score: 2 },
    { id: 'd2', score: 2 },
    { id: 'd7', score: 2 },
    { id: 'y', score: 1 },
  ],
  q2: [
    { id: 'b', score: 1 },
    { id: 'c', score: 1 },
    { id: 'a', score: 1 },
  ],
};

describe("trec_eval's order", () => {
  it('sorts by score descending, then document id descending byte by byte', () => {
    expect(trecEvalOrder(searcherOrder.q1!).map((d) => d.id)).toEqual(['x', 'd7', 'd2', 'd10', 'd1', 'y']);
    expect(trecEvalOrder(searcherOrder.q2!).map((d) => d.id)).toEqual(['c', 'b', 'a']);
    // strcmp on UTF-8: U+1F600 (F0 9F 98 80) > U+FFFD (EF BF BD) > é (C3 A9) > z, though in UTF-16 code units
    // U+1F600's first unit (D83D) sorts below U+FFFD.
    const ids = ['z', '\u{1F600}', 'é', '\uFFFD'];
    expect(trecEvalOrder(ids.map((id) => ({ id, score: 0.5 }))).map((d) => d.id)).toEqual(['\u{1F600}', '\uFFFD', 'é', 'z']);
  });

  it('scores a run full of ties as trec_eval does, worked by hand', () => {
    const result = evaluateRun(new Map(Object.entries(searcherOrder)), qrels, ['nDCG@10', 'RR@10', 'R@5']);
    // q1 in trec_eval order: x d7 d2(1) d10(2) d1 y -> DCG = 1/log2(4) + 2/log2(5); IDCG = 2 + 1/log2(3)
    const q1 = (1 / Math.log2(4) + 2 / Math.log2(5)) / (2 + 1 / Math.log2(3));
    expect(q1).toBeCloseTo(0.517442, 6);
    // q2: c b(1) a -> 1/log2(3); in the order given, b would be first (nDCG 1, RR 1).
    const q2 = 1 / Math.log2(3);
    expect(result.perQuery.get('q1')).toEqual({ 'nDCG@10': expect.closeTo(q1, 12), 'RR@10': 1 / 3, 'R@5': 1 });
    expect(result.perQuery.get('q2')).toEqual({ 'nDCG@10': expect.closeTo(q2, 12), 'RR@10': 1 / 2, 'R@5': 1 });
    expect(result.mean['nDCG@10']).toBeCloseTo(0.574186, 6);
  });

  it('evaluate keeps the run in that order, and scoring the run file it writes gives the same figures', async () => {
    const queries = new Map([
      ['q1', 'first'],
      ['q2', 'second'],
    ]);
    const result = await evaluate({ queries, qrels, searchFn: async (_text, qid) => searcherOrder[qid]! });
    expect(result.run.get('q1')!.map((d) => d.id)).toEqual(['x', 'd7', 'd2', 'd10', 'd1', 'y']);
    const file = path.join(dir, 'run.trec');
    await writeTrecRun(file, result.run, 'ties');
    expect(evaluateRun(await readTrecRun(file), qrels).mean).toEqual(result.metrics);
    expect(result.metrics['nDCG@10']).toBeCloseTo(0.574186, 6);
  });
});
