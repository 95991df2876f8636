import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb';
import type { EncoderIdentity } from '../encode/encoder.js';
import { IndexFormatError, InputError, LateIndexError, type MultiVector } from '../shared/index.js';
import { createCodec } from './codecs/registry.js';
import { analyze, sparseDocumentText } from './sparse/analyzer.js';
import { DEFAULT_BM25, DEFAULT_LEARNED_SCALE } from './sparse/impacts.js';
import { DEFAULT_BLOCK_SIZE, SparseStore } from './sparse/sparse-store.js';
import type { SparseDocument } from './sparse/types.js';
import type { VectorCodec } from './codecs/vector-codec.js';
import {
  DEFAULT_HNSW_PARAMS,
  INDEX_FORMAT,
  INDEX_FORMAT_VERSION,
  describeEncoder,
  looksLikeIndex,
  manifestPath,
  readManifest,
  sameEncoder,
  writeManifest,
} from './manifest.js';
import { MAX_LABEL, TokenGraph, type GraphLoadFailure } from './token-graph.js';
import type {
  HnswHit,
  HnswParams,
  IndexCounts,
  IndexedDocument,
  Manifest,
  QuantizationName,
  SparseIndexMode,
  SparseSettings,
  StoredDocument,
} from './types.js';

/** LMDB environment file inside the index directory (lmdb-js also creates `store.mdb-lock`). */
export const STORE_FILE = 'store.mdb';

export interface CreateIndexOptions {
  readonly encoder: EncoderIdentity;
  /** Default `float16`. */
  readonly quantization?: QuantizationName;
  /** Reduction pipeline spec; default `none`. */
  readonly reduction?: string;
  readonly hnsw?: Partial<HnswParams>;
  /** Recorded in the manifest as `encoderSource` (e.g. the model directory). */
  readonly encoderSource?: string;
  /** Sparse postings kept beside the vectors; default `{ mode: 'bm25', blockSize: 64 }`. */
  readonly sparse?: { readonly mode: SparseIndexMode; readonly blockSize?: number };
}

export interface OpenIndexOptions {
  /** When given, must equal the index's encoder identity (kind, name, dim, hash). */
  readonly encoder?: EncoderIdentity;
  /** No writes at all: upsert/delete throw, close does not flush, a stale HNSW graph is rebuilt in memory only. */
  readonly readOnly?: boolean;
}

/** Result of `LateIndex.verify()`: `problems` lists each inconsistency found (at most 100). */
export interface VerifyReport {
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly documents: number;
  readonly vectors: number;
  readonly terms: number;
}

/** How the in-memory HNSW graph was obtained at open. */
export type GraphOrigin = 'created' | 'loaded' | 'caught-up' | `rebuilt:${GraphLoadFailure}`;

/** Bookkeeping record (LMDB `meta` database, key `state`); changes only inside write transactions. */
interface StoreState {
  nextInternalId: number;
  nextLabel: number;
  sequence: number;
  documents: number;
  vectors: number;
  vectorBytes: number;
  stepCounts: number[];
  updatedAt: string;
  /** The `retired` log holds every label range retired after this sequence (older entries are pruned). */
  retiredLogFrom: number;
}

/** The `docs` database value. Terms and step counts are kept so updates and deletes can undo their bookkeeping. */
interface DocRecord {
  id: string;
  title?: string;
  text?: string;
  metadata?: Record<string, unknown>;
  terms?: string[];
  stepCounts?: number[];
  firstLabel: number;
  vectorCount: number;
}

const STATE_KEY = 'state';
/** LMDB keys are limited to 1978 bytes; ids and terms stay well below (ordered-binary adds a few bytes). */
const MAX_KEY_BYTES = 1024;
const NOT_LIVE = -1;

/**
 * A lateindex directory: LMDB is the source of truth (ids, docs, vectors, term df, bookkeeping); the HNSW graph
 * over token vectors is derived from it and saved as `hnsw.bin` on flush/close.
 */
export class LateIndex {
  readonly dir: string;
  readonly dim: number;
  readonly readOnly: boolean;
  private readonly base: Omit<Manifest, 'counts' | 'updatedAt'>;
  private readonly codec: VectorCodec;
  private readonly env: RootDatabase;
  private readonly ids: Database<number, string>;
  private readonly docs: Database<DocRecord, number>;
  private readonly vectors: Database<Uint8Array, number>;
  /** internal id -> `[firstLabel, vectorCount]`: the small per-document layout scanned at open. */
  private readonly spans: Database<[number, number], number>;
  private readonly df: Database<number, string>;
  private readonly meta: Database<StoreState, string>;
  /** sequence -> flat `[firstLabel, count, ...]` label ranges retired by that transaction (for HNSW catch-up). */
  private readonly retired: Database<number[], number>;
  /** Block-max postings in the same LMDB environment; absent for sparse mode `none`. */
  private readonly sparseStore: SparseStore | undefined;
  private state: StoreState;
  private graph: TokenGraph;
  private origin: GraphOrigin;
  /** LMDB sequence that `hnsw.bin` on disk reflects (-1: none). */
  private savedGraphSequence: number;
  /** Per internal id: first label and vector count (NOT_LIVE when absent). */
  private firstLabels: Float64Array;
  private vectorCounts: Int32Array;
  private decodeScratch: Float32Array;
  private closed = false;
  /** Flushes run one after another: each snapshots the graph and prunes the retired log for its sequence. */
  private flushQueue: Promise<void> = Promise.resolve();

