import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LateIndex } from '../../src/index/late-index.js';
import { rankWithTieBreak, Retriever, type QueryEncoder } from '../../src/search/index.js';
import { multiVector } from '../../src/shared/index.js';
import { encoderIdentity, fields, makeDoc, tempDir } from '../index/helpers.js';

const byId = (a: number, b: number): number => a - b;

describe('rankWithTieBreak', () => {
  it('orders exact ties by the secondary score, then by id, and asks only for the tied contenders', () => {
    // ids 0..5; scores 3, 2, 2, 2, 1, 2. k = 3: id 0 alone at 3, then four documents tied at 2 for two places.
    const entries = [3, 2, 2, 2, 1, 2].map((score, internalId) => ({ internalId, score }));
    const asked: number[][] = [];
    const secondary = new Map([
      [1, 0.5],
      [2, 0.9],
      [3, 0.5],
      [5, 0.7],
    ]);
    const ranked = rankWithTieBreak(entries, 3, (ids) => (asked.push([...ids]), secondary), byId);
    // 2 (0.9) and 5 (0.7) win the tie; 5 would have lost to 1 and 3 by id.
    expect(ranked.map((e) => e.internalId)).toEqual([0, 2, 5]);
    expect(asked).toEqual([[1, 2, 3, 5]]);
    // Equal secondaries fall back to the id order; a missing secondary counts as 0.
    expect(rankWithTieBreak(entries, 6, () => new Map([[3, 0.5], [1, 0.5]]), byId).map((e) => e.internalId)).toEqual([0, 1, 3, 2, 5, 4]);
  });

  it('does not call the tie-breaker when the contenders have distinct scores', () => {
    const entries = [5, 4, 3, 3].map((score, internalId) => ({ internalId, score }));
    let calls = 0;
    const ranked = rankWithTieBreak(entries, 2, () => (calls++, new Map()), byId);
    expect(ranked.map((e) => e.internalId)).toEqual([0, 1]);
    expect(calls).toBe(0);
    expect(rankWithTieBreak(entries, 0, () => new Map(), byId)).toEqual([]);
  });
});

// A hand-made index: query "alpha" is the unit vector e1. Documents a, b, c hold e1 itself, so their MaxSim is
// exactly 1 (tied); their texts have the same length (4 terms) and tf("alpha") 1, 2 and 3, so BM25 orders them
// c > b > a (tf saturation is increasing in tf at fixed length), the reverse of their ids. d holds no e1 row
// (MaxSim 0.6) although its text is all "alpha"; e matches nothing at all.
const DIM = 4;
const E1 = [1, 0, 0, 0];
const NEAR = [0.6, 0.8, 0, 0];
const E3 = [0, 0, 1, 0];
const E4 = [0, 0, 0, 1];
const documents: { id: string; rows: number[][]; text: string }[] = [
  { id: 'a', rows: [E1, E3], text: 'alpha gamma gamma gamma' },
  { id: 'b', rows: [E1, E3], text: 'alpha alpha gamma gamma' },
  { id: 'c', rows: [E1, E3], text: 'alpha alpha alpha gamma' },
  { id: 'd', rows: [NEAR, E3], text: 'alpha alpha alpha alpha' },
  { id: 'e', rows: [E4], text: 'delta delta delta delta' },
];
const queryEncoder: QueryEncoder = {
  queryWeighting: 'uniform',
  encodeQueries: async (texts) => texts.map((text) => multiVector(Float32Array.from(E1), DIM, { tokens: [text] })),
};

let cleanup: () => void;
let index: LateIndex;
let retriever: Retriever;

beforeAll(async () => {
  const t = tempDir();
  cleanup = t.cleanup;
  index = await LateIndex.create(t.dir, { encoder: encoderIdentity(DIM), quantization: 'float32', sparse: { mode: 'bm25' } });
  await index.upsert(documents.map((d) => makeDoc(d.id, Float32Array.from(d.rows.flat()), DIM, fields({ text: d.text }))));
  retriever = new Retriever(index, queryEncoder);
});

afterAll(async () => {
  await index.close();
  cleanup();
});

describe('late-interaction ties on a hand-made index', () => {
  it('are exact MaxSim ties, and BM25 alone orders the tied documents c > b > a', async () => {
    const late = await retriever.search('alpha', { k: 5, mode: 'late', exhaustive: true });
    expect(late.slice(0, 3).map((h) => h.score)).toEqual([1, 1, 1]);
    const bm25 = await retriever.search('alpha', { k: 5, mode: 'sparse' });
    expect(bm25.filter((h) => 'abc'.includes(h.id)).map((h) => h.id)).toEqual(['c', 'b', 'a']);
  });

  it('are ordered by the BM25 score, not by id, in exhaustive and candidate mode', async () => {
    for (const exhaustive of [true, false]) {
      const hits = await retriever.search('alpha', { k: 5, mode: 'late', exhaustive });
      expect(hits.map((h) => h.id)).toEqual(['c', 'b', 'a', 'd', 'e']);
      expect(hits.map((h) => h.rank)).toEqual([1, 2, 3, 4, 5]);
      expect(hits[3]!.score).toBeCloseTo(0.6, 6);
    }
  });

  it('at the k boundary keep the documents with the higher BM25 score', async () => {
    const two = await retriever.search('alpha', { k: 2, mode: 'late', exhaustive: true });
    expect(two.map((h) => h.id)).toEqual(['c', 'b']);
    const one = await retriever.search('alpha', { k: 1, mode: 'late' });
    expect(one.map((h) => h.id)).toEqual(['c']);
  });

  it('fall back to the id order when the query shares no term with the tied documents', async () => {
    // "omega" has no postings: every secondary is 0, so the ties go by external id.
    const hits = await retriever.search('omega', { k: 3, mode: 'late', exhaustive: true });
    expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'c']);
  });

  it('in hybrid mode go by the sparse component', async () => {
    // Dense side e1, sparse side the text "delta", convex fusion at weight 0.5 over the union {a, ..., e}.
    const hits = await retriever.retrieve(
      { text: 'delta', vectors: multiVector(Float32Array.from(E1), DIM) },
      { k: 5, mode: 'hybrid', fusion: { method: 'convex', lateWeight: 0.5 } },
    );
    // late (MaxSim with e1): a, b, c 1; d 0.6; e 0. Sparse ("delta"): only e > 0. Min-max: a, b, c fuse to
    // 0.5 x 1 + 0.5 x 0 = 0.5, and e to 0.5 x 0 + 0.5 x 1 = 0.5: a four-way tie that e wins on its sparse score.
    expect(hits.slice(0, 4).map((h) => h.score)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(hits.map((h) => h.id)).toEqual(['e', 'a', 'b', 'c', 'd']);
  });
});
