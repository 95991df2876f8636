import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import hnswlib from 'hnswlib-node';
import { writeFileAtomic, tempPathFor } from '../../atomic-file.js';
import { readHnswFile } from './hnsw-file.js';
import type { HnswParams } from '../../types.js';

export const HNSW_FILE = 'hnsw.bin';
/** Sidecar describing which LMDB state `hnsw.bin` reflects, plus its size and checksum. */
export const HNSW_SIDECAR_FILE = 'hnsw.json';

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

/**
 * Why a stored graph was not used: `TokenGraph.load` returns one of these instead of a graph. `missing`: no file or
 * sidecar; `stale`: it reflects an LMDB state the log cannot bring up to date; `corrupt`: the file does not match
 * its sidecar (size, checksum) or cannot be read; `invalid`: it matches its sidecar but is not a sound graph of this
 * index (structure, vectors, labels), so it was written damaged or sealed by something else.
 */
export type GraphLoadFailure = 'missing' | 'stale' | 'corrupt' | 'invalid';

/** Why a stored graph was not used, and what exactly was wrong with it. */
export interface GraphLoadProblem {
  readonly failure: GraphLoadFailure;
  readonly detail: string;
}

/**
 * The HNSW graph over the index's DISTINCT stored token vectors (inner product on unit vectors), derived from LMDB.
 * Labels are the index's vector labels (one per distinct quantized vector); which documents own a label is the
 * distinct-vector table's business (in LMDB), the graph only tracks which labels it holds live.
 */
