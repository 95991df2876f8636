import { describe, expect, it } from 'vitest';
import { CentroidKernels, centroidScores, nearestCentroids } from '../../src/shared/centroids.js';
import type { MultiVector } from '../../src/shared/multivector.js';
import { similaritiesScalar } from '../../src/shared/similarity.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

function rows(random: () => number, count: number, dim: number): MultiVector {
  return { dim, count, data: Float32Array.from({ length: count * dim }, () => random() * 2 - 1) };
}

/** Independent reference: every score by the lane-emulating scalar kernel, then a stable sort. */
function bruteNearest(row: MultiVector, centroids: MultiVector, topN: number): number[] {
  const scores = similaritiesScalar(row.data, 1, centroids.data, centroids.count, row.dim, new Float32Array(centroids.count));
  const order = Array.from(scores.keys())
    .filter((c) => scores[c]! > -Infinity)
    .sort((a, b) => scores[b]! - scores[a]! || a - b);
  return Array.from({ length: topN }, (_, r) => order[r] ?? -1);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && new Uint32Array(a.buffer, a.byteOffset, a.length).every((bits, i) => bits === new Uint32Array(b.buffer, b.byteOffset, b.length)[i]);
}

describe('similaritiesScalar (the reference of the similarity kernel)', () => {
  it('matches hand-worked dot products', () => {
    const a = Float32Array.of(1, 2, 3, 0.5, 0.25, 0);
    const b = Float32Array.of(4, 5, 6, -1, 0, 1);
    expect(Array.from(similaritiesScalar(a, 2, b, 2, 3, new Float32Array(4)))).toEqual([32, 2, 3.25, -0.5]);
  });

  it('is within the float32 summation bound of the float64 dot product', () => {
    const random = rng(9);
    for (const dim of [1, 3, 4, 17, 100, 128, 300]) {
      const a = rows(random, 5, dim);
      const b = rows(random, 7, dim);
      const got = similaritiesScalar(a.data, 5, b.data, 7, dim, new Float32Array(35));
      // Each lane sums ceil(dim/4) products, then two more additions: gamma_n with n = ceil(dim/4) + 3.
      const n = Math.ceil(dim / 4) + 3;
      for (let i = 0; i < 5; i++) {
        for (let j = 0; j < 7; j++) {
          let exact = 0;
          let magnitude = 0;
          for (let t = 0; t < dim; t++) {
            exact += a.data[i * dim + t]! * b.data[j * dim + t]!;
            magnitude += Math.abs(a.data[i * dim + t]! * b.data[j * dim + t]!);
          }
          expect(Math.abs(got[i * 7 + j]! - exact)).toBeLessThanOrEqual(n * 2 ** -24 * magnitude * 1.001);
        }
      }
    }
  });
});

