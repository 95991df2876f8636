import { describe, expect, it } from 'vitest';
import { encodeCodebook } from '../../src/index/contextual/codebook-record.js';
import { trainContextualCodebook } from '../../src/index/contextual/codebook-training.js';
import { EncodingPool } from '../../src/index/contextual/encoding-pool.js';
import { clusteredRows } from './helpers.js';

describe('encoding pool', () => {
  it('encodes a batch on worker threads exactly as one thread does, documents in order', async () => {
    const dim = 16;
    const rows = clusteredRows(3000, dim, 40, 0.5, 2);
    const { codec, report } = trainContextualCodebook(rows, 3000, dim, { centroids: 64, nbits: 2, seed: 3 });
    const counts = Int32Array.from([3, 1, 7, 2, 5, 4, 9]);
    const total = counts.reduce((a, b) => a + b, 0);
    const batch = rows.slice(0, total * dim);
    const pool = new EncodingPool(encodeCodebook({ book: codec.book, buckets: codec.buckets, report }), 2);
    try {
      const encoded = await pool.encode(batch, counts, dim);
      const documents: { data: Float32Array; count: number }[] = [];
      let at = 0;
      for (const count of counts) {
        documents.push({ data: batch.subarray(at * dim, (at + count) * dim), count });
        at += count;
      }
      const expected = codec.encodeMany(documents, true);
      expect(encoded.offsets.length).toBe(counts.length + 1);
      expected.records.forEach((record, d) => {
        expect(Array.from(encoded.bytes.subarray(encoded.offsets[d]!, encoded.offsets[d + 1]!))).toEqual(Array.from(record));
      });
      expect(Array.from(encoded.centroids)).toEqual(expected.centroidIds.flatMap((ids) => Array.from(ids)));
    } finally {
      await pool.close();
    }
  });
});
