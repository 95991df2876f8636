import { workerData } from 'node:worker_threads';
import { decodeCodebook } from './codebook-record.js';
import type { EncodedBatch, EncodingTask, EncodingWorkerData } from './encoding-pool.js';
import { TokenCodec } from './token-codec.js';

const { codebook } = workerData as EncodingWorkerData;
const stored = decodeCodebook(codebook, 'encoding worker');
const codec = new TokenCodec(stored.book, stored.buckets, stored.report.probe);
const dim = stored.book.dim;

/** One part of a batch: every document's record, concatenated, and every row's centroid id. */
export default function encodePart({ rows, counts }: EncodingTask): EncodedBatch {
  const documents: { data: Float32Array; count: number }[] = [];
  let at = 0;
  for (let d = 0; d < counts.length; d++) {
    documents.push({ data: rows.subarray(at * dim, (at + counts[d]!) * dim), count: counts[d]! });
    at += counts[d]!;
  }
  const { records, centroidIds } = codec.encodeMany(documents, true);
  const offsets = new Int32Array(counts.length + 1);
  for (let d = 0; d < records.length; d++) offsets[d + 1] = offsets[d]! + records[d]!.length;
  const bytes = new Uint8Array(offsets[counts.length]!);
  const centroids = new Int32Array(at);
  let row = 0;
  records.forEach((record, d) => {
    bytes.set(record, offsets[d]!);
    centroids.set(centroidIds[d]!, row);
    row += centroidIds[d]!.length;
  });
  return { bytes, offsets, centroids };
}
