import type { Database, RootDatabase } from 'lmdb';
import { IndexFormatError, InputError } from '../../shared/index.js';
import {
  binarySearch,
  blockOfPostingKey,
  decodeBlockRecord,
  decodeDocument,
  decodeTermBlocks,
  encodeBlockRecord,
  encodeDocument,
  encodePostingBlock,
  encodeTermBlocks,
  MAX_BLOCKS,
  MAX_TERM_ID,
  postingKey,
  readUint32At,
  termOfPostingKey,
  type DecodedTermBlocks,
} from './encoding.js';
import { recursiveGraphBisection } from './graph-bisection.js';
import { bm25Impact, DEFAULT_BM25, DEFAULT_LEARNED_SCALE, learnedImpact, MAX_IMPACT } from './impacts.js';
import type { Bm25Params, SparseDocument, SparseMode, SparseStats, TermBlocks } from './types.js';

/** 2: block records (per-block forward index) beside the term posting blocks. */
export const SPARSE_FORMAT_VERSION = 2;
export const DEFAULT_BLOCK_SIZE = 64;
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

export interface ReorderOptions {
  /** Swap rounds per bisection; default 10. */
  readonly iterations?: number;
  /** Early stop of a bisection's rounds (see `BisectionOptions.minSwapShare`); default 0.01. */
  readonly minSwapShare?: number;
  /** Terms in more than this share of the live documents are left out of the bisection graph; default 0.1. */
  readonly maxDfShare?: number;
}

export interface ReorderReport {
  readonly documents: number;
  /** Terms in the bisection graph (document frequency 2 .. maxDfShare x documents). */
  readonly graphTerms: number;
  readonly graphEdges: number;
  readonly bisections: number;
  readonly swaps: number;
  readonly bisectionMs: number;
  readonly rewriteMs: number;
}

export interface CompactReport {
  readonly terms: number;
  readonly blocks: number;
  /** Block maxima that were lowered (stale upper bounds). */
  readonly loweredMaxima: number;
}

/** New postings of one term collected over a write batch: flattened (internalId, impact) pairs. */
interface PendingPostings {
  pairs: number[];
}

/**
 * Block-max impact postings in named databases of a caller-owned LMDB environment:
 * - `<prefix>.terms`: term -> term id (never reused);
 * - `<prefix>.termBlocks`: term id -> df and per-block impact maxima;
 * - `<prefix>.postings`: (term id, block) -> offsets and 8-bit impacts of that block;
 * - `<prefix>.blocks`: block -> the same postings grouped by block (a forward index: what BMP reads to score a
 *   whole block with one get, where the term-major postings serve full scans);
 * - `<prefix>.docs`: internal id -> length and term ids (to undo a document);
 * - `<prefix>.slots` / `<prefix>.slotIds`: internal id <-> slot, only once `reorder` has run (before: slot = id);
 * - `<prefix>.meta`: stats and the fixed configuration.
 *
 * Postings and blocks are addressed by slot: block = slot / blockSize. `reorder` renumbers the live documents'
 * slots by recursive graph bisection so documents sharing terms share blocks (what makes BMP's block bounds
 * tight); documents written later take new slots at the end. Query results are mapped back to internal ids.
 *
 * Write methods only issue synchronous puts/removes and reads, so a caller can run them inside its own
 * `transactionSync` together with other writes; `runInTransaction` does that for standalone use.
 * Block maxima are kept exact by writes; `compact` rebuilds maxima and df from the postings.
 */
export class SparseStore {
  readonly env: RootDatabase;
  private readonly terms: Database<number, string>;
  private readonly termBlockDb: Database<Uint8Array, number>;
  private readonly postings: Database<Uint8Array, number>;
  private readonly blockRecords: Database<Uint8Array, number>;
  private readonly docs: Database<Uint8Array, number>;
  private readonly meta: Database<SparseStats, string>;
  private readonly slotOfId: Database<Uint8Array, number>;
  private readonly idOfSlot: Database<Uint8Array, number>;
  private readonly initial: SparseStats;
  private readonly fixedAvgdl: number | undefined;
  /**
   * Write-path cache of term ids. Ids assigned by a transaction that later aborted are detected at the next
   * write (some cached id >= the stored nextTermId) and the cache is dropped.
   */
  private readonly termIdCache = new Map<string, number>();
  private cachedMaxTermId = -1;

