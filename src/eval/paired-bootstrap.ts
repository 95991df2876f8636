import { mulberry32, UsageError } from '../shared/index.js';

export interface PairedBootstrapOptions {
  /** Resamples drawn (default 10,000). */
  readonly resamples?: number;
  /** Seed of the resampling PRNG (mulberry32); the same seed gives the same interval (default 1). */
  readonly seed?: number;
  /** Two-sided confidence level of the interval (default 0.95). */
  readonly confidence?: number;
}

export interface PairedBootstrapResult {
  /** Paired queries. */
  readonly n: number;
  /** Mean of a - b over the queries (the observed difference). */
  readonly meanDifference: number;
  /** Percentile interval of the resampled mean differences. */
  readonly lower: number;
  readonly upper: number;
  readonly confidence: number;
  readonly resamples: number;
  /** Share of resamples whose mean difference is <= 0 (one-sided: how often a fails to beat b). */
  readonly shareAtOrBelowZero: number;
}

/**
 * Paired bootstrap of the mean per-query difference a - b (Efron and Tibshirani; Sakai 2006 for IR): each
 * resample draws n query indices with replacement and takes the mean of a[i] - b[i] over them; the percentile
 * interval drops t = floor((1 - confidence) / 2 x resamples) resampled means from each end of their sorted list
 * (so swapping a and b negates it exactly). Deterministic for a given seed.
 */
export function pairedBootstrap(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  options: PairedBootstrapOptions = {},
): PairedBootstrapResult {
  const n = a.length;
  if (b.length !== n) throw new UsageError(`paired bootstrap needs equal-length lists, got ${n} and ${b.length}`, 'usage');
  if (n === 0) throw new UsageError('paired bootstrap needs at least one paired value', 'usage');
  const resamples = options.resamples ?? 10_000;
  const confidence = options.confidence ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new UsageError(`resamples must be a positive integer, got ${resamples}`, 'usage');
  }
  if (!(confidence > 0 && confidence < 1)) {
    throw new UsageError(`confidence must lie strictly between 0 and 1, got ${confidence}`, 'usage');
  }
  const differences = new Float64Array(n);
  let observed = 0;
  for (let i = 0; i < n; i++) {
    differences[i] = a[i]! - b[i]!;
    observed += differences[i]!;
  }
  const random = mulberry32(options.seed ?? 1);
  const means = new Float64Array(resamples);
  let atOrBelowZero = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += differences[Math.floor(random() * n)]!;
    means[r] = sum / n;
    if (means[r]! <= 0) atOrBelowZero++;
  }
  means.sort();
  const trimmed = Math.floor(((1 - confidence) / 2) * resamples);
  return {
    n,
    meanDifference: observed / n,
    lower: means[trimmed]!,
    upper: means[resamples - 1 - trimmed]!,
    confidence,
    resamples,
    shareAtOrBelowZero: atOrBelowZero / resamples,
  };
}