export class TokenGraph {
  readonly dim: number;
  readonly params: HnswParams;
  private readonly hnsw: hnswlib.HierarchicalNSW;
  /** 1 for labels live in the graph, 0 otherwise (absent or tombstoned). */
  private present: Uint8Array;
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
    this.present = new Uint8Array(1024);
    this.scratch = new Array<number>(dim).fill(0);
  }

  static empty(dim: number, params: HnswParams, capacity: number): TokenGraph {
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    const cap = Math.max(1024, Math.ceil(capacity));
    hnsw.initIndex({ maxElements: cap, m: params.m, efConstruction: params.efConstruction, randomSeed: params.seed, allowReplaceDeleted: true });
    return new TokenGraph(dim, params, hnsw, cap, 0);
  }

  /**
   * Loads `dir/hnsw.bin` if its sidecar says it reflects an LMDB state in `[minSequence, state.sequence]` (with
   * labels below LMDB's next label), its size and checksum match, and it is a sound graph for hnswlib to load
   * (`readHnswFile`); otherwise reports why it cannot be trusted. The graph holds live the labels the file holds
   * live; the caller checks them against LMDB and catches up on changes since the file's sequence. Nothing in the
   * file makes it throw.
   */
  static load(
    dir: string,
    dim: number,
    params: HnswParams,
    minSequence: number,
    state: { readonly sequence: number; readonly nextLabel: number },
  ): { graph: TokenGraph; sequence: number; nextLabel: number } | GraphLoadProblem {
    const file = join(dir, HNSW_FILE);
    const sidecarFile = join(dir, HNSW_SIDECAR_FILE);
    const fail = (failure: GraphLoadFailure, detail: string): GraphLoadProblem => ({ failure, detail });
    if (!existsSync(file) || !existsSync(sidecarFile)) return fail('missing', `${existsSync(file) ? HNSW_SIDECAR_FILE : HNSW_FILE} does not exist`);
    let sidecar: HnswSidecar;
    try {
      sidecar = JSON.parse(readFileSync(sidecarFile, 'utf8')) as HnswSidecar;
    } catch {
      return fail('corrupt', `${HNSW_SIDECAR_FILE} is not valid JSON`);
    }
    if (typeof sidecar !== 'object' || sidecar === null || !Number.isInteger(sidecar.sequence) || !Number.isInteger(sidecar.nextLabel)) {
      return fail('corrupt', `${HNSW_SIDECAR_FILE} lacks its sequence or next label`);
    }
    if (sidecar.sequence < minSequence || sidecar.sequence > state.sequence || sidecar.nextLabel > state.nextLabel) {
      return fail(
        'stale',
        `it reflects LMDB sequence ${sidecar.sequence} (next label ${sidecar.nextLabel}); LMDB is at sequence ${state.sequence} (next label ` +
          `${state.nextLabel}) and keeps the log of retired labels after sequence ${minSequence} only`,
      );
    }
    if (sidecar.dim !== dim || sidecar.space !== 'ip' || !Number.isInteger(sidecar.elements) || !Number.isInteger(sidecar.deleted)) {
      return fail('corrupt', `${HNSW_SIDECAR_FILE} describes another graph (dim ${sidecar.dim}, space ${sidecar.space})`);
    }
    const before = fileIdentity(file);
    if (before?.size !== sidecar.bytes) return fail('corrupt', `it is ${before?.size} bytes, ${HNSW_SIDECAR_FILE} says ${sidecar.bytes}`);
    let contents;
    try {
      contents = readHnswFile(file, { dim, m: params.m, efConstruction: params.efConstruction, elements: sidecar.elements, deleted: sidecar.deleted, labelLimit: sidecar.nextLabel });
    } catch (err) {
      return fail('corrupt', `it cannot be read (${(err as Error).message})`);
    }
    if (contents.sha1 !== sidecar.sha1) return fail('corrupt', `its checksum does not match ${HNSW_SIDECAR_FILE}`);
    if (contents.problem !== undefined) return fail('invalid', contents.problem);
    const hnsw = new hnswlib.HierarchicalNSW('ip', dim);
    try {
      hnsw.readIndexSync(file, true);
    } catch (err) {
      return fail('invalid', `hnswlib cannot load it (${(err as Error).message})`);
    }
    // hnswlib read the path again: it must still be the file checked above (a concurrent save renames a new one in).
    const after = fileIdentity(file);
    if (after?.ino !== before.ino || after.mtimeMs !== before.mtimeMs || after.size !== before.size) return fail('corrupt', 'it was replaced while it was read');
    if (hnsw.getNumDimensions() !== dim || hnsw.getCurrentCount() !== sidecar.elements) return fail('invalid', 'hnswlib loaded another dim or element count');
    const graph = new TokenGraph(dim, params, hnsw, hnsw.getMaxElements(), sidecar.deleted);
    for (const label of contents.liveLabels) graph.markPresent(label);
    return { graph, sequence: sidecar.sequence, nextLabel: sidecar.nextLabel };
  }

  /** Live (not deleted) distinct vectors in the graph. */
  get size(): number {
    return this.live;
  }

  /** Whether `label` is live in the graph. */
  has(label: number): boolean {
    return label < this.present.length && this.present[label] === 1;
  }

  /** Records that the loaded file holds `label` live. */
  private markPresent(label: number): void {
    this.ensureLabelRoom(label + 1);
    if (this.present[label] === 1) return;
    this.present[label] = 1;
    this.live++;
  }

  /** The vector the graph holds for `label`, or undefined when it holds none live. */
  vector(label: number): number[] | undefined {
    return this.has(label) ? this.hnsw.getPoint(label) : undefined;
  }

  /** Adds row `row` of `rows` under `label`. */
  add(label: number, rows: Float32Array, row: number): void {
    if (label > MAX_LABEL) throw new RangeError(`HNSW label ${label} exceeds 32 bits`);
    if (this.has(label)) throw new RangeError(`HNSW label ${label} is already in the graph`);
    this.ensureCapacity(1);
    this.ensureLabelRoom(label + 1);
    const dim = this.dim;
    const point = this.scratch;
    const off = row * dim;
    for (let j = 0; j < dim; j++) point[j] = rows[off + j]!;
    const reuse = this.deletedSlots > 0;
    this.hnsw.addPoint(point, label, reuse);
    if (reuse) this.deletedSlots--;
    this.present[label] = 1;
    this.live++;
  }

  /** Tombstones `label` when the graph holds it live; its slot is reused by a later addition. */
  remove(label: number): void {
    if (!this.has(label)) return;
    this.hnsw.markDelete(label);
    this.present[label] = 0;
    this.deletedSlots++;
    this.live--;
  }

  /** Element slots in use (live + tombstoned), tombstones awaiting reuse, and allocated capacity. */
  stats(): { live: number; tombstones: number; elements: number; capacity: number } {
    return { live: this.live, tombstones: this.deletedSlots, elements: this.hnsw.getCurrentCount(), capacity: this.capacity };
  }

  /** The hnswlib element count minus tombstones equals the live labels recorded here. */
  isConsistent(): boolean {
    return this.hnsw.getCurrentCount() - this.deletedSlots === this.live;
  }

  /** The `k` nearest live labels to `query` (inner product), best first. Fewer only when fewer are live. */
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
    if (end <= this.present.length) return;
    let size = this.present.length;
    while (size < end) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.present);
    this.present = grown;
  }
}

function fileIdentity(file: string): { ino: number; size: number; mtimeMs: number } | undefined {
  try {
    const { ino, size, mtimeMs } = statSync(file);
    return { ino, size, mtimeMs };
  } catch {
    return undefined;
  }
}

async function sha1OfFile(file: string): Promise<string> {
  const hash = createHash('sha1');
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
