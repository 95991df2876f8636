import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseReductionSpec } from '../../src/pool/index.js';
import { UsageError } from '../../src/shared/errors.js';
import type { MultiVector } from '../../src/shared/multivector.js';
import { doc2d, modalDoc, row } from './helpers.js';

const ctx = (protectedLeadingTokens = 0, extra: object = {}) => ({ protectedLeadingTokens, seed: 3, ...extra });
const deg = (a: number): [number, number] => [Math.cos((a * Math.PI) / 180), Math.sin((a * Math.PI) / 180)];
function expectRowsClose(actual: MultiVector, expected: number[][], digits = 6): void {
  expect(actual.count).toBe(expected.length);
  // One assertion per document (thousands of per-element expects are slow); the message names the worst cell.
  let worst = { error: 0, at: '' };
  expected.forEach((r, i) =>
    r.forEach((v, d) => {
      const error = Math.abs(actual.data[i * actual.dim + d]! - v);
      if (!(error <= worst.error)) worst = { error, at: `row ${i} dim ${d}: got ${actual.data[i * actual.dim + d]}, want ${v}` };
    }),
  );
  expect(worst.error, worst.at).toBeLessThan(10 ** -digits / 2);
}

describe('hierarchical poolers, hand-worked', () => {
  it('ward:2 on four 2-d directions merges the two close pairs into their bisectors', () => {
    const out = parseReductionSpec('ward:2').apply(doc2d([0, 10, 90, 100]), ctx()).vectors;
    expectRowsClose(out, [deg(5), deg(95)]);
  });
  it('ward:2:raw keeps the plain mean (shorter than unit)', () => {
    const out = parseReductionSpec('ward:2:raw').apply(doc2d([0, 10, 90, 100]), ctx()).vectors;
    const c = Math.cos((5 * Math.PI) / 180);
    expectRowsClose(out, [deg(5).map((v) => v * c), deg(95).map((v) => v * c)]);
  });
  it('protected rows pass through and are not clustered; clusters follow document order', () => {
    // Protected row at 3 degrees would join the 0/10 pair if it were pooled.
    const out = parseReductionSpec('ward:2').apply(doc2d([3, 90, 0, 100, 10, 150]), ctx(1)).vectors;
    // Non-protected 90, 0, 100, 10, 150 -> k = floor(5 / 2) = 2; SciPy's fcluster gives [2, 1, 2, 1, 2]
    // (computed once with linkage(pdist(X, "cosine"), "ward")): {90, 100, 150} then {0, 10} by first member.
    const third = (a: number[], b: number[], c: number[]) => {
      const s = [a[0]! + b[0]! + c[0]!, a[1]! + b[1]! + c[1]!];
      const n = Math.hypot(s[0]!, s[1]!);
      return [s[0]! / n, s[1]! / n];
    };
    expectRowsClose(out, [deg(3), third(deg(90), deg(100), deg(150)), deg(5)]);
  });
  it('lightcolpali and ward give identical rows', () => {
    const doc = modalDoc(40, 12, 5, 0.3, 8);
    const a = parseReductionSpec('lightcolpali:3').apply(doc, ctx(1)).vectors;
    const b = parseReductionSpec('ward:3').apply(doc, ctx(1)).vectors;
    expect(Array.from(a.data)).toEqual(Array.from(b.data));
  });
});

describe('ward pooler output equals SciPy partition means (fixture)', () => {
  const fixture = JSON.parse(
    readFileSync(fileURLToPath(new URL('../fixtures/pool/linkage-partitions.json', import.meta.url)), 'utf8'),
  ) as { cases: Array<{ name: string; n: number; dim: number; rows: number[][]; expected: Record<string, { partitions: Record<string, number[]> }> }> };
  for (const method of ['ward', 'average', 'complete', 'single']) {
    it(`${method}:2 with 2 protected rows`, () => {
      let checked = 0;
      for (const c of fixture.cases) {
        const k = Math.floor(c.n / 2);
        const labels = c.expected[method]!.partitions[String(k)];
        if (!labels || c.n < 4) continue;
        const protectedRows = [Array.from({ length: c.dim }, (_, d) => d + 1), Array.from({ length: c.dim }, () => -2)];
        const all = [...protectedRows, ...c.rows];
        const data = new Float32Array(all.flat());
        const out = parseReductionSpec(`${method}:2`).apply({ dim: c.dim, count: all.length, data }, ctx(2)).vectors;
        // Reference: mean of each SciPy cluster, normalised, clusters ordered by first member.
        const order: number[] = [];
        const sums = new Map<number, number[]>();
        labels.forEach((l, i) => {
          if (!sums.has(l)) {
            sums.set(l, new Array<number>(c.dim).fill(0));
            order.push(l);
          }
          const s = sums.get(l)!;
          const x = new Float32Array(c.rows[i]!);
          for (let d = 0; d < c.dim; d++) s[d]! += x[d]!;
        });
        const expected = [
          ...protectedRows.map((r) => Array.from(new Float32Array(r))),
          ...order.map((l) => {
            const s = sums.get(l)!;
            const n = Math.hypot(...s);
            return s.map((v) => v / n);
          }),
        ];
        expectRowsClose(out, expected, 5);
        checked++;
      }
      expect(checked).toBeGreaterThanOrEqual(8);
    });
  }
});

