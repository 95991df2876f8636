import { accumulateDrift, emptyDriftSums, type CodecDriftSums } from '../codecs/codec-drift.js';
import type { CodecState } from '../codecs/codec-state.js';
import { isTrainableCodec, type VectorCodec } from '../codecs/vector-codec.js';
import type { ExactTokenStore } from '../exact-token-store.js';
import type { SparseStore } from '../sparse/sparse-store.js';
import type { SparseDocument } from '../sparse/types.js';
import type { StoredRows, TokenVectorChange, TokenVectorIndex } from '../token-vectors/token-vector-index.js';
import type { PreparedDocument } from '../types.js';
import { NOT_LIVE, type DocumentTable } from './document-table.js';
import type { DocRecord, StoreState } from './store-records.js';
import type { StoreSchema } from './store-schema.js';

/** What a write batch writes to: every part of the index that one transaction changes together. */
export interface WriteTargets {
  readonly schema: StoreSchema;
  readonly documents: DocumentTable;
  readonly tokenVectors: TokenVectorIndex;
  readonly sparse: SparseStore | undefined;
  readonly exactTokens: ExactTokenStore | undefined;
  readonly codec: CodecState;
}

/**
 * Encodes each document's rows with the index's codec (outside the transaction); with a trained codec, also the
 * batch's reconstruction error (`recordDrift`), which needs the decoded rows anyway.
 */
export function encodeBatch(docs: readonly PreparedDocument[], codec: VectorCodec): { rows: StoredRows[]; drift?: CodecDriftSums } {
  const trained = isTrainableCodec(codec);
  const drift = emptyDriftSums();
  const rows = docs.map(({ vectors }) => {
    const stored = storedRows(codec.encode(vectors.data, vectors.dim), vectors.count, vectors.dim, codec);
    if (trained) accumulateDrift(drift, vectors.data, stored.decoded(), vectors.dim);
    return stored;
  });
  return trained ? { rows, drift } : { rows };
}

/** A payload as the token-vector index sees it, decoded at most once and only when asked. */
export function storedRows(payload: Uint8Array, count: number, dim: number, codec: VectorCodec): StoredRows {
  let decoded: Float32Array | undefined;
  return {
    count,
    payload,
    decoded: () => (decoded ??= codec.decode(payload, count, dim, new Float32Array(count * dim))),
  };
}

/** A committed batch: the bookkeeping it wrote and what the in-memory side applies now that it is durable. */
export interface CommittedBatch {
  readonly state: StoreState;
  apply(): void;
}

/**
 * One change to the index, gathered inside one LMDB write transaction and committed once: document writes and
 * removals, the token-vector index's changes (owner edits), document-frequency deltas, sparse postings,
 * exact-match tokens, codec drift, the change-log entry and the next bookkeeping record. `upsert`, `delete` and
 * any later writer share this one commit path.
 */
export class WriteBatch {
  inserted = 0;
  updated = 0;
  private readonly next: StoreState;
  private readonly tokenChange: TokenVectorChange;
  private readonly dfDelta = new Map<string, number>();
  /** Internal ids whose old postings go first (an update may drop the text or change every term). */
  private readonly sparseRemovals: number[] = [];
  private readonly sparseDocuments: SparseDocument[] = [];
  /** (internal id, stored vector count after the batch, NOT_LIVE when removed), in write order. */
  private readonly changed: [number, number][] = [];
  private drift: CodecDriftSums | undefined;

  constructor(
    private readonly targets: WriteTargets,
    /** The bookkeeping to build on, as LMDB holds it inside this transaction (a copy this batch may change). */
    next: StoreState,
  ) {
    this.next = next;
    this.tokenChange = targets.tokenVectors.beginChange(next);
  }

