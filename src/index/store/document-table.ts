import type { MultiVector } from '../../shared/index.js';
import type { VectorCodec } from '../codecs/vector-codec.js';
import type { StoredDocument } from '../types.js';
import type { DocRecord, StoreState } from './store-records.js';
import type { StoreSchema } from './store-schema.js';

/** `vectorCount` of an internal id this object does not know as live. */
export const NOT_LIVE = -1;
const APPEND = { append: true };
const NO_OPTIONS = {};
const EMPTY_BYTES = new Uint8Array(0);

/**
 * The documents of an index: external id <-> internal id, document records, the codec's packed rows per document,
 * per-document vector counts (kept in memory as the set of live documents) and document frequencies. Reads go to
 * LMDB; writes are the write batch's, inside its transaction. Internal ids are never renumbered.
 */
export class DocumentTable {
  /** Per internal id: stored vector count (NOT_LIVE when absent). */
  private vectorCounts = new Int32Array(0);
  private decodeScratch: Float32Array;

  constructor(
    private readonly schema: StoreSchema,
    private readonly codec: VectorCodec,
    readonly dim: number,
  ) {
    this.decodeScratch = new Float32Array(dim * 256);
  }

  /** Loads every document's stored vector count (the compact per-document record) into memory: a full scan. */
  loadVectorCounts(state: StoreState): void {
    const size = Math.max(16, state.nextInternalId);
    this.vectorCounts = new Int32Array(size).fill(NOT_LIVE);
    for (const { key, value } of this.schema.vectorCounts.getRange()) this.vectorCounts[key] = value;
  }

  /**
   * Follows writes other processes committed between `from` and `target`: re-reads only the documents the change
   * log names, or everything when the log does not reach back to `from`.
   */
  catchUp(from: StoreState, target: StoreState): void {
    const log = this.schema.changedDocs;
    if (log === undefined || target.changeLogFrom === undefined || target.changeLogFrom > from.sequence) {
      this.loadVectorCounts(target);
      return;
    }
    for (const { value } of log.getRange({ start: from.sequence + 1, end: target.sequence + 1 })) {
      for (const internalId of value) this.track(internalId, this.schema.vectorCounts.get(internalId) ?? NOT_LIVE);
    }
  }

  /** Inside a write transaction: maps a new external id to its internal id. */
  assign(id: string, internalId: number): void {
    this.schema.ids.putSync(id, internalId);
  }

  /**
   * Inside a write transaction: stores a document's record and packed rows. `fresh`: the internal id is new, so
   * larger than every stored one, and the rows go in with LMDB's append flag (full pages instead of split ones).
   */
  put(internalId: number, record: DocRecord, payload: Uint8Array, fresh = false): void {
    const options = fresh ? APPEND : NO_OPTIONS;
    this.schema.docs.putSync(internalId, record, options);
    this.schema.vectorCounts.putSync(internalId, record.vectorCount, options);
    this.schema.vectors.putSync(internalId, payload, options);
  }

  /** Inside a write transaction: removes a document (its id mapping, record and rows). */
  remove(id: string, internalId: number): void {
    this.schema.ids.removeSync(id);
    this.schema.docs.removeSync(internalId);
    this.schema.vectorCounts.removeSync(internalId);
    this.schema.vectors.removeSync(internalId);
  }

  /** Inside a write transaction: adds per-term changes to the document frequencies (terms at 0 are dropped). */
  applyDfDelta(delta: ReadonlyMap<string, number>): void {
    for (const [term, change] of delta) {
      if (change === 0) continue;
      const value = (this.schema.df.get(term) ?? 0) + change;
      if (value > 0) this.schema.df.putSync(term, value);
      else this.schema.df.removeSync(term);
    }
  }

  /** Inside a write transaction: records the documents that transaction (`sequence`) wrote or removed. */
  logChanges(sequence: number, internalIds: readonly number[]): void {
    if (internalIds.length > 0) this.schema.changedDocs!.putSync(sequence, [...internalIds]);
  }

  /** Inside a transaction: drops change-log entries up to `sequence` (a saved graph reflects them). */
  pruneChangeLog(sequence: number): void {
    const log = this.schema.changedDocs;
    if (log) for (const key of log.getKeys({ end: sequence + 1 })) log.removeSync(key);
  }

