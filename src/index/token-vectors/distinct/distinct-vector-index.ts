import type { RootDatabase } from 'lmdb';
import { LateIndexError } from '../../../shared/index.js';
import type { DocumentTable } from '../../store/document-table.js';
import type { StoreState } from '../../store/store-records.js';
import type { HnswHit, HnswParams } from '../../types.js';
import type { TokenVectorChange, TokenVectorIndex, TokenVectorVerifier } from '../token-vector-index.js';
import { DistinctVectorTable } from './distinct-vector-table.js';
import { GraphSync, type GraphOrigin } from './graph-sync.js';
import { labelOwnerAt, labelOwnerCount } from './label-owners.js';
import { DistinctVectorVerifier } from './verify-distinct-vectors.js';

/**
 * `candidateDocuments` takes the whole owner list of the last vector it needs, but never returns more than this
 * many times the documents asked for: a vector held by thousands of documents must not flood MaxSim.
 */
export const OWNER_OVERFLOW_FACTOR = 2;

/** What tests, benchmarks and `stats` may look at in a distinct-vector index (read-only). */
export interface DistinctVectorInspection {
  readonly kind: 'distinct-vectors';
  /** How the in-memory graph was obtained when the index opened. */
  readonly graphOrigin: GraphOrigin;
  /** Live distinct stored vectors (graph elements); `counts().vectors` counts every stored row. */
  readonly distinctVectors: number;
  /** HNSW graph occupancy: live distinct vectors, tombstones awaiting reuse, element slots, capacity. */
  graphStats(): { live: number; tombstones: number; elements: number; capacity: number };
  /** The label of each stored row of a live document (rows holding equal quantized vectors share a label). */
  rowLabels(internalId: number): Uint32Array | undefined;
  /** Internal ids of the documents holding the vector of `label`, ascending; undefined for a dead label. */
  labelOwners(label: number): Uint32Array | undefined;
  /** The `k` nearest distinct vector labels to `query` (no mapping to documents), best first. */
  nearestLabels(query: Float32Array, k: number, ef?: number): { labels: number[]; similarities: number[] };
  /**
   * Hits for the `k` nearest distinct vectors mapped to their documents: one hit per (vector, owner) pair, in
   * decreasing similarity (owners of one vector by internal id), so there may be many more than `k` hits.
   */
  nearestOwners(query: Float32Array, k: number, ef?: number): HnswHit[];
}

/** Where a distinct-vector index lives and what it reads. */
export interface DistinctVectorIndexOptions {
  /** The index's LMDB environment (the table's databases are opened in it). */
  readonly env: RootDatabase;
  /** The index directory (`hnsw.bin` is saved there). */
  readonly dir: string;
  /** The store file, for error messages. */
  readonly file: string;
  readonly dim: number;
  readonly hnsw: HnswParams;
  readonly documents: DocumentTable;
  /** false: no graph in memory (read-only search workers); candidate search then throws. */
  readonly withGraph: boolean;
  /** The index's current bookkeeping. */
  readonly state: () => StoreState;
}

/**
 * The token-vector index of static encoders: every DISTINCT stored vector once in an HNSW graph (static encoders
 * repeat a word's vector in every document that uses it), with LMDB owner lists mapping each vector to the
 * documents holding it. Documents keep their own rows in the document table, so MaxSim is unaffected by sharing.
 */
export class DistinctVectorIndex implements TokenVectorIndex {
  readonly kind = 'distinct-vectors';
  private readonly table: DistinctVectorTable;
  /** Undefined when the index was opened without its graph (read-only search workers). */
  private readonly sync: GraphSync | undefined;
  /** candidateDocuments' "already collected" marks: seenStamp[id] === seenGeneration (no per-call allocation). */
  private seenStamp = new Uint32Array(0);
  private seenGeneration = 0;
  private readonly dir: string;
  private readonly dim: number;
  private readonly params: HnswParams;
  private readonly documents: DocumentTable;
  private readonly state: () => StoreState;

  constructor(options: DistinctVectorIndexOptions) {
    this.dir = options.dir;
    this.dim = options.dim;
    this.params = options.hnsw;
    this.documents = options.documents;
    this.state = options.state;
    this.table = new DistinctVectorTable(options.env, options.file, this.dim);
    this.sync = options.withGraph ? new GraphSync(this.dir, this.dim, this.params, this.table, this.documents, options.file) : undefined;
  }

  beginChange(next: StoreState): TokenVectorChange {
    const edits = this.table.edit(next);
    return {
      addDocument: (internalId, stored) => edits.addDocument(internalId, stored.decoded(), stored.count),
      removeDocument: (internalId) => edits.removeDocument(internalId),
      commit: (committed) => {
        const retired = edits.apply();
        if (retired.length > 0) this.table.retired.putSync(committed.sequence, [...retired]);
        return () => this.sync?.follow(retired, edits.created, committed);
      },
    };
  }