  private constructor(args: {
    dir: string;
    base: Omit<Manifest, 'counts' | 'updatedAt'>;
    env: RootDatabase;
    readOnly: boolean;
  }) {
    this.dir = args.dir;
    this.base = args.base;
    this.dim = args.base.encoder.dim;
    this.readOnly = args.readOnly;
    this.codec = createCodec(args.base.quantization);
    this.env = args.env;
    this.ids = this.env.openDB<number, string>({ name: 'ids' });
    this.docs = this.env.openDB<DocRecord, number>({ name: 'docs', keyEncoding: 'uint32' });
    this.vectors = this.env.openDB<Uint8Array, number>({ name: 'vectors', keyEncoding: 'uint32', encoding: 'binary' });
    this.spans = this.env.openDB<[number, number], number>({ name: 'spans', keyEncoding: 'uint32' });
    this.df = this.env.openDB<number, string>({ name: 'df' });
    this.meta = this.env.openDB<StoreState, string>({ name: 'meta' });
    this.retired = this.env.openDB<number[], number>({ name: 'retired', keyEncoding: 'uint32' });
    const sparse = args.base.sparse ?? { mode: 'none' };
    this.sparseStore =
      sparse.mode === 'none'
        ? undefined
        : new SparseStore(this.env, {
            mode: sparse.mode,
            blockSize: sparse.blockSize!,
            bm25: { k1: sparse.k1!, b: sparse.b! },
            learnedScale: sparse.learnedScale!,
          });
    this.state = this.storedState();
    this.firstLabels = new Float64Array(0);
    this.vectorCounts = new Int32Array(0);
    this.loadSpans();
    this.decodeScratch = new Float32Array(this.dim * 256);
    // Placeholders; the async factories install the real graph before returning.
    this.graph = TokenGraph.empty(this.dim, this.base.hnsw, 0);
    this.savedGraphSequence = -1;
    this.origin = 'created';
  }

  /** Creates a new, empty index in `dir` (created if needed; must not hold an index or other files). */
  static async create(dir: string, opts: CreateIndexOptions): Promise<LateIndex> {
    if (looksLikeIndex(dir) || existsSync(manifestPath(dir)) || existsSync(join(dir, STORE_FILE))) {
      throw new IndexFormatError('index_exists', `${dir}: an index already exists here`);
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) {
      throw new IndexFormatError('directory_not_empty', `${dir}: directory is not empty; choose a new or empty directory for the index`);
    }
    const encoder = opts.encoder;
    if (!Number.isInteger(encoder.dim) || encoder.dim <= 0) {
      throw new InputError(`encoder dim must be a positive integer, got ${encoder.dim}`, undefined, 'encoder.dim');
    }
    const quantization = opts.quantization ?? 'float16';
    createCodec(quantization);
    const given = Object.fromEntries(Object.entries(opts.hnsw ?? {}).filter(([, value]) => value !== undefined));
    const hnsw: HnswParams = { ...DEFAULT_HNSW_PARAMS, ...given };
    for (const [key, value] of Object.entries(hnsw)) {
      if (!Number.isInteger(value) || value < (key === 'seed' ? 0 : 1)) {
        throw new InputError(`HNSW parameter ${key} must be a positive integer, got ${String(value)}`, undefined, `hnsw.${key}`);
      }
    }
    const sparse = sparseSettings(opts.sparse);
    mkdirSync(dir, { recursive: true });
    const now = new Date().toISOString();
    const base: Omit<Manifest, 'counts' | 'updatedAt'> = {
      format: INDEX_FORMAT,
      formatVersion: INDEX_FORMAT_VERSION,
      encoder: { kind: encoder.kind, name: encoder.name, dim: encoder.dim, hash: encoder.hash },
      reduction: opts.reduction ?? 'none',
      quantization,
      hnsw,
      sparse,
      createdAt: now,
      ...(opts.encoderSource !== undefined && { encoderSource: opts.encoderSource }),
    };
    const env = openEnv(dir, false);
    const initial: StoreState = {
      nextInternalId: 0,
      nextLabel: 0,
      sequence: 0,
      documents: 0,
      vectors: 0,
      vectorBytes: 0,
      stepCounts: [],
      updatedAt: now,
      retiredLogFrom: 0,
    };
    env.openDB<StoreState, string>({ name: 'meta' }).putSync(STATE_KEY, initial);
    const index = new LateIndex({ dir, base, env, readOnly: false });
    // The manifest goes last: its presence marks a complete index.
    await index.flush();
    return index;
  }

