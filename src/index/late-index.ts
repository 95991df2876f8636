import { mkdirSync } from 'node:fs';
import type { EncoderIdentity } from '../encode/encoder.js';
import { LateIndexError, UsageError, lastPerId, type MultiVector } from '../shared/index.js';
import { CodecState, type IndexCodec } from './codecs/codec-state.js';
import { ExactTokenStore } from './exact-token-store.js';
import { openSparseStore, settingsFor, settingsOf, type CreateIndexOptions, type IndexSettings } from './index-settings.js';
import { looksLikeIndex, writeManifest } from './manifest.js';
import type { CompactReport, ReorderReport, SparseStore } from './sparse/sparse-store.js';
import { checkPreparedDocument } from './store/document-checks.js';
import { DocumentTable } from './store/document-table.js';
import type { StoreState } from './store/store-records.js';
import { rewriteStoreCompacted, type StoreCompaction } from './store/store-compaction.js';
import { asStoreDamage } from './store/store-damage.js';
import { copyState, logsPrunedTo, StoreSchema } from './store/store-schema.js';
import { encodeBatch, WriteBatch, type CommittedBatch, type WriteTargets } from './store/write-batch.js';
import { isPlaidCodec } from './codecs/registry.js';
import type { CentroidResidualCodec } from './codecs/centroid-residual-codec.js';
import type { CodecDriftSums } from './codecs/codec-drift.js';
import { CentroidVectorIndex } from './token-vectors/centroids/centroid-vector-index.js';
import { DistinctVectorIndex, type DistinctVectorInspection } from './token-vectors/distinct/distinct-vector-index.js';
import type { StoredRows, TokenVectorIndex, TokenVectorInspection } from './token-vectors/token-vector-index.js';
import type { HnswHit, IndexCounts, Manifest, PreparedDocument, QuantizationName, SparseIndexMode, StoredDocument } from './types.js';
import { verifyIndex, type VerifyReport } from './verify-index.js';

export type { CreateIndexOptions } from './index-settings.js';
export type { StoreCompaction } from './store/store-compaction.js';

/** LMDB page size of PLAID indexes: a document's codes (~3-7 KB) fill pages instead of 4 KiB overflow runs. */
export const PLAID_PAGE_SIZE = 65536;

export interface OpenIndexOptions {
  /** When given, must equal the index's encoder identity (kind, name, dim, hash). */
  readonly encoder?: EncoderIdentity;
  /**
   * No writes to LMDB: upsert/delete throw, close does not flush. A graph rebuilt at open is still saved to
   * `hnsw.bin` (see `saveRebuiltGraph`).
   */
  readonly readOnly?: boolean;
  /**
   * false: no HNSW graph in memory (read-only opens only), for a process that gets its candidates elsewhere
   * (search workers); candidate search then throws.
   */
  readonly graph?: boolean;
  /**
   * Walk every page of the LMDB file's trees before mapping it (`verify`), not only its meta pages. Writable opens
   * always do: a write transaction over a garbled page can abort the process.
   */
  readonly checkTrees?: boolean;
  /**
   * Default true: a graph rebuilt at open (hnsw.bin missing, stale or unsound) is saved at once, by read-only opens
   * too when the directory is writable, so the next open loads it instead of rebuilding again. false leaves the
   * directory as it was (`verify`).
   */
  readonly saveRebuiltGraph?: boolean;
}

/** What `inspect()` shows: the typed store and the token-vector index's view, for diagnostics, `stats` and tests. */
export interface IndexInspection {
  /** The LMDB databases of the document table and bookkeeping. Writing through them bypasses every check. */
  readonly store: StoreSchema;
  readonly tokenVectors: TokenVectorInspection;
  /** The distinct-vector layout's view; throws for a PLAID index. */
  distinct(): DistinctVectorInspection;
}

/** Rows a caller encoded with this index's trained codec (e.g. in worker threads), one per document, in order. */
export interface PreEncodedBatch {
  readonly rows: readonly StoredRows[];
  /** The batch's reconstruction error, as `encodeBatch` measures it. */
  readonly drift?: CodecDriftSums;
}

/**
 * A lateindex directory, the one entry point to it: `manifest.json`, the LMDB store that is the source of truth
 * (`StoreSchema`: the document table, the token-vector index's tables, sparse postings, exact-match lists, the
 * codec state and the bookkeeping) and what is derived from it (`hnsw.bin`). Each change is one `WriteBatch`
 * committed in one LMDB transaction; the token-vector index (`DistinctVectorIndex`: distinct-vector table + HNSW
 * graph sync) finds candidate documents and follows every commit, this process's or another's.
 */
