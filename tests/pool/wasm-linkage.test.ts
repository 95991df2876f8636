import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { condensedCosineDistancesScalar } from '../../src/pool/cosine.js';
import { HierarchicalPooler } from '../../src/pool/hierarchical-pooler.js';
import { cutDendrogram, cutMerges, LINKAGE_METHODS, LinkageBuilder, type LinkageMethod } from '../../src/pool/linkage.js';
import { WasmLinkage } from '../../src/pool/wasm-linkage.js';
import { ClusterMerger } from '../../src/pool/rows.js';
import { modalDoc, randomUnitDoc, xorshift } from './helpers.js';

interface FixtureCase {
  name: string;
  n: number;
  dim: number;
  rows: number[][];
  expected: Record<LinkageMethod, { heights: number[] }>;
}
const fixture = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/pool/linkage-partitions.json', import.meta.url)), 'utf8'),
) as { cases: FixtureCase[] };

/** Rows with exact duplicates and near-duplicates, so merge heights tie (at 0 and elsewhere). */
function tiedDoc(n: number, dim: number, seed: number): Float32Array {
  const random = xorshift(seed);
  const base = randomUnitDoc(n, dim, seed).data;
  for (let i = 0; i < n; i++) {
    if (random() < 0.35) {
      const src = Math.floor(random() * n);
      base.copyWithin(i * dim, src * dim, (src + 1) * dim);
    }
  }
  return base;
}

/** Reference path: scalar condensed distances, JS NN-chain, stable sort by height; returns the cut at k. */
function referenceCutter(data: Float32Array, dim: number, first: number, n: number, method: LinkageMethod): (k: number) => number[] {
  const distances = new Float64Array((n * (n - 1)) / 2);
  condensedCosineDistancesScalar(data, dim, first, n, new Float64Array(n), distances);
  const tree = new LinkageBuilder().build(distances, n, method);
  return (k) => {
    const labels = new Int32Array(n);
    cutDendrogram(tree, k, labels, new Int32Array(n));
    return Array.from(labels);
  };
}

function referenceLabels(data: Float32Array, dim: number, first: number, n: number, method: LinkageMethod, k: number): number[] {
  return referenceCutter(data, dim, first, n, method)(k);
}

