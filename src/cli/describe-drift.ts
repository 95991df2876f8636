import { RETRAIN_ERROR_RATIO, type CodecDriftReport } from '../index/index.js';

/**
 * One line on how well a trained codec reconstructs the vectors stored since training, against its training
 * figure, with the rebuild advice when the error ratio passes RETRAIN_ERROR_RATIO (`add` and `stats` print it).
 */
export function describeDrift(codec: string, drift: CodecDriftReport): string {
  const line =
    `${codec}: the ${drift.added.vectors} vectors stored reconstruct with cosine ${drift.added.meanCosine.toFixed(4)}, ` +
    `squared error ${drift.added.meanSquaredError.toFixed(4)} = ${drift.errorRatio.toFixed(2)}x the training figure ` +
    `(${drift.training.meanSquaredError.toFixed(4)})`;
  return drift.retrainAdvised
    ? `${line}; above ${RETRAIN_ERROR_RATIO}x: the data has drifted from the codebook's sample. Rebuild with ` +
        `"lateindex index --overwrite" over the whole corpus to retrain it (stored codes cannot be re-encoded in place).`
    : line;
}