describe('pruners, hand-worked', () => {
  const tokens = ['[CLS]', 'The', 'cat', ',', 'sat', 'on', 'mats', '##s', '!!', 'Ġthe'];
  const doc: MultiVector = {
    dim: 2,
    count: tokens.length,
    data: Float32Array.from(tokens.flatMap((_, i) => [i, -i])),
    tokens,
    tokenIds: Int32Array.from(tokens.map((_, i) => 100 + i)),
  };
  it('skiplist drops stopwords and punctuation, keeps protected rows and carries tokens', () => {
    const out = parseReductionSpec('skiplist').apply(doc, ctx(1)).vectors;
    expect(out.tokens).toEqual(['[CLS]', 'cat', 'sat', 'mats', '##s']);
    expect(Array.from(out.tokenIds!)).toEqual([100, 102, 104, 106, 107]);
    expect(Array.from(out.data)).toEqual([0, -0, 2, -2, 4, -4, 6, -6, 7, -7]);
  });
  it('skiplist keeps one row when all are skippable; documents without tokens pass through', () => {
    const all: MultiVector = { dim: 1, count: 3, data: Float32Array.from([1, 2, 3]), tokens: ['the', '.', 'of'] };
    expect(Array.from(parseReductionSpec('skiplist').apply(all, ctx()).vectors.data)).toEqual([1]);
    const bare: MultiVector = { dim: 1, count: 2, data: Float32Array.from([1, 2]) };
    expect(parseReductionSpec('skiplist').apply(bare, ctx()).vectors).toBe(bare);
  });
  it('first:k keeps the first k rows', () => {
    expect(parseReductionSpec('first:3').apply(doc, ctx()).vectors.tokens).toEqual(['[CLS]', 'The', 'cat']);
    expect(parseReductionSpec('first:1').apply(doc, ctx(2)).vectors.tokens).toEqual(['[CLS]', 'The']);
  });
  it('idf-top keeps the highest-IDF tokens in document order, ties to the earlier row', () => {
    const idf: Record<string, number> = { The: 0.1, cat: 3, ',': 0, sat: 2, on: 0.2, mats: 3, '##s': 1, '!!': 0, 'Ġthe': 0.1 };
    const out = parseReductionSpec('idf-top:0.4').apply(doc, ctx(1, { idf: (t: string) => idf[t] ?? 0 })).vectors;
    // m = 9, ceil(0.4 * 9) = 4: cat(3), mats(3), sat(2), ##s(1).
    expect(out.tokens).toEqual(['[CLS]', 'cat', 'sat', 'mats', '##s']);
    expect(() => parseReductionSpec('idf-top:0.4').apply(doc, ctx(1))).toThrow(UsageError);
  });
  it('random keeps a seeded subset in document order', () => {
    const out = parseReductionSpec('random:0.5').apply(doc, ctx(1)).vectors;
    expect(out.count).toBe(1 + 5);
    expect(out.tokens![0]).toBe('[CLS]');
    const positions = out.tokens!.map((t) => tokens.indexOf(t));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
  });
  it('divprune picks farthest points from the protected row, then max-min', () => {
    // Protected 0 deg; candidates 1, 2, 90, 179 deg; budget ceil(0.5 * 4) = 2 -> 179 (farthest), then 90.
    const out = parseReductionSpec('divprune:0.5').apply(doc2d([0, 1, 2, 90, 179]), ctx(1)).vectors;
    expectRowsClose(out, [deg(0), deg(90), deg(179)]);
  });
  it('divprune without protected rows starts from the most atypical row', () => {
    // Mean direction ~ 30 deg; least similar is 120 deg; then the farthest from it is 0 deg (over 10, 20).
    const out = parseReductionSpec('divprune:0.5').apply(doc2d([0, 10, 20, 120]), ctx()).vectors;
    expectRowsClose(out, [deg(0), deg(120)]);
  });
  it('dart keeps one token per duplicated mode', () => {
    const doc3 = modalDoc(12, 8, 3, 0.02, 5); // rows i%3 share a mode
    const out = parseReductionSpec('dart:0.25').apply(doc3, ctx()).vectors;
    expect(out.count).toBe(3);
    const modes = new Set<number>();
    for (let i = 0; i < out.count; i++) {
      const r = row(out, i);
      modes.add(r.indexOf(Math.max(...r)));
    }
    expect([...modes].sort()).toEqual([0, 1, 2]);
  });
});

