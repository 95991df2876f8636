import { describe, expect, it } from 'vitest';
import { Float16Codec } from '../../src/index/codecs/float16-codec.js';
import { parseReductionSpec } from '../../src/pool/index.js';
import {
  LateInteractionSearcher,
  maxSim,
  maxSimExplained,
  maxSimKernel,
  type ExactTokenMatcher,
} from '../../src/search/index.js';
import { createMaxSimScorer, MAXSIM_BACKEND } from '../../src/search/maxsim-scorer.js';
import { multiVector, normalizeRows, representedTokens, type MultiVector } from '../../src/shared/index.js';
import { FakeIndex, randomMultiVector, referenceMaxSim, rng, type FakeDoc } from './fixtures.js';

/** Reference: sum_i w_i * max(floor_i, max_j q_i.d_j), from the independent brute-force per-row maxima. */
function referenceWithFloors(query: MultiVector, doc: MultiVector, floors: Float64Array): number {
  if (doc.count === 0) return 0;
  const { bestSimilarity } = referenceMaxSim(query, doc);
  return bestSimilarity.reduce((s, best, i) => s + (query.weights?.[i] ?? 1) * Math.max(best, floors[i]!), 0);
}

function randomFloors(random: () => number, count: number): Float64Array {
  return Float64Array.from({ length: count }, () => (random() < 0.4 ? 1 + random() : random() < 0.5 ? -Infinity : random() - 0.5));
}

/** A FakeIndex whose documents list the tokens their rows stand for. */
class FakeExactIndex extends FakeIndex {
  private readonly dictionary = new Map<string, number>();
  private readonly lists: (Set<number> | undefined)[];
  constructor(dim: number, docs: FakeDoc[], tokens: (readonly string[] | undefined)[]) {
    super(dim, docs);
    this.lists = tokens.map((list) => list && new Set(list.map((t) => this.idOf(t))));
  }
  private idOf(token: string): number {
    if (!this.dictionary.has(token)) this.dictionary.set(token, this.dictionary.size);
    return this.dictionary.get(token)!;
  }
  readonly exactTokens: ExactTokenMatcher = {
    tokenId: (token) => this.dictionary.get(token),
    match: (internalId, tokenIds, present) => {
      const list = this.lists[internalId];
      if (list === undefined) return false;
      tokenIds.forEach((id, i) => (present[i] = list.has(id) ? 1 : 0));
      return true;
    },
  };
}

describe('MaxSim with per-row floors', () => {
  it('the scalar kernel equals sum_i w_i max(floor_i, best_i) on random inputs', () => {
    const random = rng(5);
    for (let trial = 0; trial < 40; trial++) {
      const dim = 1 + Math.floor(random() * 20);
      const query = randomMultiVector(random, 1 + Math.floor(random() * 7), dim, {});
      const weighted = multiVector(query.data, dim, { weights: Float32Array.from({ length: query.count }, () => random() * 3) });
      const doc = randomMultiVector(random, Math.floor(random() * 9), dim);
      const floors = randomFloors(random, query.count);
      for (const q of [query, weighted]) {
        const got = maxSimKernel(q.data, q.count, doc.data, doc.count, dim, q.weights, floors);
        expect(got).toBeCloseTo(referenceWithFloors(q, doc, floors), 9);
      }
    }
  });

  it('every scorer backend returns exactly the scalar kernel value with floors, also from float16 bytes', () => {
    const random = rng(8);
    const scorer = createMaxSimScorer(MAXSIM_BACKEND);
    const codec = new Float16Codec();
    for (let trial = 0; trial < 30; trial++) {
      const dim = 4 + Math.floor(random() * 40);
      const query = randomMultiVector(random, 1 + Math.floor(random() * 9), dim, {});
      const q = multiVector(query.data, dim, { weights: Float32Array.from({ length: query.count }, () => random() * 2) });
      const doc = randomMultiVector(random, 1 + Math.floor(random() * 30), dim);
      const floors = randomFloors(random, q.count);
      scorer.setQuery(q);
      const expected = maxSimKernel(q.data, q.count, doc.data, doc.count, dim, q.weights, floors);
      expect(scorer.score(doc.data, doc.count, floors)).toBe(expected);
      if (scorer.scoreFloat16) {
        const bytes = codec.encode(doc.data, dim);
        const decoded = codec.decode(bytes, doc.count, dim, new Float32Array(doc.count * dim));
        const fromHalves = maxSimKernel(q.data, q.count, decoded, doc.count, dim, q.weights, floors);
        expect(scorer.scoreFloat16(bytes, doc.count, floors)).toBe(fromHalves);
      }
    }
  });

  it('explanations report the floor as the similarity and mark exactly the rows it decided', () => {
    const query = multiVector(Float32Array.of(1, 0, 0, 1), 2);
    const doc = multiVector(Float32Array.of(0.6, 0.8), 2);
    const explained = maxSimExplained(query, doc, Float64Array.of(1, 0.5));
    expect(Array.from(explained.bestSimilarity)).toEqual([1, Math.fround(0.8)]);
    expect(Array.from(explained.floored)).toEqual([1, 0]);
    expect(explained.score).toBeCloseTo(1 + 0.8, 6);
  });
});