  /**
   * Walks the nearest distinct stored vectors in decreasing similarity and collects their owners until at least
   * `maxDocuments` distinct documents are found; the last vector's owners are all taken (by internal id), up to
   * `OWNER_OVERFLOW_FACTOR x maxDocuments` documents in total. Each document appears once, with the similarity of
   * its nearest vector, best first. Fewer only when the index holds fewer. `effort` is the HNSW ef (default: the
   * manifest's efSearch).
   */
  candidateDocuments(query: Float32Array, maxDocuments: number, effort?: number): HnswHit[] {
    const graph = this.graph();
    const want = Math.floor(maxDocuments);
    if (!(want > 0)) return [];
    const cap = want * OWNER_OVERFLOW_FACTOR;
    const live = graph.size;
    // Every live vector has an owner, so `want` vectors usually suffice; a document owning several of them
    // (or owners deleted by another process not yet refreshed) can make a wider search necessary.
    for (let k = Math.min(want, live); k > 0; k = Math.min(k * 2, live)) {
      const { labels, similarities } = graph.searchLabels(query, k, Math.max(effort ?? this.params.efSearch, k));
      const hits: HnswHit[] = [];
      const seen = this.nextSeenMarks();
      const generation = this.seenGeneration;
      for (let i = 0; i < labels.length && hits.length < want; i++) {
        const owners = this.table.labelOwners.getBinaryFast(labels[i]!);
        if (owners === undefined) continue;
        const n = labelOwnerCount(owners);
        for (let j = 0; j < n && hits.length < cap; j++) {
          const owner = labelOwnerAt(owners, j);
          if (!this.documents.isLive(owner) || seen[owner] === generation) continue;
          seen[owner] = generation;
          hits.push({ internalId: owner, similarity: similarities[i]! });
        }
      }
      if (hits.length >= want || k >= live) return hits;
    }
    return [];
  }

  async attach(state: StoreState): Promise<boolean> {
    return (await this.sync?.attach(state)) ?? false;
  }

  catchUp(from: StoreState, target: StoreState): void {
    this.sync?.catchUp(from, target);
  }

  rebuild(state: StoreState): number {
    const sync = this.requireSync();
    const tombstones = sync.graph.stats().tombstones;
    sync.rebuild(state);
    return tombstones;
  }

  async save(state: StoreState): Promise<boolean> {
    return (await this.sync?.save(state)) ?? false;
  }

  pruneLog(sequence: number): void {
    for (const key of this.table.retired.getKeys({ end: sequence + 1 })) this.table.retired.removeSync(key);
  }

  verifier(state: StoreState): TokenVectorVerifier {
    return new DistinctVectorVerifier(this.table, this.dim, state, this.sync);
  }

  inspect(): DistinctVectorInspection {
    return {
      kind: 'distinct-vectors',
      graphOrigin: this.sync?.attached.origin ?? 'created',
      distinctVectors: this.state().labels,
      graphStats: () => this.graph().stats(),
      rowLabels: (internalId) => (this.documents.isLive(internalId) ? this.table.readRowLabels(internalId) : undefined),
      labelOwners: (label) => this.table.owners(label),
      nearestLabels: (query, k, ef) => this.graph().searchLabels(query, k, ef ?? this.params.efSearch),
      nearestOwners: (query, k, ef) => this.nearestOwners(query, k, ef),
    };
  }

  private nearestOwners(query: Float32Array, k: number, ef?: number): HnswHit[] {
    const { labels, similarities } = this.graph().searchLabels(query, k, ef ?? this.params.efSearch);
    const hits: HnswHit[] = [];
    for (let i = 0; i < labels.length; i++) {
      const owners = this.table.labelOwners.getBinaryFast(labels[i]!);
      if (owners === undefined) continue;
      const n = labelOwnerCount(owners);
      for (let j = 0; j < n; j++) {
        const owner = labelOwnerAt(owners, j);
        if (this.documents.isLive(owner)) hits.push({ internalId: owner, similarity: similarities[i]! });
      }
    }
    return hits;
  }

  private graph() {
    return this.requireSync().graph;
  }

  private requireSync(): GraphSync {
    if (!this.sync) throw new LateIndexError('no_graph', `${this.dir}: opened without its HNSW graph; candidate search is unavailable`);
    return this.sync;
  }

  /** A fresh generation of "seen" marks covering every tracked internal id. */
  private nextSeenMarks(): Uint32Array {
    if (this.seenStamp.length < this.documents.idCapacity) {
      this.seenStamp = new Uint32Array(this.documents.idCapacity);
      this.seenGeneration = 0;
    }
    this.seenGeneration++;
    if (this.seenGeneration === 0xffffffff) {
      this.seenStamp.fill(0);
      this.seenGeneration = 1;
    }
    return this.seenStamp;
  }
}
