import { CellAssigner } from './cell-assignment.js';
import { ResidualDecoder, encodeResidual, type ResidualBuckets } from './residual-buckets.js';
import { TokenCodeLayout } from './token-codes.js';
import type { CellCodebook } from './two-level-kmeans.js';

/**
 * Compresses a document's unit token vectors into one record (`TokenCodeLayout`): each row's centroid, found by
 * probing `probe` cells of the codebook, and its residual's bucket codes. Decoding is centroid + bucket values,
 * re-normalised. One instance serves one thread (it reuses assignment buffers).
 */
export class TokenCodec {
  readonly layout: TokenCodeLayout;
  private readonly assigner: CellAssigner;
  private readonly decoder: ResidualDecoder;
  private ids: Int32Array = new Int32Array(0);

  constructor(
    readonly book: CellCodebook,
    readonly buckets: ResidualBuckets,
    probe: number,
  ) {
    if (buckets.dim !== book.dim) throw new RangeError(`residual buckets of dim ${buckets.dim} do not fit a codebook of dim ${book.dim}`);
    this.layout = new TokenCodeLayout(TokenCodeLayout.idBitsFor(book.size), book.dim, buckets.nbits);
    this.assigner = new CellAssigner(book, probe);
    this.decoder = new ResidualDecoder(buckets);
  }

  get probe(): number {
    return this.assigner.probe;
  }

  /**
   * The records of several documents, assigned together (the kernel scores the rows of a whole batch that probe the
   * same cell at once). `centroids[d]` receives document d's centroid ids when asked.
   */
  encodeMany(documents: readonly { readonly data: Float32Array; readonly count: number }[], withCentroids = false): EncodedDocuments {
    const { dim, centroids } = this.book;
    let total = 0;
    for (const doc of documents) total += doc.count;
    const rows = new Float32Array(total * dim);
    let at = 0;
    for (const doc of documents) {
      rows.set(doc.data.subarray(0, doc.count * dim), at * dim);
      at += doc.count;
    }
    const ids = new Int32Array(total);
    this.assigner.assign(rows, total, ids);
    const records: Uint8Array[] = [];
    const centroidIds: Int32Array[] = [];
    let first = 0;
    for (const doc of documents) {
      const count = doc.count;
      const docIds = ids.subarray(first, first + count);
      const record = new Uint8Array(this.layout.bytes(count));
      this.layout.writeIds(docIds, count, record);
      for (let r = 0; r < count; r++) {
        encodeResidual(this.buckets, rows, (first + r) * dim, centroids, docIds[r]! * dim, record, this.layout.codeOffset(count, r));
      }
      records.push(record);
      if (withCentroids) centroidIds.push(docIds);
      first += count;
    }
    return { records, centroidIds };
  }

  /** Decodes a record of `count` rows into `out` (count x dim floats). */
  decode(record: Uint8Array, count: number, out: Float32Array): Float32Array {
    const { dim, centroids } = this.book;
    if (this.ids.length < count) this.ids = new Int32Array(Math.max(count, this.ids.length * 2));
    const ids = this.ids;
    this.layout.readIds(record, count, ids);
    for (let r = 0; r < count; r++) {
      this.decoder.decode(record, this.layout.codeOffset(count, r), centroids, ids[r]! * dim, out, r * dim);
    }
    return out;
  }

  /** The centroid ids of a record's rows. */
  centroidIds(record: Uint8Array, count: number, out: Int32Array | Uint32Array): void {
    this.layout.readIds(record, count, out);
  }
}

export interface EncodedDocuments {
  readonly records: Uint8Array[];
  /** Per document, its rows' centroid ids (empty unless asked for). */
  readonly centroidIds: Int32Array[];
}
