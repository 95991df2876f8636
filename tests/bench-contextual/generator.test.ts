import { describe, expect, it } from 'vitest';
import { ContextualCorpus, defaultQueryCount, noiseSigma } from '../../bench/contextual/generator.js';
import { inMemoryWorkload } from '../../bench/contextual/harness.js';
import { plantedRecall } from '../../bench/contextual/measure.js';
import { gaussianTable, inverseNormalCdf, RandomStream, ZipfSampler } from '../../bench/contextual/random-streams.js';

// Small concept and theme sets keep construction fast; the invariants do not depend on the sizes.
const SMALL = { concepts: 2048, themes: 64 } as const;
const dot = (a: Float32Array, b: Float32Array): number => a.reduce((s, x, j) => s + x * b[j]!, 0);
const rows = (data: Float32Array, dim: number): Float32Array[] =>
  Array.from({ length: data.length / dim }, (_, r) => data.subarray(r * dim, (r + 1) * dim));

describe('random streams', () => {
  it('are reproducible per key and unrelated across keys', () => {
    const draw = (seed: number, kind: number, index: number): number[] => {
      const r = new RandomStream(seed, kind, index);
      return Array.from({ length: 8 }, () => r.nextUint32());
    };
    expect(draw(1, 2, 3)).toEqual(draw(1, 2, 3));
    expect(draw(1, 2, 3)).not.toEqual(draw(1, 2, 4));
    expect(draw(1, 2, 3)).not.toEqual(draw(1, 3, 3));
    expect(draw(1, 2, 3)).not.toEqual(draw(2, 2, 3));
    expect(draw(1, 2, 2 ** 32 + 3)).not.toEqual(draw(1, 2, 3));
    const batch = new Uint32Array(8);
    new RandomStream(1, 2, 3).fill(batch);
    expect(Array.from(batch)).toEqual(draw(1, 2, 3));
  });

  it('give uniform draws with the right mean and variance', () => {
    const r = new RandomStream(9, 0, 0);
    let sum = 0;
    let squares = 0;
    let outside = 0;
    const n = 200000;
    for (let i = 0; i < n; i++) {
      const u = r.next();
      if (!(u >= 0 && u < 1)) outside++;
      sum += u;
      squares += u * u;
    }
    expect(outside).toBe(0);
    expect(sum / n).toBeCloseTo(0.5, 2);
    expect(squares / n - (sum / n) ** 2).toBeCloseTo(1 / 12, 3);
  });

  it('invert the normal CDF (hand values) and tabulate a symmetric unit Gaussian', () => {
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 12);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963985, 8);
    expect(inverseNormalCdf(0.001)).toBeCloseTo(-3.090232306, 8);
    const table = gaussianTable(2);
    let mean = 0;
    let variance = 0;
    let asymmetric = 0;
    for (let k = 0; k < table.length; k++) {
      if (table[k] !== -table[table.length - 1 - k]!) asymmetric++;
      if (k > 0 && table[k]! <= table[k - 1]!) asymmetric++;
      mean += table[k]!;
      variance += table[k]! ** 2;
    }
    expect(asymmetric).toBe(0);
    expect(mean / table.length).toBeCloseTo(0, 6);
    expect(Math.sqrt(variance / table.length)).toBeCloseTo(2, 2);
  });

  it('sample Zipf ranks in proportion to 1 / (r + 1)^s', () => {
    const zipf = new ZipfSampler(4, 1);
    // Harmonic H4 = 25/12, so p = (12/25) * [1, 1/2, 1/3, 1/4].
    expect([0, 1, 2, 3].map((r) => zipf.probability(r))).toEqual([0.48, 0.24, 0.16, 0.12].map((p) => expect.closeTo(p, 12)));
    const counts = [0, 0, 0, 0];
    const r = new RandomStream(3, 0, 0);
    for (let i = 0; i < 100000; i++) counts[zipf.sample(r)]!++;
    expect(counts.map((c) => c / 100000)).toEqual([0.48, 0.24, 0.16, 0.12].map((p) => expect.closeTo(p, 2)));
  });
});

