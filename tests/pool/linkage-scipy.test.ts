import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { condensedCosineDistances } from '../../src/pool/cosine.js';
import { HierarchicalPooler } from '../../src/pool/hierarchical-pooler.js';
import { cutDendrogram, LINKAGE_METHODS, LinkageBuilder, type LinkageMethod } from '../../src/pool/linkage.js';

interface FixtureCase {
  name: string;
  n: number;
  dim: number;
  rows: number[][];
  expected: Record<LinkageMethod, { heights: number[]; partitions: Record<string, number[]> }>;
}
const fixturePath = fileURLToPath(new URL('../fixtures/pool/linkage-partitions.json', import.meta.url));
const fixture = JSON.parse(readFileSync(fixturePath, 'utf8')) as { cases: FixtureCase[] };

/** Canonical form of a partition: each element's label replaced by the first index carrying that label. */
function canonicalPartition(labels: ArrayLike<number>, n: number): number[] {
  const first = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!first.has(l)) first.set(l, i);
    out.push(first.get(l)!);
  }
  return out;
}

function rowsToData(rows: number[][], dim: number): Float32Array {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(r, i * dim));
  return data;
}

describe('hierarchical clustering matches SciPy fcluster(linkage(pdist(X, "cosine")), k, "maxclust")', () => {
  it('fixture covers every linkage with many cuts', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(10);
    let cuts = 0;
    for (const c of fixture.cases) for (const m of LINKAGE_METHODS) cuts += Object.keys(c.expected[m].partitions).length;
    expect(cuts).toBeGreaterThan(300);
  });

  for (const method of LINKAGE_METHODS) {
    it(`${method}: merge heights and partitions equal SciPy's`, () => {
      const builder = new LinkageBuilder();
      const pooler = new HierarchicalPooler(method, 2, true);
      for (const c of fixture.cases) {
        const data = rowsToData(c.rows, c.dim);
        const n = c.n;
        const distances = new Float64Array((n * (n - 1)) / 2);
        condensedCosineDistances(data, c.dim, 0, n, new Float64Array(n), distances);
        const tree = builder.build(distances, n, method);
        const expected = c.expected[method];
        expect(Array.from(tree.height.subarray(0, n - 1)), c.name).toHaveLength(expected.heights.length);
        let worstHeightError = 0;
        for (let t = 0; t < n - 1; t++) {
          worstHeightError = Math.max(worstHeightError, Math.abs(tree.height[t]! - expected.heights[t]!));
        }
        expect(worstHeightError, `${c.name} merge heights`).toBeLessThan(1e-9);
        const labels = new Int32Array(n);
        for (const [kText, scipyLabels] of Object.entries(expected.partitions)) {
          const k = Number(kText);
          const got = cutDendrogram(tree, k, labels, new Int32Array(n));
          expect(got, `${c.name} k=${k}`).toBe(k);
          expect(canonicalPartition(labels, n), `${c.name} ${method} k=${k}`).toEqual(canonicalPartition(scipyLabels, n));
          // Same partition through the pooler's own entry point (fresh distances, reused scratch).
          const viaPooler = pooler.partition(data, c.dim, 0, n, k);
          expect(canonicalPartition(viaPooler, n)).toEqual(canonicalPartition(scipyLabels, n));
        }
      }
    });
  }
});