  constructor(env: RootDatabase, options: SparseStoreOptions = {}) {
    this.env = env;
    const prefix = options.prefix ?? 'sparse';
    this.terms = env.openDB<number, string>({ name: `${prefix}.terms` });
    this.termBlockDb = env.openDB<Uint8Array, number>({ name: `${prefix}.termBlocks`, keyEncoding: 'uint32', encoding: 'binary' });
    this.postings = env.openDB<Uint8Array, number>({ name: `${prefix}.postings`, encoding: 'binary' });
    this.blockRecords = env.openDB<Uint8Array, number>({ name: `${prefix}.blocks`, keyEncoding: 'uint32', encoding: 'binary' });
    this.docs = env.openDB<Uint8Array, number>({ name: `${prefix}.docs`, keyEncoding: 'uint32', encoding: 'binary' });
    this.meta = env.openDB<SparseStats, string>({ name: `${prefix}.meta` });
    this.slotOfId = env.openDB<Uint8Array, number>({ name: `${prefix}.slots`, keyEncoding: 'uint32', encoding: 'binary' });
    this.idOfSlot = env.openDB<Uint8Array, number>({ name: `${prefix}.slotIds`, keyEncoding: 'uint32', encoding: 'binary' });

    const blockSize = options.blockSize ?? DEFAULT_BLOCK_SIZE;
    if (!Number.isInteger(blockSize) || blockSize < 1 || blockSize > 256) {
      throw new InputError(`must be an integer in 1..256, got ${blockSize}`, undefined, 'blockSize');
    }
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
    if (stored !== undefined) this.checkCompatible(stored, options);
  }

  private checkCompatible(stored: SparseStats, options: SparseStoreOptions): void {
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
    const bytes = this.idOfSlot.getBinaryFast(slot);
    return bytes === undefined ? -1 : readUint32At(bytes, 0);
  }

  /** Slot of a stored document, or undefined. */
  slotOf(internalId: number): number | undefined {
    if (!this.docs.doesExist(internalId)) return undefined;
    if (this.stats().permuted !== true) return internalId;
    const bytes = this.slotOfId.getBinaryFast(internalId);
    return bytes === undefined ? undefined : readUint32At(bytes, 0);
  }

  /** Runs `action` (e.g. put/remove calls) in one LMDB write transaction of this store's environment. */
  runInTransaction<T>(action: () => T): T {
    return this.env.transactionSync(action);
  }

  hasDocument(internalId: number): boolean {
    return this.docs.doesExist(internalId);
  }

  termId(term: string): number | undefined {
    return this.terms.get(term);
  }

  /** Dictionary entry and block maxima of `term`; undefined when no live document contains it. */
  termBlocks(term: string): TermBlocks | undefined {
    const termId = this.terms.get(term);
    return termId === undefined ? undefined : this.termBlocksById(termId);
  }

  termBlocksById(termId: number): TermBlocks | undefined {
    const bytes = this.termBlockDb.getBinaryFast(termId);
    if (bytes === undefined) return undefined;
    const decoded = decodeTermBlocks(bytes);
    return { termId, df: decoded.df, blocks: decoded.blocks, maxima: decoded.maxima };
  }

  /**
   * Postings of `termId` in `block` as `[offsets x n][impacts x n]` (n = length / 2), or undefined.
   * The bytes are only valid until the next read of this environment (lmdb `getBinaryFast`).
   */
  postingBlock(termId: number, block: number): Uint8Array | undefined {
    const bytes = this.postings.getBinaryFast(postingKey(termId, block));
    // lmdb's fast buffer spans its whole reusable read buffer with `length` overridden; hand out an exact view.
    return bytes === undefined ? undefined : bytes.subarray(0, bytes.length);
  }

  /**
   * The postings of every term in `block` (layout: `encodeBlockRecord`), or undefined for an empty block.
   * The bytes are only valid until the next read of this environment.
   */
  blockRecord(block: number): Uint8Array | undefined {
    const bytes = this.blockRecords.getBinaryFast(block);
    return bytes === undefined ? undefined : bytes.subarray(0, bytes.length);
  }

