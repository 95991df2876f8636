export interface LatencySummary {
  readonly p50Ms: number;
  readonly p95Ms: number;
  /** Queries per second over the whole sequential run (count / wall time). */
  readonly qps: number;
}

/**
 * Nearest-rank percentile: the smallest value such that at least p% of the values are <= it,
 * i.e. sorted[ceil(p/100 * n) - 1] (sorted[0] for p = 0). NaN for no values.
 */
export function percentileNearestRank(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within [0, 100], got ${p}`);
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

export function summarizeLatency(latenciesMs: readonly number[], wallMs: number): LatencySummary {
  return {
    p50Ms: percentileNearestRank(latenciesMs, 50),
    p95Ms: percentileNearestRank(latenciesMs, 95),
    qps: wallMs > 0 ? (latenciesMs.length * 1000) / wallMs : 0,
  };
}