export class LateIndex {
  readonly dir: string;
  readonly dim: number;
  readonly readOnly: boolean;
  private readonly settings: IndexSettings;
  private readonly schema: StoreSchema;
  private readonly codecState: CodecState;
  private readonly documents: DocumentTable;
  private readonly tokenVectors: TokenVectorIndex;
  /** The PLAID layout's inverted file and codebook, when the index stores `plaid:*` codes. */
  private readonly centroidIndex: CentroidVectorIndex | undefined;
  /** Block-max postings in the same LMDB environment; absent for sparse mode `none`. */
  private readonly sparseStore: SparseStore | undefined;
  private readonly exactTokenStore: ExactTokenStore | undefined;
  private state: StoreState;
  private closed = false;
  /** Flushes run one after another: each saves the graph and prunes the catch-up logs for its sequence. */
  private flushQueue: Promise<void> = Promise.resolve();

  private constructor(dir: string, settings: IndexSettings, schema: StoreSchema, readOnly: boolean, withGraph: boolean) {
    this.dir = dir;
    this.settings = settings;
    this.dim = settings.encoder.dim;
    this.readOnly = readOnly;
    this.schema = schema;
    this.codecState = new CodecState(schema.env, settings.quantization, {
      dir,
      dim: this.dim,
      assertWritable: () => this.assertWritable(),
      storedVectors: () => this.schema.state().vectors,
      freshSnapshot: () => this.schema.freshSnapshot(),
    });
    this.documents = new DocumentTable(schema, this.codecState.codec, this.dim);
    this.sparseStore = openSparseStore(dir, schema.env, settings);
    this.exactTokenStore = settings.exactMatchRecovery === true ? new ExactTokenStore(schema.env) : undefined;
    this.state = schema.state();
    this.documents.loadVectorCounts(this.state);
    if (isPlaidCodec(settings.quantization)) {
      this.centroidIndex = new CentroidVectorIndex(schema.env, this.documents, this.codecState.codec as CentroidResidualCodec, dir);
      this.tokenVectors = this.centroidIndex;
    } else {
      this.tokenVectors = new DistinctVectorIndex({
        env: schema.env,
        dir,
        file: schema.file,
        dim: this.dim,
        hnsw: settings.hnsw,
        documents: this.documents,
        withGraph,
        state: () => this.state,
      });
    }
  }

  /** Creates a new, empty index in `dir` (created if needed; must not hold an index or other files). */
  static async create(dir: string, opts: CreateIndexOptions): Promise<LateIndex> {
    const now = new Date().toISOString();
    const settings = settingsFor(dir, opts, now);
    mkdirSync(dir, { recursive: true });
    const schema = await StoreSchema.create(dir, now, isPlaidCodec(settings.quantization) ? PLAID_PAGE_SIZE : undefined);
    const index = new LateIndex(dir, settings, schema, false, true);
    // The manifest goes last: its presence marks a complete index.
    await index.flush();
    return index;
  }

  /** Opens an existing index, verifying format version and (when given) the encoder identity. */
  static async open(dir: string, opts: OpenIndexOptions = {}): Promise<LateIndex> {
    const settings = settingsOf(dir, opts.encoder);
    const readOnly = opts.readOnly ?? false;
    const withGraph = opts.graph ?? true;
    if (!withGraph && !readOnly) throw new UsageError(`${dir}: an index opened without its graph must be read-only`);
    const schema = await StoreSchema.open(dir, readOnly, !readOnly || opts.checkTrees === true);
    try {
      const index = new LateIndex(dir, settings, schema, readOnly, withGraph);
      if ((await index.tokenVectors.attach(index.state)) && opts.saveRebuiltGraph !== false) await index.saveRebuiltGraph();
      return index;
    } catch (err) {
      await schema.close();
      // Opening reads the bookkeeping, every vector count, the codec state and the token-vector tables.
      throw asStoreDamage(err, schema.file);
    }
  }

  /**
   * Rewrites `dir`'s LMDB file compacted, giving back to the file system the pages that updates and deletes freed
   * (store-compaction.ts; run `compact()` first, whose rewrites free pages too). Needs the index alone: not open in
   * this process, and `index_locked` while another process has it open.
   */
  static async compactStore(dir: string): Promise<StoreCompaction> {
    settingsOf(dir, undefined); // names a directory that is not a complete index
    return rewriteStoreCompacted(dir);
  }