  /**
   * Every posting block of `termId`, block ascending, in one cursor pass (cheaper per block than `postingBlock`
   * gets, which is what an exhaustive scan wants). `bytes` are laid out as in `postingBlock`.
   */
  forEachPostingBlock(termId: number, visit: (block: number, bytes: Uint8Array) => void): void {
    for (const { key, value } of this.postings.getRange({ start: postingKey(termId, 0), end: postingKey(termId + 1, 0) })) {
      visit(blockOfPostingKey(key), value);
    }
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
    if (this.cachedMaxTermId >= stats.nextTermId) {
      this.termIdCache.clear();
      this.cachedMaxTermId = -1;
    }
    const analyzed = documents.map((doc, i) => this.termFrequencies(doc, i, stats.mode));
    if (stats.mode === 'bm25' && stats.avgdl === 0) {
      let total = 0;
      for (const a of analyzed) total += a.length;
      stats.avgdl = this.fixedAvgdl ?? (total > 0 ? total / analyzed.length : 1);
    }
    const params: Bm25Params = { k1: stats.k1, b: stats.b };
    const pending = new Map<number, PendingPostings>();
    const blockAdds = new Map<number, number[]>();

    const permuted = stats.permuted === true;
    for (let i = 0; i < documents.length; i++) {
      const internalId = documents[i]!.internalId;
      const { frequencies, length } = analyzed[i]!;
      let slot = internalId;
      if (permuted) {
        slot = stats.slotLimit!;
        stats.slotLimit = slot + 1;
        this.slotOfId.putSync(internalId, uint32Bytes(slot));
        this.idOfSlot.putSync(slot, uint32Bytes(internalId));
      }
      const docTermIds: number[] = [];
      const block = Math.floor(slot / stats.blockSize);
      let adds = blockAdds.get(block);
      if (adds === undefined) blockAdds.set(block, (adds = []));
      for (const [term, value] of frequencies) {
        const impact = stats.mode === 'bm25' ? bm25Impact(value, length, stats.avgdl, params) : learnedImpact(value, stats.learnedScale);
        if (impact === 0) continue;
        let termId = this.termIdCache.get(term);
        if (termId === undefined) {
          termId = this.terms.get(term);
          if (termId === undefined) {
            termId = stats.nextTermId++;
            if (termId >= MAX_TERM_ID) throw new InputError(`the sparse store holds the maximum of ${MAX_TERM_ID} terms`, undefined, 'terms');
            this.terms.putSync(term, termId);
          }
          this.termIdCache.set(term, termId);
          if (termId > this.cachedMaxTermId) this.cachedMaxTermId = termId;
        }
        docTermIds.push(termId);
        let entry = pending.get(termId);
        if (entry === undefined) pending.set(termId, (entry = { pairs: [] }));
        entry.pairs.push(slot, impact);
        adds.push(termId, slot - block * stats.blockSize, impact);
      }
      this.docs.putSync(internalId, encodeDocument(length, docTermIds));
      stats.documents++;
      stats.totalLength += length;
      if (internalId + 1 > stats.idLimit) stats.idLimit = internalId + 1;
    }
    if (Math.ceil(slotLimitOf(stats) / stats.blockSize) > MAX_BLOCKS) {
      throw new InputError(`documents need more than ${MAX_BLOCKS} blocks of ${stats.blockSize}`, undefined, 'internalId');
    }
    const termIds = [...pending.keys()].sort((a, b) => a - b);
    for (const termId of termIds) this.addPostings(termId, pending.get(termId)!.pairs, stats.blockSize);
    for (const [block, adds] of blockAdds) this.updateBlockRecord(block, undefined, adds);
    this.meta.putSync(STATS_KEY, stats);
  }