  /** Records the stored vector count of `internalId` (NOT_LIVE: removed). */
  track(internalId: number, count: number): void {
    if (internalId >= this.vectorCounts.length) {
      const size = Math.max(internalId + 1, this.vectorCounts.length * 2);
      const counts = new Int32Array(size).fill(NOT_LIVE);
      counts.set(this.vectorCounts);
      this.vectorCounts = counts;
    }
    this.vectorCounts[internalId] = count;
  }

  /** Whether `internalId` is a live document here (hot path: no other checks). */
  isLive(internalId: number): boolean {
    return Number.isInteger(internalId) && internalId >= 0 && internalId < this.vectorCounts.length && this.vectorCounts[internalId] !== NOT_LIVE;
  }

  /** A bound on every live internal id (the size of dense per-document arrays). */
  get idCapacity(): number {
    return this.vectorCounts.length;
  }

  /** Live internal ids in increasing order. */
  *liveInternalIds(state: StoreState): Iterable<number> {
    const counts = this.vectorCounts;
    const end = Math.min(counts.length, state.nextInternalId);
    for (let i = 0; i < end; i++) if (counts[i] !== NOT_LIVE) yield i;
  }

  internalId(id: string): number | undefined {
    return this.schema.ids.get(id);
  }

  /** The stored record of an internal id, live in LMDB (inside a write transaction: as it stands there). */
  record(internalId: number): DocRecord | undefined {
    return this.schema.docs.get(internalId);
  }

  document(internalId: number): StoredDocument | undefined {
    if (!this.isLive(internalId)) return undefined;
    const rec = this.schema.docs.get(internalId);
    if (!rec) return undefined;
    const doc: { -readonly [K in keyof StoredDocument]: StoredDocument[K] } = { internalId, id: rec.id };
    if (rec.title !== undefined) doc.title = rec.title;
    if (rec.text !== undefined) doc.text = rec.text;
    if (rec.metadata !== undefined) doc.metadata = rec.metadata;
    return doc;
  }

  /** Stored vector count of a live document, or undefined. */
  vectorCount(internalId: number): number | undefined {
    return this.isLive(internalId) ? this.vectorCounts[internalId] : undefined;
  }

  /** A live document's rows decoded to float32, into `out` when it holds `count * dim` floats (the result views it). */
  readVectors(internalId: number, out?: Float32Array): MultiVector | undefined {
    if (!this.isLive(internalId)) return undefined;
    const count = this.vectorCounts[internalId]!;
    const n = count * this.dim;
    const target = out && out.length >= n ? out : new Float32Array(n);
    if (count > 0) {
      const bytes = this.schema.vectors.getBinaryFast(internalId);
      if (!bytes) return undefined;
      this.codec.decode(bytes, count, this.dim, target);
    }
    return { dim: this.dim, count, data: target.length === n ? target : target.subarray(0, n) };
  }

  /** A live document's rows as the codec wrote them: a view into LMDB's read buffer, valid until the next read. */
  readVectorBytes(internalId: number): { readonly bytes: Uint8Array; readonly count: number } | undefined {
    if (!this.isLive(internalId)) return undefined;
    const count = this.vectorCounts[internalId]!;
    if (count === 0) return { bytes: EMPTY_BYTES, count };
    const bytes = this.schema.vectors.getBinaryFast(internalId);
    return bytes ? { bytes, count } : undefined;
  }

  /**
   * The payload LMDB holds for an internal id, whatever this process tracks (inside a write transaction: as it
   * stands there), with the row count of its record; undefined when none is stored.
   */
  storedPayload(internalId: number): { readonly bytes: Uint8Array; readonly count: number } | undefined {
    const record = this.record(internalId);
    if (record === undefined) return undefined;
    if (record.vectorCount === 0) return { bytes: EMPTY_BYTES, count: 0 };
    const bytes = this.schema.vectors.getBinaryFast(internalId);
    return bytes ? { bytes, count: record.vectorCount } : undefined;
  }

  documentFrequency(term: string): number {
    return this.schema.df.get(term) ?? 0;
  }

  /** A reusable buffer of at least `count` rows. */
  scratch(count: number): Float32Array {
    const n = count * this.dim;
    if (this.decodeScratch.length < n) this.decodeScratch = new Float32Array(n);
    return this.decodeScratch;
  }
}
