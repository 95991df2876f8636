import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { open as openLmdb, type Database, type RootDatabase } from 'lmdb';
import type { EncoderIdentity } from '../encode/encoder.js';
import { IndexFormatError, InputError, LateIndexError, UsageError, documentText, type MultiVector } from '../shared/index.js';
import { CodecState } from './codecs/codec-state.js';
import { createCodec } from './codecs/registry.js';
import { RESIDUAL_SAMPLE_VECTORS, leadingRows } from './codecs/residual-training.js';
import { accumulateDrift, emptyDriftSums, type CodecDriftReport, type CodecDriftSums } from './codecs/codec-drift.js';
import { analyze } from './sparse/analyzer.js';
import { DEFAULT_BM25, DEFAULT_LEARNED_SCALE } from './sparse/impacts.js';
import { DEFAULT_BLOCK_SIZE, isBlockSize, MAX_BLOCK_SIZE } from './sparse/block-size.js';
import { sparseWeightsProblem } from './sparse/sparse-input.js';
import { SparseStore, type CompactReport, type ReorderReport } from './sparse/sparse-store.js';
import { ExactTokenStore } from './exact-token-store.js';
import { describeEncoder, sameEncoder } from '../encode/encoder.js';
import type { SparseDocument, SparseMode } from './sparse/types.js';
import { isTrainableCodec, type CodecTrainingReport, type VectorCodec } from './codecs/vector-codec.js';
import {
  DEFAULT_HNSW_PARAMS,
  INDEX_FORMAT,
  INDEX_FORMAT_VERSION,
  looksLikeIndex,
  manifestPath,
  readManifest,
  writeManifest,
} from './manifest.js';
import { decodeLabelOwners, encodeLabelOwners, labelOwnerAt, labelOwnerCount, labelOwnersKey } from './label-owners.js';
import type { DocRecord, StoreState } from './store-records.js';
import { MAX_LABEL, TokenGraph, type GraphLoadFailure } from './token-graph.js';
import { verifyIndex, type VerifyReport } from './verify-index.js';
import { VECTOR_KEY_BYTES, vectorKey } from './vector-key.js';
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
  /**
   * Keep each document's represented tokens for exact-match recovery (default false). Only sound for a
   * context-free encoder (see `ExactTokenStore`); `exactMatchRecoveryFor` says when to turn it on.
   */
  readonly exactMatchRecovery?: boolean;
}

export interface OpenIndexOptions {
  /** When given, must equal the index's encoder identity (kind, name, dim, hash). */
  readonly encoder?: EncoderIdentity;
  /** No writes at all: upsert/delete throw, close does not flush, a stale HNSW graph is rebuilt in memory only. */
  readonly readOnly?: boolean;
  /**
   * false: no HNSW graph in memory (read-only opens only), for a process that gets its candidates elsewhere
   * (search workers); the `searchHnsw*` methods then throw.
   */
  readonly graph?: boolean;
}


/** How the in-memory HNSW graph was obtained at open. */
export type GraphOrigin = 'created' | 'loaded' | 'caught-up' | `rebuilt:${GraphLoadFailure}`;


/** A document's rows ready to store: encoded payload, its decoded (quantized) rows and one vector key per row. */
interface PreparedRows {
  readonly payload: Uint8Array;
  readonly rows: Float32Array;
  readonly keys: Uint8Array;
}

/** A batch's owner changes of one label, applied once at the end of the transaction. */
interface OwnerEdit {
  readonly add: number[];
  readonly drop: number[];
  /** Set for labels created in this batch (no stored owner list yet). */
  key?: Buffer;
}

const STATE_KEY = 'state';
/** LMDB keys are limited to 1978 bytes; ids and terms stay well below (ordered-binary adds a few bytes). */
const MAX_KEY_BYTES = 1024;
const NOT_LIVE = -1;
const EMPTY_BYTES = new Uint8Array(0);
/**
 * `searchHnswDocuments` takes the whole owner list of the last vector it needs, but never returns more than this
 * many times the documents asked for: a vector held by thousands of documents must not flood MaxSim.
 */
export const OWNER_OVERFLOW_FACTOR = 2;

/**
 * A lateindex directory: LMDB is the source of truth (ids, docs, vectors, term df, sparse postings, bookkeeping);
 * the HNSW graph is derived from it and saved as `hnsw.bin` on flush/close.
 *
 * The graph indexes each DISTINCT stored vector once (static encoders repeat a word's vector in every document):
 * a row's vector key (128-bit hash of its quantized values) maps to a label; each label lists the documents
 * owning it. Documents keep their own rows in `vectors`, so MaxSim is unaffected by the sharing.
 */
