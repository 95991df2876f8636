import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';

/** A batch for a worker: documents' unit rows stacked, with each document's row count. */
export interface EncodingTask {
  readonly rows: Float32Array;
  readonly counts: Int32Array;
}

/** Each document's record, concatenated (`offsets` has documents + 1 entries), and every row's centroid id. */
export interface EncodedBatch {
  readonly bytes: Uint8Array;
  readonly offsets: Int32Array;
  readonly centroids: Int32Array;
}

export interface EncodingWorkerData {
  /** The codebook record (`encodeCodebook`), shared read-only by every worker. */
  readonly codebook: Uint8Array;
}

/**
 * Compresses batches of token vectors on worker threads, so centroid assignment (the build's dominant cost) runs
 * on every core while the caller reads input and writes LMDB. Each worker restores the codebook once; a batch is
 * split into one contiguous part per worker and the parts come back in order.
 */
export class EncodingPool {
  private readonly pool: Piscina<EncodingTask, EncodedBatch>;

  constructor(
    codebook: Uint8Array,
    readonly threads = defaultEncodingThreads(),
  ) {
    const shared = new Uint8Array(new SharedArrayBuffer(codebook.length));
    shared.set(codebook);
    const workerData: EncodingWorkerData = { codebook: shared };
    this.pool = new Piscina({
      filename: fileURLToPath(new URL('./encoding-worker-entry.mjs', import.meta.url)),
      workerData,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
    });
  }

  /** Encodes documents (`counts[d]` rows each, stacked in `rows`) into their records and centroid ids. */
  async encode(rows: Float32Array, counts: Int32Array, dim: number): Promise<EncodedBatch> {
    const documents = counts.length;
    const parts = Math.max(1, Math.min(this.threads, documents));
    const starts: number[] = [];
    for (let p = 0; p <= parts; p++) starts.push(Math.round((p * documents) / parts));
    const rowStart = new Int32Array(documents + 1);
    for (let d = 0; d < documents; d++) rowStart[d + 1] = rowStart[d]! + counts[d]!;
    const results = await Promise.all(
      Array.from({ length: parts }, (_, p) => {
        const from = starts[p]!;
        const to = starts[p + 1]!;
        const part = rows.slice(rowStart[from]! * dim, rowStart[to]! * dim);
        const partCounts = counts.slice(from, to);
        return this.pool.run({ rows: part, counts: partCounts }, { transferList: [part.buffer, partCounts.buffer] });
      }),
    );
    return concatenate(results);
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

/** Worker threads for encoding: the cores, since the build's other work (reads, LMDB) waits on them. */
export function defaultEncodingThreads(): number {
  return Math.max(1, os.availableParallelism());
}

function concatenate(parts: readonly EncodedBatch[]): EncodedBatch {
  if (parts.length === 1) return parts[0]!;
  const documents = parts.reduce((n, p) => n + p.offsets.length - 1, 0);
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  const offsets = new Int32Array(documents + 1);
  const centroids = new Int32Array(parts.reduce((n, p) => n + p.centroids.length, 0));
  let byteAt = 0;
  let docAt = 0;
  let rowAt = 0;
  for (const part of parts) {
    bytes.set(part.bytes, byteAt);
    for (let d = 1; d < part.offsets.length; d++) offsets[docAt + d] = byteAt + part.offsets[d]!;
    centroids.set(part.centroids, rowAt);
    byteAt += part.bytes.length;
    docAt += part.offsets.length - 1;
    rowAt += part.centroids.length;
  }
  return { bytes, offsets, centroids };
}
