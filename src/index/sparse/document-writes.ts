import type { Database } from 'lmdb';
import { InputError } from '../../shared/index.js';
import type { BlockRecords } from './block-records.js';
import { decodeDocument, encodeDocument, MAX_BLOCKS } from './encoding.js';
import { bm25Impact, learnedImpact } from './impacts.js';
import type { SlotMap } from './slot-map.js';
import { termFrequencies } from './sparse-input.js';
import type { TermDictionary } from './term-dictionary.js';
import type { TermPostings } from './term-postings.js';
import type { Bm25Params, SparseDocument, SparseStats } from './types.js';

/** A writable copy of a store's stats. */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The parts of a sparse store that adding and removing documents change, inside the caller's transaction. */
export interface SparseWriteTarget {
  readonly dictionary: TermDictionary;
  readonly termPostings: TermPostings;
  readonly blockRecords: BlockRecords;
  readonly slotMap: SlotMap;
  /** `<prefix>.docs`: internal id -> analysed length and term ids (to undo a document). */
  readonly docs: Database<Uint8Array, number>;
  /** A fixed BM25 average document length; otherwise the first batch's mean. */
  readonly fixedAvgdl: number | undefined;
}

/** Exclusive bound of the slots postings may use: blocks are 0..ceil(slotLimitOf / blockSize) - 1. */
export function slotLimitOf(stats: SparseStats): number {
  return stats.permuted === true ? stats.slotLimit! : stats.idLimit;
}

/**
 * Adds documents not stored yet (the caller removes replaced ones first): each gets a slot (its internal id, or
 * the next slot once reordered), its impacts go into the term postings and its block's record; `stats` (a
 * copy the caller persists) is updated.
 */
export function addDocuments(target: SparseWriteTarget, stats: Mutable<SparseStats>, documents: readonly SparseDocument[]): void {
  target.dictionary.beginWrite(stats.nextTermId);
  const analyzed = documents.map((doc, i) => termFrequencies(doc, i, stats.mode));
  if (stats.mode === 'bm25' && stats.avgdl === 0) {
    let total = 0;
    for (const a of analyzed) total += a.length;
    stats.avgdl = target.fixedAvgdl ?? (total > 0 ? total / analyzed.length : 1);
  }
  const params: Bm25Params = { k1: stats.k1, b: stats.b };
  /** New postings per term over the batch: flattened (slot, impact) pairs. */
  const pending = new Map<number, number[]>();
  /** New postings per block: flattened (term id, offset, impact) triples. */
  const blockAdds = new Map<number, number[]>();
  const permuted = stats.permuted === true;
  for (let i = 0; i < documents.length; i++) {
    const internalId = documents[i]!.internalId;
    const { frequencies, length } = analyzed[i]!;
    let slot = internalId;
    if (permuted) {
      slot = stats.slotLimit!;
      stats.slotLimit = slot + 1;
      target.slotMap.assign(internalId, slot);
    }
    const docTermIds: number[] = [];
    const block = Math.floor(slot / stats.blockSize);
    let adds = blockAdds.get(block);
    if (adds === undefined) blockAdds.set(block, (adds = []));
    for (const [term, value] of frequencies) {
      const impact = stats.mode === 'bm25' ? bm25Impact(value, length, stats.avgdl, params) : learnedImpact(value, stats.learnedScale);
      if (impact === 0) continue;
      const termId = target.dictionary.idFor(term, stats);
      docTermIds.push(termId);
      let pairs = pending.get(termId);
      if (pairs === undefined) pending.set(termId, (pairs = []));
      pairs.push(slot, impact);
      adds.push(termId, slot - block * stats.blockSize, impact);
    }
    target.docs.putSync(internalId, encodeDocument(length, docTermIds));
    stats.documents++;
    stats.totalLength += length;
    if (internalId + 1 > stats.idLimit) stats.idLimit = internalId + 1;
  }
  if (Math.ceil(slotLimitOf(stats) / stats.blockSize) > MAX_BLOCKS) {
    throw new InputError(`documents need more than ${MAX_BLOCKS} blocks of ${stats.blockSize}`, undefined, 'internalId');
  }
  const termIds = [...pending.keys()].sort((a, b) => a - b);
  for (const termId of termIds) target.termPostings.add(termId, pending.get(termId)!, stats.blockSize);
  for (const [block, adds] of blockAdds) target.blockRecords.update(block, undefined, adds);
}

/** Removes stored documents (unknown ids are ignored) from the postings and block records; returns how many. */
export function removeDocuments(target: SparseWriteTarget, stats: Mutable<SparseStats>, internalIds: readonly number[]): number {
  const permuted = stats.permuted === true;
  /** Removed slots per term. */
  const pending = new Map<number, number[]>();
  const blockDrops = new Map<number, Set<number>>();
  let removed = 0;
  for (const internalId of new Set(internalIds)) {
    if (!Number.isInteger(internalId) || internalId < 0 || internalId > 0xffffffff) continue;
    const bytes = target.docs.getBinary(internalId);
    if (bytes === undefined) continue;
    const doc = decodeDocument(bytes);
    target.docs.removeSync(internalId);
    const slot = permuted ? target.slotMap.release(internalId) : internalId;
    const block = Math.floor(slot / stats.blockSize);
    let drops = blockDrops.get(block);
    if (drops === undefined) blockDrops.set(block, (drops = new Set()));
    drops.add(slot - block * stats.blockSize);
    removed++;
    stats.documents--;
    stats.totalLength -= doc.length;
    for (const termId of doc.termIds) {
      let slots = pending.get(termId);
      if (slots === undefined) pending.set(termId, (slots = []));
      slots.push(slot);
    }
  }
  if (removed === 0) return 0;
  const termIds = [...pending.keys()].sort((a, b) => a - b);
  for (const termId of termIds) target.termPostings.drop(termId, pending.get(termId)!.sort((a, b) => a - b), stats.blockSize);
  for (const [block, drops] of blockDrops) target.blockRecords.update(block, drops, undefined);
  return removed;
}