describe('LateInteractionSearcher with exact-match recovery', () => {
  // Query tokens a, b are the unit axes, weighted 1 and 2. X is one pooled row standing for a and b; Y holds a's
  // own vector and a row for c. Plain MaxSim: X = 0.6 + 2 * 0.8 = 2.2, Y = 1 + 2 * 0.96 = 2.92. With recovery X
  // holds both query tokens (1 + 2 * 1 = 3) and Y only a (1 + 2 * 0.96 = 2.92), so X moves to the top.
  const docs: FakeDoc[] = [
    { id: 'X', vectors: multiVector(Float32Array.of(0.6, 0.8), 2) },
    { id: 'Y', vectors: multiVector(Float32Array.of(1, 0, 0.28, 0.96), 2) },
  ];
  const query = multiVector(Float32Array.of(1, 0, 0, 1), 2, { tokens: ['a', 'b'], weights: Float32Array.of(1, 2) });

  it('floors the similarity of every query token the document holds at its self-similarity (hand-worked)', () => {
    const plain = new LateInteractionSearcher(new FakeIndex(2, docs)).search(query, { k: 2, exhaustive: true });
    expect(plain.map((h) => h.id)).toEqual(['Y', 'X']);
    expect(plain[0]!.score).toBeCloseTo(2.92, 6);
    expect(plain[1]!.score).toBeCloseTo(2.2, 6);
    const searcher = new LateInteractionSearcher(new FakeExactIndex(2, docs, [['a', 'b'], ['a', 'c']]));
    const hits = searcher.search(query, { k: 2, exhaustive: true });
    expect(hits.map((h) => h.id)).toEqual(['X', 'Y']);
    expect(hits[0]!.score).toBeCloseTo(3, 6);
    expect(hits[1]!.score).toBeCloseTo(2.92, 6);
    const explained = searcher.explain(query, 0)!;
    expect(Array.from(explained.floored)).toEqual([1, 1]);
    expect(explained.score).toBeCloseTo(3, 6);
  });

  it('leaves documents without a list, and tokens no document holds, to plain MaxSim', () => {
    const unknown = multiVector(query.data, 2, { tokens: ['zz', 'yy'], weights: query.weights! });
    const index = new FakeExactIndex(2, docs, [undefined, ['a', 'c']]);
    const searcher = new LateInteractionSearcher(index);
    const hits = searcher.search(query, { k: 2, exhaustive: true });
    expect(hits.find((h) => h.id === 'X')!.score).toBeCloseTo(2.2, 6);
    for (const hit of searcher.search(unknown, { k: 2, exhaustive: true })) {
      expect(hit.score).toBeCloseTo(hit.id === 'X' ? 2.2 : 2.92, 6);
    }
  });
});

describe('exact-match recovery properties (context-free rows: one vector per token)', () => {
  /** A document of `count` rows drawn from a vocabulary of unit vectors, so a repeated token repeats its vector. */
  function contextFreeDoc(random: () => number, vocabulary: MultiVector, count: number): MultiVector {
    const dim = vocabulary.dim;
    const picks = Array.from({ length: count }, () => Math.floor(random() * vocabulary.count));
    const data = new Float32Array(count * dim);
    picks.forEach((v, r) => data.set(vocabulary.data.subarray(v * dim, (v + 1) * dim), r * dim));
    return multiVector(data, dim, { tokens: picks.map((v) => `t${v}`) });
  }
  const unit = (mv: MultiVector) => multiVector(normalizeRows(mv.data.slice(), mv.dim), mv.dim, mv.tokens ? { tokens: mv.tokens } : {});

  it('with raw means: plain pooled <= recovered pooled <= unreduced, and recovery changes no unreduced score', () => {
    const random = rng(17);
    for (let trial = 0; trial < 40; trial++) {
      const dim = 8 + Math.floor(random() * 24);
      const vocabulary = unit(randomMultiVector(random, 30, dim));
      const doc = contextFreeDoc(random, vocabulary, 4 + Math.floor(random() * 30));
      const query = contextFreeDoc(random, vocabulary, 1 + Math.floor(random() * 6));
      const weighted = multiVector(query.data, dim, { tokens: query.tokens!, weights: Float32Array.from(query.tokens!, () => 0.5 + random()) });
      const pooled = parseReductionSpec(`ward:${2 + Math.floor(random() * 3)}:raw`).apply(doc, { protectedLeadingTokens: 0, seed: 1 }).vectors;
      const self = weighted.tokens!.map((_, i) => query.data.slice(i * dim, (i + 1) * dim).reduce((sum, x) => sum + x * x, 0));
      const floorsFor = (held: Set<string>) => Float64Array.from(weighted.tokens!, (t, i) => (held.has(t) ? self[i]! : -Infinity));
      const original = maxSim(weighted, doc);
      const plain = maxSim(weighted, pooled);
      const recovered = maxSim(weighted, pooled, floorsFor(new Set(representedTokens(pooled))));
      expect(plain).toBeLessThanOrEqual(recovered + 1e-12);
      expect(recovered).toBeLessThanOrEqual(original + 1e-9);
      expect(maxSim(weighted, doc, floorsFor(new Set(doc.tokens)))).toBeCloseTo(original, 9);
      // Every query token the document holds scores as it did before pooling.
      const rows = maxSimExplained(weighted, pooled, floorsFor(new Set(representedTokens(pooled))));
      const before = maxSimExplained(weighted, doc);
      weighted.tokens!.forEach((t, i) => {
        if (doc.tokens!.includes(t)) expect(rows.bestSimilarity[i]).toBeCloseTo(before.bestSimilarity[i]!, 5);
      });
    }
  });
});
