import type { Database, RootDatabase } from 'lmdb';
import {
  binarySearch,
  blockOfPostingKey,
  decodeTermBlocks,
  encodePostingBlock,
  encodeTermBlocks,
  postingKey,
  termOfPostingKey,
  type DecodedTermBlocks,
} from './encoding.js';
import { MAX_IMPACT } from './impacts.js';
import type { TermBlocks } from './types.js';

export interface CompactReport {
  readonly terms: number;
  readonly blocks: number;
  /** Block maxima that were lowered (stale upper bounds). */
  readonly loweredMaxima: number;
}

/**
 * The term-major side of the sparse store: `<prefix>.termBlocks` (term id -> df and per-block impact maxima) and
 * `<prefix>.postings` ((term id, block) -> offsets and 8-bit impacts of that block), what term-at-a-time scans
 * and the block bounds read. Writes keep df and maxima exact; they run inside the caller's transaction.
 */
export class TermPostings {
  private readonly termBlockDb: Database<Uint8Array, number>;
  private readonly postings: Database<Uint8Array, number>;

  constructor(env: RootDatabase, prefix: string) {
    this.termBlockDb = env.openDB<Uint8Array, number>({ name: `${prefix}.termBlocks`, keyEncoding: 'uint32', encoding: 'binary' });
    this.postings = env.openDB<Uint8Array, number>({ name: `${prefix}.postings`, encoding: 'binary' });
  }

  termBlocks(termId: number): TermBlocks | undefined {
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

  /** Every posting block of `termId`, block ascending, in one cursor pass. */
  forEachPostingBlock(termId: number, visit: (block: number, bytes: Uint8Array) => void): void {
    for (const { key, value } of this.postings.getRange({ start: postingKey(termId, 0), end: postingKey(termId + 1, 0) })) {
      visit(blockOfPostingKey(key), value);
    }
  }

  /** Every posting block of every term, in key order (term, then block). */
  forEveryPostingBlock(visit: (termId: number, block: number, bytes: Uint8Array) => void): void {
    for (const { key, value } of this.postings.getRange({})) visit(termOfPostingKey(key), blockOfPostingKey(key), value);
  }

  /** Merges (slot, impact) pairs of one term into its posting blocks and block maxima. */
  add(termId: number, pairs: number[], blockSize: number): void {
    const count = pairs.length / 2;
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = pairs[2 * i]! > pairs[2 * i - 2]!;
    if (!sorted) order.sort((a, b) => pairs[2 * a]! - pairs[2 * b]!);

    const current = this.read(termId);
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

  /** Removes the postings of ascending slots `slots` from one term; recomputes the touched blocks' maxima exactly. */
  drop(termId: number, slots: number[], blockSize: number): void {
    const current = this.read(termId);
    const touchedBlocks: number[] = [];
    const touchedMaxima: number[] = [];
    let i = 0;
    while (i < slots.length) {
      const block = Math.floor(slots[i]! / blockSize);
      const base = block * blockSize;
      const drop = new Set<number>();
      while (i < slots.length && Math.floor(slots[i]! / blockSize) === block) drop.add(slots[i++]! - base);
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
    const df = current.df - slots.length;
    if (df <= 0 || merged.count === 0) this.termBlockDb.removeSync(termId);
    else this.termBlockDb.putSync(termId, encodeTermBlocks(df, merged.blocks, merged.maxima, merged.count));
  }

  /**
   * Rebuilds every term's df and block maxima from the stored postings (a full scan) and drops entries of
   * terms without postings.
   */
  rebuildMaxima(): CompactReport {
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
      const before = this.read(termId);
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

  /** Drops every posting and term entry (reordering rewrites them all in the same transaction). */
  clear(): void {
    this.postings.clearSync();
    this.termBlockDb.clearSync();
  }

  putPostingBlock(termId: number, block: number, offsets: ArrayLike<number>, impacts: ArrayLike<number>, count: number): void {
    this.postings.putSync(postingKey(termId, block), encodePostingBlock(offsets, impacts, count));
  }

  putTermBlocks(termId: number, df: number, blocks: Uint32Array, maxima: Uint8Array): void {
    this.termBlockDb.putSync(termId, encodeTermBlocks(df, blocks, maxima, blocks.length));
  }

  private read(termId: number): DecodedTermBlocks {
    const bytes = this.termBlockDb.getBinaryFast(termId);
    return bytes === undefined ? { df: 0, blocks: new Uint32Array(0), maxima: new Uint8Array(0) } : decodeTermBlocks(bytes);
  }
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