  /** Opens an existing index, verifying format version and (when given) the encoder identity. */
  static async open(dir: string, opts: OpenIndexOptions = {}): Promise<LateIndex> {
    const manifest = readManifest(dir);
    if (opts.encoder && !sameEncoder(manifest.encoder, opts.encoder)) {
      throw new IndexFormatError(
        'encoder_mismatch',
        `${dir}: index was built with ${describeEncoder(manifest.encoder)} but was opened with ${describeEncoder(opts.encoder)}`,
      );
    }
    if (!existsSync(join(dir, STORE_FILE))) {
      throw new IndexFormatError('not_an_index', `${dir}: not a complete lateindex index (no ${STORE_FILE})`);
    }
    const { counts: _counts, updatedAt: _updatedAt, ...base } = manifest;
    const readOnly = opts.readOnly ?? false;
    const env = openEnv(dir, readOnly);
    try {
      const index = new LateIndex({ dir, base, env, readOnly });
      await index.attachGraph();
      return index;
    } catch (err) {
      await env.close();
      throw err;
    }
  }

  /** True when `dir` holds a lateindex manifest (no deeper validation). */
  static isIndex(dir: string): boolean {
    return looksLikeIndex(dir);
  }

  get manifest(): Manifest {
    return { ...this.base, counts: this.counts(), updatedAt: this.state.updatedAt };
  }

  /** Whether the HNSW graph was loaded from `hnsw.bin` or rebuilt from LMDB when this object opened. */
  get graphOrigin(): GraphOrigin {
    return this.origin;
  }

  /** The sparse postings for candidate generation (Block-Max Pruning); undefined for sparse mode `none`. */
  get sparse(): SparseStore | undefined {
    this.assertOpen();
    return this.sparseStore;
  }

  get quantization(): QuantizationName {
    return this.base.quantization;
  }

  counts(): IndexCounts {
    return { documents: this.state.documents, vectors: this.state.vectors, vectorBytes: this.state.vectorBytes };
  }

  /** Element-wise sum of the live documents' `stepCounts` (`[encoded, afterStep1, ...]`). */
  stepCounts(): number[] {
    return [...this.state.stepCounts];
  }

  sequence(): number {
    return this.state.sequence;
  }

  documentFrequency(term: string): number {
    return this.df.get(term) ?? 0;
  }

  getInternalId(id: string): number | undefined {
    return this.ids.get(id);
  }

