import { describe, expect, it } from 'vitest';
import { CellAssigner } from '../../src/index/contextual/cell-assignment.js';
import { decodePostingChunk, encodePostingChunk, postingChunkLength } from '../../src/index/token-vectors/centroids/posting-chunk.js';
import { ResidualDecoder, encodeResidual, fitResidualBuckets, residualCodeBytes } from '../../src/index/contextual/residual-buckets.js';
import { TokenCodeLayout } from '../../src/index/contextual/token-codes.js';
import { cellsFor, proportionalShares, trainTwoLevel } from '../../src/index/contextual/two-level-kmeans.js';
import { bruteNearest, clusteredRows } from './helpers.js';

describe('two-level k-means', () => {
  it('cells: the power of two nearest sqrt(k)', () => {
    expect([1, 4, 100, 8192, 32768, 131072].map(cellsFor)).toEqual([1, 2, 8, 128, 256, 512]);
  });

  it('proportional shares sum to min(total, rows) and never exceed a cell', () => {
    expect(Array.from(proportionalShares([10, 0, 30], 8))).toEqual([2, 0, 6]);
    expect(Array.from(proportionalShares([1, 1, 100], 10))).toEqual([1, 1, 8]);
    expect(Array.from(proportionalShares([2, 3], 10))).toEqual([2, 3]);
    const shares = proportionalShares([7, 13, 5, 1], 9);
    expect(shares.reduce((a, b) => a + b, 0)).toBe(9);
  });

  it('trains a codebook whose cells partition the centroids, deterministic from the seed', () => {
    const dim = 16;
    const rows = clusteredRows(3000, dim, 40, 0.5, 7);
    const a = trainTwoLevel(rows, 3000, dim, 64, { seed: 3 });
    const b = trainTwoLevel(rows, 3000, dim, 64, { seed: 3 });
    expect(a.size).toBe(64);
    expect(a.cellCount).toBe(8);
    expect(a.cellStart[0]).toBe(0);
    expect(a.cellStart[a.cellCount]).toBe(64);
    for (let c = 0; c < a.cellCount; c++) expect(a.cellStart[c + 1]!).toBeGreaterThanOrEqual(a.cellStart[c]!);
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    for (let c = 0; c < a.size; c++) {
      let s = 0;
      for (let t = 0; t < dim; t++) s += a.centroids[c * dim + t]! ** 2;
      expect(s).toBeCloseTo(1, 5);
    }
  });

  it('explains the data better than random rows as centroids', () => {
    const dim = 16;
    const rows = clusteredRows(4000, dim, 32, 0.4, 11);
    const book = trainTwoLevel(rows, 4000, dim, 32, { seed: 1 });
    const exact = bruteNearest(rows, 4000, book.centroids, book.size, dim);
    let trained = 0;
    for (let i = 0; i < 4000; i++) for (let t = 0; t < dim; t++) trained += rows[i * dim + t]! * book.centroids[exact[i]! * dim + t]!;
    const randomBook = rows.slice(0, 32 * dim);
    const nearestRandom = bruteNearest(rows, 4000, randomBook, 32, dim);
    let baseline = 0;
    for (let i = 0; i < 4000; i++) for (let t = 0; t < dim; t++) baseline += rows[i * dim + t]! * randomBook[nearestRandom[i]! * dim + t]!;
    expect(trained / 4000).toBeGreaterThan(baseline / 4000 + 0.02);
  });
});

describe('cell assignment', () => {
  const dim = 24;
  const rows = clusteredRows(2000, dim, 60, 0.6, 5);
  const book = trainTwoLevel(rows, 2000, dim, 100, { seed: 9 });
  const brute = bruteNearest(rows, 2000, book.centroids, book.size, dim);

  it('probing every cell is exact assignment (against brute force)', () => {
    const ids = new Int32Array(2000);
    const sims = new Float32Array(2000);
    new CellAssigner(book, book.cellCount).assign(rows, 2000, ids, sims);
    expect(Array.from(ids)).toEqual(Array.from(brute));
    let s = 0;
    for (let t = 0; t < dim; t++) s += rows[t]! * book.centroids[brute[0]! * dim + t]!;
    expect(sims[0]).toBeCloseTo(s, 5);
  });

  it('probing fewer cells finds the nearest centroid for most rows and never a worse-than-probed one', () => {
    const ids = new Int32Array(2000);
    new CellAssigner(book, 2).assign(rows, 2000, ids);
    let agree = 0;
    for (let i = 0; i < 2000; i++) if (ids[i] === brute[i]) agree++;
    expect(agree / 2000).toBeGreaterThan(0.8);
    expect(agree).toBeLessThanOrEqual(2000);
  });
});

