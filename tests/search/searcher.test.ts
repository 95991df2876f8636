import { describe, expect, it } from 'vitest';
import { LateInteractionSearcher, maxSim, type SearchHit } from '../../src/search/index.js';
import { multiVector, type MultiVector } from '../../src/shared/index.js';
import { FakeIndex, randomMultiVector, rng, type FakeDoc } from './fixtures.js';

/** Reference ranking: score every live document, full sort by score desc then external id asc. */
function bruteForce(index: FakeIndex, query: MultiVector, k: number, keep: (i: number) => boolean = () => true): SearchHit[] {
  const scored = [...index.liveInternalIds()]
    .filter(keep)
    .map((internalId) => ({ internalId, id: index.docs[internalId]!.id, score: maxSim(query, index.docs[internalId]!.vectors) }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return scored.slice(0, k).map((h, i) => ({ ...h, rank: i + 1 }));
}

function randomIndex(seed: number, docs: number, dim: number): FakeIndex {
  const random = rng(seed);
  const records: FakeDoc[] = [];
  for (let i = 0; i < docs; i++) {
    records.push({ id: `doc-${(i * 7919) % docs}`, vectors: randomMultiVector(random, 1 + Math.floor(random() * 12), dim) });
  }
  return new FakeIndex(dim, records);
}

const ids = (hits: SearchHit[]) => hits.map((h) => h.id);

describe('LateInteractionSearcher', () => {
  it('exhaustive mode equals the brute-force ranking (scores, order, 1-based ranks)', () => {
    const index = randomIndex(1, 60, 8);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(2), 5, 8);
    for (const k of [1, 10, 60, 100]) {
      const hits = searcher.search(query, { k, exhaustive: true });
      const expected = bruteForce(index, query, k);
      expect(ids(hits)).toEqual(ids(expected));
      expect(hits.map((h) => h.rank)).toEqual(expected.map((h) => h.rank));
      hits.forEach((h, i) => {
        expect(h.internalId).toBe(expected[i]!.internalId);
        expect(h.score).toBeCloseTo(expected[i]!.score, 9);
      });
    }
    expect(searcher.stats).toEqual({ scoredDocuments: 60, mode: 'exhaustive' });
  });

  it('candidate mode equals exhaustive when k\' covers every stored vector', () => {
    const index = randomIndex(5, 40, 6);
    const searcher = new LateInteractionSearcher(index);
    const everything = index.counts().vectors;
    for (let seed = 10; seed < 15; seed++) {
      const query = randomMultiVector(rng(seed), 4, 6);
      const exhaustive = searcher.search(query, { k: 15, exhaustive: true });
      const candidates = searcher.search(query, { k: 15, candidatesPerToken: everything });
      expect(candidates).toEqual(exhaustive);
    }
  });

  it('candidate mode with a small k\' scores exactly the documents of the HNSW neighbours', () => {
    const index = randomIndex(9, 50, 6);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(11), 3, 6);
    const pool = new Set<number>();
    for (let i = 0; i < 3; i++) for (const hit of index.searchHnswDocuments(query.data.subarray(i * 6, i * 6 + 6), 2)) pool.add(hit.internalId);
    const hits = searcher.search(query, { k: 50, candidatesPerToken: 2 });
    expect(searcher.stats).toEqual({ scoredDocuments: pool.size, mode: 'candidates' });
    expect(ids(hits)).toEqual(ids(bruteForce(index, query, 50, (i) => pool.has(i))));
  });

  it('rerankDepth keeps the candidates with the best imputed HNSW scores (hand-worked)', () => {
    // q0 = (1,0), q1 = (0,1); A = (1,0), B = (0,1), C = (0.8,0.6); k' = 2.
    // row 0 hits: A 1, C 0.8 (floor 0.8); row 1 hits: B 1, C 0.6 (floor 0.6)
    // approximate: A = 1 + 0.6 = 1.6; B = 0.8 + 1 = 1.8; C = 0.8 + 0.6 = 1.4 -> depth 2 keeps B, A
    // exact MaxSim: A = 1 + 0 = 1; B = 0 + 1 = 1; C = 0.8 + 0.6 = 1.4 (the best, but cut by the approximation)
    const index = new FakeIndex(2, [
      { id: 'A', vectors: multiVector(new Float32Array([1, 0]), 2) },
      { id: 'B', vectors: multiVector(new Float32Array([0, 1]), 2) },
      { id: 'C', vectors: multiVector(new Float32Array([0.8, 0.6]), 2) },
    ]);
    const searcher = new LateInteractionSearcher(index);
    const query = multiVector(new Float32Array([1, 0, 0, 1]), 2);
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 2, rerankDepth: 2 }))).toEqual(['A', 'B']);
    expect(searcher.stats.scoredDocuments).toBe(2);
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 2, rerankDepth: 3 }))).toEqual(['C', 'A', 'B']);
    // a filter removes documents before the cut, so they use no budget: without B, depth 2 keeps A and C
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 2, rerankDepth: 2, filter: (i) => i !== 1 }))).toEqual(['C', 'A']);
  });

  it('scores extra candidates (e.g. from the sparse path) along with the HNSW ones', () => {
    const index = new FakeIndex(2, [
      { id: 'A', vectors: multiVector(new Float32Array([1, 0]), 2) },
      { id: 'B', vectors: multiVector(new Float32Array([0, 1]), 2) },
      { id: 'C', vectors: multiVector(new Float32Array([0.8, 0.6]), 2) },
    ]);
    const searcher = new LateInteractionSearcher(index);
    const query = multiVector(new Float32Array([1, 0]), 2);
    // k' = 1 finds only A; B (exact 0) joins through extraCandidates, C stays unscored
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 1, extraCandidates: [1] }))).toEqual(['A', 'B']);
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 1, extraCandidates: [1, 2], filter: (i) => i !== 1 }))).toEqual(['A', 'C']);
    // with rerankDepth 1: A (approx 1) outranks the imputed extra C (approx = floor 1), tie broken by internal id
    expect(ids(searcher.search(query, { k: 3, candidatesPerToken: 1, extraCandidates: [2], rerankDepth: 1 }))).toEqual(['A']);
  });

  it('rerankDepth matches a reference of the imputed approximation on random data', () => {
    const index = randomIndex(51, 60, 6);
    const searcher = new LateInteractionSearcher(index);
    const query = { ...randomMultiVector(rng(52), 4, 6), weights: new Float32Array([1, 0.5, 2, 0]) };
    const perToken = 8;
    // Reference: best similarity per (row, doc), missing ones imputed with the row's lowest returned similarity.
    const rows = [0, 1, 2].map((i) => index.searchHnswDocuments(query.data.subarray(i * 6, i * 6 + 6), perToken));
    const pool = new Set(rows.flat().map((h) => h.internalId));
    const approx = [...pool].map((doc) => {
      let score = 0;
      rows.forEach((hits, i) => {
        const mine = hits.filter((h) => h.internalId === doc).map((h) => h.similarity);
        score += query.weights[i]! * (mine.length ? Math.max(...mine) : Math.min(...hits.map((h) => h.similarity)));
      });
      return { doc, score };
    });
    approx.sort((a, b) => b.score - a.score || a.doc - b.doc);
    for (const depth of [1, 5, 12, pool.size]) {
      const kept = new Set(approx.slice(0, depth).map((a) => a.doc));
      const hits = searcher.search(query, { k: 10, candidatesPerToken: perToken, rerankDepth: depth });
      expect(searcher.stats.scoredDocuments).toBe(Math.min(depth, pool.size));
      expect(ids(hits)).toEqual(ids(bruteForce(index, query, 10, (i) => kept.has(i))));
    }
    expect(searcher.search(query, { k: 10, candidatesPerToken: perToken, rerankDepth: pool.size + 5 })).toEqual(
      searcher.search(query, { k: 10, candidatesPerToken: perToken }),
    );
    expect(() => searcher.search(query, { k: 1, rerankDepth: 0 })).toThrow(expect.objectContaining({ code: 'invalid_rerank_depth' }));
  });

  it('breaks score ties by external id ascending and skips deleted documents', () => {
    const same = multiVector(new Float32Array([1, 0]), 2);
    const index = new FakeIndex(2, [
      { id: 'b', vectors: same },
      { id: 'c', vectors: multiVector(new Float32Array([0.5, 0.5]), 2) },
      { id: 'a', vectors: same },
      { id: 'aa', vectors: same },
      { id: 'z', vectors: multiVector(new Float32Array([0, 1]), 2) },
    ]);
    const searcher = new LateInteractionSearcher(index);
    const query = multiVector(new Float32Array([1, 0]), 2);
    // a, aa, b score 1; c scores 0.5; z scores 0.
    expect(ids(searcher.search(query, { k: 5, exhaustive: true }))).toEqual(['a', 'aa', 'b', 'c', 'z']);
    // top-2 of a three-way tie keeps the two smallest ids, whichever order they were offered in
    expect(ids(searcher.search(query, { k: 2, exhaustive: true }))).toEqual(['a', 'aa']);
    expect(ids(searcher.search(query, { k: 2, candidatesPerToken: 10 }))).toEqual(['a', 'aa']);
    index.delete(2);
    expect(ids(searcher.search(query, { k: 3, exhaustive: true }))).toEqual(['aa', 'b', 'c']);
  });

  it('applies the filter before scoring in both modes', () => {
    const index = randomIndex(21, 30, 4);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(22), 3, 4);
    const even = (i: number) => i % 2 === 0;
    const expected = bruteForce(index, query, 5, even);
    expect(ids(searcher.search(query, { k: 5, exhaustive: true, filter: even }))).toEqual(ids(expected));
    expect(ids(searcher.search(query, { k: 5, candidatesPerToken: 1000, filter: even }))).toEqual(ids(expected));
    expect(searcher.stats.scoredDocuments).toBe(15);
  });

  it('weights query rows by IDF when configured, unless the query brings its own weights', () => {
    // "rare" appears in 1 of 3 docs, "common" in all 3.
    const index = new FakeIndex(2, [
      { id: 'x', vectors: multiVector(new Float32Array([1, 0]), 2), terms: ['rare', 'common'] },
      { id: 'y', vectors: multiVector(new Float32Array([0, 1]), 2), terms: ['common'] },
      { id: 'w', vectors: multiVector(new Float32Array([0, 1]), 2), terms: ['common'] },
    ]);
    const query = multiVector(new Float32Array([1, 0, 0, 1]), 2, { tokens: ['rare', 'common'] });
    const rare = Math.log(1 + 2.5 / 1.5);
    const common = Math.log(1 + 0.5 / 3.5);
    const hits = new LateInteractionSearcher(index, { queryWeighting: 'idf' }).search(query, { k: 3, exhaustive: true });
    // x: rare*1 + common*0; w, y: rare*0 + common*1
    expect(ids(hits)).toEqual(['x', 'w', 'y']);
    expect(hits[0]!.score).toBeCloseTo(rare, 6);
    expect(hits[1]!.score).toBeCloseTo(common, 6);
    const own = { ...query, weights: new Float32Array([0, 2]) };
    const ownHits = new LateInteractionSearcher(index, { queryWeighting: 'idf' }).search(own, { k: 1, exhaustive: true });
    expect(ownHits[0]).toMatchObject({ id: 'w', score: 2 });
  });

  it('reuses one decode buffer across documents of varying size', () => {
    const index = randomIndex(31, 40, 16);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(32), 4, 16);
    searcher.search(query, { k: 3, exhaustive: true });
    const first = index.reusedBufferCalls;
    searcher.search(query, { k: 3, exhaustive: true });
    // After the first pass has grown the buffer to the largest document, every decode reuses it.
    expect(index.reusedBufferCalls - first).toBe(40);
    expect(first).toBeLessThan(40);
  });

  it('explains a hit token by token, consistently with its search score', () => {
    const index = randomIndex(61, 20, 5);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(62), 3, 5);
    const [top] = searcher.search(query, { k: 1, exhaustive: true });
    const explanation = searcher.explain(query, top!.internalId)!;
    expect(explanation.score).toBeCloseTo(top!.score, 9);
    const doc = index.docs[top!.internalId]!.vectors;
    explanation.bestRow.forEach((row, i) => {
      // the reported row really is the argmax for query row i
      let best = -Infinity;
      let arg = -1;
      for (let j = 0; j < doc.count; j++) {
        let s = 0;
        for (let t = 0; t < 5; t++) s += query.data[i * 5 + t]! * doc.data[j * 5 + t]!;
        if (s > best) [best, arg] = [s, j];
      }
      expect(row).toBe(arg);
      expect(explanation.bestSimilarity[i]).toBeCloseTo(best, 5);
    });
    index.delete(top!.internalId);
    expect(searcher.explain(query, top!.internalId)).toBeUndefined();
  });

  it('rejects bad k, bad k\' and a query of another dimension', () => {
    const index = randomIndex(41, 3, 4);
    const searcher = new LateInteractionSearcher(index);
    const query = randomMultiVector(rng(42), 2, 4);
    expect(searcher.search(query, { k: 0 })).toEqual([]);
    // a huge k is bounded by the live document count (no giant heap allocation)
    expect(searcher.search(query, { k: 2 ** 31 - 1, exhaustive: true })).toHaveLength(3);
    expect(() => searcher.search(query, { k: -1 })).toThrow(expect.objectContaining({ code: 'invalid_k' }));
    expect(() => searcher.search(query, { k: 1.5 })).toThrow(/k must be/);
    expect(() => searcher.search(query, { k: 1, candidatesPerToken: 0 })).toThrow(expect.objectContaining({ code: 'invalid_candidates' }));
    expect(() => searcher.search(randomMultiVector(rng(1), 2, 5), { k: 1 })).toThrow(expect.objectContaining({ code: 'dimension_mismatch' }));
  });
});
