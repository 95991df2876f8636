import type { CodecTrainingReport } from './vector-codec.js';

/**
 * Re-training is advised when vectors stored after training reconstruct with this many times the held-out mean
 * squared error measured at training. Same-distribution data stays near 1 (the training figure is already
 * out-of-sample); 1.5 means half again as much error, well beyond sampling noise at DRIFT_MIN_VECTORS.
 */
export const RETRAIN_ERROR_RATIO = 1.5;
/** Fewer added vectors than this never trigger the advice (too noisy). */
export const DRIFT_MIN_VECTORS = 256;

/** Running sums over the vectors stored since a trainable codec was trained (persisted beside its state). */
export interface CodecDriftSums {
  vectors: number;
  squaredError: number;
  cosine: number;
}

export interface CodecDriftReport {
  readonly training: CodecTrainingReport;
  /** Reconstruction of the vectors stored since training (including the sample's own documents). */
  readonly added: { readonly vectors: number; readonly meanSquaredError: number; readonly meanCosine: number };
  /** added.meanSquaredError / training.meanSquaredError (1 when nothing was added). */
  readonly errorRatio: number;
  readonly retrainAdvised: boolean;
}

export function emptyDriftSums(): CodecDriftSums {
  return { vectors: 0, squaredError: 0, cosine: 0 };
}

/** Adds each row's squared error and cosine between `original` and its reconstruction `decoded` to `sums`. */
export function accumulateDrift(sums: CodecDriftSums, original: Float32Array, decoded: Float32Array, dim: number): void {
  const count = original.length / dim;
  for (let v = 0, off = 0; v < count; v++, off += dim) {
    let squared = 0;
    let ab = 0;
    let aa = 0;
    let bb = 0;
    for (let j = 0; j < dim; j++) {
      const a = original[off + j]!;
      const b = decoded[off + j]!;
      squared += (a - b) * (a - b);
      ab += a * b;
      aa += a * a;
      bb += b * b;
    }
    sums.squaredError += squared;
    sums.cosine += aa > 0 && bb > 0 ? ab / Math.sqrt(aa * bb) : aa === bb ? 1 : 0;
  }
  sums.vectors += count;
}

/** Mean squared error and mean cosine over the summed vectors (0 and 1 when there are none). */
export function meanReconstruction(sums: CodecDriftSums): { vectors: number; meanSquaredError: number; meanCosine: number } {
  return {
    vectors: sums.vectors,
    meanSquaredError: sums.vectors > 0 ? sums.squaredError / sums.vectors : 0,
    meanCosine: sums.vectors > 0 ? sums.cosine / sums.vectors : 1,
  };
}

export function driftReport(training: CodecTrainingReport, sums: CodecDriftSums): CodecDriftReport {
  const { meanSquaredError, meanCosine } = meanReconstruction(sums);
  const errorRatio = sums.vectors === 0 ? 1 : training.meanSquaredError > 0 ? meanSquaredError / training.meanSquaredError : meanSquaredError > 0 ? Infinity : 1;
  return {
    training,
    added: { vectors: sums.vectors, meanSquaredError, meanCosine },
    errorRatio,
    retrainAdvised: sums.vectors >= DRIFT_MIN_VECTORS && errorRatio > RETRAIN_ERROR_RATIO,
  };
}

/** The drift of a stretch of additions: the difference of two snapshots of the running sums. */
export function driftBetween(before: CodecDriftSums, after: CodecDriftSums): CodecDriftSums {
  return {
    vectors: after.vectors - before.vectors,
    squaredError: after.squaredError - before.squaredError,
    cosine: after.cosine - before.cosine,
  };
}