  getDocument(internalId: number): StoredDocument | undefined {
    if (!this.isLive(internalId)) return undefined;
    const rec = this.docs.get(internalId);
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

  /**
   * The document's stored vectors decoded to float32. `out` is used (and the result's `data` is a view of it)
   * when it holds at least `count * dim` floats; otherwise a new array is allocated.
   */
  readVectors(internalId: number, out?: Float32Array): MultiVector | undefined {
    if (!this.isLive(internalId)) return undefined;
    const count = this.vectorCounts[internalId]!;
    const n = count * this.dim;
    const target = out && out.length >= n ? out : new Float32Array(n);
    if (count > 0) {
      const bytes = this.vectors.getBinaryFast(internalId);
      if (!bytes) return undefined;
      this.codec.decode(bytes, count, this.dim, target);
    }
    return { dim: this.dim, count, data: target.length === n ? target : target.subarray(0, n) };
  }

  /** Live internal ids in increasing order. */
  *liveInternalIds(): Iterable<number> {
    const counts = this.vectorCounts;
    const end = Math.min(counts.length, this.state.nextInternalId);
    for (let i = 0; i < end; i++) if (counts[i] !== NOT_LIVE) yield i;
  }

  /** One past the largest internal id ever assigned (size for dense per-document arrays). */
  internalIdLimit(): number {
    return this.state.nextInternalId;
  }

  /**
   * The `k` stored token vectors nearest to `query` (inner product, approximate), best first, each mapped to its
   * document: a document appears once per matching vector. `ef` defaults to the manifest's efSearch (raised to k).
   */
  searchHnsw(query: Float32Array, k: number, ef?: number): HnswHit[] {
    this.assertOpen();
    return this.graph.search(query, k, ef ?? this.base.hnsw.efSearch);
  }

  /** Nearest raw vector labels (no grouping by document); for diagnostics and recall checks. */
  searchHnswLabels(query: Float32Array, k: number, ef?: number): { labels: number[]; similarities: number[] } {
    this.assertOpen();
    return this.graph.searchLabels(query, k, ef ?? this.base.hnsw.efSearch);
  }

  /** HNSW graph occupancy (for `stats`): live vectors, tombstones awaiting reuse, element slots, capacity. */
  graphStats(): { live: number; tombstones: number; elements: number; capacity: number } {
    this.assertOpen();
    return this.graph.stats();
  }

  /** Label range `[firstLabel, firstLabel + count)` of a live document's vectors in the HNSW graph. */
  labelRange(internalId: number): { firstLabel: number; count: number } | undefined {
    if (!this.isLive(internalId)) return undefined;
    return { firstLabel: this.firstLabels[internalId]!, count: this.vectorCounts[internalId]! };
  }

  /**
   * Inserts new documents and replaces existing ones (by external id) in one LMDB transaction; later duplicates
   * in the batch win. The HNSW graph follows in memory and is saved on flush/close.
   */
  async upsert(docs: readonly IndexedDocument[]): Promise<{ inserted: number; updated: number }> {
    this.assertWritable();
    const batch = new Map<string, IndexedDocument>();
    for (const doc of docs) {
      this.validateDocument(doc);
      batch.delete(doc.id);
      batch.set(doc.id, doc);
    }
    if (batch.size === 0) return { inserted: 0, updated: 0 };
    const payloads = new Map<string, Uint8Array>();
    for (const doc of batch.values()) payloads.set(doc.id, this.codec.encode(doc.vectors.data, this.dim));
    const sparseInputs = new Map<string, SparseInput>();
    if (this.sparseStore) {
      for (const doc of batch.values()) {
        const input = this.sparseInput(doc);
        if (input) sparseInputs.set(doc.id, input);
      }
    }

    let next = this.state;
    let behind = false;
    const removed: { firstLabel: number; count: number }[] = [];
    const written: { internalId: number; firstLabel: number; count: number; payload: Uint8Array }[] = [];
    let inserted = 0;
    let updated = 0;
    this.env.transactionSync(() => {
      ({ next, behind } = this.beginWrite());
      const dfDelta = new Map<string, number>();
      const replacedIds: number[] = [];
      const sparseDocs: SparseDocument[] = [];
      for (const doc of batch.values()) {
        const payload = payloads.get(doc.id)!;
        const count = doc.vectors.count;
        let internalId = this.ids.get(doc.id);
        if (internalId !== undefined) {
          const old = this.docs.get(internalId);
          if (old) {
            this.forgetRecord(old, next, dfDelta);
            removed.push({ firstLabel: old.firstLabel, count: old.vectorCount });
          }
          replacedIds.push(internalId);
          updated++;
        } else {
          internalId = next.nextInternalId++;
          this.ids.putSync(doc.id, internalId);
          inserted++;
        }
        if (next.nextLabel + count - 1 > MAX_LABEL) {
          throw new LateIndexError('label_space_exhausted', `${this.dir}: the index has used all 2^32 HNSW labels; rebuild it into a new index`);
        }
        const record = toRecord(doc, next.nextLabel, count);
        next.nextLabel += count;
        this.docs.putSync(internalId, record);
        this.spans.putSync(internalId, [record.firstLabel, count]);
        this.vectors.putSync(internalId, payload);
        this.countRecord(record, payload.length, next, dfDelta, 1);
        written.push({ internalId, firstLabel: record.firstLabel, count, payload });
        const sparseInput = sparseInputs.get(doc.id);
        if (sparseInput) sparseDocs.push({ internalId, ...sparseInput });
      }
      if (this.sparseStore) {
        // Old postings go first: an update may drop the text (no new postings) or change every term.
        this.sparseStore.removeDocuments(replacedIds);
        this.sparseStore.putDocuments(sparseDocs);
      }
      this.applyDfDelta(dfDelta);
      next.sequence++;
      next.updatedAt = new Date().toISOString();
      this.logRetired(next.sequence, removed);
      this.meta.putSync(STATE_KEY, next);
    });
    if (behind) {
      this.advanceTo(next);
      return { inserted, updated };
    }
    this.state = next;
    for (const { internalId, firstLabel, count } of written) this.track(internalId, firstLabel, count);
    this.followInGraph(() => {
      for (const { firstLabel, count } of removed) this.graph.remove(firstLabel, count);
      for (const { internalId, firstLabel, count, payload } of written) {
        // The graph holds the decoded (quantized) vectors, exactly what a rebuild from LMDB would add.
        const rows = this.codec.decode(payload, count, this.dim, this.scratch(count));
        this.graph.add(internalId, firstLabel, rows, count);
      }
    });
    return { inserted, updated };
  }

  /** Deletes documents by external id in one LMDB transaction; unknown ids are reported as missing. */
  async delete(ids: readonly string[]): Promise<{ deleted: string[]; missing: string[] }> {
    this.assertWritable();
    const deleted: string[] = [];
    const missing: string[] = [];
    const unique = [...new Set(ids)];
    let next = this.state;
    let behind = false;
    const removed: { internalId: number; firstLabel: number; count: number }[] = [];
    this.env.transactionSync(() => {
      ({ next, behind } = this.beginWrite());
      const dfDelta = new Map<string, number>();
      for (const id of unique) {
        const internalId = this.ids.get(id);
        const old = internalId === undefined ? undefined : this.docs.get(internalId);
        if (internalId === undefined || !old) {
          missing.push(id);
          continue;
        }
        this.forgetRecord(old, next, dfDelta);
        this.ids.removeSync(id);
        this.docs.removeSync(internalId);
        this.spans.removeSync(internalId);
        this.vectors.removeSync(internalId);
        removed.push({ internalId, firstLabel: old.firstLabel, count: old.vectorCount });
        deleted.push(id);
      }
      if (removed.length === 0) return;
      this.sparseStore?.removeDocuments(removed.map((r) => r.internalId));
      this.applyDfDelta(dfDelta);
      next.sequence++;
      next.updatedAt = new Date().toISOString();
      this.logRetired(next.sequence, removed);
      this.meta.putSync(STATE_KEY, next);
    });
    if (removed.length === 0) {
      if (behind) this.advanceTo(this.storedState());
      return { deleted, missing };
    }
    if (behind) {
      this.advanceTo(next);
      return { deleted, missing };
    }
    this.state = next;
    for (const { internalId } of removed) this.vectorCounts[internalId] = NOT_LIVE;
    this.followInGraph(() => {
      for (const { firstLabel, count } of removed) this.graph.remove(firstLabel, count);
    });
    return { deleted, missing };
  }

  /**
   * Picks up writes another process committed since this object last looked (LMDB allows one writer at a time
   * across processes): bookkeeping, document spans and the HNSW graph. Returns whether anything changed.
   */
  async refresh(): Promise<boolean> {
    this.assertOpen();
    // lmdb-js keeps a read snapshot until the next macrotask; start a fresh one to see other processes' commits.
    this.env.resetReadTxn();
    const stored = this.storedState();
    if (stored.sequence === this.state.sequence) return false;
    this.advanceTo(stored);
    return true;
  }

  /**
   * Cross-checks LMDB's databases against each other and the in-memory HNSW graph: id mapping both ways, payload
   * sizes, label ranges, counts, step counts and document frequencies recomputed from the documents.
   */
  verify(): VerifyReport {
    this.assertOpen();
    const problems: string[] = [];
    const note = (msg: string): void => {
      if (problems.length < 100) problems.push(msg);
    };
    const bytesPerVector = this.codec.bytesPerVector(this.dim);
    const recount = { documents: 0, vectors: 0, vectorBytes: 0 };
    const stepCounts: number[] = [];
    const df = new Map<string, number>();
    const spans: [number, number][] = [];
    const sparse = this.sparseStore;
    const sparseMode = this.base.sparse?.mode ?? 'none';
    let sparseDocuments = 0;
    for (const { key, value } of this.docs.getRange()) {
      recount.documents++;
      if (sparse) {
        const has = sparse.hasDocument(key);
        if (has) sparseDocuments++;
        if (sparseMode === 'bm25' && has !== Boolean(value.title || value.text)) {
          note(`document ${key} ("${value.id}") ${has ? 'has sparse postings but no text' : 'has text but no sparse postings'}`);
        }
      }
      recount.vectors += value.vectorCount;
      if (key >= this.state.nextInternalId) note(`document ${key} ("${value.id}") is beyond next internal id ${this.state.nextInternalId}`);
      if (this.ids.get(value.id) !== key) note(`document ${key} ("${value.id}") has no matching entry in the id map`);
      const span = this.spans.get(key);
      if (!span || span[0] !== value.firstLabel || span[1] !== value.vectorCount) note(`document ${key} ("${value.id}") has no matching label span`);
      if (this.vectorCounts[key] !== value.vectorCount) note(`document ${key} ("${value.id}") is not tracked in memory`);
      const payload = this.vectors.getBinaryFast(key);
      const bytes = payload?.length ?? 0;
      recount.vectorBytes += bytes;
      if (value.vectorCount > 0 && !payload) note(`document ${key} ("${value.id}") has no stored vectors`);
      else if (bytes !== value.vectorCount * bytesPerVector) {
        note(`document ${key} ("${value.id}") stores ${bytes} vector bytes, expected ${value.vectorCount * bytesPerVector}`);
      }
      if (value.firstLabel + value.vectorCount > this.state.nextLabel) note(`document ${key} ("${value.id}") uses labels beyond next label`);
      if (value.vectorCount > 0) spans.push([value.firstLabel, value.vectorCount]);
      value.stepCounts?.forEach((c, i) => {
        stepCounts[i] = (stepCounts[i] ?? 0) + c;
      });
      for (const term of value.terms ?? []) df.set(term, (df.get(term) ?? 0) + 1);
    }
    for (const { key, value } of this.ids.getRange()) {
      if (!this.docs.doesExist(value)) note(`id "${key}" maps to missing document ${value}`);
    }
    for (const key of this.vectors.getKeys()) {
      if (!this.docs.doesExist(key)) note(`vectors stored for missing document ${key}`);
    }
    for (const key of this.spans.getKeys()) {
      if (!this.docs.doesExist(key)) note(`label span stored for missing document ${key}`);
    }
    spans.sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < spans.length; i++) {
      if (spans[i - 1]![0] + spans[i - 1]![1] > spans[i]![0]) note(`label ranges overlap at label ${spans[i]![0]}`);
    }
    const stored = this.counts();
    for (const key of ['documents', 'vectors', 'vectorBytes'] as const) {
      if (stored[key] !== recount[key]) note(`bookkeeping says ${stored[key]} ${key}, the documents add up to ${recount[key]}`);
    }
    const storedSteps = this.state.stepCounts;
    for (let i = 0; i < Math.max(storedSteps.length, stepCounts.length); i++) {
      if ((storedSteps[i] ?? 0) !== (stepCounts[i] ?? 0)) note(`step count ${i}: bookkeeping ${storedSteps[i] ?? 0}, documents ${stepCounts[i] ?? 0}`);
    }
    let terms = 0;
    for (const { key, value } of this.df.getRange()) {
      terms++;
      if (df.get(key) !== value) note(`term "${key}": stored document frequency ${value}, documents say ${df.get(key) ?? 0}`);
    }
    if (terms !== df.size) note(`${df.size - terms} terms of stored documents have no document frequency`);
    if (sparse) {
      const stats = sparse.stats();
      if (stats.documents !== sparseDocuments) {
        note(`sparse store counts ${stats.documents} documents, ${sparseDocuments} live documents have postings`);
      }
      if (stats.idLimit > this.state.nextInternalId) note(`sparse store holds internal ids beyond next internal id ${this.state.nextInternalId}`);
    }
    if (this.graph.size !== stored.vectors || !this.graph.isConsistent()) {
      note(`HNSW graph holds ${this.graph.size} live vectors, LMDB ${stored.vectors}`);
    }
    return { ok: problems.length === 0, problems, documents: recount.documents, vectors: recount.vectors, terms: df.size };
  }

