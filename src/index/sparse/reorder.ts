import { InputError } from '../../shared/index.js';
import type { BlockRecords } from './block-records.js';
import { recursiveGraphBisection, type BisectionReport, type DocumentTermGraph } from './graph-bisection.js';
import type { SlotMap } from './slot-map.js';
import type { TermPostings } from './term-postings.js';

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

/** The live documents in current slot order: `ids[order[p]]` sits at the p-th slot, with its term ids. */
export interface LiveDocuments {
  readonly ids: readonly number[];
  readonly slots: readonly number[];
  readonly termLists: Uint32Array[];
  /** Indexes into `ids` by ascending current slot. */
  readonly bySlot: readonly number[];
}

/** What reordering rewrites, in the caller's transaction. */
export interface ReorderTarget {
  readonly termPostings: TermPostings;
  readonly blockRecords: BlockRecords;
  readonly slotMap: SlotMap;
  readonly blockSize: number;
  /** Term ids are below this. */
  readonly nextTermId: number;
  /** Exclusive bound of the slots postings use now. */
  readonly slotLimit: number;
}

/**
 * Renumbers the live documents' slots by recursive graph bisection of the document-term graph (blocks of
 * documents that share terms) and rewrites every posting block, block maximum, block record and slot map: maxima
 * become exact and deleted documents' slots are reclaimed. Deterministic for a given store content. Only
 * synchronous LMDB calls; the caller runs it in a transaction and records `permuted` and the new slot limit
 * (= documents).
 */
export function reorderSlots(target: ReorderTarget, live: LiveDocuments, options: ReorderOptions = {}): ReorderReport {
  const started = performance.now();
  const maxDfShare = options.maxDfShare ?? 0.1;
  if (!(maxDfShare > 0 && maxDfShare <= 1)) throw new InputError(`must be in (0, 1], got ${maxDfShare}`, undefined, 'maxDfShare');
  const documents = live.ids.length;
  const graph = bisectionGraph(live, target.nextTermId, maxDfShare);
  live.termLists.length = 0;
  const bisection = recursiveGraphBisection(graph, {
    leafSize: target.blockSize,
    ...(options.iterations !== undefined && { iterations: options.iterations }),
    ...(options.minSwapShare !== undefined && { minSwapShare: options.minSwapShare }),
  });
  const bisected = performance.now();
  // newSlotOf[old slot] = new slot; the document at graph position p gets slot p.
  const newSlotOf = new Int32Array(target.slotLimit).fill(-1);
  for (let p = 0; p < documents; p++) newSlotOf[live.slots[live.bySlot[bisection.order[p]!]!]!] = p;
  rewritePostings(target, collectPostings(target, newSlotOf), documents);
  target.slotMap.clear();
  for (let p = 0; p < documents; p++) target.slotMap.assign(live.ids[live.bySlot[bisection.order[p]!]!]!, p);
  return report(documents, graph, bisection, started, bisected);
}

/**
 * Graph terms: df >= 2 (a term in one document cannot pull documents together) and df <= maxDfShare x N
 * (near-ubiquitous terms cost time and barely separate anything); renumbered densely. Rows in slot order.
 */
function bisectionGraph(live: LiveDocuments, nextTermId: number, maxDfShare: number): DocumentTermGraph {
  const documents = live.ids.length;
  const df = new Uint32Array(nextTermId);
  for (const list of live.termLists) for (const t of list) df[t]!++;
  const maxDf = Math.max(2, Math.floor(maxDfShare * documents));
  const graphTermId = new Int32Array(nextTermId).fill(-1);
  let termCount = 0;
  for (let t = 0; t < df.length; t++) if (df[t]! >= 2 && df[t]! <= maxDf) graphTermId[t] = termCount++;
  const offsets = new Uint32Array(documents + 1);
  for (let p = 0; p < documents; p++) {
    let n = 0;
    for (const t of live.termLists[live.bySlot[p]!]!) if (graphTermId[t]! >= 0) n++;
    offsets[p + 1] = offsets[p]! + n;
  }
  const terms = new Uint32Array(offsets[documents]!);
  for (let p = 0, e = 0; p < documents; p++) for (const t of live.termLists[live.bySlot[p]!]!) if (graphTermId[t]! >= 0) terms[e++] = graphTermId[t]!;
  return { offsets, terms, termCount };
}

/** Every live posting as (new slot, impact), grouped by term ascending: term i's are at [termStart[i], termStart[i+1]). */
interface CollectedPostings {
  readonly slots: Uint32Array;
  readonly impacts: Uint8Array;
  readonly termIds: number[];
  readonly termStart: number[];
  readonly count: number;
}

/** One key-ordered scan of the term postings, mapped to the new slots (postings of deleted slots are dropped). */
function collectPostings(target: ReorderTarget, newSlotOf: Int32Array): CollectedPostings {
  const { blockSize } = target;
  let total = 0;
  target.termPostings.forEveryPostingBlock((_term, _block, bytes) => {
    total += bytes.length >>> 1;
  });
  const slots = new Uint32Array(total);
  const impacts = new Uint8Array(total);
  const termStart: number[] = [];
  const termIds: number[] = [];
  let at = 0;
  target.termPostings.forEveryPostingBlock((term, block, value) => {
    if (termIds.length === 0 || termIds[termIds.length - 1] !== term) {
      termIds.push(term);
      termStart.push(at);
    }
    const n = value.length >>> 1;
    const base = block * blockSize;
    for (let j = 0; j < n; j++) {
      const slot = newSlotOf[base + value[j]!]!;
      if (slot < 0) continue;
      slots[at] = slot;
      impacts[at++] = value[n + j]!;
    }
  });
  termStart.push(at);
  return { slots, impacts, termIds, termStart, count: at };
}

/**
 * Rewrites the term postings and block records from the collected postings, in key order (clearSync is part of
 * the transaction, so an abort keeps the old order). Block records are filled term by term (ascending) with
 * ascending offsets.
 */
function rewritePostings(target: ReorderTarget, collected: CollectedPostings, documents: number): void {
  const { blockSize } = target;
  const { slots, impacts, termIds, termStart, count: total } = collected;
  const numBlocks = Math.ceil(documents / blockSize);
  const blockStart = new Uint32Array(numBlocks + 1);
  for (let j = 0; j < total; j++) blockStart[Math.floor(slots[j]! / blockSize) + 1]!++;
  for (let b = 0; b < numBlocks; b++) blockStart[b + 1]! += blockStart[b]!;
  const blockFill = blockStart.slice(0, numBlocks);
  const record = { termIds: new Uint32Array(total), offsets: new Uint8Array(total), impacts: new Uint8Array(total), count: total };
  target.termPostings.clear();
  target.blockRecords.clear();
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
      target.termPostings.putPostingBlock(termId, block, blockOffsets, blockImpacts, n);
      blockList.push(block);
      maxList.push(max);
    }
    target.termPostings.putTermBlocks(termId, count, Uint32Array.from(blockList), Uint8Array.from(maxList));
  }
  for (let b = 0; b < numBlocks; b++) {
    if (blockStart[b + 1]! > blockStart[b]!) target.blockRecords.put(b, record, blockStart[b]!, blockStart[b + 1]!);
  }
}

function report(documents: number, graph: DocumentTermGraph, bisection: BisectionReport, started: number, bisected: number): ReorderReport {
  return {
    documents,
    graphTerms: graph.termCount,
    graphEdges: graph.terms.length,
    bisections: bisection.bisections,
    swaps: bisection.swaps,
    bisectionMs: bisected - started,
    rewriteMs: performance.now() - bisected,
  };
}