describe('other poolers, hand-worked', () => {
  it('kmeans recovers well-separated modes', () => {
    const doc = modalDoc(15, 6, 3, 0.02, 4);
    for (const spec of ['kmeans:3', 'kmeans:0.2']) {
      const out = parseReductionSpec(spec).apply(doc, ctx()).vectors;
      expect(out.count).toBe(3);
      for (let i = 0; i < 3; i++) expect(row(out, i)[i]!).toBeGreaterThan(0.99);
    }
  });
  it('kmeans with more clusters than distinct rows does not fail', () => {
    const data = Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1, 1, 0]);
    const out = parseReductionSpec('kmeans:3').apply({ dim: 2, count: 5, data }, ctx()).vectors;
    expectRowsClose(out, [[1, 0], [0, 1]]);
  });
  const gridDoc = (): MultiVector => {
    // One protected row, then a 2 x 4 grid whose patch (r, c) is the one-hot e_{r*4+c} in 8-d, then a trailer.
    const rows = [Array(8).fill(0.5), ...Array.from({ length: 8 }, (_, i) => Array.from({ length: 8 }, (_, d) => (d === i ? 1 : 0))), Array(8).fill(-1)];
    return { dim: 8, count: rows.length, data: new Float32Array(rows.flat()), grid: [2, 4] };
  };
  const avg = (ids: number[]) => Array.from({ length: 8 }, (_, d) => (ids.includes(d) ? 1 / ids.length : 0));
  it('spatial1d pools f patches along grid rows; trailing rows stay', () => {
    const out = parseReductionSpec('spatial1d:2:raw').apply(gridDoc(), ctx(1)).vectors;
    expectRowsClose(out, [Array(8).fill(0.5), avg([0, 1]), avg([2, 3]), avg([4, 5]), avg([6, 7]), Array(8).fill(-1)]);
    expect(out.grid).toBeUndefined();
  });
  it('spatial2d pools f x f windows', () => {
    const out = parseReductionSpec('spatial2d:2:raw').apply(gridDoc(), ctx(1)).vectors;
    expectRowsClose(out, [Array(8).fill(0.5), avg([0, 1, 4, 5]), avg([2, 3, 6, 7]), Array(8).fill(-1)]);
  });
  it('spatial steps without a grid pool consecutive rows; an oversized grid is an input error', () => {
    const { grid: _grid, ...noGrid } = gridDoc();
    const out = parseReductionSpec('spatial1d:3:raw').apply(noGrid, ctx(1)).vectors;
    expectRowsClose(out, [Array(8).fill(0.5), avg([0, 1, 2]), avg([3, 4, 5]), [-1, -1, -1, -1, -1, -1, 0, 0].map((v) => v / 3)]);
    expect(() => parseReductionSpec('spatial1d:2').apply({ ...gridDoc(), grid: [3, 4] }, ctx(1))).toThrow(/grid 3x4/);
  });
  it('adaptive merges only within the distortion budget', () => {
    const doc = modalDoc(30, 10, 3, 0.01, 6);
    expect(parseReductionSpec('adaptive:0.01').apply(doc, ctx()).vectors.count).toBe(3);
    expect(parseReductionSpec('adaptive:2').apply(doc, ctx()).vectors.count).toBe(1);
    expect(parseReductionSpec('adaptive:0').apply(doc, ctx()).vectors.count).toBe(30);
    // 0 and 10 deg: centroid at 5 deg, member distance 1 - cos(5 deg) = 0.0038.
    expect(parseReductionSpec('adaptive:0.004').apply(doc2d([0, 10, 90]), ctx()).vectors.count).toBe(2);
    expect(parseReductionSpec('adaptive:0.003').apply(doc2d([0, 10, 90]), ctx()).vectors.count).toBe(3);
    const dup = doc2d([0, 0, 45]);
    expect(parseReductionSpec('adaptive:0').apply(dup, ctx()).vectors.count).toBe(2);
  });
});