  /** Rebuilds the HNSW graph from LMDB, dropping tombstones (reclaims graph space after many updates/deletes). */
  async rebuildGraph(): Promise<void> {
    this.assertOpen();
    this.graph = this.buildGraphFromStore();
    this.savedGraphSequence = -1;
  }

  /** Saves the HNSW graph (when it changed since the last save) and the manifest. No-op when read-only. */
  async flush(): Promise<void> {
    this.assertOpen();
    if (this.readOnly) return;
    const run = this.flushQueue.then(() => this.writeFiles());
    this.flushQueue = run.catch(() => undefined);
    return run;
  }

  private async writeFiles(): Promise<void> {
    await this.refresh();
    const sequence = this.state.sequence;
    if (this.savedGraphSequence !== sequence) {
      await this.graph.save(this.dir, sequence, this.state.nextLabel);
      this.savedGraphSequence = sequence;
      this.pruneRetiredLog(sequence);
    }
    writeManifest(this.dir, this.manifest);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    try {
      if (!this.readOnly) await this.flush();
    } finally {
      this.closed = true;
      await this.env.close();
    }
  }

  /**
   * Loads hnsw.bin when it matches LMDB; catches it up when it is older but the retired-label log still covers the
   * gap; otherwise (missing, corrupt, too old, inconsistent) rebuilds the graph from every live document.
   */
  private async attachGraph(): Promise<void> {
    const loaded = await TokenGraph.load(this.dir, this.dim, this.base.hnsw, this.state.retiredLogFrom ?? 0, this.state.sequence);
    if (typeof loaded !== 'string') {
      const caughtUp = this.catchUp(loaded.graph, loaded.sequence, loaded.nextLabel);
      if (caughtUp) {
        this.graph = loaded.graph;
        this.origin = loaded.sequence === this.state.sequence ? 'loaded' : 'caught-up';
        this.savedGraphSequence = loaded.sequence;
        return;
      }
    }
    this.graph = this.buildGraphFromStore();
    this.origin = `rebuilt:${typeof loaded === 'string' ? loaded : 'corrupt'}`;
    this.savedGraphSequence = -1;
  }