  private termFrequencies(doc: SparseDocument, index: number, mode: SparseMode): { frequencies: Map<string, number>; length: number } {
    const frequencies = new Map<string, number>();
    if ('terms' in doc && Array.isArray(doc.terms)) {
      if (mode !== 'bm25') throw new InputError(`documents[${index}]: a learned-sparse store needs "weights", got "terms"`, undefined, 'terms');
      for (const term of doc.terms) {
        if (typeof term !== 'string' || term.length === 0) {
          throw new InputError(`documents[${index}]: terms must be non-empty strings`, undefined, 'terms');
        }
        frequencies.set(term, (frequencies.get(term) ?? 0) + 1);
      }
      return { frequencies, length: doc.terms.length };
    }
    if ('weights' in doc && typeof doc.weights === 'object' && doc.weights !== null) {
      if (mode !== 'learned') throw new InputError(`documents[${index}]: a BM25 store needs "terms", got "weights"`, undefined, 'weights');
      for (const [term, weight] of Object.entries(doc.weights)) {
        if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 0) {
          throw new InputError(`documents[${index}]: weight of "${term}" must be a finite number >= 0, got ${String(weight)}`, undefined, `weights.${term}`);
        }
        if (term.length === 0) throw new InputError(`documents[${index}]: empty term`, undefined, 'weights');
        if (weight > 0) frequencies.set(term, weight);
      }
      return { frequencies, length: frequencies.size };
    }
    throw new InputError(`documents[${index}]: needs "terms" (string[]) or "weights" (object)`, undefined, mode === 'bm25' ? 'terms' : 'weights');
  }

  private readTermBlocks(termId: number): DecodedTermBlocks {
    const bytes = this.termBlockDb.getBinaryFast(termId);
    return bytes === undefined ? { df: 0, blocks: new Uint32Array(0), maxima: new Uint8Array(0) } : decodeTermBlocks(bytes);
  }

  /** Merges (slot, impact) pairs of one term into its posting blocks and block maxima. */
  private addPostings(termId: number, pairs: number[], blockSize: number): void {
    const count = pairs.length / 2;
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = pairs[2 * i]! > pairs[2 * i - 2]!;
    if (!sorted) order.sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);

    const current = this.readTermBlocks(termId);
    const touchedBlocks: number[] = [];
    const touchedMaxima: number[] = [];
    const offsets: number[] = [];
    const impacts: number[] = [];
    let i = 0;
    while (i < count) {
      const block = Math.floor(pairs[2 * order[i]!]! / blockSize);
      const base = block * blockSize;
      offsets.length = 0;
      impacts.length = 0;
      // The term's block list says whether a stored posting block exists; new blocks skip the read.
      const existing = binarySearch(current.blocks, current.blocks.length, block) >= 0 ? this.postings.getBinary(postingKey(termId, block)) : undefined;
      let e = 0;
      const existingCount = existing === undefined ? 0 : existing.length / 2;
      let max = 0;
      // Merge the stored block (ascending offsets) with this batch's postings of the block.
      while (i < count && Math.floor(pairs[2 * order[i]!]! / blockSize) === block) {
        const offset = pairs[2 * order[i]!]! - base;
        const impact = pairs[2 * order[i]! + 1]!;
        while (e < existingCount && existing![e]! < offset) {
          offsets.push(existing![e]!);
          impacts.push(existing![existingCount + e]!);
          e++;
        }
        if (e < existingCount && existing![e]! === offset) e++; // replaced posting (defensive; puts remove first)
        offsets.push(offset);
        impacts.push(impact);
        i++;
      }
      while (e < existingCount) {
        offsets.push(existing![e]!);
        impacts.push(existing![existingCount + e]!);
        e++;
      }
      for (const impact of impacts) if (impact > max) max = impact;
      this.postings.putSync(postingKey(termId, block), encodePostingBlock(offsets, impacts, offsets.length));
      touchedBlocks.push(block);
      touchedMaxima.push(max);
    }
    const merged = mergeMaxima(current, touchedBlocks, touchedMaxima);
    this.termBlockDb.putSync(termId, encodeTermBlocks(current.df + count, merged.blocks, merged.maxima, merged.count));
  }

  /** Removes documents; unknown ids are ignored. Returns how many were removed. Only synchronous LMDB calls. */
  removeDocuments(internalIds: readonly number[]): number {
    const stats = { ...this.stats() };
    const permuted = stats.permuted === true;
    const pending = new Map<number, number[]>();
    const blockDrops = new Map<number, Set<number>>();
    let removed = 0;
    for (const internalId of new Set(internalIds)) {
      if (!Number.isInteger(internalId) || internalId < 0 || internalId > 0xffffffff) continue;
      const bytes = this.docs.getBinary(internalId);
      if (bytes === undefined) continue;
      const doc = decodeDocument(bytes);
      this.docs.removeSync(internalId);
      let slot = internalId;
      if (permuted) {
        slot = readUint32At(this.slotOfId.getBinary(internalId)!, 0);
        this.slotOfId.removeSync(internalId);
        this.idOfSlot.removeSync(slot);
      }
      const block = Math.floor(slot / stats.blockSize);
      let drops = blockDrops.get(block);
      if (drops === undefined) blockDrops.set(block, (drops = new Set()));
      drops.add(slot - block * stats.blockSize);
      removed++;
      stats.documents--;
      stats.totalLength -= doc.length;
      for (const termId of doc.termIds) {
        let ids = pending.get(termId);
        if (ids === undefined) pending.set(termId, (ids = []));
        ids.push(slot);
      }
    }
    if (removed === 0) return 0;
    const termIds = [...pending.keys()].sort((a, b) => a - b);
    for (const termId of termIds) this.dropPostings(termId, pending.get(termId)!.sort((a, b) => a - b), stats.blockSize);
    for (const [block, drops] of blockDrops) this.updateBlockRecord(block, drops, undefined);
    this.meta.putSync(STATS_KEY, stats);
    return removed;
  }

  /** Rewrites one block record without the postings at `drops` (block offsets), plus `adds` ((term, offset, impact) triples). */
  private updateBlockRecord(block: number, drops: ReadonlySet<number> | undefined, adds: readonly number[] | undefined): void {
    const bytes = this.blockRecords.getBinary(block);
    const current = bytes === undefined ? undefined : decodeBlockRecord(bytes);
    const kept = current === undefined ? 0 : current.count;
    const added = adds === undefined ? 0 : adds.length / 3;
    // The stored record is sorted by (term, offset); sort only the additions and merge them in.
    const addOrder = Array.from({ length: added }, (_, i) => i).sort((a, b) => adds![3 * a]! - adds![3 * b]! || adds![3 * a + 1]! - adds![3 * b + 1]!);
    const out = { termIds: new Uint32Array(kept + added), offsets: new Uint8Array(kept + added), impacts: new Uint8Array(kept + added), count: 0 };
    let i = 0;
    let j = 0;
    while (i < kept || j < added) {
      if (i < kept && drops?.has(current!.offsets[i]!)) {
        i++;
        continue;
      }
      const a = j < added ? 3 * addOrder[j]! : -1;
      const takeStored = j >= added || (i < kept && (current!.termIds[i]! - adds![a]! || current!.offsets[i]! - adds![a + 1]!) < 0);
      const n = out.count++;
      if (takeStored) {
        out.termIds[n] = current!.termIds[i]!;
        out.offsets[n] = current!.offsets[i]!;
        out.impacts[n] = current!.impacts[i++]!;
      } else {
        out.termIds[n] = adds![a]!;
        out.offsets[n] = adds![a + 1]!;
        out.impacts[n] = adds![a + 2]!;
        j++;
      }
    }
    if (out.count > 0) this.blockRecords.putSync(block, encodeBlockRecord(out));
    else if (bytes !== undefined) this.blockRecords.removeSync(block);
  }

  /** Removes the postings of ascending slots `ids` from one term; recomputes the touched blocks' maxima exactly. */
  private dropPostings(termId: number, ids: number[], blockSize: number): void {
    const current = this.readTermBlocks(termId);
    const touchedBlocks: number[] = [];
    const touchedMaxima: number[] = [];
    let i = 0;
    while (i < ids.length) {
      const block = Math.floor(ids[i]! / blockSize);
      const base = block * blockSize;
      const drop = new Set<number>();
      while (i < ids.length && Math.floor(ids[i]! / blockSize) === block) drop.add(ids[i++]! - base);
      const key = postingKey(termId, block);
      const existing = this.postings.getBinary(key);
      const offsets: number[] = [];
      const impacts: number[] = [];
      let max = 0;
      if (existing !== undefined) {
        const n = existing.length / 2;
        for (let e = 0; e < n; e++) {
          if (drop.has(existing[e]!)) continue;
          offsets.push(existing[e]!);
          impacts.push(existing[n + e]!);
          if (existing[n + e]! > max) max = existing[n + e]!;
        }
      }
      if (offsets.length === 0) this.postings.removeSync(key);
      else this.postings.putSync(key, encodePostingBlock(offsets, impacts, offsets.length));
      touchedBlocks.push(block);
      touchedMaxima.push(max);
    }
    const merged = mergeMaxima(current, touchedBlocks, touchedMaxima, true);
    const df = current.df - ids.length;
    if (df <= 0 || merged.count === 0) this.termBlockDb.removeSync(termId);
    else this.termBlockDb.putSync(termId, encodeTermBlocks(df, merged.blocks, merged.maxima, merged.count));
  }

  /**
   * Renumbers the live documents' slots by recursive graph bisection of the document-term graph (blocks of
   * documents that share terms) and rewrites every posting block, block maximum and slot map: maxima become
   * exact and deleted documents' slots are reclaimed. Deterministic for a given store content. Only synchronous
   * LMDB calls; run it in a transaction.
   */
  reorder(options: ReorderOptions = {}): ReorderReport {
    const started = performance.now();
    const stats = { ...this.stats() };
    const blockSize = stats.blockSize;
    const permuted = stats.permuted === true;
    const maxDfShare = options.maxDfShare ?? 0.1;
    if (!(maxDfShare > 0 && maxDfShare <= 1)) throw new InputError(`must be in (0, 1], got ${maxDfShare}`, undefined, 'maxDfShare');

    // Live documents in current slot order, with their term ids.
    const liveIds: number[] = [];
    const liveSlots: number[] = [];
    const termLists: Uint32Array[] = [];
    for (const { key, value } of this.docs.getRange({})) {
      liveIds.push(key);
      liveSlots.push(permuted ? readUint32At(this.slotOfId.getBinary(key)!, 0) : key);
      termLists.push(decodeDocument(value).termIds);
    }
    const documents = liveIds.length;
    const bySlot = Array.from({ length: documents }, (_, i) => i);
    if (permuted) bySlot.sort((a, b) => liveSlots[a]! - liveSlots[b]!);

    // Graph terms: df >= 2 (a term in one document cannot pull documents together) and df <= maxDfShare x N
    // (near-ubiquitous terms cost time and barely separate anything); renumbered densely.
    const df = new Uint32Array(stats.nextTermId);
    for (const list of termLists) for (const t of list) df[t]!++;
    const maxDf = Math.max(2, Math.floor(maxDfShare * documents));
    const graphTermId = new Int32Array(stats.nextTermId).fill(-1);
    let graphTerms = 0;
    for (let t = 0; t < df.length; t++) if (df[t]! >= 2 && df[t]! <= maxDf) graphTermId[t] = graphTerms++;
    const offsets = new Uint32Array(documents + 1);
    for (let p = 0; p < documents; p++) {
      let n = 0;
      for (const t of termLists[bySlot[p]!]!) if (graphTermId[t]! >= 0) n++;
      offsets[p + 1] = offsets[p]! + n;
    }
    const edges = new Uint32Array(offsets[documents]!);
    for (let p = 0, e = 0; p < documents; p++) for (const t of termLists[bySlot[p]!]!) if (graphTermId[t]! >= 0) edges[e++] = graphTermId[t]!;
    termLists.length = 0;
    const bisection = recursiveGraphBisection(
      { offsets, terms: edges, termCount: graphTerms },
      {
        leafSize: blockSize,
        ...(options.iterations !== undefined && { iterations: options.iterations }),
        ...(options.minSwapShare !== undefined && { minSwapShare: options.minSwapShare }),
      },
    );
    const bisected = performance.now();

    // newSlotOf[old slot] = new slot; the document at graph position p gets slot p.
    const newSlotOf = new Int32Array(slotLimitOf(stats)).fill(-1);
    for (let p = 0; p < documents; p++) newSlotOf[liveSlots[bySlot[bisection.order[p]!]!]!] = p;
    // Every posting as (term, new slot, impact) in one key-ordered scan, then the databases are rewritten in key
    // order (clearSync is part of the transaction, so an abort keeps the old order).
    let total = 0;
    for (const { value } of this.postings.getRange({})) total += value.length >>> 1;
    const slots = new Uint32Array(total);
    const impacts = new Uint8Array(total);
    const termStart: number[] = [];
    const termIds: number[] = [];
    let at = 0;
    for (const { key, value } of this.postings.getRange({})) {
      const term = termOfPostingKey(key);
      if (termIds.length === 0 || termIds[termIds.length - 1] !== term) {
        termIds.push(term);
        termStart.push(at);
      }
      const n = value.length >>> 1;
      const base = blockOfPostingKey(key) * blockSize;
      for (let j = 0; j < n; j++) {
        const slot = newSlotOf[base + value[j]!]!;
        if (slot < 0) continue;
        slots[at] = slot;
        impacts[at++] = value[n + j]!;
      }
    }
    termStart.push(at);
    // Block records: postings bucketed by new block, filled term by term (ascending) with ascending offsets.
    const numBlocks = Math.ceil(documents / blockSize);
    const blockStart = new Uint32Array(numBlocks + 1);
    for (let j = 0; j < at; j++) blockStart[Math.floor(slots[j]! / blockSize) + 1]!++;
    for (let b = 0; b < numBlocks; b++) blockStart[b + 1]! += blockStart[b]!;
    const blockFill = blockStart.slice(0, numBlocks);
    const record = { termIds: new Uint32Array(at), offsets: new Uint8Array(at), impacts: new Uint8Array(at), count: at };
    this.postings.clearSync();
    this.blockRecords.clearSync();
    this.termBlockDb.clearSync();
    this.slotOfId.clearSync();
    this.idOfSlot.clearSync();
    let packed = new Float64Array(0);
    const blockOffsets = new Uint8Array(blockSize);
    const blockImpacts = new Uint8Array(blockSize);
    for (let i = 0; i < termIds.length; i++) {
      const termId = termIds[i]!;
      const from = termStart[i]!;
      const count = termStart[i + 1]! - from;
      if (count === 0) continue;
      if (packed.length < count) packed = new Float64Array(Math.max(count, 2 * packed.length));
      const keys = packed.subarray(0, count);
      for (let j = 0; j < count; j++) keys[j] = slots[from + j]! * 256 + impacts[from + j]!;
      keys.sort();
      const blockList: number[] = [];
      const maxList: number[] = [];
      let j = 0;
      while (j < count) {
        const block = Math.floor(keys[j]! / 256 / blockSize);
        let n = 0;
        let max = 0;
        for (; j < count && Math.floor(keys[j]! / 256 / blockSize) === block; j++, n++) {
          const impact = keys[j]! % 256;
          blockOffsets[n] = Math.floor(keys[j]! / 256) - block * blockSize;
          blockImpacts[n] = impact;
          const r = blockFill[block]!++;
          record.termIds[r] = termId;
          record.offsets[r] = blockOffsets[n]!;
          record.impacts[r] = impact;
          if (impact > max) max = impact;
        }
        this.postings.putSync(postingKey(termId, block), encodePostingBlock(blockOffsets, blockImpacts, n));
        blockList.push(block);
        maxList.push(max);
      }
      this.termBlockDb.putSync(termId, encodeTermBlocks(count, Uint32Array.from(blockList), Uint8Array.from(maxList), blockList.length));
    }
    for (let b = 0; b < numBlocks; b++) {
      if (blockStart[b + 1]! > blockStart[b]!) this.blockRecords.putSync(b, encodeBlockRecord(record, blockStart[b]!, blockStart[b + 1]!));
    }
    for (let p = 0; p < documents; p++) {
      const internalId = liveIds[bySlot[bisection.order[p]!]!]!;
      this.slotOfId.putSync(internalId, uint32Bytes(p));
      this.idOfSlot.putSync(p, uint32Bytes(internalId));
    }
    stats.permuted = true;
    stats.slotLimit = documents;
    this.meta.putSync(STATS_KEY, stats);
    return {
      documents,
      graphTerms,
      graphEdges: edges.length,
      bisections: bisection.bisections,
      swaps: bisection.swaps,
      bisectionMs: bisected - started,
      rewriteMs: performance.now() - bisected,
    };
  }

  /**
   * Cross-checks the block records against the term-major postings, block by block (posting counts and each
   * term's posting count). Returns problems found, at most `limit`. A full scan of both.
   */
  checkBlockRecords(limit = 20): string[] {
    const problems: string[] = [];
    const expected = new Map<number, Map<number, number>>();
    for (const { key, value } of this.postings.getRange({})) {
      const block = blockOfPostingKey(key);
      let terms = expected.get(block);
      if (terms === undefined) expected.set(block, (terms = new Map()));
      terms.set(termOfPostingKey(key), value.length >>> 1);
    }
    for (const { key: block, value } of this.blockRecords.getRange({})) {
      const terms = expected.get(block) ?? new Map<number, number>();
      expected.delete(block);
      const record = decodeBlockRecord(value);
      const counts = new Map<number, number>();
      for (let i = 0; i < record.count; i++) counts.set(record.termIds[i]!, (counts.get(record.termIds[i]!) ?? 0) + 1);
      const differs = counts.size !== terms.size || [...counts].some(([term, n]) => terms.get(term) !== n);
      if (differs && problems.length < limit) problems.push(`sparse block ${block}: block record disagrees with the term postings`);
    }
    for (const block of expected.keys()) if (problems.length < limit) problems.push(`sparse block ${block}: postings without a block record`);
    return problems;
  }

  /**
   * Rebuilds every term's df and block maxima from the stored postings (a full scan) and drops entries of
   * terms without postings. Only synchronous LMDB calls; run it in a transaction.
   */
  compact(): CompactReport {
    let terms = 0;
    let blocks = 0;
    let loweredMaxima = 0;
    let termId = -1;
    let df = 0;
    const blockList: number[] = [];
    const maxList: number[] = [];
    const live = new Set<number>();
    const flush = (): void => {
      if (termId < 0) return;
      const before = this.readTermBlocks(termId);
      for (let j = 0; j < blockList.length; j++) {
        const at = binarySearch(before.blocks, before.blocks.length, blockList[j]!);
        if (at >= 0 && before.maxima[at]! > maxList[j]!) loweredMaxima++;
      }
      this.termBlockDb.putSync(termId, encodeTermBlocks(df, Uint32Array.from(blockList), Uint8Array.from(maxList), blockList.length));
      live.add(termId);
      terms++;
      blocks += blockList.length;
    };
    for (const { key, value } of this.postings.getRange({})) {
      const term = termOfPostingKey(key);
      if (term !== termId) {
        flush();
        termId = term;
        df = 0;
        blockList.length = 0;
        maxList.length = 0;
      }
      const n = value.length / 2;
      let max = 0;
      for (let e = 0; e < n; e++) if (value[n + e]! > max) max = value[n + e]!;
      df += n;
      blockList.push(blockOfPostingKey(key));
      maxList.push(max);
    }
    flush();
    for (const key of this.termBlockDb.getKeys({})) if (!live.has(key)) this.termBlockDb.removeSync(key);
    return { terms, blocks, loweredMaxima };
  }
}