describe('spec parsing', () => {
  it('canonicalises', () => {
    expect(parseReductionSpec(' Skiplist , idf-top:0.90,ward:2.0 ').spec).toBe('skiplist,idf-top:0.9,ward:2');
    expect(parseReductionSpec('kmeans:32,kmeans:.5:RAW,adaptive:0.25,spatial2d:2,lightcolpali:3').spec).toBe(
      'kmeans:32,kmeans:0.5:raw,adaptive:0.25,spatial2d:2,lightcolpali:3',
    );
    expect(parseReductionSpec('first:8,random:0.5,divprune:0.3,dart:0.3,average:2,complete:3,single:4:raw').steps).toHaveLength(7);
    for (const identity of ['', 'none', ' NONE ']) {
      const p = parseReductionSpec(identity);
      expect(p.spec).toBe('none');
      expect(p.steps).toHaveLength(0);
    }
    const canonical = parseReductionSpec('skiplist,ward:2:raw').spec;
    expect(parseReductionSpec(canonical).spec).toBe(canonical);
  });
  const bad: Array<[string, RegExp]> = [
    ['foo:1', /unknown step "foo"/],
    ['ward', /needs a parameter/],
    ['ward:0.5', /factor must be/],
    ['ward:abc', /not a non-negative number/],
    ['ward:2:bogus', /unknown option "bogus"/],
    ['idf-top:1.5', /ratio must be in/],
    ['random:0', /ratio must be in/],
    ['first:2.5', /integer >= 1/],
    ['kmeans:2.5', /integer k >= 1 or a ratio/],
    ['spatial2d:1.5', /an integer >= 1/],
    ['adaptive:3', /\[0, 2\]/],
    ['skiplist:1', /takes no parameter/],
    ['skiplist,,ward:2', /empty step/],
    ['none,ward:2', /cannot be combined/],
  ];
  for (const [spec, reason] of bad) {
    it(`rejects "${spec}" with a usage error listing the valid steps`, () => {
      let error: unknown;
      try {
        parseReductionSpec(spec);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      const usage = error as UsageError;
      expect(usage.code).toBe('invalid_reduction_spec');
      expect(usage.message).toMatch(reason);
      for (const form of ['skiplist', 'idf-top:<ratio', 'ward:<factor', 'kmeans:<k', 'spatial2d:<f', 'adaptive:<threshold', 'dart:<ratio']) {
        expect(usage.message).toContain(form);
      }
    });
  }
});

describe('bad vectors', () => {
  it('a NaN row is an input error naming the row, not a corrupted clustering', () => {
    const data = Float32Array.from([1, 0, 0, 1, Number.NaN, 1, 1, 1]);
    expect(() => parseReductionSpec('ward:2').apply({ dim: 2, count: 4, data }, ctx())).toThrow(/row 2 has a non-finite value/);
  });
  it('all-zero rows cluster as distance 1 from everything', () => {
    const data = Float32Array.from([1, 0, 0.9, 0.1, 0, 0, 0, 0]);
    const out = parseReductionSpec('ward:2:raw').apply({ dim: 2, count: 4, data }, ctx()).vectors;
    expect(out.count).toBe(2);
    expect(Array.from(out.data)).toEqual([Math.fround(0.95), Math.fround(0.05), 0, 0]);
  });
});

describe('k-means++ seeding', () => {
  it('stops at the number of distinct rows and never picks a duplicate centre', async () => {
    const { KMeansPlusPlus } = await import('../../src/pool/kmeans-plus-plus.js');
    const { xorshift } = await import('./helpers.js');
    const points = [[0, 0], [5, 0], [0, 5], [5, 0], [0, 0], [0, 5], [0, 0]];
    const seeding = new KMeansPlusPlus();
    const centres = seeding.choose(new Float32Array(points.flat()), 2, 0, points.length, 5, xorshift(4));
    expect(seeding.count).toBe(3);
    const picked = Array.from(centres.subarray(0, 3), (r) => points[r]!.join(','));
    expect(new Set(picked).size).toBe(3);
  });
});