describe('CentroidKernels', () => {
  it('runs on WebAssembly SIMD here', () => {
    expect(new CentroidKernels(rows(rng(1), 4, 8)).backend).toBe('wasm-simd');
  });

  it('scores equal the scalar reference bit for bit on random shapes (dims, tiles and row batches not multiples)', () => {
    const random = rng(2025);
    let compared = 0;
    for (const [dim, k, queryCount] of [
      [1, 1, 1], [2, 3, 2], [3, 5, 33], [4, 256, 31], [5, 257, 32], [7, 600, 3], [13, 9, 70], [31, 40, 1],
      [96, 513, 5], [100, 300, 12], [127, 64, 40], [128, 1000, 33], [130, 7, 2],
    ] as const) {
      const centroids = rows(random, k, dim);
      const query = rows(random, queryCount, dim);
      const want = similaritiesScalar(query.data, queryCount, centroids.data, k, dim, new Float32Array(queryCount * k));
      const simd = new CentroidKernels(centroids).scores(query);
      const scalar = new CentroidKernels(centroids, 'scalar').scores(query);
      expect(sameBits(simd, want), `dim ${dim} k ${k} rows ${queryCount}`).toBe(true);
      expect(sameBits(scalar, want)).toBe(true);
      compared += want.length;
    }
    expect(compared).toBeGreaterThan(60_000);
  });

  it('scoreRange scores a slice of the codebook exactly as the full scores, on both backends', () => {
    const random = rng(77);
    for (const [dim, k, queryCount, first, count] of [
      [8, 600, 33, 0, 600], [8, 600, 33, 255, 2], [128, 1000, 5, 300, 257], [5, 9, 2, 8, 1], [16, 40, 3, 10, 0],
    ] as const) {
      const centroids = rows(random, k, dim);
      const query = rows(random, queryCount, dim);
      const full = similaritiesScalar(query.data, queryCount, centroids.data, k, dim, new Float32Array(queryCount * k));
      const want = new Float32Array(queryCount * count);
      for (let i = 0; i < queryCount; i++) want.set(full.subarray(i * k + first, i * k + first + count), i * count);
      for (const backend of ['wasm-simd', 'scalar'] as const) {
        const got = new CentroidKernels(centroids, backend).scoreRange(query, first, count);
        expect(sameBits(got, want), `${backend} dim ${dim} k ${k} from ${first} count ${count}`).toBe(true);
      }
    }
    expect(() => new CentroidKernels(rows(random, 4, 2)).scoreRange(rows(random, 1, 2), 3, 2)).toThrow(/outside 0..4/);
  });

  it('nearest centroids equal a sort of the reference scores, ties to the lower index, on both backends', () => {
    const random = rng(77);
    for (const [dim, k, count] of [[3, 10, 40], [16, 300, 70], [100, 777, 45], [128, 520, 33]] as const) {
      const centroids = rows(random, k, dim);
      // Duplicate centroids (in different tiles and lanes) so that scores tie exactly.
      centroids.data.copyWithin(5 * dim, 1 * dim, 2 * dim);
      centroids.data.copyWithin((k - 1) * dim, 1 * dim, 2 * dim);
      centroids.data.copyWithin((k - 2) * dim, 3 * dim, 4 * dim);
      const query = rows(random, count, dim);
      // Rows copied from duplicated centroids make their duplicates' scores tie exactly.
      query.data.set(centroids.data.subarray(1 * dim, 2 * dim), 0);
      query.data.set(centroids.data.subarray(3 * dim, 4 * dim), dim);
      const simd = new CentroidKernels(centroids);
      const scalar = new CentroidKernels(centroids, 'scalar');
      for (const topN of [1, 2, 5]) {
        const want = Array.from({ length: count }, (_, i) =>
          bruteNearest({ dim, count: 1, data: query.data.subarray(i * dim, (i + 1) * dim) }, centroids, topN),
        ).flat();
        expect(Array.from(simd.nearest(query, topN)), `dim ${dim} k ${k} top ${topN}`).toEqual(want);
        expect(Array.from(scalar.nearest(query, topN))).toEqual(want);
      }
    }
  });

  it('a tie between duplicate centroids goes to the lower index, wherever they fall', () => {
    const dim = 4;
    // 600 centroids, all (0.1, 0, 0, 0) except 300 and 2 (both (1, 0, 0, 0)) and 599 ((1, 0, 0, 0) too).
    const data = new Float32Array(600 * dim);
    for (let c = 0; c < 600; c++) data[c * dim] = 0.1;
    for (const c of [300, 2, 599]) data[c * dim] = 1;
    const centroids = { dim, count: 600, data };
    const query = { dim, count: 1, data: Float32Array.of(1, 0, 0, 0) };
    for (const backend of ['wasm-simd', 'scalar'] as const) {
      const kernels = new CentroidKernels(centroids, backend);
      expect(Array.from(kernels.nearest(query, 1))).toEqual([2]);
      expect(Array.from(kernels.nearest(query, 4))).toEqual([2, 300, 599, 0]);
    }
  });

  it('a row with NaN chooses no centroid (-1), on both backends', () => {
    const centroids = rows(rng(3), 9, 6);
    const query = rows(rng(4), 3, 6);
    query.data[6 + 2] = Number.NaN;
    for (const backend of ['wasm-simd', 'scalar'] as const) {
      const got = Array.from(new CentroidKernels(centroids, backend).nearest(query, 2));
      expect(got.slice(2, 4)).toEqual([-1, -1]);
      expect(got[0]).toBeGreaterThanOrEqual(0);
      expect(got[4]).toBeGreaterThanOrEqual(0);
    }
  });

  it('rejects a dim mismatch, a topN out of range and an empty codebook', () => {
    const kernels = new CentroidKernels(rows(rng(5), 4, 8));
    expect(() => kernels.scores(rows(rng(6), 2, 7))).toThrow(/dim 7, the centroids 8/);
    expect(() => kernels.nearest(rows(rng(6), 2, 8), 5)).toThrow(/topN must be 1\.\.4, got 5/);
    expect(() => kernels.nearest(rows(rng(6), 2, 8), 0)).toThrow(/topN must be 1\.\.4, got 0/);
    expect(() => new CentroidKernels({ dim: 8, count: 0, data: new Float32Array(0) })).toThrow(/no centroids/);
  });

  it('centroidScores and nearestCentroids reuse one set of kernels per codebook and agree with it', () => {
    const random = rng(8);
    const centroids = rows(random, 50, 12);
    const query = rows(random, 6, 12);
    const kernels = new CentroidKernels(centroids);
    expect(sameBits(centroidScores(query, centroids), kernels.scores(query))).toBe(true);
    expect(Array.from(nearestCentroids(query, centroids, 3))).toEqual(Array.from(kernels.nearest(query, 3)));
    expect(Array.from(nearestCentroids(query, centroids))).toEqual(Array.from(kernels.nearest(query, 1)));
  });
});