  /**
   * Applies an already committed LMDB change to the graph. Should hnswlib fail half-way, the graph is rebuilt from
   * LMDB (the write itself succeeded); only a failing rebuild propagates.
   */
  private followInGraph(apply: () => void): void {
    try {
      apply();
    } catch {
      this.graph = this.buildGraphFromStore();
      this.savedGraphSequence = -1;
    }
  }

  private buildGraphFromStore(): TokenGraph {
    const graph = TokenGraph.empty(this.dim, this.base.hnsw, this.state.vectors * 1.1);
    for (const internalId of this.liveInternalIds()) {
      const count = this.vectorCounts[internalId]!;
      const vectors = this.readVectors(internalId, this.scratch(count));
      if (vectors) graph.add(internalId, this.firstLabels[internalId]!, vectors.data, count);
    }
    return graph;
  }

  /**
   * Brings a graph saved at `sequence` (holding labels below `nextLabel`) up to LMDB's state: labels retired since
   * are tombstoned, documents written since are added. False when the graph does not match LMDB.
   */
  private catchUp(graph: TokenGraph, sequence: number, nextLabel: number): boolean {
    try {
      const added: number[] = [];
      for (const internalId of this.liveInternalIds()) {
        const first = this.firstLabels[internalId]!;
        const count = this.vectorCounts[internalId]!;
        if (first + count <= nextLabel) graph.setOwner(first, count, internalId);
        else if (first >= nextLabel) added.push(internalId);
        else return false;
      }
      if (sequence < this.state.sequence) {
        for (const { value } of this.retired.getRange({ start: sequence + 1, end: this.state.sequence + 1 })) {
          for (let i = 0; i < value.length; i += 2) {
            const first = value[i]!;
            const count = Math.min(value[i + 1]!, nextLabel - first);
            if (count > 0) graph.retireUnowned(first, count);
          }
        }
      }
      for (const internalId of added) {
        const count = this.vectorCounts[internalId]!;
        const vectors = this.readVectors(internalId, this.scratch(count));
        if (!vectors) return false;
        graph.add(internalId, this.firstLabels[internalId]!, vectors.data, count);
      }
      return graph.size === this.state.vectors && graph.isConsistent();
    } catch {
      return false;
    }
  }

  private logRetired(sequence: number, ranges: readonly { firstLabel: number; count: number }[]): void {
    const flat: number[] = [];
    for (const { firstLabel, count } of ranges) if (count > 0) flat.push(firstLabel, count);
    if (flat.length > 0) this.retired.putSync(sequence, flat);
  }

