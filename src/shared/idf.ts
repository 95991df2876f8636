/**
 * BM25-style inverse document frequency, ln(1 + (N - df + 0.5) / (df + 0.5)), with df clamped to [0, N] so the
 * weight stays positive even if counts disagree. Query weights of static encoders, IDF pruning and BM25 share it.
 */
export function idf(documentFrequency: number, documentCount: number): number {
  const n = Math.max(0, documentCount);
  const df = Math.min(Math.max(0, documentFrequency), n);
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}