  /** Inserts `doc`, or replaces the document of the same external id. */
  upsert(doc: PreparedDocument, encoded: StoredRows): void {
    const { documents, exactTokens } = this.targets;
    const count = doc.vectors.count;
    let internalId = documents.internalId(doc.id);
    const fresh = internalId === undefined;
    if (internalId !== undefined) {
      const old = documents.record(internalId);
      if (old) this.forget(internalId, old);
      this.dropExactTokens(internalId);
      this.sparseRemovals.push(internalId);
      this.updated++;
    } else {
      internalId = this.next.nextInternalId++;
      documents.assign(doc.id, internalId);
      this.inserted++;
    }
    this.tokenChange.addDocument(internalId, encoded);
    const record = toRecord(doc, count);
    documents.put(internalId, record, encoded.payload, fresh);
    this.count(record, encoded.payload.length, 1);
    if (exactTokens && doc.exactTokens) this.next.exactTokenBytes = (this.next.exactTokenBytes ?? 0) + exactTokens.put(internalId, doc.exactTokens);
    if (this.targets.sparse && doc.sparse) this.sparseDocuments.push({ internalId, ...doc.sparse });
    this.changed.push([internalId, count]);
  }

  /** Removes the document of external id `id`; false when there is none. */
  delete(id: string): boolean {
    const { documents } = this.targets;
    const internalId = documents.internalId(id);
    const old = internalId === undefined ? undefined : documents.record(internalId);
    if (internalId === undefined || !old) return false;
    this.forget(internalId, old);
    documents.remove(id, internalId);
    this.dropExactTokens(internalId);
    this.sparseRemovals.push(internalId);
    this.changed.push([internalId, NOT_LIVE]);
    return true;
  }

  /** The reconstruction error of this batch's vectors under a trained codec (see codec-drift.ts). */
  recordDrift(drift: CodecDriftSums): void {
    this.drift = drift;
  }

  /** True when the batch changed nothing (then `commit` writes nothing either). */
  get empty(): boolean {
    return this.changed.length === 0;
  }

  /** Writes everything the batch gathered and its bookkeeping, still inside the transaction. */
  commit(): CommittedBatch {
    const { schema, documents, sparse, codec } = this.targets;
    const next = this.next;
    next.sequence++;
    next.updatedAt = new Date().toISOString();
    const followTokenVectors = this.tokenChange.commit(next);
    if (this.drift) codec.recordDrift(this.drift);
    if (sparse && this.sparseRemovals.length > 0) sparse.removeDocuments(this.sparseRemovals);
    if (sparse && this.sparseDocuments.length > 0) sparse.putDocuments(this.sparseDocuments);
    documents.applyDfDelta(this.dfDelta);
    // An index that predates the change log starts it here.
    next.changeLogFrom ??= next.sequence - 1;
    documents.logChanges(next.sequence, this.changed.map(([internalId]) => internalId));
    schema.putState(next);
    return {
      state: next,
      apply: () => {
        for (const [internalId, count] of this.changed) documents.track(internalId, count);
        followTokenVectors();
      },
    };
  }

  /** Undoes a stored document's contribution: counts, step counts, df, and its rows in the token-vector index. */
  private forget(internalId: number, old: DocRecord): void {
    this.count(old, this.targets.codec.codec.payloadBytes(old.vectorCount, this.targets.documents.dim), -1);
    this.tokenChange.removeDocument(internalId);
  }

  private dropExactTokens(internalId: number): void {
    const exactTokens = this.targets.exactTokens;
    if (exactTokens) this.next.exactTokenBytes = (this.next.exactTokenBytes ?? 0) - exactTokens.remove(internalId);
  }

  private count(rec: DocRecord, bytes: number, sign: 1 | -1): void {
    const next = this.next;
    next.documents += sign;
    next.vectors += sign * rec.vectorCount;
    next.vectorBytes += sign * bytes;
    rec.stepCounts?.forEach((c, i) => {
      next.stepCounts[i] = (next.stepCounts[i] ?? 0) + sign * c;
    });
    for (const term of rec.terms ?? []) this.dfDelta.set(term, (this.dfDelta.get(term) ?? 0) + sign);
  }
}

function toRecord(doc: PreparedDocument, vectorCount: number): DocRecord {
  const rec: DocRecord = { id: doc.id, vectorCount };
  if (doc.title !== undefined) rec.title = doc.title;
  if (doc.text !== undefined) rec.text = doc.text;
  if (doc.metadata !== undefined) rec.metadata = doc.metadata;
  if (doc.terms !== undefined) rec.terms = [...new Set(doc.terms)];
  if (doc.stepCounts !== undefined) rec.stepCounts = [...doc.stepCounts];
  return rec;
}