  /** True when `dir` holds a lateindex manifest (no deeper validation). */
  static isIndex(dir: string): boolean {
    return looksLikeIndex(dir);
  }

  get manifest(): Manifest {
    return { ...this.settings, counts: this.counts(), updatedAt: this.state.updatedAt };
  }

  get quantization(): QuantizationName {
    return this.settings.quantization;
  }

  /** The vector codec: training (residual codes) and its drift since. */
  get codec(): IndexCodec {
    return this.codecState;
  }

  /** The sparse postings for candidate generation (Block-Max Pruning); undefined for sparse mode `none`. */
  get sparse(): SparseStore | undefined {
    this.assertOpen();
    return this.sparseStore;
  }

  /**
   * The PLAID layout (codebook, inverted file, per-document centroid ids) for query-level candidate search;
   * undefined for the distinct-vector layout, and until the codec is trained.
   */
  get centroids(): CentroidVectorIndex | undefined {
    this.assertOpen();
    return this.centroidIndex !== undefined && !this.codecState.needsTraining ? this.centroidIndex : undefined;
  }

  /** Exact-match recovery data, when the index keeps it (`manifest.exactMatchRecovery`). */
  get exactTokens(): ExactTokenStore | undefined {
    this.assertOpen();
    return this.exactTokenStore;
  }

  counts(): IndexCounts {
    const { documents, vectors, vectorBytes } = this.state;
    if (!this.exactTokenStore) return { documents, vectors, vectorBytes };
    return { documents, vectors, vectorBytes, exactTokenBytes: this.state.exactTokenBytes ?? 0 };
  }

  /** Element-wise sum of the live documents' `stepCounts` (`[encoded, afterStep1, ...]`). */
  stepCounts(): number[] {
    return [...this.state.stepCounts];
  }

  sequence(): number {
    return this.state.sequence;
  }

  documentFrequency(term: string): number {
    return this.documents.documentFrequency(term);
  }

  getInternalId(id: string): number | undefined {
    return this.documents.internalId(id);
  }

  getDocument(internalId: number): StoredDocument | undefined {
    this.assertOpen();
    return this.documents.document(internalId);
  }

  /** Stored vector count of a live document, or undefined. */
  vectorCount(internalId: number): number | undefined {
    this.assertOpen();
    return this.documents.vectorCount(internalId);
  }

  /**
   * The document's stored vectors decoded to float32. `out` is used (and the result's `data` is a view of it)
   * when it holds at least `count * dim` floats; otherwise a new array is allocated.
   */
  readVectors(internalId: number, out?: Float32Array): MultiVector | undefined {
    this.assertOpen();
    return this.documents.readVectors(internalId, out);
  }

  /**
   * The document's stored vectors as the codec wrote them, with their count. The bytes are a view into LMDB's
   * transient read buffer: consume them before the next read of this index.
   */
  readVectorBytes(internalId: number): { readonly bytes: Uint8Array; readonly count: number } | undefined {
    this.assertOpen();
    return this.documents.readVectorBytes(internalId);
  }

  /** Live internal ids in increasing order. */
  liveInternalIds(): Iterable<number> {
    return this.documents.liveInternalIds(this.state);
  }

  /**
   * Candidate documents for one query vector, from the token-vector index: each document once with the
   * similarity of its nearest stored vector, best first, until `maxDocuments` are collected (see
   * `DistinctVectorIndex.candidateDocuments`). `ef` defaults to the manifest's efSearch.
   */
  searchHnswDocuments(query: Float32Array, maxDocuments: number, ef?: number): HnswHit[] {
    this.assertOpen();
    return this.tokenVectors.candidateDocuments(query, maxDocuments, ef);
  }

