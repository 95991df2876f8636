import { describe, expect, it } from 'vitest';
import { parseReductionSpec } from '../../src/pool/index.js';
import type { MultiVector } from '../../src/shared/multivector.js';
import { maxSim, randomUnitDoc, row, xorshift, gaussian } from './helpers.js';

const ALL_STEPS = [
  'skiplist', 'first:5', 'idf-top:0.5', 'random:0.3', 'divprune:0.4', 'dart:0.4',
  'ward:2', 'average:3', 'complete:2', 'single:4', 'kmeans:4', 'kmeans:0.3', 'lightcolpali:3',
  'spatial1d:2', 'spatial2d:2', 'adaptive:0.3', 'ward:2:raw', 'kmeans:0.5:raw', 'adaptive:0.5:raw',
];
const POOLERS_RAW = [
  'ward:2:raw', 'average:3:raw', 'complete:2:raw', 'single:4:raw', 'kmeans:5:raw', 'kmeans:0.4:raw',
  'lightcolpali:2:raw', 'spatial1d:3:raw', 'spatial2d:2:raw', 'adaptive:0.6:raw',
];
const ctxFor = (protectedLeadingTokens: number, seed = 7) => ({
  protectedLeadingTokens,
  seed,
  idf: (token: string) => token.length,
});
const withTokens = (doc: MultiVector): MultiVector => ({
  ...doc,
  tokens: Array.from({ length: doc.count }, (_, i) => (i % 3 === 0 ? 'the' : `tok${'x'.repeat(i % 7)}`)),
  tokenIds: Int32Array.from({ length: doc.count }, (_, i) => 1000 + i),
});

describe('every step', () => {
  for (const spec of ALL_STEPS) {
    it(`${spec}: never increases the count, keeps protected rows verbatim, handles 0 and 1 rows`, () => {
      const pipeline = parseReductionSpec(spec);
      for (const [n, p, seed] of [[40, 0, 1], [37, 2, 2], [9, 1, 3], [150, 1, 4]] as const) {
        const doc = withTokens(randomUnitDoc(n, 16, seed));
        const { vectors, stepCounts } = pipeline.apply(doc, ctxFor(p));
        expect(stepCounts).toEqual([n, vectors.count]);
        expect(vectors.count).toBeLessThanOrEqual(n);
        expect(vectors.count).toBeGreaterThanOrEqual(Math.max(1, p));
        expect(vectors.data.length).toBe(vectors.count * 16);
        for (let i = 0; i < p; i++) expect(row(vectors, i)).toEqual(row(doc, i));
        if (vectors.tokens) expect(vectors.tokens).toHaveLength(vectors.count);
      }
      const empty: MultiVector = { dim: 4, count: 0, data: new Float32Array(0), tokens: [] };
      expect(pipeline.apply(empty, ctxFor(0)).vectors).toBe(empty);
      expect(pipeline.apply(empty, ctxFor(2)).vectors).toBe(empty);
      const one = withTokens(randomUnitDoc(1, 4, 9));
      for (const p of [0, 1, 3]) {
        const out = pipeline.apply(one, ctxFor(p)).vectors;
        expect(out.count).toBe(1);
        expect(row(out, 0)).toEqual(row(one, 0));
      }
    });
  }
});

describe('promised counts', () => {
  const n = 61;
  const p = 1;
  const m = n - p;
  const doc = withTokens(randomUnitDoc(n, 12, 11));
  const cases: Array<[string, number]> = [
    ['ward:2', p + Math.floor(m / 2)],
    ['ward:3', p + 20],
    ['average:4', p + 15],
    ['complete:2.5', p + 24],
    ['single:7', p + 8],
    ['ward:100', p + 1],
    ['ward:1', n],
    ['lightcolpali:4', p + 15],
    ['kmeans:6', p + 6],
    ['kmeans:0.25', p + 15],
    ['kmeans:60', n],
    ['first:10', 10],
    ['idf-top:0.5', p + 30],
    ['idf-top:0.9', p + 54],
    ['random:0.1', p + 6],
    ['divprune:0.33', p + 20],
    ['dart:0.2', p + 12],
    ['spatial1d:4', p + 15],
    ['spatial2d:2', p + 15],
  ];
  for (const [spec, expected] of cases) {
    it(`${spec} -> ${expected} rows of ${n} (1 protected)`, () => {
      expect(parseReductionSpec(spec).apply(doc, ctxFor(p)).vectors.count).toBe(expected);
    });
  }
  it('a composed pipeline reports every step', () => {
    const { stepCounts } = parseReductionSpec('first:41,idf-top:0.5,ward:2').apply(doc, ctxFor(p));
    expect(stepCounts).toEqual([61, 41, 21, 11]);
  });
});

describe('mean pooling without re-normalisation never raises MaxSim', () => {
  for (const spec of POOLERS_RAW) {
    it(spec, () => {
      const random = xorshift(99);
      const pipeline = parseReductionSpec(spec);
      for (let t = 0; t < 6; t++) {
        const doc = randomUnitDoc(30 + t * 17, 24, 100 + t);
        const pooled = pipeline.apply(doc, ctxFor(t % 2)).vectors;
        expect(pooled.count).toBeLessThan(doc.count);
        for (let q = 0; q < 20; q++) {
          const query = Array.from({ length: 24 }, () => gaussian(random));
          const norm = Math.hypot(...query);
          const unit = query.map((v) => v / norm);
          expect(maxSim(unit, pooled)).toBeLessThanOrEqual(maxSim(unit, doc) + 1e-6);
        }
      }
    });
  }
  it('re-normalised pooling yields unit rows', () => {
    const pooled = parseReductionSpec('ward:3').apply(randomUnitDoc(50, 16, 5), ctxFor(0)).vectors;
    for (let i = 0; i < pooled.count; i++) expect(Math.hypot(...row(pooled, i))).toBeCloseTo(1, 5);
  });
});

describe('determinism', () => {
  for (const spec of ['random:0.3', 'kmeans:5', 'kmeans:0.3', 'divprune:0.3', 'dart:0.3', 'ward:2', 'adaptive:0.4']) {
    it(`${spec}: same seed and document -> same output, across pipeline instances and document order`, () => {
      const a = parseReductionSpec(spec);
      const b = parseReductionSpec(spec);
      const d1 = randomUnitDoc(80, 16, 21);
      const d2 = randomUnitDoc(60, 16, 22);
      const first = a.apply(d1, ctxFor(1, 42)).vectors;
      b.apply(d2, ctxFor(1, 42));
      const again = b.apply(d1, ctxFor(1, 42)).vectors;
      expect(Array.from(again.data)).toEqual(Array.from(first.data));
    });
  }
  it('random: a different seed picks different rows', () => {
    const pipeline = parseReductionSpec('random:0.3');
    const doc = randomUnitDoc(80, 8, 23);
    const x = pipeline.apply(doc, ctxFor(0, 1)).vectors;
    const y = pipeline.apply(doc, ctxFor(0, 2)).vectors;
    expect(Array.from(x.data)).not.toEqual(Array.from(y.data));
  });
});