describe('WebAssembly distances + NN-chain', () => {
  const wasm = WasmLinkage.create();
  it('is available on this runtime and is the pooler default', () => {
    expect(wasm).not.toBeNull();
    expect(new HierarchicalPooler('ward', 2, true).backend).toBe('wasm');
    expect(new HierarchicalPooler('ward', 2, true, undefined, 'js').backend).toBe('js');
  });

  for (const method of LINKAGE_METHODS) {
    it(`${method}: sorted merge heights equal SciPy's on every fixture case`, () => {
      for (const c of fixture.cases) {
        const data = new Float32Array(c.rows.flat());
        const merges = wasm!.build(data, c.dim, 0, c.n, method);
        const sorted = Float64Array.from(merges.height).sort();
        const expected = c.expected[method].heights;
        expect(sorted.length, c.name).toBe(expected.length);
        let worst = 0;
        sorted.forEach((h, t) => (worst = Math.max(worst, Math.abs(h - expected[t]!))));
        expect(worst, `${c.name} ${method}`).toBeLessThan(1e-9);
        for (let t = 0; t < c.n - 1; t++) expect(merges.left[t]!).toBeLessThan(merges.right[t]!);
      }
    });
  }

  it('gives the reference path\'s partition for every k on random, modal and tied documents', () => {
    const cases: Array<{ data: Float32Array; dim: number; first: number; n: number }> = [
      { data: randomUnitDoc(41, 7, 5).data, dim: 7, first: 0, n: 41 },
      { data: modalDoc(60, 13, 6, 0.2, 9).data, dim: 13, first: 2, n: 58 },
      { data: tiedDoc(50, 9, 21), dim: 9, first: 1, n: 49 },
      { data: tiedDoc(33, 1, 4), dim: 1, first: 0, n: 33 },
      { data: randomUnitDoc(150, 100, 77).data, dim: 100, first: 1, n: 149 },
    ];
    const labels = new Int32Array(200);
    const parent = new Int32Array(200);
    const scratch = new Float64Array(200);
    let compared = 0;
    for (const method of LINKAGE_METHODS) {
      for (const c of cases) {
        const merges = wasm!.build(c.data, c.dim, c.first, c.n, method);
        const reference = referenceCutter(c.data, c.dim, c.first, c.n, method);
        for (let k = 1; k <= c.n; k += k < 10 ? 1 : 7) {
          const got = cutMerges(merges, k, labels, parent, scratch);
          expect(got).toBe(k);
          expect(Array.from(labels.subarray(0, c.n)), `${method} n=${c.n} dim=${c.dim} k=${k}`).toEqual(
            reference(k),
          );
          compared++;
        }
      }
    }
    expect(compared).toBeGreaterThan(150);
  });

  it('cutMerges applies the same merges as a stable sort when heights tie at the cut', () => {
    // Five identical rows then two others: four merges at height 0, the cut k=4 takes three of them.
    const merges = { leaves: 7, left: Int32Array.of(3, 0, 1, 2, 0, 0), right: Int32Array.of(4, 1, 2, 3, 5, 6), height: Float64Array.of(0, 0, 0, 0, 1, 1.5) };
    const labels = new Int32Array(7);
    cutMerges(merges, 4, labels, new Int32Array(7), new Float64Array(6));
    // First three zero-height merges in position order: (3,4), (0,1), (1,2) -> {0,1,2}, {3,4}, {5}, {6}.
    expect(Array.from(labels)).toEqual([0, 0, 0, 1, 1, 2, 3]);
    const sorted = { leaves: 7, left: merges.left, right: merges.right, height: merges.height };
    const viaSort = new Int32Array(7);
    cutDendrogram(sorted, 4, viaSort, new Int32Array(7));
    expect(Array.from(viaSort)).toEqual(Array.from(labels));
  });

  it('reusing one instance for a small document after a large one gives fresh results', () => {
    const big = randomUnitDoc(120, 30, 3);
    const small = randomUnitDoc(9, 5, 4);
    wasm!.build(big.data, 30, 0, 120, 'ward');
    const merges = wasm!.build(small.data, 5, 0, 9, 'ward');
    const labels = new Int32Array(9);
    cutMerges(merges, 3, labels, new Int32Array(9), new Float64Array(8));
    expect(Array.from(labels)).toEqual(referenceLabels(small.data, 5, 0, 9, 'ward', 3));
  });

  it('pool() equals ClusterMerger bit for bit, with and without re-normalisation', () => {
    const merger = new ClusterMerger();
    for (const [n, dim, first, clusters] of [[30, 7, 0, 11], [57, 100, 1, 28], [12, 1, 2, 5]] as const) {
      const doc = randomUnitDoc(first + n, dim, n + dim);
      const random = xorshift(dim);
      // Labels 0..clusters-1 by first appearance, as cutMerges produces them.
      const labels = new Int32Array(n);
      let next = 0;
      for (let i = 0; i < n; i++) labels[i] = next < clusters && (i < clusters || random() < 0.3) ? next++ : Math.floor(random() * next);
      expect(next).toBe(clusters);
      for (const renormalize of [true, false]) {
        wasm!.build(doc.data, dim, first, n, 'ward');
        const pooled = Array.from(wasm!.pool(labels, clusters, renormalize));
        const reference = merger.merge(doc, first, labels, clusters, renormalize);
        expect(pooled).toEqual(Array.from(reference.data.subarray(first * dim)));
      }
    }
  });

  it('the pooler gives the same rows on both backends', () => {
    for (const spec of [['ward', 2, true], ['average', 3, false], ['single', 2, true], ['complete', 4, true]] as const) {
      const [method, factor, renormalize] = spec;
      const fast = new HierarchicalPooler(method, factor, renormalize);
      const reference = new HierarchicalPooler(method, factor, renormalize, undefined, 'js');
      for (const doc of [randomUnitDoc(90, 24, 6), modalDoc(64, 16, 5, 0.25, 2)]) {
        const ctx = { protectedLeadingTokens: 1, seed: 1 };
        const a = fast.reduce(doc, ctx);
        const b = reference.reduce(doc, ctx);
        expect(a.count).toBe(b.count);
        expect(Array.from(a.data), `${method}:${factor}`).toEqual(Array.from(b.data));
      }
    }
  });
});
