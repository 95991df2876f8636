import { UsageError } from '../../shared/index.js';
import {
  analyze,
  bm25Idf,
  isSparseWeight,
  MAX_IMPACT,
  QUERY_WEIGHT_SCALE,
  quantizeQueryWeight,
  type SparseStore,
  type TermBlocks,
} from '../../index/sparse/index.js';

/**
 * A sparse query: text (BM25 stores: analyzed like documents, weight = query tf x idf), or term weights used as
 * given (BM25 stores: weight = boost x idf; learned stores: the learned query weight).
 */
export type SparseQueryInput = string | Readonly<Record<string, number>>;

/** A query resolved against one store: the terms it has postings for, heaviest first. */
export interface PreparedSparseQuery {
  readonly kind: 'prepared';
  /** Terms with postings, by integer weight descending, ties by term id ascending. */
  readonly terms: readonly TermBlocks[];
  /** Integer weights parallel to `terms` (round(weight x QUERY_WEIGHT_SCALE), all >= 1). */
  readonly weights: Float64Array;
  /** Reported score = integer score x scoreScale. */
  readonly scoreScale: number;
}

export function isPreparedSparseQuery(query: SparseQueryInput | PreparedSparseQuery): query is PreparedSparseQuery {
  return typeof query === 'object' && (query as { kind?: unknown }).kind === 'prepared';
}

/** Resolves `input` against `store` (term dictionary, df, current document count). */
export function prepareSparseQuery(store: SparseStore, input: SparseQueryInput | PreparedSparseQuery): PreparedSparseQuery {
  if (isPreparedSparseQuery(input)) return input;
  const stats = store.stats();
  const raw = new Map<string, number>();
  if (typeof input === 'string') {
    if (stats.mode !== 'bm25') throw new UsageError('a learned-sparse index needs query term weights, not text', 'sparse_query');
    for (const term of analyze(input)) raw.set(term, (raw.get(term) ?? 0) + 1);
  } else {
    for (const [term, weight] of Object.entries(input)) {
      if (!isSparseWeight(weight)) {
        throw new UsageError(`query weight of "${term}" must be a finite number >= 0, got ${String(weight)}`, 'sparse_query');
      }
      if (weight > 0) raw.set(term, weight);
    }
  }
  const entries: { blocks: TermBlocks; weight: number }[] = [];
  for (const [term, value] of raw) {
    const blocks = store.termBlocks(term);
    if (blocks === undefined) continue;
    const real = stats.mode === 'bm25' ? value * bm25Idf(stats.documents, blocks.df) : value;
    const weight = quantizeQueryWeight(real);
    if (weight >= 1) entries.push({ blocks, weight });
  }
  entries.sort((a, b) => b.weight - a.weight || a.blocks.termId - b.blocks.termId);
  const docScale = stats.mode === 'bm25' ? MAX_IMPACT : stats.learnedScale;
  return {
    kind: 'prepared',
    terms: entries.map((e) => e.blocks),
    weights: Float64Array.from(entries, (e) => e.weight),
    scoreScale: 1 / (QUERY_WEIGHT_SCALE * docScale),
  };
}

/**
 * The first `count` terms of `prepared` (its heaviest) ordered by term id, the order of a block record
 * (`accumulateBlockRecord`), with their weights.
 */
export function termsInRecordOrder(prepared: PreparedSparseQuery, count: number): { termIds: Uint32Array; weights: Float64Array } {
  const { terms, weights } = prepared;
  const byId = Array.from({ length: count }, (_, t) => t).sort((a, b) => terms[a]!.termId - terms[b]!.termId);
  return { termIds: Uint32Array.from(byId, (t) => terms[t]!.termId), weights: Float64Array.from(byId, (t) => weights[t]!) };
}

/** Number of query terms kept by query term pruning: the top `beta` share by weight, at least one. */
export function keptTermCount(termCount: number, beta: number): number {
  if (!(beta > 0 && beta <= 1)) throw new UsageError(`beta must be in (0, 1], got ${beta}`, 'sparse_query');
  if (termCount === 0) return 0;
  return Math.max(1, Math.ceil(beta * termCount - 1e-9));
}