  /** Once hnsw.bin reflects `sequence`, older retired-label entries are never needed again. */
  private pruneRetiredLog(sequence: number): void {
    this.env.transactionSync(() => {
      const stored = this.storedState();
      for (const key of this.retired.getKeys({ end: sequence + 1 })) this.retired.removeSync(key);
      this.meta.putSync(STATE_KEY, { ...stored, retiredLogFrom: Math.max(stored.retiredLogFrom ?? 0, sequence) });
    });
    this.state = { ...this.state, retiredLogFrom: Math.max(this.state.retiredLogFrom ?? 0, sequence) };
  }

  private storedState(): StoreState {
    const stored = this.meta.get(STATE_KEY);
    if (!stored) throw new IndexFormatError('corrupt_store', `${join(this.dir, STORE_FILE)}: bookkeeping record "state" is missing`);
    return stored;
  }

  /**
   * Inside a write transaction: the bookkeeping to build on, read from LMDB (not memory) so that a write from
   * another process is never overwritten; `behind` says this object missed such writes.
   */
  private beginWrite(): { next: StoreState; behind: boolean } {
    const stored = this.storedState();
    return { next: { ...stored, stepCounts: [...stored.stepCounts] }, behind: stored.sequence !== this.state.sequence };
  }

  /**
   * Moves this object from its state to `target` (LMDB state written by another process, possibly followed by our
   * own transaction): reloads the label spans and catches the graph up from the retired log, or rebuilds it when
   * the log no longer covers the gap.
   */
  private advanceTo(target: StoreState): void {
    this.env.resetReadTxn();
    const from = this.state;
    this.state = target;
    this.loadSpans();
    if ((target.retiredLogFrom ?? 0) > from.sequence) {
      this.graph = this.buildGraphFromStore();
      this.savedGraphSequence = -1;
      return;
    }
    this.followInGraph(() => {
      for (const { value } of this.retired.getRange({ start: from.sequence + 1, end: target.sequence + 1 })) {
        for (let i = 0; i < value.length; i += 2) this.graph.remove(value[i]!, value[i + 1]!);
      }
      for (const internalId of this.liveInternalIds()) {
        const first = this.firstLabels[internalId]!;
        if (first < from.nextLabel) continue;
        const count = this.vectorCounts[internalId]!;
        const vectors = this.readVectors(internalId, this.scratch(count));
        if (vectors) this.graph.add(internalId, first, vectors.data, count);
      }
      if (this.graph.size !== target.vectors || !this.graph.isConsistent()) throw new Error('graph does not match LMDB');
    });
  }

  private loadSpans(): void {
    const size = Math.max(16, this.state.nextInternalId);
    this.firstLabels = new Float64Array(size);
    this.vectorCounts = new Int32Array(size).fill(NOT_LIVE);
    for (const { key, value } of this.spans.getRange()) {
      this.firstLabels[key] = value[0];
      this.vectorCounts[key] = value[1];
    }
  }