  /**
   * Inserts new documents and replaces existing ones (by external id) in one LMDB transaction; later duplicates
   * in the batch win. Documents come prepared (ingest/): they are checked, then stored as they are. `encoded`,
   * when given, holds each document's payload already encoded with this index's trained codec (the ingest
   * pipeline's encoding workers); the documents' ids must then be distinct.
   */
  async upsert(docs: readonly PreparedDocument[], encoded?: PreEncodedBatch): Promise<{ inserted: number; updated: number }> {
    this.assertWritable();
    for (const doc of docs) checkPreparedDocument(doc, this.dim, this.sparseMode);
    const unique = encoded === undefined ? lastPerId(docs, (doc) => doc.id) : docs;
    if (unique.length === 0) return { inserted: 0, updated: 0 };
    if (encoded !== undefined) this.checkPreEncoded(docs, encoded);
    else this.codecState.ensureTrained(unique.map((doc) => doc.vectors));
    const { rows, drift } = encoded ?? encodeBatch(unique, this.codecState.codec);
    return this.write((write) => {
      unique.forEach((doc, i) => write.upsert(doc, rows[i]!));
      if (drift) write.recordDrift(drift);
      return { inserted: write.inserted, updated: write.updated };
    });
  }

  /** Deletes documents by external id in one LMDB transaction; unknown ids are reported as missing. */
  async delete(ids: readonly string[]): Promise<{ deleted: string[]; missing: string[] }> {
    this.assertWritable();
    const deleted: string[] = [];
    const missing: string[] = [];
    this.write((write) => {
      for (const id of new Set(ids)) (write.delete(id) ? deleted : missing).push(id);
    });
    return { deleted, missing };
  }

  /**
   * Picks up writes another process committed since this object last looked (LMDB allows one writer at a time
   * across processes): bookkeeping, documents and the token-vector index. Returns whether anything changed.
   */
  async refresh(): Promise<boolean> {
    this.assertOpen();
    this.schema.freshSnapshot();
    const stored = this.schema.state();
    if (stored.sequence === this.state.sequence) return false;
    this.advanceTo(stored);
    return true;
  }

  /**
   * Cross-checks LMDB's databases against each other and what is derived from them (verify-index.ts). Reads
   * every stored vector once. A damaged file (LMDB meets a page that is not what its tree says, a record cannot be
   * decoded) is an `index_corrupt` error rather than a list of problems; open with `checkTrees` to find damaged
   * tree pages before LMDB reads them.
   */
  verify(): VerifyReport {
    this.assertOpen();
    try {
      return this.verifyRecords();
    } catch (err) {
      throw asStoreDamage(err, this.schema.file);
    }
  }

  private verifyRecords(): VerifyReport {
    return verifyIndex({
      schema: this.schema,
      documents: this.documents,
      codec: this.codecState.codec,
      state: this.state,
      counts: this.counts(),
      tokenVectors: this.tokenVectors,
      sparse: this.sparseStore,
      sparseMode: this.sparseMode,
      exactTokens: this.exactTokenStore,
    });
  }

  /** Read-only views for diagnostics, `stats` and tests (see `IndexInspection`). */
  inspect(): IndexInspection {
    this.assertOpen();
    const tokenVectors = this.tokenVectors.inspect();
    const distinct = (): DistinctVectorInspection => {
      if (tokenVectors.kind !== 'distinct-vectors') throw new UsageError(`${this.dir}: a ${tokenVectors.kind} index has no distinct-vector graph`);
      return tokenVectors;
    };
    return { store: this.schema, tokenVectors, distinct };
  }

  /**
   * Reclaims what updates and deletes leave behind: rebuilds the HNSW graph without tombstones, recomputes sparse
   * block maxima and df from the postings, and re-runs the sparse reordering over the live documents, so
   * documents added since join blocks of similar documents (one transaction). Search results do not change; the
   * graph is saved by the next flush or close.
   */
  async compact(): Promise<{ graphTombstonesDropped: number; sparse?: { compact: CompactReport; reorder: ReorderReport } }> {
    this.assertWritable();
    const graphTombstonesDropped = this.tokenVectors.rebuild(this.state);
    const sparse = this.sparseStore;
    if (!sparse) return { graphTombstonesDropped };
    return { graphTombstonesDropped, sparse: this.schema.transaction(() => ({ compact: sparse.compact(), reorder: sparse.reorder() })) };
  }

  /**
   * Re-blocks the sparse postings by graph bisection so documents sharing terms share blocks (what makes
   * Block-Max Pruning skip blocks), in one transaction; `lateindex index` ends with it. Undefined without postings.
   */
  reorderSparse(): ReorderReport | undefined {
    this.assertWritable();
    const sparse = this.sparseStore;
    return sparse && this.schema.transaction(() => sparse.reorder());
  }

