import type { Database, RootDatabase } from 'lmdb';
import { IndexFormatError, InputError } from '../../shared/index.js';
import { BlockRecords } from './block-records.js';
import { DEFAULT_BLOCK_SIZE, isBlockSize, MAX_BLOCK_SIZE } from './block-size.js';
import { addDocuments, removeDocuments, slotLimitOf, type SparseWriteTarget } from './document-writes.js';
import { decodeDocument } from './encoding.js';
import { DEFAULT_BM25, DEFAULT_LEARNED_SCALE } from './impacts.js';
import { reorderSlots, type LiveDocuments, type ReorderOptions, type ReorderReport } from './reorder.js';
import { SlotMap } from './slot-map.js';
import { TermDictionary } from './term-dictionary.js';
import { TermPostings, type CompactReport } from './term-postings.js';
import type { Bm25Params, SparseDocument, SparseMode, SparseStats, TermBlocks } from './types.js';

export { slotLimitOf } from './document-writes.js';

export type { CompactReport } from './term-postings.js';
export type { ReorderOptions, ReorderReport } from './reorder.js';

/** 2: block records (per-block forward index) beside the term posting blocks. */
export const SPARSE_FORMAT_VERSION = 2;
const STATS_KEY = 'stats';

export interface SparseStoreOptions {
  /** Default `bm25`. */
  readonly mode?: SparseMode;
  /** Default 64; 1..256. */
  readonly blockSize?: number;
  readonly bm25?: Partial<Bm25Params>;
  /** Fixed BM25 average document length; default: mean length of the first written batch. */
  readonly avgdl?: number;
  /** Learned path impact scale; default 64. */
  readonly learnedScale?: number;
  /** Prefix of the named databases this store opens (`<prefix>.terms`, ...); default `sparse`. */
  readonly prefix?: string;
}

/**
 * Block-max impact postings in named databases of a caller-owned LMDB environment, behind one facade:
 * - the term dictionary (`<prefix>.terms`, `TermDictionary`): term -> term id (never reused);
 * - term postings (`<prefix>.termBlocks`, `<prefix>.postings`, `TermPostings`): per term its df and block maxima,
 *   and per (term, block) the offsets and 8-bit impacts, for term-at-a-time scans and block bounds;
 * - block records (`<prefix>.blocks`, `BlockRecords`): the same postings grouped by block, what BMP reads to score
 *   a whole block with one get;
 * - the slot map (`<prefix>.slots` / `<prefix>.slotIds`, `SlotMap`): internal id <-> slot once `reorder` has run;
 * - `<prefix>.docs`: internal id -> length and term ids (to undo a document), written with the postings by
 *   `document-writes.ts`; `<prefix>.meta`: stats and the fixed configuration.
 *
 * Postings and blocks are addressed by slot: block = slot / blockSize. `reorder` (reorder.ts) renumbers the live
 * documents' slots by recursive graph bisection so documents sharing terms share blocks (what makes BMP's block
 * bounds tight); documents written later take new slots at the end. Query results are mapped back to internal ids.
 *
 * Write methods only issue synchronous puts/removes and reads, so a caller can run them inside its own
 * `transactionSync` together with other writes; `runInTransaction` does that for standalone use.
 * Block maxima are kept exact by writes; `compact` rebuilds maxima and df from the postings.
 */
export class SparseStore {
  readonly env: RootDatabase;
  private readonly dictionary: TermDictionary;
  private readonly termPostings: TermPostings;
  private readonly blockRecords: BlockRecords;
  private readonly slotMap: SlotMap;
  private readonly docs: Database<Uint8Array, number>;
  private readonly meta: Database<SparseStats, string>;
  private readonly initial: SparseStats;
  private readonly fixedAvgdl: number | undefined;

