import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { writeFileAtomic, tempPathFor } from './atomic-file.js';
import type { HnswHit, HnswParams } from './types.js';

export const HNSW_FILE = 'hnsw.bin';
/** Sidecar describing which LMDB state `hnsw.bin` reflects, plus its size and checksum. */
export const HNSW_SIDECAR_FILE = 'hnsw.json';

const NO_DOCUMENT = -1;
/** hnswlib-node passes labels as uint32: larger labels would silently wrap. */
export const MAX_LABEL = 2 ** 32 - 1;

interface HnswSidecar {
  readonly sequence: number;
  /** LMDB's next label at `sequence`: the graph holds labels below it only. */
  readonly nextLabel: number;
  readonly dim: number;
  readonly space: 'ip';
  readonly elements: number;
  readonly deleted: number;
  readonly bytes: number;
  readonly sha1: string;
}

/** Why a stored graph was not used: `TokenGraph.load` returns one of these instead of a graph. */
export type GraphLoadFailure = 'missing' | 'stale' | 'corrupt';

/**
 * The HNSW graph over every stored token vector (inner product on unit vectors), derived from LMDB.
 * Labels are the index's global vector labels; `labelOwner` maps each live label to its document's internal id.
 */
export class TokenGraph {
  readonly dim: number;
  readonly params: HnswParams;
  private readonly hnsw: hnswlib.HierarchicalNSW;
  private labelOwner: Int32Array;
  private capacity: number;
  /** Marked-deleted slots that the next additions reuse (allowReplaceDeleted). */
  private deletedSlots: number;
  private live = 0;
  /** Reused argument array: hnswlib-node accepts plain arrays only. */
  private readonly scratch: number[];

  private constructor(dim: number, params: HnswParams, hnsw: hnswlib.HierarchicalNSW, capacity: number, deletedSlots: number) {
    this.dim = dim;
    this.params = params;
    this.hnsw = hnsw;
    this.capacity = capacity;
    this.deletedSlots = deletedSlots;
    this.labelOwner = new Int32Array(1024).fill(NO_DOCUMENT);
    this.scratch = new Array<number>(dim).fill(0);
  }

  static empty(dim: number, params: HnswParams, capacity: number): TokenGraph {
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    const cap = Math.max(1024, Math.ceil(capacity));
    hnsw.initIndex({ maxElements: cap, m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed, allowReplaceDeleted: true });
    return new TokenGraph(dim, params, hnsw, cap, 0);
  }

  /**
   * Loads `dir/hnsw.bin` if its sidecar says it reflects an LMDB sequence in `[minSequence, maxSequence]` and its
   * size and checksum match; otherwise reports why it cannot be trusted. The caller must then `setOwner` every
   * live label the graph holds (and catch up on later changes when the sequence is older than LMDB's).
   */
  static async load(
    dir: string,
    dim: number,
    params: HnswParams,
    minSequence: number,
    maxSequence: number,
  ): Promise<{ graph: TokenGraph; sequence: number; nextLabel: number } | GraphLoadFailure> {
    const file = join(dir, HNSW_FILE);
    const sidecarFile = join(dir, HNSW_SIDECAR_FILE);
    if (!existsSync(file) || !existsSync(sidecarFile)) return 'missing';
    let sidecar: HnswSidecar;
    try {
      sidecar = JSON.parse(readFileSync(sidecarFile, 'utf8')) as HnswSidecar;
    } catch {
      return 'corrupt';
    }
    if (typeof sidecar !== 'object' || sidecar === null || !Number.isInteger(sidecar.sequence) || !Number.isInteger(sidecar.nextLabel)) {
      return 'corrupt';
    }
    if (sidecar.sequence < minSequence || sidecar.sequence > maxSequence) return 'stale';
    if (sidecar.dim !== dim || sidecar.space !== 'ip') return 'corrupt';
    if (statSync(file).size !== sidecar.bytes || (await sha1OfFile(file)) !== sidecar.sha1) return 'corrupt';
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    try {
      hnsw.readIndexSync(file, true);
    } catch {
      return 'corrupt';
    }
    if (hnsw.getNumDimensions() !== dim || hnsw.getCurrentCount() !== sidecar.elements) return 'corrupt';
    const graph = new TokenGraph(dim, params, hnsw, hnsw.getMaxElements(), sidecar.deleted);
    return { graph, sequence: sidecar.sequence, nextLabel: sidecar.nextLabel };
  }

  /** Live (not deleted) vectors in the graph. */
  get size(): number {
    return this.live;
  }

  /** Records that labels `[first, first + count)` belong to `internalId` (used after `load`). */
  setOwner(firstLabel: number, count: number, internalId: number): void {
    this.ensureLabelRoom(firstLabel + count);
    this.labelOwner.fill(internalId, firstLabel, firstLabel + count);
    this.live += count;
  }