  /** Saves the HNSW graph (when it changed since the last save) and the manifest. No-op when read-only. */
  async flush(): Promise<void> {
    this.assertOpen();
    if (this.readOnly) return;
    const run = this.flushQueue.then(() => this.writeFiles());
    this.flushQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.readOnly) await this.flush();
    } finally {
      this.closed = true;
      await this.schema.close();
    }
  }

  private checkPreEncoded(docs: readonly PreparedDocument[], encoded: PreEncodedBatch): void {
    if (this.codecState.needsTraining) throw new UsageError(`${this.dir}: pre-encoded rows need a trained codec; train it first`);
    if (encoded.rows.length !== docs.length) throw new UsageError(`pre-encoded batch: ${encoded.rows.length} payloads for ${docs.length} documents`);
    if (new Set(docs.map((doc) => doc.id)).size !== docs.length) throw new UsageError('pre-encoded batch: document ids must be distinct');
    const codec = this.codecState.codec;
    docs.forEach((doc, i) => {
      const { count, payload } = encoded.rows[i]!;
      if (count !== doc.vectors.count || payload.length !== codec.payloadBytes(count, this.dim)) {
        throw new UsageError(`pre-encoded batch: document "${doc.id}" has ${doc.vectors.count} rows but a payload of ${payload.length} bytes for ${count}`);
      }
    });
  }

  private get sparseMode(): SparseIndexMode {
    return this.settings.sparse?.mode ?? 'none';
  }

  /**
   * The one write path: gathers a change in a `WriteBatch` inside one LMDB transaction that builds on the
   * bookkeeping as LMDB holds it (never on memory, so another process's write is never overwritten), commits it,
   * then brings memory up to date: by applying the batch, or by catching up when this object had missed writes.
   */
  private write<T>(gather: (batch: WriteBatch) => T): T {
    let result!: T;
    let behind = false;
    let committed: CommittedBatch | undefined;
    this.schema.transaction(() => {
      const stored = this.schema.state();
      behind = stored.sequence !== this.state.sequence;
      const batch = new WriteBatch(this.writeTargets(), copyState(stored));
      result = gather(batch);
      committed = batch.empty ? undefined : batch.commit();
    });
    if (behind) this.advanceTo(committed?.state ?? this.schema.state());
    else if (committed) {
      this.state = committed.state;
      committed.apply();
    }
    return result;
  }

  private writeTargets(): WriteTargets {
    return {
      schema: this.schema,
      documents: this.documents,
      tokenVectors: this.tokenVectors,
      sparse: this.sparseStore,
      exactTokens: this.exactTokenStore,
      codec: this.codecState,
    };
  }

  /**
   * Moves this object from its state to `target` (LMDB state written by another process, possibly followed by
   * our own transaction): the documents from the change log, the token-vector index from its own log (or a
   * rebuild when the logs no longer cover the gap).
   */
  private advanceTo(target: StoreState): void {
    this.schema.freshSnapshot();
    this.codecState.restore();
    const from = this.state;
    this.state = target;
    this.documents.catchUp(from, target);
    this.tokenVectors.catchUp(from, target);
  }

  /**
   * Saves what `attach` had to rebuild. A read-only open writes the graph file only (never LMDB, so the catch-up logs
   * are pruned by the next writer's save), and only as a favour to the next open: when the directory refuses (not
   * writable, disk full), the graph just stays in memory.
   */
  private async saveRebuiltGraph(): Promise<void> {
    if (!this.readOnly) return this.flush();
    await this.tokenVectors.save(this.state).catch(() => false);
  }

  private async writeFiles(): Promise<void> {
    await this.refresh();
    const state = this.state;
    if (await this.tokenVectors.save(state)) this.pruneCatchUpLogs(state.sequence);
    writeManifest(this.dir, this.manifest);
  }

  /** Once the saved graph reflects `sequence`, older catch-up log entries (graph and documents) are never needed. */
  private pruneCatchUpLogs(sequence: number): void {
    this.schema.transaction(() => {
      this.tokenVectors.pruneLog(sequence);
      this.documents.pruneChangeLog(sequence);
      this.schema.putState(logsPrunedTo(this.schema.state(), sequence));
    });
    this.state = logsPrunedTo(this.state, sequence);
  }

  private assertOpen(): void {
    if (this.closed) throw new LateIndexError('index_closed', `${this.dir}: the index is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new LateIndexError('read_only', `${this.dir}: the index was opened read-only`);
  }
}
