import { idf } from '../../shared/idf.js';
import type { Bm25Params } from './types.js';

/** Anserini's BM25 defaults. */
export const DEFAULT_BM25: Bm25Params = { k1: 0.9, b: 0.4 };

/** Largest stored impact (8 bits). */
export const MAX_IMPACT = 255;

/** Default scale of learned-sparse weights: impacts cover weights 0..~3.98 in steps of 1/64. */
export const DEFAULT_LEARNED_SCALE = 64;

/**
 * Query weights are integers = round(weight x QUERY_WEIGHT_SCALE), so every score is an exact integer sum in
 * float64 (255 x 2^20 x 13 per term stays far below 2^53 for any realistic query) and any evaluation order
 * yields the same value.
 */
export const QUERY_WEIGHT_SCALE = 1 << 20;

/**
 * Quantized BM25 term-frequency saturation: round(255 x tf / (tf + k1 x (1 - b + b x dl / avgdl))), at least 1
 * so every occurrence stays a posting. This is Lucene's BM25 term weight without the idf factor (Lucene 8+ drops
 * the constant (k1 + 1)); the score of a document is then sum over query terms of qtf x idf x impact / 255.
 */
export function bm25Impact(tf: number, dl: number, avgdl: number, params: Bm25Params): number {
  const norm = params.k1 * (1 - params.b + (params.b * dl) / avgdl);
  const q = Math.round((MAX_IMPACT * tf) / (tf + norm));
  return q < 1 ? 1 : q > MAX_IMPACT ? MAX_IMPACT : q;
}

/** Lucene/Anserini BM25 idf: ln(1 + (N - df + 0.5) / (df + 0.5)); always positive. */
export function bm25Idf(documents: number, df: number): number {
  return idf(df, documents);
}

/** Learned-sparse impact: min(255, round(weight x scale)); 0 means the weight is below resolution (no posting). */
export function learnedImpact(weight: number, scale: number): number {
  const q = Math.round(weight * scale);
  return q > MAX_IMPACT ? MAX_IMPACT : q;
}

/** Integer query weight for a real-valued weight (idf x qtf for BM25, the given weight for learned). */
export function quantizeQueryWeight(weight: number): number {
  return Math.round(weight * QUERY_WEIGHT_SCALE);
}