export class LateIndex {
  readonly dir: string;
  readonly dim: number;
  readonly readOnly: boolean;
  private readonly base: Omit<Manifest, 'counts' | 'updatedAt'>;
  private readonly codec: VectorCodec;
  private readonly codecState: CodecState;
  private readonly env: RootDatabase;
  private readonly ids: Database<number, string>;
  private readonly docs: Database<DocRecord, number>;
  private readonly vectors: Database<Uint8Array, number>;
  /** internal id -> stored vector count: the small per-document record scanned at open. */
  private readonly vectorCountDb: Database<number, number>;
  /** internal id -> `Uint32Array` of per-row labels (4 bytes per stored row). */
  private readonly rowLabelDb: Database<Uint8Array, number>;
  /** 16-byte vector key -> label of a live distinct vector. */
  private readonly vectorLabelDb: Database<number, Buffer>;
  /** label -> vector key and owner internal ids (see label-owners.ts). */
  private readonly labelOwnerDb: Database<Uint8Array, number>;
  private readonly df: Database<number, string>;
  private readonly meta: Database<StoreState, string>;
  /** sequence -> labels retired by that transaction (for HNSW catch-up). */
  private readonly retired: Database<number[], number>;
  /**
   * sequence -> internal ids whose stored vectors that transaction wrote or removed, so that a reader catching up
   * re-reads only those (absent in read-only opens of indexes that predate it).
   */
  private readonly changedDocs: Database<number[], number> | undefined;
  /** Block-max postings in the same LMDB environment; absent for sparse mode `none`. */
  private readonly sparseStore: SparseStore | undefined;
  private readonly exactTokenStore: ExactTokenStore | undefined;
  private state: StoreState;
  private graph: TokenGraph;
  private origin: GraphOrigin;
  /** False for read-only opens without the graph (`OpenIndexOptions.graph`): no graph work at all. */
  private hasGraph: boolean;
  /** LMDB sequence that `hnsw.bin` on disk reflects (-1: none). */
  private savedGraphSequence: number;
  /** Per internal id: stored vector count (NOT_LIVE when absent). */
  private vectorCounts: Int32Array;
  private decodeScratch: Float32Array;
  /** searchHnswDocuments' "already collected" marks: seenStamp[id] === seenGeneration (no per-call allocation). */
  private seenStamp = new Uint32Array(0);
  private seenGeneration = 0;
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
    this.env = args.env;
    this.codecState = new CodecState(this.env, args.base.quantization);
    this.codec = this.codecState.codec;
    this.ids = this.env.openDB<number, string>({ name: 'ids' });
    this.docs = this.env.openDB<DocRecord, number>({ name: 'docs', keyEncoding: 'uint32' });
    this.vectors = this.env.openDB<Uint8Array, number>({ name: 'vectors', keyEncoding: 'uint32', encoding: 'binary' });
    this.vectorCountDb = this.env.openDB<number, number>({ name: 'vectorCounts', keyEncoding: 'uint32' });
    this.rowLabelDb = this.env.openDB<Uint8Array, number>({ name: 'rowLabels', keyEncoding: 'uint32', encoding: 'binary' });
    this.vectorLabelDb = this.env.openDB<number, Buffer>({ name: 'vectorLabels', keyEncoding: 'binary' });
    this.labelOwnerDb = this.env.openDB<Uint8Array, number>({ name: 'labelOwners', keyEncoding: 'uint32', encoding: 'binary' });
    this.df = this.env.openDB<number, string>({ name: 'df' });
    this.meta = this.env.openDB<StoreState, string>({ name: 'meta' });
    this.retired = this.env.openDB<number[], number>({ name: 'retired', keyEncoding: 'uint32' });
    this.changedDocs = (this.env.openDB<number[], number>({ name: 'changedDocs', keyEncoding: 'uint32' }) as Database<number[], number> | undefined) ?? undefined;
    const sparse = args.base.sparse ?? { mode: 'none' };
    this.sparseStore = sparse.mode === 'none' ? undefined : this.openSparseStore({ ...sparse, mode: sparse.mode });
    this.exactTokenStore = args.base.exactMatchRecovery === true ? new ExactTokenStore(this.env) : undefined;
    this.state = this.storedState();
    this.vectorCounts = new Int32Array(0);
    this.loadSpans();
    this.decodeScratch = new Float32Array(this.dim * 256);
    // Placeholders; the async factories install the real graph before returning.
    this.graph = TokenGraph.empty(this.dim, this.base.hnsw, 0);
    this.savedGraphSequence = -1;
    this.origin = 'created';
    this.hasGraph = true;
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
    createCodec(quantization); // validates the name before anything is written
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
      ...(opts.exactMatchRecovery === true && { exactMatchRecovery: true }),
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
      labels: 0,
      stepCounts: [],
      updatedAt: now,
      retiredLogFrom: 0,
      changeLogFrom: 0,
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
    const withGraph = opts.graph ?? true;
    if (!withGraph && !readOnly) throw new UsageError(`${dir}: an index opened without its graph must be read-only`);
    const env = openEnv(dir, readOnly);
    try {
      const index = new LateIndex({ dir, base, env, readOnly });
      if (withGraph) await index.attachGraph();
      else index.hasGraph = false;
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

  /** Exact-match recovery data, when the index keeps it (`manifest.exactMatchRecovery`). */
  get exactTokens(): ExactTokenStore | undefined {
    this.assertOpen();
    return this.exactTokenStore;
  }

  /** The sparse postings for candidate generation (Block-Max Pruning); undefined for sparse mode `none`. */
  get sparse(): SparseStore | undefined {
    this.assertOpen();
    return this.sparseStore;
  }

  private openSparseStore(sparse: SparseSettings & { readonly mode: SparseMode }): SparseStore {
    try {
      return new SparseStore(this.env, {
        mode: sparse.mode,
        blockSize: sparse.blockSize!,
        bm25: { k1: sparse.k1!, b: sparse.b! },
        learnedScale: sparse.learnedScale!,
      });
    } catch (error) {
      // Name the index and the way out: sparse postings cannot be rebuilt without the corpus.
      if (error instanceof IndexFormatError) {
        throw new IndexFormatError(error.code, `${this.dir}: ${error.message}; rebuild it with "lateindex index --overwrite"`);
      }
      throw error;
    }
  }

  get quantization(): QuantizationName {
    return this.base.quantization;
  }

  /** True while the index's codec (residual codes) still needs a training sample before vectors can be stored. */
  get codecNeedsTraining(): boolean {
    return this.codecState.needsTraining;
  }

  /**
   * Trains the index's codec on `sample` (rows of `dim` floats, e.g. the first reduced vectors of the corpus) and
   * stores its state in LMDB in one transaction. Only for a trainable codec of an index that stores no vectors
   * yet: stored codes are lossy and cannot be re-encoded (rebuild the index with `lateindex index --overwrite`).
   */
  trainCodec(sample: Float32Array): CodecTrainingReport {
    this.assertWritable();
    if (!isTrainableCodec(this.codec)) throw new LateIndexError('codec_not_trainable', `${this.dir}: the ${this.codec.name} codec has nothing to train`);
    if (this.storedState().vectors > 0) {
      throw new LateIndexError('codec_in_use', `${this.dir}: the index already stores vectors; rebuild it with "lateindex index --overwrite" to retrain its codec`);
    }
    return this.codecState.train(sample, this.dim);
  }

  /** Training figures and reconstruction error of the vectors stored since, for a trained codec; else undefined. */
  codecDrift(): CodecDriftReport | undefined {
    this.assertOpen();
    return this.codecState.drift();
  }

  /** The running drift sums (zeros for untrained or stateless codecs); diff two snapshots for one batch's figure. */
  codecDriftSums(): CodecDriftSums {
    return this.codecState.driftSums();
  }

  /** Bytes of the codec's persisted state (the residual codebook), 0 for stateless codecs. */
  codecStateBytes(): number {
    return this.codecState.stateBytes();
  }

  /**
   * Before the first write of a trainable codec: takes the state another process stored, or trains on this
   * batch's vectors (callers that want a larger sample call trainCodec first, as IndexBuilder does).
   */
  private ensureCodecTrained(docs: Iterable<IndexedDocument>): void {
    if (!this.codecState.needsTraining) return;
    this.env.resetReadTxn();
    this.codecState.restore();
    if (!this.codecState.needsTraining) return;
    const sample = leadingRows(Array.from(docs, (doc) => doc.vectors), RESIDUAL_SAMPLE_VECTORS, this.dim);
    if (sample.length > 0) this.trainCodec(sample);
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

  /**
   * The document's stored vectors as the codec wrote them, with their count. The bytes are a view into LMDB's
   * transient read buffer: consume them before the next read of this index.
   */
  readVectorBytes(internalId: number): { readonly bytes: Uint8Array; readonly count: number } | undefined {
    if (!this.isLive(internalId)) return undefined;
    const count = this.vectorCounts[internalId]!;
    if (count === 0) return { bytes: EMPTY_BYTES, count };
    const bytes = this.vectors.getBinaryFast(internalId);
    return bytes ? { bytes, count } : undefined;
  }

  /** Live internal ids in increasing order. */
  *liveInternalIds(): Iterable<number> {
    const counts = this.vectorCounts;
    const end = Math.min(counts.length, this.state.nextInternalId);
    for (let i = 0; i < end; i++) if (counts[i] !== NOT_LIVE) yield i;
  }

  /**
   * Hits for the `k` nearest DISTINCT stored vectors to `query` (inner product, approximate), mapped to their
   * documents: one hit per (vector, owner) pair, in decreasing similarity (owners of one vector by internal id), so
   * there may be many more than `k` hits. `ef` defaults to the manifest's efSearch (raised to k).
   */
  searchHnsw(query: Float32Array, k: number, ef?: number): HnswHit[] {
    this.assertOpen();
    this.requireGraph();
    const { labels, similarities } = this.graph.searchLabels(query, k, ef ?? this.base.hnsw.efSearch);
    const hits: HnswHit[] = [];
    for (let i = 0; i < labels.length; i++) {
      const owners = this.labelOwnerDb.getBinaryFast(labels[i]!);
      if (owners === undefined) continue;
      const n = labelOwnerCount(owners);
      for (let j = 0; j < n; j++) {
        const owner = labelOwnerAt(owners, j);
        if (this.tracked(owner)) hits.push({ internalId: owner, similarity: similarities[i]! });
      }
    }
    return hits;
  }

  /**
   * Candidate documents for one query vector: walks the nearest distinct stored vectors in decreasing similarity
   * and collects their owners until at least `maxDocuments` distinct documents are found; the last vector's owners
   * are all taken (by internal id), up to `OWNER_OVERFLOW_FACTOR x maxDocuments` documents in total. Each document
   * appears once, with the similarity of its nearest vector, best first. Fewer only when the index holds fewer.
   */
  searchHnswDocuments(query: Float32Array, maxDocuments: number, ef?: number): HnswHit[] {
    this.assertOpen();
    this.requireGraph();
    const want = Math.floor(maxDocuments);
    if (!(want > 0)) return [];
    const cap = want * OWNER_OVERFLOW_FACTOR;
    const live = this.graph.size;
    // Every live vector has an owner, so `want` vectors usually suffice; a document owning several of them
    // (or owners deleted by another process not yet refreshed) can make a wider search necessary.
    for (let k = Math.min(want, live); k > 0; k = Math.min(k * 2, live)) {
      const { labels, similarities } = this.graph.searchLabels(query, k, Math.max(ef ?? this.base.hnsw.efSearch, k));
      const hits: HnswHit[] = [];
      const seen = this.nextSeenMarks();
      const generation = this.seenGeneration;
      for (let i = 0; i < labels.length && hits.length < want; i++) {
        const owners = this.labelOwnerDb.getBinaryFast(labels[i]!);
        if (owners === undefined) continue;
        const n = labelOwnerCount(owners);
        for (let j = 0; j < n && hits.length < cap; j++) {
          const owner = labelOwnerAt(owners, j);
          if (!this.tracked(owner) || seen[owner] === generation) continue;
          seen[owner] = generation;
          hits.push({ internalId: owner, similarity: similarities[i]! });
        }
      }
      if (hits.length >= want || k >= live) return hits;
    }
    return [];
  }

  /** A fresh generation of "seen" marks covering every tracked internal id. */
  private nextSeenMarks(): Uint32Array {
    if (this.seenStamp.length < this.vectorCounts.length) {
      this.seenStamp = new Uint32Array(this.vectorCounts.length);
      this.seenGeneration = 0;
    }
    this.seenGeneration++;
    if (this.seenGeneration === 0xffffffff) {
      this.seenStamp.fill(0);
      this.seenGeneration = 1;
    }
    return this.seenStamp;
  }

  /** Nearest distinct vector labels (no mapping to documents); for diagnostics and recall checks. */
  searchHnswLabels(query: Float32Array, k: number, ef?: number): { labels: number[]; similarities: number[] } {
    this.assertOpen();
    this.requireGraph();
    return this.graph.searchLabels(query, k, ef ?? this.base.hnsw.efSearch);
  }

  /** HNSW graph occupancy (for `stats`): live distinct vectors, tombstones awaiting reuse, element slots, capacity. */
  graphStats(): { live: number; tombstones: number; elements: number; capacity: number } {
    this.assertOpen();
    return this.graph.stats();
  }

  /** Live distinct stored vectors (graph elements); `counts().vectors` counts every stored row. */
  distinctVectors(): number {
    return this.state.labels;
  }

  /** The label of each stored row of a live document (rows holding equal quantized vectors share a label). */
  rowLabels(internalId: number): Uint32Array | undefined {
    if (!this.isLive(internalId)) return undefined;
    return this.readRowLabels(internalId);
  }

  /** Internal ids of the documents holding the vector of `label`, ascending; undefined for a dead label. */
  labelOwners(label: number): Uint32Array | undefined {
    this.assertOpen();
    const value = this.labelOwnerDb.getBinaryFast(label);
    return value === undefined ? undefined : decodeLabelOwners(value);
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
    this.ensureCodecTrained(batch.values());
    const prepared = new Map<string, PreparedRows>();
    for (const doc of batch.values()) prepared.set(doc.id, this.prepareRows(doc));
    let drift: CodecDriftSums | undefined;
    if (isTrainableCodec(this.codec)) {
      drift = emptyDriftSums();
      for (const doc of batch.values()) accumulateDrift(drift, doc.vectors.data, prepared.get(doc.id)!.rows, this.dim);
    }
    const sparseInputs = new Map<string, SparseInput>();
    if (this.sparseStore) {
      for (const doc of batch.values()) {
        const input = this.sparseInput(doc);
        if (input) sparseInputs.set(doc.id, input);
      }
    }

    let next = this.state;
    let behind = false;
    const written: { internalId: number; count: number }[] = [];
    /** Labels first stored by this batch, with the decoded row to add to the graph after commit. */
    const created: { label: number; rows: Float32Array; row: number }[] = [];
    let retiredLabels: number[] = [];
    let inserted = 0;
    let updated = 0;
    this.env.transactionSync(() => {
      ({ next, behind } = this.beginWrite());
      const dfDelta = new Map<string, number>();
      const edits = new Map<number, OwnerEdit>();
      const batchKeys = new Map<string, number>();
      const replacedIds: number[] = [];
      const sparseDocs: SparseDocument[] = [];
      for (const doc of batch.values()) {
        const { payload, rows, keys } = prepared.get(doc.id)!;
        const count = doc.vectors.count;
        let internalId = this.ids.get(doc.id);
        if (internalId !== undefined) {
          const old = this.docs.get(internalId);
          if (old) {
            this.forgetRecord(old, next, dfDelta);
            this.dropOwner(internalId, edits);
          }
          if (this.exactTokenStore) next.exactTokenBytes = (next.exactTokenBytes ?? 0) - this.exactTokenStore.remove(internalId);
          replacedIds.push(internalId);
          updated++;
        } else {
          internalId = next.nextInternalId++;
          this.ids.putSync(doc.id, internalId);
          inserted++;
        }
        const labels = new Uint32Array(count);
        for (let r = 0; r < count; r++) {
          const key = keys.subarray(r * VECTOR_KEY_BYTES, (r + 1) * VECTOR_KEY_BYTES);
          const batchKey = Buffer.from(key.buffer, key.byteOffset, VECTOR_KEY_BYTES).toString('latin1');
          let label = batchKeys.get(batchKey) ?? this.vectorLabelDb.get(Buffer.from(key.buffer, key.byteOffset, VECTOR_KEY_BYTES));
          if (label === undefined) {
            label = next.nextLabel;
            if (label > MAX_LABEL) {
              throw new LateIndexError('label_space_exhausted', `${this.dir}: the index has used all 2^32 HNSW labels; rebuild it into a new index`);
            }
            next.nextLabel++;
            const stored = Buffer.from(key);
            this.vectorLabelDb.putSync(stored, label);
            batchKeys.set(batchKey, label);
            editOf(edits, label).key = stored;
            created.push({ label, rows, row: r });
          }
          labels[r] = label;
        }
        for (const label of distinct(labels)) editOf(edits, label).add.push(internalId);
        const record = toRecord(doc, count);
        this.docs.putSync(internalId, record);
        this.vectorCountDb.putSync(internalId, count);
        this.rowLabelDb.putSync(internalId, new Uint8Array(labels.buffer));
        this.vectors.putSync(internalId, payload);
        this.countRecord(record, payload.length, next, dfDelta, 1);
        if (this.exactTokenStore && doc.exactTokens) {
          next.exactTokenBytes = (next.exactTokenBytes ?? 0) + this.exactTokenStore.put(internalId, doc.exactTokens);
        }
        written.push({ internalId, count });
        const sparseInput = sparseInputs.get(doc.id);
        if (sparseInput) sparseDocs.push({ internalId, ...sparseInput });
      }
      retiredLabels = this.applyOwnerEdits(edits, next);
      if (drift) this.codecState.recordDrift(drift);
      if (this.sparseStore) {
        // Old postings go first: an update may drop the text (no new postings) or change every term.
        this.sparseStore.removeDocuments(replacedIds);
        this.sparseStore.putDocuments(sparseDocs);
      }
      this.applyDfDelta(dfDelta);
      next.sequence++;
      next.updatedAt = new Date().toISOString();
      this.logRetired(next.sequence, retiredLabels);
      this.logChangedDocuments(next, written.map((w) => w.internalId));
      this.meta.putSync(STATE_KEY, next);
    });
    if (behind) {
      this.advanceTo(next);
      return { inserted, updated };
    }
    this.state = next;
    for (const { internalId, count } of written) this.track(internalId, count);
    this.followInGraph(() => {
      for (const label of retiredLabels) this.graph.remove(label);
      // The graph holds the decoded (quantized) vectors, exactly what a rebuild from LMDB would add.
      for (const { label, rows, row } of created) this.graph.add(label, rows, row);
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
    const removed: number[] = [];
    let retiredLabels: number[] = [];
    this.env.transactionSync(() => {
      ({ next, behind } = this.beginWrite());
      const dfDelta = new Map<string, number>();
      const edits = new Map<number, OwnerEdit>();
      for (const id of unique) {
        const internalId = this.ids.get(id);
        const old = internalId === undefined ? undefined : this.docs.get(internalId);
        if (internalId === undefined || !old) {
          missing.push(id);
          continue;
        }
        this.forgetRecord(old, next, dfDelta);
        this.dropOwner(internalId, edits);
        this.ids.removeSync(id);
        this.docs.removeSync(internalId);
        this.vectorCountDb.removeSync(internalId);
        this.rowLabelDb.removeSync(internalId);
        this.vectors.removeSync(internalId);
        if (this.exactTokenStore) next.exactTokenBytes = (next.exactTokenBytes ?? 0) - this.exactTokenStore.remove(internalId);
        removed.push(internalId);
        deleted.push(id);
      }
      if (removed.length === 0) return;
      retiredLabels = this.applyOwnerEdits(edits, next);
      this.sparseStore?.removeDocuments(removed);
      this.applyDfDelta(dfDelta);
      next.sequence++;
      next.updatedAt = new Date().toISOString();
      this.logRetired(next.sequence, retiredLabels);
      this.logChangedDocuments(next, removed);
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
    for (const internalId of removed) this.vectorCounts[internalId] = NOT_LIVE;
    this.followInGraph(() => {
      for (const label of retiredLabels) this.graph.remove(label);
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
   * sizes, row labels against the rows' vector keys, owner lists, counts, step counts, document frequencies and
   * sparse postings recomputed from the documents. Reads every stored vector once.
   */
  verify(): VerifyReport {
    this.assertOpen();
    return verifyIndex({
      dim: this.dim,
      codec: this.codec,
      state: this.state,
      counts: this.counts(),
      docs: this.docs,
      ids: this.ids,
      vectors: this.vectors,
      vectorCountDb: this.vectorCountDb,
      vectorCounts: this.vectorCounts,
      rowLabelDb: this.rowLabelDb,
      vectorLabelDb: this.vectorLabelDb,
      labelOwnerDb: this.labelOwnerDb,
      df: this.df,
      graph: this.hasGraph ? this.graph : undefined,
      sparse: this.sparseStore,
      sparseMode: this.base.sparse?.mode ?? 'none',
      exactTokens: this.exactTokenStore,
      readRowLabels: (internalId) => this.readRowLabels(internalId),
      scratch: (count) => this.scratch(count),
    });
  }

  /** Rebuilds the HNSW graph from LMDB, dropping tombstones (reclaims graph space after many updates/deletes). */
  async rebuildGraph(): Promise<void> {
    this.assertOpen();
    this.graph = this.buildGraphFromStore();
    this.savedGraphSequence = -1;
  }

  /**
   * Reclaims what updates and deletes leave behind: rebuilds the HNSW graph without tombstones, recomputes sparse
   * block maxima and df from the postings, and re-runs the sparse doc-id reordering over the live documents, so
   * documents added since the last reordering join blocks of similar documents (one transaction).
   * Search results do not change; the graph is saved by the next flush or close.
   */
  async compact(): Promise<{ graphTombstonesDropped: number; sparse?: { compact: CompactReport; reorder: ReorderReport } }> {
    this.assertWritable();
    const tombstones = this.graph.stats().tombstones;
    await this.rebuildGraph();
    const sparse = this.sparseStore;
    if (!sparse) return { graphTombstonesDropped: tombstones };
    return {
      graphTombstonesDropped: tombstones,
      sparse: sparse.runInTransaction(() => ({ compact: sparse.compact(), reorder: sparse.reorder() })),
    };
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
      this.pruneCatchUpLogs(sequence);
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
    const graph = TokenGraph.empty(this.dim, this.base.hnsw, this.state.labels * 1.1);
    for (const internalId of this.liveInternalIds()) {
      const labels = this.readRowLabels(internalId);
      if (!labels || !labels.some((label) => !graph.has(label))) continue;
      const vectors = this.readVectors(internalId, this.scratch(labels.length));
      if (!vectors) continue;
      for (let r = 0; r < labels.length; r++) if (!graph.has(labels[r]!)) graph.add(labels[r]!, vectors.data, r);
    }
    return graph;
  }

  /** Adds a live label to `graph`, reading its vector from the first owner's stored rows. */
  private addLabelFromStore(graph: TokenGraph, label: number): void {
    const owners = this.labelOwners(label);
    const owner = owners?.[0];
    const labels = owner === undefined ? undefined : this.readRowLabels(owner);
    const row = labels ? labels.indexOf(label) : -1;
    const vectors = row < 0 ? undefined : this.readVectors(owner!, this.scratch(labels!.length));
    if (!vectors) throw new IndexFormatError('corrupt_store', `${join(this.dir, STORE_FILE)}: label ${label} has no stored vector`);
    graph.add(label, vectors.data, row);
  }

  /**
   * Brings a graph saved at `sequence` (holding labels below `nextLabel`) up to LMDB's state: labels retired since
   * are tombstoned, labels created since are added. False when the graph does not match LMDB.
   */
  private catchUp(graph: TokenGraph, sequence: number, nextLabel: number): boolean {
    try {
      const added: number[] = [];
      for (const label of this.labelOwnerDb.getKeys()) {
        if (label < nextLabel) graph.markPresent(label);
        else added.push(label);
      }
      if (sequence < this.state.sequence) {
        for (const { value } of this.retired.getRange({ start: sequence + 1, end: this.state.sequence + 1 })) {
          for (const label of value) if (label < nextLabel) graph.retireUnowned(label);
        }
      }
      for (const label of added) this.addLabelFromStore(graph, label);
      return graph.size === this.state.labels && graph.isConsistent();
    } catch {
      return false;
    }
  }

  private logRetired(sequence: number, labels: readonly number[]): void {
    if (labels.length > 0) this.retired.putSync(sequence, [...labels]);
  }

  /** Once hnsw.bin reflects `sequence`, older retired-label and changed-document entries are never needed again. */
  private pruneCatchUpLogs(sequence: number): void {
    const pruned = (state: StoreState): StoreState => ({
      ...state,
      retiredLogFrom: Math.max(state.retiredLogFrom ?? 0, sequence),
      ...(state.changeLogFrom !== undefined && { changeLogFrom: Math.max(state.changeLogFrom, sequence) }),
    });
    this.env.transactionSync(() => {
      const stored = this.storedState();
      for (const key of this.retired.getKeys({ end: sequence + 1 })) this.retired.removeSync(key);
      if (this.changedDocs) for (const key of this.changedDocs.getKeys({ end: sequence + 1 })) this.changedDocs.removeSync(key);
      this.meta.putSync(STATE_KEY, pruned(stored));
    });
    this.state = pruned(this.state);
  }

  /** Records the documents a write transaction changed; an index that predates the log starts it here. */
  private logChangedDocuments(next: StoreState, internalIds: readonly number[]): void {
    next.changeLogFrom ??= next.sequence - 1;
    if (internalIds.length > 0) this.changedDocs!.putSync(next.sequence, [...internalIds]);
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
    this.codecState.restore();
    const from = this.state;
    this.state = target;
    const logged = this.changedDocs !== undefined && target.changeLogFrom !== undefined && target.changeLogFrom <= from.sequence;
    if (logged) {
      for (const { value } of this.changedDocs!.getRange({ start: from.sequence + 1, end: target.sequence + 1 })) {
        for (const internalId of value) this.track(internalId, this.vectorCountDb.get(internalId) ?? NOT_LIVE);
      }
    } else {
      this.loadSpans();
    }
    if (!this.hasGraph) return;
    if ((target.retiredLogFrom ?? 0) > from.sequence) {
      this.graph = this.buildGraphFromStore();
      this.savedGraphSequence = -1;
      return;
    }
    this.followInGraph(() => {
      for (const { value } of this.retired.getRange({ start: from.sequence + 1, end: target.sequence + 1 })) {
        for (const label of value) this.graph.remove(label);
      }
      for (const label of this.labelOwnerDb.getKeys({ start: from.nextLabel })) {
        if (!this.graph.has(label)) this.addLabelFromStore(this.graph, label);
      }
      if (this.graph.size !== target.labels || !this.graph.isConsistent()) throw new Error('graph does not match LMDB');
    });
  }

  /** Loads every document's stored vector count (the compact per-document record) into memory. */
  private loadSpans(): void {
    const size = Math.max(16, this.state.nextInternalId);
    this.vectorCounts = new Int32Array(size).fill(NOT_LIVE);
    for (const { key, value } of this.vectorCountDb.getRange()) this.vectorCounts[key] = value;
  }

  private validateDocument(doc: IndexedDocument): void {
    if (typeof doc.id !== 'string' || doc.id.length === 0) {
      throw new InputError('document id must be a non-empty string', undefined, 'id');
    }
    if (Buffer.byteLength(doc.id) > MAX_KEY_BYTES) {
      throw new InputError(`document id "${doc.id.slice(0, 40)}..." is longer than ${MAX_KEY_BYTES} bytes`, undefined, 'id');
    }
    for (const [field, tokens] of [['terms', doc.terms], ['exactTokens', doc.exactTokens]] as const) {
      for (const token of tokens ?? []) {
        if (typeof token !== 'string' || Buffer.byteLength(token) > MAX_KEY_BYTES) {
          throw new InputError(`document "${doc.id}": every entry of ${field} must be a string of at most ${MAX_KEY_BYTES} bytes`, undefined, field);
        }
      }
    }
    const sparseProblem = doc.sparse === undefined ? undefined : sparseWeightsProblem(doc.sparse);
    if (sparseProblem) throw new InputError(`document "${doc.id}": sparse ${sparseProblem.message}`, undefined, 'sparse');
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
      const terms = analyze(documentText(doc)).filter((t) => t.length <= MAX_KEY_BYTES / 4 || Buffer.byteLength(t) <= MAX_KEY_BYTES);
      return { terms };
    }
    return doc.sparse === undefined ? undefined : { weights: doc.sparse };
  }

  /** Encodes a document's rows, decodes them back (what is stored and searched) and keys each row. */
  private prepareRows(doc: IndexedDocument): PreparedRows {
    const count = doc.vectors.count;
    const payload = this.codec.encode(doc.vectors.data, this.dim);
    const rows = this.codec.decode(payload, count, this.dim, new Float32Array(count * this.dim));
    const words = new Uint32Array(rows.buffer, rows.byteOffset, rows.length);
    const keys = new Uint8Array(count * VECTOR_KEY_BYTES);
    for (let r = 0; r < count; r++) vectorKey(words, r * this.dim, this.dim, keys, r * VECTOR_KEY_BYTES);
    return { payload, rows, keys };
  }

  /** Inside a write transaction: schedules removal of `internalId` from the owner lists of its stored labels. */
  private dropOwner(internalId: number, edits: Map<number, OwnerEdit>): void {
    const labels = this.readRowLabels(internalId);
    if (labels === undefined) return;
    for (const label of distinct(labels)) editOf(edits, label).drop.push(internalId);
  }

  /**
   * Inside a write transaction: rewrites each edited label's owner list once. A label left without owners is
   * retired (its owner list and vector key removed); returns the retired labels.
   */
  private applyOwnerEdits(edits: Map<number, OwnerEdit>, next: StoreState): number[] {
    const retired: number[] = [];
    for (const [label, edit] of edits) {
      let owners: number[];
      let key: Buffer;
      if (edit.key !== undefined) {
        owners = [];
        key = edit.key;
      } else {
        const stored = this.labelOwnerDb.getBinary(label);
        if (stored === undefined) throw new IndexFormatError('corrupt_store', `${join(this.dir, STORE_FILE)}: label ${label} has no owner list`);
        owners = Array.from(decodeLabelOwners(stored));
        key = labelOwnersKey(stored);
      }
      if (edit.drop.length > 0) {
        const drop = new Set(edit.drop);
        owners = owners.filter((o) => !drop.has(o));
      }
      if (edit.add.length > 0) {
        const present = new Set(owners);
        for (const o of edit.add) if (!present.has(o)) owners.push(o);
        owners.sort((a, b) => a - b);
      }
      if (owners.length > 0) {
        this.labelOwnerDb.putSync(label, encodeLabelOwners(key, owners, owners.length));
        if (edit.key !== undefined) next.labels++;
      } else if (edit.key === undefined) {
        this.labelOwnerDb.removeSync(label);
        this.vectorLabelDb.removeSync(key);
        next.labels--;
        retired.push(label);
      }
    }
    return retired;
  }

  /** The stored per-row labels of a document (a copy, aligned), or undefined. */
  private readRowLabels(internalId: number): Uint32Array | undefined {
    const bytes = this.rowLabelDb.getBinary(internalId);
    if (bytes === undefined) return undefined;
    const out = new Uint32Array(bytes.length >>> 2);
    new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
    return out;
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

  private track(internalId: number, count: number): void {
    if (internalId >= this.vectorCounts.length) {
      const size = Math.max(internalId + 1, this.vectorCounts.length * 2);
      const counts = new Int32Array(size).fill(NOT_LIVE);
      counts.set(this.vectorCounts);
      this.vectorCounts = counts;
    }
    this.vectorCounts[internalId] = count;
  }

  private isLive(internalId: number): boolean {
    this.assertOpen();
    return this.tracked(internalId);
  }

  /** Whether this object knows `internalId` as a live document (no open check: hot path). */
  private tracked(internalId: number): boolean {
    return Number.isInteger(internalId) && internalId >= 0 && internalId < this.vectorCounts.length && this.vectorCounts[internalId] !== NOT_LIVE;
  }

  private scratch(count: number): Float32Array {
    const n = count * this.dim;
    if (this.decodeScratch.length < n) this.decodeScratch = new Float32Array(n);
    return this.decodeScratch;
  }

  private requireGraph(): void {
    if (!this.hasGraph) throw new LateIndexError('no_graph', `${this.dir}: opened without its HNSW graph; candidate search is unavailable`);
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
  if (!isBlockSize(blockSize)) {
    throw new InputError(`sparse blockSize must be an integer in 1..${MAX_BLOCK_SIZE}, got ${String(blockSize)}`, undefined, 'sparse.blockSize');
  }
  return { mode, blockSize, k1: DEFAULT_BM25.k1, b: DEFAULT_BM25.b, learnedScale: DEFAULT_LEARNED_SCALE };
}

function openEnv(dir: string, readOnly: boolean): RootDatabase {
  return openLmdb({ path: join(dir, STORE_FILE), maxDbs: 32, readOnly });
}

function toRecord(doc: IndexedDocument, vectorCount: number): DocRecord {
  const rec: DocRecord = { id: doc.id, vectorCount };
  if (doc.title !== undefined) rec.title = doc.title;
  if (doc.text !== undefined) rec.text = doc.text;
  if (doc.metadata !== undefined) rec.metadata = doc.metadata;
  if (doc.terms !== undefined) rec.terms = [...new Set(doc.terms)];
  if (doc.stepCounts !== undefined) rec.stepCounts = [...doc.stepCounts];
  return rec;
}

function editOf(edits: Map<number, OwnerEdit>, label: number): OwnerEdit {
  let edit = edits.get(label);
  if (edit === undefined) edits.set(label, (edit = { add: [], drop: [] }));
  return edit;
}

/** Distinct values of `labels` in first-seen order. */
function distinct(labels: Uint32Array): Set<number> {
  return new Set(labels);
}
