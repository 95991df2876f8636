import { describe, expect, it } from 'vitest';
import { decodeCodebook, encodeCodebook } from '../../src/index/contextual/codebook-record.js';
import { codebookSizeFor, trainContextualCodebook, trainingSampleSize } from '../../src/index/contextual/codebook-training.js';
import { bruteNearest, clusteredRows } from './helpers.js';

describe('contextual codebook', () => {
  it('sizes the codebook by ColBERTv2 rule and bounds the sample', () => {
    expect(codebookSizeFor(1_000_000)).toBe(8192);
    expect(codebookSizeFor(10_000_000)).toBe(32768);
    expect(codebookSizeFor(100_000_000)).toBe(131072);
    expect(codebookSizeFor(1e12)).toBe(2 ** 18);
    expect(trainingSampleSize(16)).toBe(65536);
    expect(trainingSampleSize(32768)).toBe(524288);
    expect(trainingSampleSize(131072)).toBe(2 ** 20);
  });

  const dim = 32;
  const rows = clusteredRows(6000, dim, 80, 0.5, 21);

  for (const nbits of [1, 2, 4]) {
    it(`encodes rows to their nearest probed centroid and decodes within the ${nbits}-bit residual error`, () => {
      const { codec, report } = trainContextualCodebook(rows, 6000, dim, { centroids: 128, nbits, seed: 5 });
      expect(report.centroids).toBe(128);
      expect(report.heldOutVectors).toBe(300);
      expect(report.assignmentAgreement).toBeGreaterThan(0.7);
      const docs = [
        { data: rows.subarray(0, 10 * dim), count: 10 },
        { data: rows.subarray(10 * dim, 13 * dim), count: 3 },
      ];
      const { records, centroidIds } = codec.encodeMany(docs, true);
      expect(records[0]!.length).toBe(codec.layout.bytes(10));
      const decoded = codec.decode(records[1]!, 3, new Float32Array(3 * dim));
      const ids = new Int32Array(3);
      codec.centroidIds(records[1]!, 3, ids);
      expect(Array.from(ids)).toEqual(Array.from(centroidIds[1]!));
      // decoded rows are unit vectors closer to the original than the centroid alone is
      for (let r = 0; r < 3; r++) {
        let norm = 0;
        let toRow = 0;
        let centroidToRow = 0;
        for (let t = 0; t < dim; t++) {
          const x = decoded[r * dim + t]!;
          norm += x * x;
          toRow += x * rows[(10 + r) * dim + t]!;
          centroidToRow += codec.book.centroids[ids[r]! * dim + t]! * rows[(10 + r) * dim + t]!;
        }
        expect(norm).toBeCloseTo(1, 5);
        expect(toRow).toBeGreaterThan(centroidToRow);
      }
      // more bits, smaller error
      expect(report.meanCosine).toBeGreaterThan(nbits === 1 ? 0.8 : nbits === 2 ? 0.9 : 0.96);
    });
  }

  it('probing every cell assigns the exact nearest centroid', () => {
    const { codec } = trainContextualCodebook(rows, 6000, dim, { centroids: 64, nbits: 2, seed: 5, probe: 1000 });
    const { centroidIds } = codec.encodeMany([{ data: rows.subarray(0, 500 * dim), count: 500 }], true);
    const brute = bruteNearest(rows, 500, codec.book.centroids, codec.book.size, dim);
    expect(Array.from(centroidIds[0]!)).toEqual(Array.from(brute));
  });

  it('stores and restores the codebook record exactly, and names a damaged one', () => {
    const { codec, report } = trainContextualCodebook(rows, 6000, dim, { centroids: 64, nbits: 2, seed: 8 });
    const bytes = encodeCodebook({ book: codec.book, buckets: codec.buckets, report });
    const back = decodeCodebook(bytes, 'idx');
    expect(Array.from(back.book.centroids)).toEqual(Array.from(codec.book.centroids));
    expect(Array.from(back.book.cellStart)).toEqual(Array.from(codec.book.cellStart));
    expect(Array.from(back.buckets.values)).toEqual(Array.from(codec.buckets.values));
    expect(back.report).toEqual(report);
    expect(() => decodeCodebook(bytes.subarray(0, bytes.length - 4), 'idx')).toThrow(/idx: codebook record has the wrong length/);
    const bad = bytes.slice();
    bad[0] = 0;
    expect(() => decodeCodebook(bad, 'idx')).toThrow(/bad magic/);
  });
});