  constructor(env: RootDatabase, options: SparseStoreOptions = {}) {
    this.env = env;
    const prefix = options.prefix ?? 'sparse';
    this.dictionary = new TermDictionary(env, prefix);
    this.termPostings = new TermPostings(env, prefix);
    this.blockRecords = new BlockRecords(env, prefix);
    this.docs = env.openDB<Uint8Array, number>({ name: `${prefix}.docs`, keyEncoding: 'uint32', encoding: 'binary' });
    this.meta = env.openDB<SparseStats, string>({ name: `${prefix}.meta` });
    this.slotMap = new SlotMap(env, prefix);

    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!isBlockSize(blockSize)) throw new InputError(`must be an integer in 1..${MAX_BLOCK_SIZE}, got ${blockSize}`, undefined, 'blockSize');
    const bm25 = { ...DEFAULT_BM25, ...options.bm25 };
    if (!(bm25.k1 >= 0) || !(bm25.b >= 0 && bm25.b <= 1)) {
      throw new InputError(`k1 must be >= 0 and b in [0, 1], got k1=${bm25.k1} b=${bm25.b}`, undefined, 'bm25');
    }
    const learnedScale = options.learnedScale ?? DEFAULT_LEARNED_SCALE;
    if (!(learnedScale > 0) || !Number.isFinite(learnedScale)) {
      throw new InputError(`must be a positive number, got ${learnedScale}`, undefined, 'learnedScale');
    }
    if (options.avgdl !== undefined && !(options.avgdl > 0 && Number.isFinite(options.avgdl))) {
      throw new InputError(`must be a positive number, got ${options.avgdl}`, undefined, 'avgdl');
    }
    this.fixedAvgdl = options.avgdl;
    this.initial = {
      formatVersion: SPARSE_FORMAT_VERSION,
      mode: options.mode ?? 'bm25',
      blockSize,
      k1: bm25.k1,
      b: bm25.b,
      avgdl: 0,
      learnedScale,
      documents: 0,
      totalLength: 0,
      nextTermId: 0,
      idLimit: 0,
    };
    const stored = this.meta.get(STATS_KEY);
    if (stored !== undefined) checkCompatible(stored, options);
  }

  /** Current stats (inside a write transaction: including its uncommitted writes). */
  stats(): SparseStats {
    return this.meta.get(STATS_KEY) ?? this.initial;
  }

  /** Blocks 0..numBlocks-1 may hold postings. */
  numBlocks(): number {
    const stats = this.stats();
    return Math.ceil(slotLimitOf(stats) / stats.blockSize);
  }

  /** Internal id of the document at `slot` (identity until `reorder` has run; stats().permuted says which). */
  internalIdOfSlot(slot: number): number {
    return this.slotMap.internalIdAt(slot);
  }

  /** Slot of a stored document, or undefined. */
  slotOf(internalId: number): number | undefined {
    if (!this.docs.doesExist(internalId)) return undefined;
    if (this.stats().permuted !== true) return internalId;
    return this.slotMap.slotOf(internalId);
  }

  /** Runs `action` (e.g. put/remove calls) in one LMDB write transaction of this store's environment. */
  runInTransaction<T>(action: () => T): T {
    return this.env.transactionSync(action);
  }

  hasDocument(internalId: number): boolean {
    return this.docs.doesExist(internalId);
  }

  termId(term: string): number | undefined {
    return this.dictionary.id(term);
  }

  /** Dictionary entry and block maxima of `term`; undefined when no live document contains it. */
  termBlocks(term: string): TermBlocks | undefined {
    const termId = this.dictionary.id(term);
    return termId === undefined ? undefined : this.termPostings.termBlocks(termId);
  }

  termBlocksById(termId: number): TermBlocks | undefined {
    return this.termPostings.termBlocks(termId);
  }

  /**
   * Postings of `termId` in `block` as `[offsets x n][impacts x n]` (n = length / 2), or undefined.
   * The bytes are only valid until the next read of this environment (lmdb `getBinaryFast`).
   */
  postingBlock(termId: number, block: number): Uint8Array | undefined {
    return this.termPostings.postingBlock(termId, block);
  }

  /**
   * The postings of every term in `block` (layout: `encodeBlockRecord`), or undefined for an empty block.
   * The bytes are only valid until the next read of this environment.
   */
  blockRecord(block: number): Uint8Array | undefined {
    return this.blockRecords.get(block);
  }

  /**
   * Every posting block of `termId`, block ascending, in one cursor pass (cheaper per block than `postingBlock`
   * gets, which is what an exhaustive scan wants). `bytes` are laid out as in `postingBlock`.
   */
  forEachPostingBlock(termId: number, visit: (block: number, bytes: Uint8Array) => void): void {
    this.termPostings.forEachPostingBlock(termId, visit);
  }

  /** Adds (or replaces, when an internal id is already stored) documents. Only synchronous LMDB calls. */
  putDocuments(documents: readonly SparseDocument[]): void {
    if (documents.length === 0) return;
    const seen = new Set<number>();
    const replaced: number[] = [];
    for (let i = 0; i < documents.length; i++) {
      const id = documents[i]!.internalId;
      if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) {
        throw new InputError(`documents[${i}]: must be a uint32, got ${String(id)}`, undefined, 'internalId');
      }
      if (seen.has(id)) throw new InputError(`documents[${i}]: internal id ${id} appears twice in one batch`, undefined, 'internalId');
      seen.add(id);
      if (this.docs.doesExist(id)) replaced.push(id);
    }
    if (replaced.length > 0) this.removeDocuments(replaced);
    const stats = { ...this.stats() };
    addDocuments(this.writeTarget(), stats, documents);
    this.meta.putSync(STATS_KEY, stats);
  }

  /** Removes documents; unknown ids are ignored. Returns how many were removed. Only synchronous LMDB calls. */
  removeDocuments(internalIds: readonly number[]): number {
    const stats = { ...this.stats() };
    const removed = removeDocuments(this.writeTarget(), stats, internalIds);
    if (removed > 0) this.meta.putSync(STATS_KEY, stats);
    return removed;
  }

  /** Re-blocks the live documents by graph bisection (see reorder.ts). Only synchronous LMDB calls; run it in a transaction. */
  reorder(options: ReorderOptions = {}): ReorderReport {
    const stats = { ...this.stats() };
    const report = reorderSlots(
      {
        termPostings: this.termPostings,
        blockRecords: this.blockRecords,
        slotMap: this.slotMap,
        blockSize: stats.blockSize,
        nextTermId: stats.nextTermId,
        slotLimit: slotLimitOf(stats),
      },
      this.liveDocuments(stats.permuted === true),
      options,
    );
    stats.permuted = true;
    stats.slotLimit = report.documents;
    this.meta.putSync(STATS_KEY, stats);
    return report;
  }

  /**
   * Cross-checks the block records against the term-major postings, block by block (posting counts and each
   * term's posting count). Returns problems found, at most `limit`. A full scan of both.
   */
  checkBlockRecords(limit = 20): string[] {
    return this.blockRecords.check(this.termPostings, limit);
  }

  /**
   * Rebuilds every term's df and block maxima from the stored postings (a full scan) and drops entries of
   * terms without postings. Only synchronous LMDB calls; run it in a transaction.
   */
  compact(): CompactReport {
    return this.termPostings.rebuildMaxima();
  }

  private writeTarget(): SparseWriteTarget {
    const { dictionary, termPostings, blockRecords, slotMap, docs, fixedAvgdl } = this;
    return { dictionary, termPostings, blockRecords, slotMap, docs, fixedAvgdl };
  }

  /** The live documents in current slot order, with their term ids. */
  private liveDocuments(permuted: boolean): LiveDocuments {
    const ids: number[] = [];
    const slots: number[] = [];
    const termLists: Uint32Array[] = [];
    for (const { key, value } of this.docs.getRange({})) {
      termLists.push(decodeDocument(value).termIds);
      ids.push(key);
      slots.push(permuted ? this.slotMap.slotOf(key)! : key);
    }
    const bySlot = Array.from({ length: ids.length }, (_, i) => i);
    if (permuted) bySlot.sort((a, b) => slots[a]! - slots[b]!);
    return { ids, slots, termLists, bySlot };
  }
}

function checkCompatible(stored: SparseStats, options: SparseStoreOptions): void {
  if (stored.formatVersion !== SPARSE_FORMAT_VERSION) {
    throw new IndexFormatError('sparse_format', `sparse store format ${stored.formatVersion} is not supported (this lateindex reads format ${SPARSE_FORMAT_VERSION})`);
  }
  const clash = (field: string, wanted: unknown, actual: unknown): never => {
    throw new IndexFormatError('sparse_config', `sparse store was built with ${field}=${String(actual)}, not ${String(wanted)}`);
  };
  if (options.mode !== undefined && options.mode !== stored.mode) clash('mode', options.mode, stored.mode);
  if (options.blockSize !== undefined && options.blockSize !== stored.blockSize) clash('blockSize', options.blockSize, stored.blockSize);
  if (options.bm25?.k1 !== undefined && options.bm25.k1 !== stored.k1) clash('k1', options.bm25.k1, stored.k1);
  if (options.bm25?.b !== undefined && options.bm25.b !== stored.b) clash('b', options.bm25.b, stored.b);
  if (options.learnedScale !== undefined && options.learnedScale !== stored.learnedScale) {
    clash('learnedScale', options.learnedScale, stored.learnedScale);
  }
}