describe('residual buckets', () => {
  it('starts at the quantiles and converges to the Lloyd-Max quantiser (hand-worked)', () => {
    // One dimension, 8 evenly spaced residuals, 2 bits. Quantile start: cut-offs sorted[2], sorted[4], sorted[6] =
    // -0.1, 0.1, 0.3 and bucket means -0.25, -0.05, 0.15, 0.35; Lloyd-Max moves the cut-offs to the midpoints
    // -0.15, 0.05, 0.25, which keep the same buckets and means: converged.
    const residuals = Float32Array.from([0.4, -0.3, 0.1, -0.1, 0.2, 0.3, -0.2, 0.0]);
    const b = fitResidualBuckets(residuals, 8, 1, 2);
    expect(Array.from(b.cutoffs).map((v) => Number(v.toFixed(4)))).toEqual([-0.15, 0.05, 0.25]);
    expect(Array.from(b.values).map((v) => Number(v.toFixed(4)))).toEqual([-0.25, -0.05, 0.15, 0.35]);
    // Skewed, 1 bit: the quantile cut-off 0 leaves bucket 0 empty (value 0) and bucket 1 the mean 0.25; Lloyd-Max
    // moves the cut-off to 0.125, then to the midpoint 0.5 of the new means 0 and 1.
    const skewed = fitResidualBuckets(Float32Array.from([0, 0, 1, 0]), 4, 1, 1);
    expect(Array.from(skewed.cutoffs)).toEqual([0.5]);
    expect(Array.from(skewed.values)).toEqual([0, 1]);
  });

  it('Lloyd-Max buckets reconstruct Gaussian residuals with less squared error than the quantile start', () => {
    const n = 4000;
    const rows = clusteredRows(n, 1, 1, 3, 17);
    const gaussian = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    for (const data of [rows, gaussian]) {
      const fitted = fitResidualBuckets(data.slice(), n, 1, 2);
      const sorted = data.slice().sort();
      const quantileCuts = [1, 2, 3].map((q) => sorted[Math.floor((q * n) / 4)]!);
      const error = (cuts: number[], levels: (bucket: number) => number) =>
        Array.from(data).reduce((sum, r) => {
          const bucket = cuts.filter((c) => r >= c).length;
          return sum + (r - levels(bucket)) ** 2;
        }, 0);
      const quantileMeans = [0, 1, 2, 3].map((bucket) => {
        const members = Array.from(data).filter((r) => quantileCuts.filter((c) => r >= c).length === bucket);
        return members.reduce((a, b) => a + b, 0) / members.length;
      });
      const lloyd = error(Array.from(fitted.cutoffs), (bucket) => fitted.values[bucket]!);
      const quantile = error(quantileCuts, (bucket) => quantileMeans[bucket]!);
      expect(lloyd).toBeLessThanOrEqual(quantile * 1.0001);
    }
  });

  for (const nbits of [1, 2, 4]) {
    it(`encodes and decodes ${nbits}-bit codes through the byte table like the bucket rule`, () => {
      const dim = 10;
      const n = 200;
      const rows = clusteredRows(n, dim, 4, 0.5, nbits);
      const centroid = new Float32Array(dim).fill(0);
      const residuals = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) residuals[j * n + i] = rows[i * dim + j]!;
      const buckets = fitResidualBuckets(residuals, n, dim, nbits);
      const bytes = residualCodeBytes(dim, nbits);
      const decoder = new ResidualDecoder(buckets);
      const B = 1 << nbits;
      for (let i = 0; i < 20; i++) {
        const code = new Uint8Array(bytes);
        encodeResidual(buckets, rows, i * dim, centroid, 0, code, 0);
        const out = new Float32Array(dim);
        decoder.decode(code, 0, centroid, 0, out, 0);
        // reference: bucket = number of cut-offs <= r, value looked up, then unit-normalised
        const expected = new Float64Array(dim);
        let norm = 0;
        for (let j = 0; j < dim; j++) {
          let bucket = 0;
          while (bucket < B - 1 && rows[i * dim + j]! >= buckets.cutoffs[j * (B - 1) + bucket]!) bucket++;
          expected[j] = buckets.values[j * B + bucket]!;
          norm += expected[j]! ** 2;
        }
        for (let j = 0; j < dim; j++) expect(out[j]).toBeCloseTo(expected[j]! / Math.sqrt(norm), 5);
      }
    });
  }
});

describe('token code records', () => {
  it('packs centroid ids of any width and keeps residual codes after them', () => {
    for (const bits of [1, 5, 8, 13, 15, 17, 24]) {
      const layout = new TokenCodeLayout(bits, 128, 2);
      const ids = Uint32Array.from({ length: 37 }, (_, i) => (i * 2654435761) % 2 ** bits);
      const record = new Uint8Array(layout.bytes(37));
      layout.writeIds(ids, 37, record);
      const back = new Uint32Array(37);
      layout.readIds(record, 37, back);
      expect(Array.from(back)).toEqual(Array.from(ids));
      expect(layout.idBytes(37)).toBe(Math.ceil((37 * bits) / 8));
      expect(layout.codeOffset(37, 2)).toBe(layout.idBytes(37) + 64);
    }
    expect(TokenCodeLayout.idBitsFor(32768)).toBe(15);
    expect(TokenCodeLayout.idBitsFor(32769)).toBe(16);
    expect(TokenCodeLayout.idBitsFor(1)).toBe(1);
  });
});

describe('posting chunks', () => {
  it('round-trips increasing ids as varint gaps (hand-checked bytes)', () => {
    expect(Array.from(encodePostingChunk([3, 130, 131]))).toEqual([3, 127, 1]);
    expect(Array.from(encodePostingChunk([0, 300]))).toEqual([0, 0xac, 0x02]);
    const ids = Uint32Array.from([5, 6, 1000, 70000, 4_000_000_000]);
    const bytes = encodePostingChunk(ids);
    const out = new Uint32Array(bytes.length);
    expect(decodePostingChunk(bytes, out)).toBe(5);
    expect(Array.from(out.subarray(0, 5))).toEqual(Array.from(ids));
    expect(postingChunkLength(bytes)).toBe(5);
  });

  it('refuses ids that do not increase', () => {
    expect(() => encodePostingChunk([2, 2])).toThrow(/increase/);
  });
});