describe('contextual generator', () => {
  const corpus = new ContextualCorpus({ ...SMALL, seed: 7 });
  const { dim } = corpus.params;

  it('gives the same vectors for the same seed and different ones for another seed', () => {
    const again = new ContextualCorpus({ ...SMALL, seed: 7 });
    const other = new ContextualCorpus({ ...SMALL, seed: 8 });
    for (const i of [0, 5, 999]) {
      expect(Array.from(again.document(i))).toEqual(Array.from(corpus.document(i)));
      expect(other.document(i)).not.toEqual(corpus.document(i));
    }
    expect(Array.from(again.query(3, 17))).toEqual(Array.from(corpus.query(3, 17)));
  });

  it('generates any document the same alone, out of order or inside a range', () => {
    const n = 40;
    const lengths = Array.from({ length: n }, (_, i) => corpus.documentLength(i));
    const offsets = lengths.reduce<number[]>((acc, l) => [...acc, acc.at(-1)! + l], [0]);
    const whole = new Float32Array(offsets[n]! * dim);
    for (let i = 0; i < n; i++) corpus.writeDocument(i, whole, offsets[i]! * dim);
    const fresh = new ContextualCorpus({ ...SMALL, seed: 7 });
    for (const i of [33, 2, 17, 39, 0]) {
      expect(Array.from(fresh.document(i))).toEqual(Array.from(whole.subarray(offsets[i]! * dim, offsets[i + 1]! * dim)));
    }
  });

  it('keeps document lengths in 60..140 with a mean near 100, and documentLength agrees with the vectors', () => {
    const lengths = Array.from({ length: 3000 }, (_, i) => corpus.documentLength(i));
    expect(Math.min(...lengths)).toBe(60);
    expect(Math.max(...lengths)).toBe(140);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeGreaterThan(97);
    expect(lengths.reduce((a, b) => a + b, 0) / lengths.length).toBeLessThan(103);
    for (const i of [0, 1, 2]) {
      expect(corpus.document(i).length).toBe(lengths[i]! * dim);
      expect(corpus.documentConcepts(i).length).toBe(lengths[i]);
    }
  });

  it('writes unit rows, all distinct, at the configured cosine to their concept centre', () => {
    let cosines = 0;
    let count = 0;
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const concepts = corpus.documentConcepts(i);
      rows(corpus.document(i), dim).forEach((row, t) => {
        expect(Math.sqrt(dot(row, row))).toBeCloseTo(1, 5);
        cosines += dot(row, corpus.centre(concepts[t]!));
        count++;
        seen.add(Buffer.from(row.buffer, row.byteOffset, row.byteLength).toString('base64'));
      });
    }
    expect(seen.size).toBe(count);
    expect(cosines / count).toBeCloseTo(corpus.params.tokenCosine, 2);
    expect(corpus.sigma).toBeCloseTo(Math.sqrt((1 / 0.75 ** 2 - 1) / 128), 12);
    expect(noiseSigma(0.5, 3)).toBeCloseTo(1, 12);
  });

  it('draws about themeShare of the tokens from the document themes and the rest from the background', () => {
    const p = corpus.params;
    let themed = 0;
    let tokens = 0;
    for (let i = 0; i < 300; i++) {
      const themes = corpus.documentThemes(i);
      expect(new Set(themes).size).toBe(p.themesPerDocument);
      const inThemes = new Set<number>();
      for (const t of themes) for (const c of corpus.themeConcepts(t)) inThemes.add(c);
      const concepts = corpus.documentConcepts(i);
      for (const c of concepts) {
        expect(c >= 0 && c < p.concepts).toBe(true);
        if (inThemes.has(c)) themed++;
      }
      tokens += concepts.length;
    }
    // Background draws land in the themes now and then, so the share is a little above themeShare.
    expect(themed / tokens).toBeGreaterThan(p.themeShare - 0.01);
    expect(themed / tokens).toBeLessThan(p.themeShare + 0.05);
    expect(new Set(corpus.themeConcepts(3)).size).toBe(p.conceptsPerTheme);
  });

  it('plants each query on a distinct valid target, near the target concepts but never copying its vectors', () => {
    const documents = 500;
    const count = defaultQueryCount(documents);
    expect(count).toBe(5);
    expect(defaultQueryCount(10000)).toBe(100);
    expect(defaultQueryCount(100000)).toBe(300);
    expect(defaultQueryCount(30)).toBe(1);
    const targets = corpus.queryTargets(documents, count);
    expect(new Set(targets).size).toBe(count);
    for (const target of targets) expect(Number.isInteger(target) && target >= 0 && target < documents).toBe(true);
    const p = corpus.params;
    targets.forEach((target, q) => {
      const concepts = corpus.queryConcepts(q, target);
      const own = new Set(corpus.documentConcepts(target));
      for (let t = 0; t < p.queryTargetTokens; t++) expect(own.has(concepts[t]!)).toBe(true);
      const query = rows(corpus.query(q, target), dim);
      expect(query.length).toBe(p.queryTokens);
      const targetRows = rows(corpus.document(target), dim);
      for (const [t, row] of query.entries()) {
        expect(Math.sqrt(dot(row, row))).toBeCloseTo(1, 5);
        expect(dot(row, corpus.centre(concepts[t]!))).toBeGreaterThan(0.4);
        for (const d of targetRows) expect(dot(row, d)).toBeLessThan(0.999);
      }
    });
    expect(() => corpus.queryTargets(3, 4)).toThrow(/4 queries need as many documents/);
  });

  it('makes the planted target the exhaustive top 1 for most queries at the default parameters', () => {
    // The benchmark's own parameters (2^15 concepts, 256 themes) at 1000 documents; 10k documents give 0.82 / 0.99.
    const full = new ContextualCorpus({ seed: 1 });
    const documents = Array.from({ length: 1000 }, (_, i) => full.document(i));
    const targets = full.queryTargets(documents.length, 20);
    const queries = Array.from(targets, (target, q) => full.query(q, target));
    for (const q of queries) expect(q.length).toBe(32 * 128);
    const { reference } = inMemoryWorkload({ dim: 128, documents, queries, targets: Array.from(targets, (t) => `d${t}`) }, 10);
    const ids = Array.from(targets, (t) => `d${t}`);
    expect(plantedRecall(reference, ids, 1)).toBeGreaterThanOrEqual(0.8);
    expect(plantedRecall(reference, ids, 10)).toBeGreaterThanOrEqual(0.95);
    // Without the planting the same queries find their "target" no more often than chance would.
    const shuffled = [...ids.slice(1), ids[0]!];
    expect(plantedRecall(reference, shuffled, 10)).toBeLessThanOrEqual(0.1);
  }, 180_000);

  it('rejects inconsistent parameters', () => {
    expect(() => new ContextualCorpus({ ...SMALL, minTokens: 10, maxTokens: 5 })).toThrow(/maxTokens 5 < minTokens 10/);
    expect(() => new ContextualCorpus({ ...SMALL, tokenCosine: 1 })).toThrow(/tokenCosine/);
    expect(() => new ContextualCorpus({ ...SMALL, queryTargetTokens: 30, queryThemeTokens: 5 })).toThrow(/summing to at most queryTokens/);
    expect(() => new ContextualCorpus({ ...SMALL, dim: 127 })).toThrow(/dim must be even/);
  });
});