/** Exclusive bound of the slots postings may use: blocks are 0..ceil(slotLimitOf / blockSize) - 1. */
export function slotLimitOf(stats: SparseStats): number {
  return stats.permuted === true ? stats.slotLimit! : stats.idLimit;
}

function uint32Bytes(value: number): Uint8Array {
  return Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24);
}


/**
 * Merges updated (block, max) pairs (ascending blocks) into a term's block list. With `replace`, the given max
 * replaces the stored one and a max of 0 drops the block; otherwise the larger of both is kept.
 */
function mergeMaxima(
  current: DecodedTermBlocks,
  blocks: readonly number[],
  maxima: readonly number[],
  replace = false,
): { blocks: Uint32Array; maxima: Uint8Array; count: number } {
  const total = current.blocks.length + blocks.length;
  const outBlocks = new Uint32Array(total);
  const outMaxima = new Uint8Array(total);
  let a = 0;
  let b = 0;
  let n = 0;
  while (a < current.blocks.length || b < blocks.length) {
    const blockA = a < current.blocks.length ? current.blocks[a]! : Infinity;
    const blockB = b < blocks.length ? blocks[b]! : Infinity;
    let block: number;
    let max: number;
    if (blockA < blockB) {
      block = blockA;
      max = current.maxima[a++]!;
    } else if (blockB < blockA) {
      block = blockB;
      max = maxima[b++]!;
    } else {
      block = blockA;
      max = replace ? maxima[b]! : Math.max(current.maxima[a]!, maxima[b]!);
      a++;
      b++;
    }
    if (max === 0) continue;
    outBlocks[n] = block;
    outMaxima[n] = max > MAX_IMPACT ? MAX_IMPACT : max;
    n++;
  }
  return { blocks: outBlocks, maxima: outMaxima, count: n };
}
