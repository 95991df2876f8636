import type { RootDatabase } from 'lmdb';
import { LateIndexError } from '../../../shared/index.js';
import type { CentroidResidualCodec } from '../../codecs/centroid-residual-codec.js';
import type { CellCodebook } from '../../contextual/two-level-kmeans.js';
import type { DocumentTable } from '../../store/document-table.js';
import type { StoreState } from '../../store/store-records.js';
import type { HnswHit } from '../../types.js';
import type { StoredRows, TokenVectorChange, TokenVectorIndex, TokenVectorVerifier } from '../token-vector-index.js';
import { IvfStore } from './ivf-store.js';

/** The database a repack writes into before it becomes the inverted file (see `rebuild`). */
const REPACK_DB = 'ivf-repack';

/** What tests, benchmarks and `stats` may look at in a centroid (PLAID) index (read-only). */
export interface CentroidVectorInspection {
  readonly kind: 'centroids';
  readonly centroids: number;
  readonly cells: number;
  /** Inverted lists holding at least one document, their postings (document, centroid pairs) and LMDB bytes. */
  listStats(): { lists: number; postings: number; chunks: number; bytes: number; largest: number };
  /** The documents of centroid `c`'s list, ascending. */
  listDocuments(c: number): number[];
}

/**
 * The token-vector index of contextual encoders (PLAID): the codec's codebook assigns every stored row to a
 * centroid (its id is the head of the row's code in the document table), and the inverted file (`IvfStore`)
 * lists, per centroid, the documents holding it. Every change is made inside the write transaction that stores
 * the documents, so nothing is derived outside LMDB: no file to load, save or catch up. Candidate search is
 * query-level (`CentroidCandidateGenerator` in src/search reads this through `CentroidIndexReader`).
 */
export class CentroidVectorIndex implements TokenVectorIndex {
  readonly kind = 'centroids';
  private ivf: IvfStore;
  private idScratch = new Int32Array(256);

  constructor(
    private readonly env: RootDatabase,
    private readonly documents: DocumentTable,
    /** The index's PLAID codec (trained before the first document is stored). */
    readonly codec: CentroidResidualCodec,
    private readonly dir: string,
  ) {
    this.ivf = new IvfStore(env);
  }

  get codebook(): CellCodebook {
    return this.codec.tokens.book;
  }

  beginChange(_next: StoreState): TokenVectorChange {
    const added: { internalId: number; centroids: Int32Array }[] = [];
    const removed: { internalId: number; centroids: Int32Array }[] = [];
    return {
      addDocument: (internalId, stored) => {
        if (stored.count > 0) added.push({ internalId, centroids: this.idsOf(stored.payload, stored.count) });
      },
      // Read before the batch stores a replacement: the old codes say which lists hold the document.
      removeDocument: (internalId) => {
        const old = this.documents.storedPayload(internalId);
        if (old && old.count > 0) removed.push({ internalId, centroids: this.idsOf(old.bytes, old.count) });
      },
      commit: () => {
        for (const { internalId, centroids } of removed) this.ivf.removeDocument(internalId, centroids);
        this.ivf.addDocuments(added);
        return () => undefined;
      },
    };
  }

  /** Only query-level search applies (`CentroidCandidateGenerator`): one query row has no PLAID meaning. */
  candidateDocuments(_query: Float32Array, _maxDocuments: number): HnswHit[] {
    throw new LateIndexError('unsupported_mode', `${this.dir}: a PLAID index gathers candidates per query, not per query vector`);
  }

  async attach(): Promise<boolean> {
    return false;
  }

  catchUp(): void {}

  /**
   * Repacks the inverted file: its chunks are copied in key order with LMDB's append flag into a fresh database
   * and back, so pages that random updates left half full are filled again. Inside one write transaction.
   */
  rebuild(): number {
    this.env.transactionSync(() => {
      const spare = new IvfStore(this.env, REPACK_DB);
      this.ivf.moveTo(spare);
      spare.moveTo(this.ivf);
    });
    return 0;
  }

  async save(): Promise<boolean> {
    return false;
  }

  pruneLog(): void {}

  verifier(): TokenVectorVerifier {
    return new CentroidListVerifier(this.ivf, this.codec, this.documents);
  }

