import type { IndexCounts } from '../index/index.js';
import type { LatencySummary } from './latency.js';

/**
 * Storage figures of an index: what late-interaction scoring reads per document, i.e. vector payloads plus any
 * exact-match token lists (documents' text, sparse postings and the HNSW graph excluded).
 */
export interface StorageSummary {
  readonly documents: number;
  readonly vectors: number;
  readonly vectorsPerDoc: number;
  readonly bytes: number;
  readonly bytesPerDoc: number;
  /** The part of `bytes` that is exact-match token lists (present when the index keeps them). */
  readonly exactTokenBytes?: number;
}

/** The `eval --json` object of DESIGN.md; `config` says what was measured and is free-form per caller. */
export interface EvalReport<Config extends object = Record<string, unknown>> {
  readonly dataset: string;
  readonly split: string;
  readonly queries: number;
  readonly metrics: Record<string, number>;
  readonly storage: StorageSummary;
  readonly latency: LatencySummary;
  readonly config: Config;
}

export function storageSummary(counts: IndexCounts): StorageSummary {
  const bytes = counts.vectorBytes + (counts.exactTokenBytes ?? 0);
  return {
    documents: counts.documents,
    vectors: counts.vectors,
    vectorsPerDoc: counts.documents ? counts.vectors / counts.documents : 0,
    bytes,
    bytesPerDoc: counts.documents ? bytes / counts.documents : 0,
    ...(counts.exactTokenBytes !== undefined && { exactTokenBytes: counts.exactTokenBytes }),
  };
}

/** One construction of the eval object, shared by `lateindex eval` and `lateindex sweep`. */
export function buildEvalReport<Config extends object>(args: {
  readonly dataset: string;
  readonly split: string;
  readonly evaluation: { readonly queries: number; readonly metrics: Record<string, number>; readonly latency: LatencySummary };
  readonly counts: IndexCounts;
  readonly config: Config;
}): EvalReport<Config> {
  return {
    dataset: args.dataset,
    split: args.split,
    queries: args.evaluation.queries,
    metrics: args.evaluation.metrics,
    storage: storageSummary(args.counts),
    latency: args.evaluation.latency,
    config: args.config,
  };
}