  /** Adds `count` rows of `rows` under labels `firstLabel ..` for document `internalId`. */
  add(internalId: number, firstLabel: number, rows: Float32Array, count: number): void {
    if (count === 0) return;
    if (firstLabel + count - 1 > MAX_LABEL) throw new RangeError(`HNSW label ${firstLabel + count - 1} exceeds 32 bits`);
    this.ensureCapacity(count);
    this.ensureLabelRoom(firstLabel + count);
    const dim = this.dim;
    const point = this.scratch;
    for (let r = 0; r < count; r++) {
      const off = r * dim;
      for (let j = 0; j < dim; j++) point[j] = rows[off + j]!;
      const reuse = this.deletedSlots > 0;
      this.hnsw.addPoint(point, firstLabel + r, reuse);
      if (reuse) this.deletedSlots--;
      this.labelOwner[firstLabel + r] = internalId;
    }
    this.live += count;
  }

  /** Tombstones labels `[first, first + count)`; their slots are reused by later additions. */
  remove(firstLabel: number, count: number): void {
    for (let label = firstLabel; label < firstLabel + count; label++) {
      if (label >= this.labelOwner.length || this.labelOwner[label] === NO_DOCUMENT) continue;
      this.hnsw.markDelete(label);
      this.labelOwner[label] = NO_DOCUMENT;
      this.deletedSlots++;
      this.live--;
    }
  }

  /**
   * Tombstones labels that a loaded graph holds but no live document owns any more (changes after the graph was
   * saved). Throws if a label is absent from the graph.
   */
  retireUnowned(firstLabel: number, count: number): void {
    for (let label = firstLabel; label < firstLabel + count; label++) {
      if (label < this.labelOwner.length && this.labelOwner[label] !== NO_DOCUMENT) {
        throw new RangeError(`label ${label} is still owned by document ${this.labelOwner[label]}`);
      }
      this.hnsw.markDelete(label);
      this.deletedSlots++;
    }
  }

  /** Element slots in use (live + tombstoned), tombstones awaiting reuse, and allocated capacity. */
  stats(): { live: number; tombstones: number; elements: number; capacity: number } {
    return { live: this.live, tombstones: this.deletedSlots, elements: this.hnsw.getCurrentCount(), capacity: this.capacity };
  }

  /** The hnswlib element count minus tombstones equals the live labels recorded here. */
  isConsistent(): boolean {
    return this.hnsw.getCurrentCount() - this.deletedSlots === this.live;
  }

  /**
   * The `k` nearest live stored vectors to `query` (inner product), best first, each mapped to its document:
   * a document appears once per matching vector. Fewer than `k` hits only when fewer vectors are stored.
   */
  search(query: Float32Array, k: number, ef: number): HnswHit[] {
    const { labels, similarities } = this.searchLabels(query, k, ef);
    const hits: HnswHit[] = [];
    for (let i = 0; i < labels.length; i++) {
      const owner = this.labelOwner[labels[i]!];
      if (owner === undefined || owner === NO_DOCUMENT) continue;
      hits.push({ internalId: owner, similarity: similarities[i]! });
    }
    return hits;
  }

  /** Raw nearest labels (no grouping), for diagnostics and recall measurements. */
  searchLabels(query: Float32Array, k: number, ef: number): { labels: number[]; similarities: number[] } {
    if (query.length !== this.dim) throw new RangeError(`query vector has ${query.length} values, index dim is ${this.dim}`);
    const n = Math.min(Math.floor(k), this.live);
    if (n <= 0) return { labels: [], similarities: [] };
    const point = this.scratch;
    for (let j = 0; j < this.dim; j++) point[j] = query[j]!;
    this.hnsw.setEf(Math.max(ef, n));
    const { neighbors, distances } = this.hnsw.searchKnn(point, n);
    // 'ip' space distance is 1 - <a, b>.
    return { labels: neighbors, similarities: distances.map((d) => 1 - d) };
  }

  /** Writes hnsw.bin + sidecar (temp files renamed into place); the sidecar goes last and carries the checksum. */
  async save(dir: string, sequence: number, nextLabel: number): Promise<void> {
    const file = join(dir, HNSW_FILE);
    const tmp = tempPathFor(file);
    try {
      this.hnsw.writeIndexSync(tmp);
      const sidecar: HnswSidecar = {
        sequence,
        nextLabel,
        dim: this.dim,
        space: 'ip',
        elements: this.hnsw.getCurrentCount(),
        deleted: this.deletedSlots,
        bytes: statSync(tmp).size,
        sha1: await sha1OfFile(tmp),
      };
      renameSync(tmp, file);
      writeFileAtomic(join(dir, HNSW_SIDECAR_FILE), `${JSON.stringify(sidecar, null, 2)}\n`);
    } finally {
      rmSync(tmp, { force: true });
    }
  }

  private ensureCapacity(adding: number): void {
    const needed = this.hnsw.getCurrentCount() + Math.max(0, adding - this.deletedSlots);
    if (needed <= this.capacity) return;
    const next = Math.max(needed, Math.ceil(this.capacity * 1.5));
    this.hnsw.resizeIndex(next);
    this.capacity = next;
  }

  private ensureLabelRoom(end: number): void {
    if (end <= this.labelOwner.length) return;
    let size = this.labelOwner.length;
    while (size < end) size *= 2;
    const grown = new Int32Array(size).fill(NO_DOCUMENT);
    grown.set(this.labelOwner);
    this.labelOwner = grown;
  }
}

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