  inspect(): CentroidVectorInspection {
    const book = this.codec.tokens.book;
    return {
      kind: 'centroids',
      centroids: book.size,
      cells: book.cellCount,
      listStats: () => {
        let lists = 0;
        let postings = 0;
        let largest = 0;
        for (const { ids } of this.ivf.lists()) {
          lists++;
          postings += ids.length;
          largest = Math.max(largest, ids.length);
        }
        return { lists, postings, largest, ...this.ivf.size() };
      },
      listDocuments: (c) => {
        const out: number[] = [];
        this.ivf.forEachPosting(c, (ids, n) => {
          for (let i = 0; i < n; i++) out.push(ids[i]!);
        });
        return out;
      },
    };
  }

  /** `CentroidIndexReader`: centroid `c`'s live documents, ascending, chunk by chunk. */
  forEachPosting(c: number, visit: (ids: Uint32Array, count: number) => void): void {
    this.ivf.forEachPosting(c, visit);
  }

  /** `CentroidIndexReader`: a live document's rows' centroid ids into `out`; its row count, or -1 when gone. */
  centroidIds(internalId: number, out: Int32Array): number {
    const stored = this.documents.readVectorBytes(internalId);
    if (stored === undefined) return -1;
    if (stored.count > 0) this.codec.tokens.centroidIds(stored.bytes, stored.count, out);
    return stored.count;
  }

  /** `CentroidIndexReader`: a live document's stored row count. */
  vectorCount(internalId: number): number | undefined {
    return this.documents.vectorCount(internalId);
  }

  /** `CentroidIndexReader`: one past the largest internal id this process tracks. */
  documentLimit(): number {
    return this.documents.idCapacity;
  }

  private idsOf(payload: Uint8Array, count: number): Int32Array {
    if (this.idScratch.length < count) this.idScratch = new Int32Array(Math.max(count, this.idScratch.length * 2));
    this.codec.tokens.centroidIds(payload, count, this.idScratch);
    return this.idScratch.slice(0, count);
  }
}

/**
 * Checks the inverted file against the stored codes exactly, in memory that does not grow with the index: every
 * document is in the list of each centroid its rows hold (looked up while its codes are read), every posting
 * names a stored document, lists ascend with no repeats, and the postings add up to the documents' distinct
 * centroids, so nothing is missing or extra.
 */
class CentroidListVerifier implements TokenVectorVerifier {
  private expectedPostings = 0;
  private readonly ids = new Int32Array(4096);

  constructor(
    private readonly ivf: IvfStore,
    private readonly codec: CentroidResidualCodec,
    private readonly documents: DocumentTable,
  ) {}

  document(internalId: number, name: string, count: number, _rows: () => Float32Array, note: (problem: string) => void): void {
    if (count === 0) return;
    const stored = this.documents.storedPayload(internalId);
    if (!stored) return;
    const ids = count <= this.ids.length ? this.ids : new Int32Array(count);
    this.codec.tokens.centroidIds(stored.bytes, count, ids);
    const book = this.codec.tokens.book;
    const distinct = new Set<number>();
    for (let r = 0; r < count; r++) {
      const c = ids[r]!;
      if (c >= book.size) {
        note(`${name}: row ${r} names centroid ${c}, the codebook has ${book.size}`);
        return;
      }
      distinct.add(c);
    }
    this.expectedPostings += distinct.size;
    for (const c of distinct) {
      if (!this.ivf.has(c, internalId)) note(`${name} holds centroid ${c} but is missing from its inverted list`);
    }
  }

  finish(note: (problem: string) => void, isDocument: (internalId: number) => boolean): void {
    let postings = 0;
    for (const { centroid, ids } of this.ivf.lists()) {
      postings += ids.length;
      for (let i = 0; i < ids.length; i++) {
        if (i > 0 && ids[i]! <= ids[i - 1]!) note(`inverted list of centroid ${centroid} is not strictly ascending at ${ids[i]}`);
        if (!isDocument(ids[i]!)) note(`inverted list of centroid ${centroid} names internal id ${ids[i]}, which is not a stored document`);
      }
    }
    if (postings !== this.expectedPostings) {
      note(`the inverted file holds ${postings} postings, the stored codes imply ${this.expectedPostings}`);
    }
  }
}