  private validateDocument(doc: IndexedDocument): void {
    if (typeof doc.id !== 'string' || doc.id.length === 0) {
      throw new InputError('document id must be a non-empty string', undefined, 'id');
    }
    if (Buffer.byteLength(doc.id) > MAX_KEY_BYTES) {
      throw new InputError(`document id "${doc.id.slice(0, 40)}..." is longer than ${MAX_KEY_BYTES} bytes`, undefined, 'id');
    }
    for (const term of doc.terms ?? []) {
      if (typeof term !== 'string' || Buffer.byteLength(term) > MAX_KEY_BYTES) {
        throw new InputError(`document "${doc.id}": every term must be a string of at most ${MAX_KEY_BYTES} bytes`, undefined, 'terms');
      }
    }
    if (doc.sparse !== undefined) {
      if (typeof doc.sparse !== 'object' || doc.sparse === null || Array.isArray(doc.sparse)) {
        throw new InputError(`document "${doc.id}": sparse must be an object of term weights`, undefined, 'sparse');
      }
      for (const [term, weight] of Object.entries(doc.sparse)) {
        if (term.length === 0 || Buffer.byteLength(term) > MAX_KEY_BYTES) {
          throw new InputError(`document "${doc.id}": sparse terms must be non-empty strings of at most ${MAX_KEY_BYTES} bytes`, undefined, 'sparse');
        }
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
          throw new InputError(`document "${doc.id}": sparse weight of "${term}" must be a finite number >= 0, got ${String(weight)}`, undefined, 'sparse');
        }
      }
    }
    const v = doc.vectors;
    if (!v || !(v.data instanceof Float32Array)) {
      throw new InputError(`document "${doc.id}": vectors must be a MultiVector with Float32Array data`, undefined, 'vectors');
    }
    if (v.dim !== this.dim) {
      throw new InputError(`document "${doc.id}": vectors have dim ${v.dim}, the index stores dim ${this.dim}`, undefined, 'vectors');
    }
    if (!Number.isInteger(v.count) || v.count < 0 || v.data.length !== v.count * v.dim) {
      throw new InputError(
        `document "${doc.id}": vector data holds ${v.data.length} floats, expected count ${v.count} x dim ${v.dim}`,
        undefined,
        'vectors',
      );
    }
    const data = v.data;
    for (let i = 0; i < data.length; i++) {
      if (!Number.isFinite(data[i]!)) {
        throw new InputError(`document "${doc.id}": vector ${Math.floor(i / v.dim)} holds a non-finite value`, undefined, 'vectors');
      }
    }
  }

  /** What the sparse store indexes for `doc`: analyzed title + text (bm25) or its learned weights; none without. */
  private sparseInput(doc: IndexedDocument): SparseInput | undefined {
    if (this.base.sparse?.mode === 'bm25') {
      if (!doc.title && !doc.text) return undefined;
      // A pathological "word" longer than an LMDB key cannot be a term; such words are not searchable anyway.
      const terms = analyze(sparseDocumentText(doc.title, doc.text)).filter((t) => t.length <= MAX_KEY_BYTES / 4 || Buffer.byteLength(t) <= MAX_KEY_BYTES);
      return { terms };
    }
    return doc.sparse === undefined ? undefined : { weights: doc.sparse };
  }

  /** Undoes a stored record's contribution to the document and vector counts, step counts and df. */
  private forgetRecord(old: DocRecord, next: StoreState, dfDelta: Map<string, number>): void {
    const bytes = old.vectorCount * this.codec.bytesPerVector(this.dim);
    this.countRecord(old, bytes, next, dfDelta, -1);
  }

  private countRecord(rec: DocRecord, bytes: number, next: StoreState, dfDelta: Map<string, number>, sign: 1 | -1): void {
    if (sign === 1) next.documents++;
    else next.documents--;
    next.vectors += sign * rec.vectorCount;
    next.vectorBytes += sign * bytes;
    rec.stepCounts?.forEach((c, i) => {
      next.stepCounts[i] = (next.stepCounts[i] ?? 0) + sign * c;
    });
    for (const term of rec.terms ?? []) dfDelta.set(term, (dfDelta.get(term) ?? 0) + sign);
  }

  private applyDfDelta(dfDelta: Map<string, number>): void {
    for (const [term, delta] of dfDelta) {
      if (delta === 0) continue;
      const value = (this.df.get(term) ?? 0) + delta;
      if (value > 0) this.df.putSync(term, value);
      else this.df.removeSync(term);
    }
  }

  private track(internalId: number, firstLabel: number, count: number): void {
    if (internalId >= this.vectorCounts.length) {
      const size = Math.max(internalId + 1, this.vectorCounts.length * 2);
      const counts = new Int32Array(size).fill(NOT_LIVE);
      counts.set(this.vectorCounts);
      const labels = new Float64Array(size);
      labels.set(this.firstLabels);
      this.vectorCounts = counts;
      this.firstLabels = labels;
    }
    this.vectorCounts[internalId] = count;
    this.firstLabels[internalId] = firstLabel;
  }

  private isLive(internalId: number): boolean {
    this.assertOpen();
    return Number.isInteger(internalId) && internalId >= 0 && internalId < this.vectorCounts.length && this.vectorCounts[internalId] !== NOT_LIVE;
  }

  private scratch(count: number): Float32Array {
    const n = count * this.dim;
    if (this.decodeScratch.length < n) this.decodeScratch = new Float32Array(n);
    return this.decodeScratch;
  }

  private assertOpen(): void {
    if (this.closed) throw new LateIndexError('index_closed', `${this.dir}: the index is closed`);
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.readOnly) throw new LateIndexError('read_only', `${this.dir}: the index was opened read-only`);
  }
}

type SparseInput = { readonly terms: readonly string[] } | { readonly weights: Readonly<Record<string, number>> };

/** Manifest record of the sparse configuration asked for at create (defaults: bm25, blocks of 64, Anserini BM25). */
function sparseSettings(given: CreateIndexOptions['sparse']): SparseSettings {
  const mode = given?.mode ?? 'bm25';
  if (mode !== 'bm25' && mode !== 'learned' && mode !== 'none') {
    throw new InputError(`sparse mode must be "bm25", "learned" or "none", got "${String(mode)}"`, undefined, 'sparse.mode');
  }
  if (mode === 'none') return { mode };
  const blockSize = given?.blockSize ?? DEFAULT_BLOCK_SIZE;
  if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 256) {
    throw new InputError(`sparse blockSize must be an integer in 1..256, got ${String(blockSize)}`, undefined, 'sparse.blockSize');
  }
  return { mode, blockSize, k1: DEFAULT_BM25.k1, b: DEFAULT_BM25.b, learnedScale: DEFAULT_LEARNED_SCALE };
}

function openEnv(dir: string, readOnly: boolean): RootDatabase {
  return openLmdb({ path: join(dir, STORE_FILE), maxDbs: 32, readOnly });
}

function toRecord(doc: IndexedDocument, firstLabel: number, vectorCount: number): DocRecord {
  const rec: DocRecord = { id: doc.id, firstLabel, vectorCount };
  if (doc.title !== undefined) rec.title = doc.title;
  if (doc.text !== undefined) rec.text = doc.text;
  if (doc.metadata !== undefined) rec.metadata = doc.metadata;
  if (doc.terms !== undefined) rec.terms = [...new Set(doc.terms)];
  if (doc.stepCounts !== undefined) rec.stepCounts = [...doc.stepCounts];
  return rec;
}
